"""Fit the presence and polarity models shipped in ``fgd_toolkit/tagging/calibration.json``.

Data: the development transcripts (gold codings) and the IndoNLU HoASA/CASA *train* splits
(test splits are never used here). Each data set weighs the same. Per back-end: a logistic
model over all features, a "thin" one over features that do not compare codes or use
examples, and the threshold for their mean (the shipped decision); plus a ``generic`` entry
over scale-free features (pooled over the back-ends) for back-ends without their own entry;
a "semantic" model, fitted on the same data coded with every keyword removed, for the
codes of a codebook that have no keywords; and "lean" models, fitted on the same data with
every keyword list cut to its first few entries, for codes with short keyword lists.
Also prints held-out scores (each dev transcript, each review set), the honest estimate of
quality on data the calibration never saw.

    python benchmarks/calibrate.py            # writes the JSON and prints the LODO table
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.datasets import Dataset, dev_set, indonlu  # noqa: E402
from fgd_toolkit.codebook import load_codebook  # noqa: E402
from fgd_toolkit.embed import EmbeddingSession, get_embedder  # noqa: E402
from fgd_toolkit.pipeline import analyse  # noqa: E402
from fgd_toolkit.settings import CodeSettings  # noqa: E402
from fgd_toolkit.segment import to_passages  # noqa: E402
from fgd_toolkit.tagging.model import (FEW_EXAMPLES, GENERIC_PRESENCE,  # noqa: E402
                                       GENERIC_SEMANTIC, LEAN_KEYWORDS, POLARITY_FEATURES,
                                       PRESENCE_FEATURES, SEMANTIC_PRESENCE, THIN_PRESENCE,
                                       polarity_features, presence_features)

OUT = ROOT / "fgd_toolkit" / "tagging" / "calibration.json"
BACKENDS = ["use+tfidf", "use", "e5-small", "tfidf", "e5-small+tfidf", "use+e5-small"]
#: Vectors and fits kept between the many tables this script builds from the same texts.
SESSION = EmbeddingSession()


@dataclass
class Table:
    """Per (eligible passage, code): features, the turn it belongs to, gold labels."""

    name: str
    presence: dict[str, np.ndarray]   # feature -> [n_rows]
    polarity: dict[str, np.ndarray]
    turn_key: np.ndarray              # [n_rows] "tid|turn|code"
    gold_present: np.ndarray          # [n_rows] gold has the code on this turn
    gold_polarity: np.ndarray         # [n_rows] 1 enabler, 0 barrier, -1 none/neutral/mixed


def build_table(ds: Dataset, backend_name: str, cache_dir: str,
                keyword_free: bool = False, keywords_kept: int | None = None,
                examples_kept: int | None = None) -> Table:
    """The feature table of a data set; ``keyword_free`` codes it with every keyword removed
    from the codebook (training data for the semantic model of codes without keywords),
    ``keywords_kept`` with each keyword list cut to its first entries (for the lean models),
    ``examples_kept`` with each polarity's examples cut to their first entries (for the
    polarity model of codes with few examples)."""
    cb = load_codebook(ds.codebook)
    if examples_kept is not None:
        cb = replace(cb, codes=[replace(c, examples={pol: list(ex[:examples_kept])
                                                     for pol, ex in c.examples.items()})
                                for c in cb.codes])
    if keyword_free:
        cb = replace(cb, codes=[replace(c, keywords=[]) for c in cb.codes])
    if keywords_kept is not None:
        cb = replace(cb, codes=[replace(c, keywords=c.keywords[:keywords_kept])
                                for c in cb.codes])
    settings = CodeSettings(cluster=False)
    passages = to_passages(ds.transcripts, settings.segment)
    analysis = analyse(passages, cb, get_embedder(backend_name), settings, cache_dir=cache_dir,
                       session=SESSION)
    mask = analysis.mask
    pf = presence_features(analysis.evidence, mask)
    qf = polarity_features(analysis.evidence, mask)
    rows = np.flatnonzero(mask)
    keys, present, polarity = [], [], []
    gold = ds.gold
    gset = set(zip(gold.transcript_id, gold.turn.astype(int), gold.code_id))
    pol = gold.groupby(["transcript_id", "turn", "code_id"])["polarity"].apply(set).to_dict()
    tids = passages["transcript_id"].to_numpy()
    turns = passages["turn"].to_numpy()
    for i in rows:
        for j, cid in enumerate(cb.ids):
            key = (tids[i], int(turns[i]), cid)
            keys.append(f"{key[0]}|{key[1]}|{cid}")
            present.append(key in gset)
            p = pol.get(key, set())
            polarity.append(1 if p == {"enabler"} else 0 if p == {"barrier"} else -1)
    flat = lambda d: {k: v[rows].reshape(-1) for k, v in d.items()}  # noqa: E731
    presence, polarity_feats = flat(pf), flat(qf)
    keys = np.array(keys)
    # polarity is learnt from the passage of each turn that carries the code (the one with
    # the strongest keyword + similarity evidence), not from every passage of the turn
    strength = presence["kw_any"] * 2 + presence["z_example"]
    order = pd.DataFrame({"key": keys, "s": strength}).groupby("key")["s"].idxmax()
    carrier = np.zeros(len(keys), dtype=bool)
    carrier[order.to_numpy()] = True
    polarity = np.where(carrier, np.array(polarity), -1)
    suffix = " (no keywords)" if keyword_free else \
        f" ({keywords_kept} keywords)" if keywords_kept is not None else \
        f" ({examples_kept} examples)" if examples_kept is not None else ""
    return Table(ds.name + suffix, presence,
                 polarity_feats, keys, np.array(present), polarity)


def subset(table: Table, rows: np.ndarray, name: str) -> Table:
    """The rows of a table selected by a boolean mask."""
    return Table(name, {k: v[rows] for k, v in table.presence.items()},
                 {k: v[rows] for k, v in table.polarity.items()}, table.turn_key[rows],
                 table.gold_present[rows], table.gold_polarity[rows])


def held_out_splits(tables: list[Table]) -> list[tuple[Table, list[Table]]]:
    """(held-out part, training parts): each dev transcript in turn (with the rest of dev and
    the review sets for training), then each review set (with everything else)."""
    dev, reviews = tables[0], tables[1:]
    tids = np.array([k.split("|")[0] for k in dev.turn_key])
    splits = []
    for tid in sorted(set(tids)):
        splits.append((subset(dev, tids == tid, tid), [subset(dev, tids != tid, "dev-rest"),
                                                       *reviews]))
    for k, held in enumerate(reviews):
        splits.append((held, [dev, *reviews[:k], *reviews[k + 1:]]))
    return splits


def _matrix(feats: dict[str, np.ndarray], names) -> np.ndarray:
    return np.column_stack([feats[n] for n in names])


def turn_f1(table: Table, prob: np.ndarray, threshold: float) -> float:
    frame = pd.DataFrame({"key": table.turn_key, "p": prob, "y": table.gold_present})
    turn = frame.groupby("key").agg(p=("p", "max"), y=("y", "max"))
    pred = turn.p >= threshold
    tp = int((pred & turn.y).sum())
    fp = int((pred & ~turn.y).sum())
    fn = int((~pred & turn.y).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def fit_presence(tables: list[Table], names) -> tuple[LogisticRegression, float]:
    X = np.vstack([_matrix(t.presence, names) for t in tables])
    y = np.concatenate([t.gold_present for t in tables])
    w = np.concatenate([np.full(len(t.gold_present), 1.0 / len(t.gold_present))
                        for t in tables]) * len(y)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(X, y, sample_weight=w)
    probs = [model.predict_proba(_matrix(t.presence, names))[:, 1] for t in tables]
    return model, best_threshold(tables, probs)


#: Half-width of the window over which the F1-by-threshold curve is averaged before its
#: maximum is taken: the maximum of the raw curve moves with a handful of turns.
SMOOTH = 3


def best_threshold(tables: list[Table], probs: list[np.ndarray]) -> float:
    """The threshold with the best mean turn-level F1 over the data sets, on the curve
    smoothed over +-0.03 (ties: nearest 0.5)."""
    grid = np.round(np.arange(0.10, 0.81, 0.01), 2)
    f1 = np.array([np.mean([turn_f1(t, p, th) for t, p in zip(tables, probs)])
                   for th in grid])
    smooth = np.array([f1[max(0, k - SMOOTH):k + SMOOTH + 1].mean() for k in range(len(grid))])
    return float(max(zip(grid, smooth), key=lambda g: (g[1], -abs(g[0] - 0.5)))[0])


def fit_ensemble(tables: list[Table], full_names=PRESENCE_FEATURES, thin_names=THIN_PRESENCE):
    """The full and the thin presence models, and the threshold for their mean."""
    full, _ = fit_presence(tables, full_names)
    thin, thin_threshold = fit_presence(tables, thin_names)
    mean = [ensemble_probability(t, full, thin, full_names, thin_names) for t in tables]
    return full, thin, best_threshold(tables, mean), thin_threshold


def ensemble_probability(table: Table, full, thin, full_names=PRESENCE_FEATURES,
                         thin_names=THIN_PRESENCE) -> np.ndarray:
    return (full.predict_proba(_matrix(table.presence, full_names))[:, 1]
            + thin.predict_proba(_matrix(table.presence, thin_names))[:, 1]) / 2


def fit_polarity(tables: list[Table]) -> LogisticRegression:
    X = np.vstack([_matrix(t.polarity, POLARITY_FEATURES)[t.gold_polarity >= 0]
                   for t in tables])
    y = np.concatenate([t.gold_polarity[t.gold_polarity >= 0] for t in tables])
    w = np.concatenate([np.full(int((t.gold_polarity >= 0).sum()),
                                1.0 / max(1, int((t.gold_polarity >= 0).sum())))
                        for t in tables]) * len(y)
    return LogisticRegression(C=1.0, max_iter=2000).fit(X, y, sample_weight=w)


def neutral_band(tables: list[Table], model: LogisticRegression, share: float) -> float:
    """Half-width of the band around 0.5 called ``neutral``, set so that the share of neutral
    polarities matches the human coders' share in the gold codings."""
    close = np.concatenate([np.abs(model.predict_proba(
        _matrix(t.polarity, POLARITY_FEATURES)[t.gold_present])[:, 1] - 0.5) for t in tables])
    return float(np.quantile(close, share)) if len(close) and share > 0 else 0.0


def polarity_accuracy(table: Table, model: LogisticRegression) -> float:
    sel = table.gold_polarity >= 0
    pred = model.predict(_matrix(table.polarity, POLARITY_FEATURES)[sel])
    return float((pred == table.gold_polarity[sel]).mean()) if sel.any() else 0.0


def as_json(model: LogisticRegression, names, **extra) -> dict:
    return {"features": list(names), "weights": [round(float(w), 6) for w in model.coef_[0]],
            "bias": round(float(model.intercept_[0]), 6), **extra}


def pool(per_backend: list[list[Table]], datasets) -> list[Table]:
    """Per data set, the tables of every back-end stacked (for the scale-free generic models)."""
    return [Table(ds.name, *[{k: np.concatenate([ts[d].presence[k] if attr == 0 else
                                                 ts[d].polarity[k] for ts in per_backend])
                              for k in (per_backend[0][d].presence if attr == 0 else
                                        per_backend[0][d].polarity)}
                             for attr in (0, 1)],
                  np.concatenate([np.char.add(f"{b}#", ts[d].turn_key)
                                  for b, ts in enumerate(per_backend)]),
                  np.concatenate([ts[d].gold_present for ts in per_backend]),
                  np.concatenate([ts[d].gold_polarity for ts in per_backend]))
            for d, ds in enumerate(datasets)]


def semantic_held_out(bare: list[Table], held_name: str) -> float:
    """Turn F1 of the semantic (keyword-free) model on one held-out part of the keyword-free
    tables, fitted on the rest (same splits as the main held-out table)."""
    for held, rest in held_out_splits(bare):
        if held.name.replace(" (no keywords)", "") == held_name:
            model, threshold = fit_presence(rest, SEMANTIC_PRESENCE)
            prob = model.predict_proba(_matrix(held.presence, SEMANTIC_PRESENCE))[:, 1]
            return round(turn_f1(held, prob, threshold), 3)
    return float("nan")


def lean_held_out(lean: list[Table], held_name: str) -> float:
    """Turn F1 of the lean models on one held-out part of the short-keyword-list tables."""
    for held, rest in held_out_splits(lean):
        if held.name.split(" (")[0] == held_name:
            model, thin, threshold, _ = fit_ensemble(rest)
            return round(turn_f1(held, ensemble_probability(held, model, thin), threshold), 3)
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="*", default=BACKENDS)
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache-bench"))
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the JSON")
    args = parser.parse_args()
    datasets = [dev_set(), indonlu("hoasa", "train"), indonlu("casa", "train")]
    neutral_share = float(np.mean([(ds.gold["polarity"] == "neutral").mean() for ds in datasets]))
    output = {"about": "Fitted by benchmarks/calibrate.py on the dev transcripts and the "
                       "IndoNLU HoASA/CASA train splits; see the README.", "backends": {}}
    generic_tables: list[list[Table]] = []
    generic_bare: list[list[Table]] = []
    generic_lean: list[list[Table]] = []
    generic_few: list[list[Table]] = []
    report = []
    for name in args.backends:
        backend = get_embedder(name)
        tables = [build_table(ds, name, args.cache_dir) for ds in datasets]
        bare = [build_table(ds, name, args.cache_dir, keyword_free=True) for ds in datasets]
        lean = [build_table(ds, name, args.cache_dir, keywords_kept=LEAN_KEYWORDS)
                for ds in datasets]
        generic_tables.append(tables)
        generic_bare.append(bare)
        generic_lean.append(lean)
        few = [build_table(ds, name, args.cache_dir, examples_kept=FEW_EXAMPLES)
               for ds in datasets]
        generic_few.append(few)
        model, thin, threshold, thin_threshold = fit_ensemble(tables)
        lean_model, lean_thin, lean_threshold, _ = fit_ensemble(lean)
        semantic, semantic_threshold = fit_presence(bare, SEMANTIC_PRESENCE)
        pol = fit_polarity(tables)
        output["backends"][backend.model_id] = {
            "presence": as_json(model, PRESENCE_FEATURES), "threshold": threshold,
            "presence_thin": as_json(thin, THIN_PRESENCE), "threshold_thin": thin_threshold,
            "presence_semantic": as_json(semantic, SEMANTIC_PRESENCE),
            "threshold_semantic": semantic_threshold,
            "presence_lean": as_json(lean_model, PRESENCE_FEATURES),
            "presence_lean_thin": as_json(lean_thin, THIN_PRESENCE),
            "threshold_lean": lean_threshold,
            "polarity": as_json(pol, POLARITY_FEATURES),
            "polarity_few_examples": as_json(fit_polarity(few), POLARITY_FEATURES),
            "neutral_band": round(neutral_band(tables, pol, neutral_share), 4),
            "source": f"{name}: dev + hoasa-train + casa-train"}
        few_splits = {h.name.split(" (")[0]: (h, r) for h, r in held_out_splits(few)}
        for held, rest in held_out_splits(tables):
            m, mt, th, tht = fit_ensemble(rest)
            p = fit_polarity(rest)
            f1 = turn_f1(held, ensemble_probability(held, m, mt), th)
            f1_thin = turn_f1(held, mt.predict_proba(_matrix(held.presence, THIN_PRESENCE))[:, 1],
                              tht)
            few_held, few_rest = few_splits[held.name]
            few_pol = fit_polarity(few_rest)
            report.append({"backend": name, "held_out": held.name, "code_F1": round(f1, 3),
                           "thin_model_F1": round(f1_thin, 3),
                           "no_keywords_F1": semantic_held_out(bare, held.name),
                           f"{LEAN_KEYWORDS}_keywords_F1": lean_held_out(lean, held.name),
                           "polarity_acc": round(polarity_accuracy(held, p), 3),
                           f"polarity_acc_{FEW_EXAMPLES}_examples": round(
                               polarity_accuracy(few_held, few_pol), 3),
                           "threshold": th})
        print(pd.DataFrame([r for r in report if r['backend'] == name]).to_string(index=False), flush=True)
    pooled = pool(generic_tables, datasets)
    pooled_bare = pool(generic_bare, datasets)
    pooled_lean = pool(generic_lean, datasets)
    gsemantic, gsemantic_th = fit_presence(pooled_bare, GENERIC_SEMANTIC)
    generic_thin = ("kw_any", "kw_count", "q_kw", "prev_kw", "log_len", "kw_x_len")
    gmodel, gthin, gth, gthin_th = fit_ensemble(pooled, GENERIC_PRESENCE, generic_thin)
    glean, glean_thin, glean_th, _ = fit_ensemble(pooled_lean, GENERIC_PRESENCE, generic_thin)
    gpol = fit_polarity(pooled)
    gpol_few = fit_polarity(pool(generic_few, datasets))
    output["generic"] = {"presence": as_json(gmodel, GENERIC_PRESENCE), "threshold": gth,
                         "presence_thin": as_json(gthin, generic_thin),
                         "threshold_thin": gthin_th,
                         "presence_semantic": as_json(gsemantic, GENERIC_SEMANTIC),
                         "threshold_semantic": gsemantic_th,
                         "presence_lean": as_json(glean, GENERIC_PRESENCE),
                         "presence_lean_thin": as_json(glean_thin, generic_thin),
                         "threshold_lean": glean_th,
                         "polarity": as_json(gpol, POLARITY_FEATURES),
                         "polarity_few_examples": as_json(gpol_few, POLARITY_FEATURES),
                         "neutral_band": round(neutral_band(pooled, gpol, neutral_share), 4),
                         "source": "scale-free features pooled over " + ", ".join(args.backends)}
    print(pd.DataFrame(report).to_string(index=False))
    if not args.dry_run:
        OUT.write_text(json.dumps(output, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
