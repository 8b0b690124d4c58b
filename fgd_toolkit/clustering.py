"""Inductive step: cluster passages, name clusters by distinctive terms, relate them to codes.

Deterministic (Ward agglomerative clustering, no random start), every passage is placed in a
cluster or left out with a reason, works from a handful of passages upwards.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import lang
from .cachefiles import read_cache_file, write_cache_file
from .normalize import clean_text

#: clusters.csv columns.
CLUSTER_COLUMNS = ["cluster", "size", "status", "label", "top_terms", "dominant_code",
                   "dominant_share", "coded_share", "codes", "representative_passage",
                   "representative_text"]


@dataclass(frozen=True)
class ClusterOptions:
    """How passages are clustered."""

    min_cluster_size: int = 3        # smaller groups are left out ("too small")
    max_clusters: int = 40
    dominant_share: float = 0.5      # a code on >= this share of coded members dominates
    emergent_coded_share: float = 0.3  # below this share of coded members: emergent theme
    n_terms: int = 6


def choose_k(n: int, options: ClusterOptions) -> int:
    """Number of clusters: about one per 12 passages, within [2, max_clusters]."""
    return int(min(options.max_clusters, max(2, round(n / 12))))


def cluster_vectors(vectors: np.ndarray, options: ClusterOptions,
                    cache_dir: Path | None = None) -> np.ndarray:
    """Cluster labels (0..k-1, ordered by first member) from Ward clustering; -1 if n < 3.

    With ``cache_dir`` the labels are remembered per (vectors, options): a re-run after a
    codebook edit, whose passage vectors did not change, skips the clustering.
    """
    if cache_dir is None:
        return _ward(vectors, options)
    digest = hashlib.sha256(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    digest.update(repr(options).encode())
    target = Path(cache_dir) / "clusters" / f"{digest.hexdigest()[:32]}.npy"
    labels = read_cache_file(target, lambda path: _read_labels(path, len(vectors)))
    if labels is None:
        labels = _ward(vectors, options)

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as handle:
                np.save(handle, labels, allow_pickle=False)

        write_cache_file(target, write)
    return labels


def _read_labels(path: Path, n: int) -> np.ndarray:
    """Cluster labels stored by :func:`cluster_vectors`: ``n`` integers from -1 up."""
    labels = np.load(path, allow_pickle=False)
    if labels.shape != (n,) or labels.dtype.kind not in "iu" or (n and labels.min() < -1):
        raise ValueError(f"unexpected labels {labels.dtype}{labels.shape}")
    return labels


def _ward(vectors: np.ndarray, options: ClusterOptions) -> np.ndarray:
    n = len(vectors)
    if n < max(3, options.min_cluster_size):
        return np.full(n, -1)
    from sklearn.cluster import AgglomerativeClustering

    k = min(choose_k(n, options), n - 1)
    raw = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(vectors)
    order = {old: new for new, old in enumerate(dict.fromkeys(raw.tolist()))}
    return np.array([order[x] for x in raw])


def distinctive_terms(texts_by_cluster: dict[int, list[str]], n_terms: int) -> dict[int, list[str]]:
    """c-TF-IDF: terms frequent in a cluster and rare in the others (stop words, informal
    forms and fillers removed)."""
    from sklearn.feature_extraction.text import CountVectorizer

    ids = sorted(texts_by_cluster)
    docs = [" ".join(texts_by_cluster[c]) for c in ids]
    stop = lang.stop_words()
    vectorizer = CountVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b[^\W\d_][\w-]+\b",
                                 stop_words=sorted(stop))
    try:
        counts = vectorizer.fit_transform(docs).toarray().astype(float)
    except ValueError:  # nothing but stop words
        return {c: [] for c in ids}
    terms = vectorizer.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg_words = counts.sum() / max(len(ids), 1)
    idf = np.log(1 + avg_words / np.maximum(counts.sum(axis=0), 1))
    ctfidf = tf * idf
    out = {}
    for row, c in enumerate(ids):
        order = np.lexsort((terms, -ctfidf[row]))
        out[c] = [terms[k] for k in order[:n_terms] if ctfidf[row, k] > 0]
    return out


def cluster_passages(passages: pd.DataFrame, vectors: np.ndarray, ineligible: np.ndarray,
                     codings: pd.DataFrame, options: ClusterOptions | None = None,
                     cache_dir: Path | None = None
                     ) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Cluster eligible passages and describe each cluster.

    ``ineligible`` holds, per passage, why it is not coded (``""`` when it is; see
    :func:`fgd_toolkit.settings.ineligible_reasons`). Returns (clusters table, per-passage
    cluster number (-1 if none), per-passage note saying why a passage is outside every
    cluster).
    """
    options = options or ClusterOptions()
    n = len(passages)
    assignment = np.full(n, -1)
    notes = np.array(ineligible, dtype=object).copy()
    idx = np.flatnonzero(notes == "")
    labels = cluster_vectors(vectors[idx], options, cache_dir) if len(idx) \
        else np.array([], dtype=int)
    sizes = Counter(labels.tolist())
    for pos, lab in zip(idx, labels):
        if lab < 0:
            notes[pos] = "too few passages to cluster"
        elif sizes[lab] < options.min_cluster_size:
            notes[pos] = f"cluster too small (<{options.min_cluster_size} passages)"
        else:
            assignment[pos] = lab
    kept = sorted({int(x) for x in assignment if x >= 0})
    renumber = {old: new for new, old in enumerate(kept, start=1)}
    assignment = np.array([renumber.get(int(x), -1) for x in assignment])

    # labels read better in the speakers' own words (KTP, OSS) than in expanded standard forms
    texts = [clean_text(t).lower() for t in passages["text"]]
    members = {c: [i for i in range(n) if assignment[i] == c] for c in renumber.values()}
    terms = distinctive_terms({c: [texts[i] for i in m] for c, m in members.items()},
                              options.n_terms) if members else {}
    codes_by_passage = codings.groupby("passage_id")["code_id"].apply(list).to_dict() \
        if len(codings) else {}
    pids = passages["passage_id"].tolist()
    rows = []
    for c, member_idx in members.items():
        coded = [codes_by_passage.get(pids[i], []) for i in member_idx]
        code_counts = Counter(code for codes in coded for code in codes)
        coded_share = sum(1 for codes in coded if codes) / len(member_idx)
        dominant, share = ("", 0.0)
        if code_counts:
            dominant, count = sorted(code_counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            share = count / len(member_idx)
        if coded_share < options.emergent_coded_share:
            status = "emergent"
        elif share >= options.dominant_share:
            status = "covered"
        else:
            status = "mixed"
        centre = vectors[member_idx].mean(axis=0)
        rep = member_idx[int(np.argmax(vectors[member_idx] @ centre))]
        top = terms.get(c, [])
        rows.append({
            "cluster": c, "size": len(member_idx), "status": status,
            "label": " / ".join(top[:3]), "top_terms": ", ".join(top),
            "dominant_code": dominant if status == "covered" else "",
            "dominant_share": round(share, 3), "coded_share": round(coded_share, 3),
            "codes": "; ".join(f"{k}:{v}" for k, v in sorted(code_counts.items(),
                                                             key=lambda kv: (-kv[1], kv[0]))),
            "representative_passage": pids[rep],
            "representative_text": passages["text"].iat[rep],
        })
    table = pd.DataFrame(rows, columns=CLUSTER_COLUMNS)
    return table, pd.Series(assignment, index=passages.index, name="cluster"), \
        pd.Series(notes, index=passages.index, name="cluster_note")


def reinforce_codings(codings: pd.DataFrame, passages: pd.DataFrame, clusters: pd.DataFrame,
                      scores, evidence, protos, cb, coder: str, run_id: str,
                      skip: np.ndarray | None = None) -> pd.DataFrame:
    """Members of a cluster dominated by one code get it when their own evidence was weak;
    rows flagged in ``skip`` (passages of reviewed turns) are never touched."""
    from .tagging.tagger import evidence_text, polarity_label  # tagging sits above clustering

    if clusters.empty:
        return codings
    covered = clusters[clusters["status"] == "covered"]
    have = set(zip(codings["passage_id"], codings["code_id"]))
    rows = []
    pids = passages["passage_id"].tolist()
    for row in covered.itertuples():
        j = cb.ids.index(row.dominant_code)
        members = np.flatnonzero(passages["cluster"].to_numpy() == row.cluster)
        for i in members:
            p = float(scores.presence[i, j])
            if (pids[i], row.dominant_code) in have or p < scores.weak_threshold \
                    or (skip is not None and skip[i]):
                continue
            rows.append({
                "passage_id": pids[i], "code_id": row.dominant_code,
                "polarity": polarity_label(float(scores.enabler[i, j]),
                                           scores.neutral_band),
                "score": round(p, 4), "source": "cluster",
                "evidence": f"cluster {row.cluster} ({row.dominant_share:.0%} "
                            f"{row.dominant_code}); " + evidence_text(evidence, protos, i, j,
                                                                      row.dominant_code, 0.0),
                "coder": coder, "run_id": run_id})
    if not rows:
        return codings
    out = pd.concat([codings, pd.DataFrame(rows, columns=codings.columns)], ignore_index=True)
    order = {cid: k for k, cid in enumerate(cb.ids)}
    out["_o"] = out["code_id"].map(order)
    return out.sort_values(["passage_id", "_o"], kind="stable").drop(columns="_o").reset_index(
        drop=True)
