"""Training data for :class:`~.model.Tagger`: labelled sets coded into feature tables, the
threshold search, and the fit of every shipped tagger (what ``fgd calibrate`` runs).

A *feature table* has one row per (eligible passage, code) of a labelled set, with the
presence and polarity features, the turn it belongs to and the gold labels. Each data set
weighs the same in a fit, whatever its size.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .model import LogisticModel, ShippedModels, Tagger, polarity_features, presence_features

Progress = Callable[[str, int, int], None]


@dataclass
class FeatureTable:
    """Per (eligible passage, code) of one labelled set: features, turn key, gold labels."""

    name: str
    presence: dict[str, np.ndarray]   # feature -> [n_rows]
    polarity: dict[str, np.ndarray]
    turn_key: np.ndarray              # [n_rows] "tid|turn|code"
    gold_present: np.ndarray          # [n_rows] gold has the code on this turn
    gold_polarity: np.ndarray         # [n_rows] 1 enabler, 0 barrier, -1 none/neutral/mixed

    def subset(self, rows: np.ndarray, name: str) -> "FeatureTable":
        """The rows selected by a boolean mask."""
        return FeatureTable(name, {k: v[rows] for k, v in self.presence.items()},
                            {k: v[rows] for k, v in self.polarity.items()},
                            self.turn_key[rows], self.gold_present[rows],
                            self.gold_polarity[rows])

    @property
    def transcript_ids(self) -> np.ndarray:
        return np.array([k.split("|")[0] for k in self.turn_key])


@dataclass
class TrainingData:
    """The feature tables a :class:`Tagger` is fitted on, one list per variant."""

    main: list[FeatureTable]
    no_keywords: list[FeatureTable]
    lean: list[FeatureTable]
    few_examples: list[FeatureTable]
    neutral_share: float
    description: str = ""

    def select(self, keep: Callable[[int, FeatureTable], FeatureTable | None]
               ) -> "TrainingData":
        """The same data with each table replaced by ``keep(index, table)`` (``None`` drops
        it): for held-out splits."""
        def pick(tables):
            out = [keep(k, t) for k, t in enumerate(tables)]
            return [t for t in out if t is not None]
        return replace(self, main=pick(self.main), no_keywords=pick(self.no_keywords),
                       lean=pick(self.lean), few_examples=pick(self.few_examples))


# -- building tables -----------------------------------------------------------------------

def _variant_codebook(cb, variant: str, lean_keywords: int, few_examples: int):
    if variant == "no_keywords":
        return replace(cb, codes=[replace(c, keywords=[]) for c in cb.codes])
    if variant == "lean":
        return replace(cb, codes=[replace(c, keywords=c.keywords[:lean_keywords])
                                  for c in cb.codes])
    if variant == "few_examples":
        return replace(cb, codes=[replace(c, examples={pol: list(ex[:few_examples])
                                                       for pol, ex in c.examples.items()})
                                  for c in cb.codes])
    return cb


def feature_table(labelled, backend, *, variant: str = "main", lean_keywords: int = 6,
                  few_examples: int = 2, cache_dir=None, min_rows: int = 20,
                  session=None) -> FeatureTable:
    """Code a labelled set (transcripts, codebook, gold) and tabulate its evidence.

    ``variant`` codes it with every keyword removed (``no_keywords``), with keyword lists cut
    to ``lean_keywords`` (``lean``) or with examples cut to ``few_examples`` per polarity
    (``few_examples``). Polarity is learnt from the passage of each turn that carries the
    code (the strongest keyword + similarity evidence), not from every passage of the turn.
    """
    from ..pipeline import analyse
    from ..segment import to_passages
    from ..settings import CodeSettings

    cb = _variant_codebook(labelled.codebook, variant, lean_keywords, few_examples)
    settings = CodeSettings(cluster=False)
    passages = to_passages(labelled.transcripts, settings.segment)
    analysis = analyse(passages, cb, backend, settings, cache_dir=cache_dir, session=session)
    mask = analysis.mask
    pf = presence_features(analysis.evidence, mask, min_rows)
    qf = polarity_features(analysis.evidence, mask, min_rows)
    rows = np.flatnonzero(mask)
    gold = labelled.gold
    gold = gold[gold["code_id"] != ""]
    gset = set(zip(gold.transcript_id, gold.turn.astype(int), gold.code_id))
    pol = gold.groupby(["transcript_id", "turn", "code_id"])["polarity"].apply(set).to_dict()
    tids = passages["transcript_id"].to_numpy()
    turns = passages["turn"].to_numpy()
    keys, present, polarity = [], [], []
    for i in rows:
        for cid in cb.ids:
            key = (tids[i], int(turns[i]), cid)
            keys.append(f"{key[0]}|{key[1]}|{cid}")
            present.append(key in gset)
            p = pol.get(key, set())
            polarity.append(1 if p == {"enabler"} else 0 if p == {"barrier"} else -1)
    flat = lambda d: {k: v[rows].reshape(-1) for k, v in d.items()}  # noqa: E731
    presence, polarity_feats = flat(pf), flat(qf)
    keys_arr = np.array(keys)
    strength = presence["kw_any"] * 2 + presence["z_example"]
    carrier_rows = pd.DataFrame({"key": keys_arr, "s": strength}).groupby("key")["s"].idxmax()
    carrier = np.zeros(len(keys_arr), dtype=bool)
    carrier[carrier_rows.to_numpy()] = True
    gold_polarity = np.where(carrier, np.array(polarity), -1)
    suffix = "" if variant == "main" else f" ({variant})"
    return FeatureTable(labelled.name + suffix, presence, polarity_feats, keys_arr,
                        np.array(present, dtype=bool), gold_polarity)


def training_data(sets: list, backend, *, lean_keywords: int = 6, few_examples: int = 2,
                  cache_dir=None, progress: Progress | None = None) -> TrainingData:
    """Feature tables of every labelled set in every variant, for one back-end (one
    embedding session: each set's passages are embedded once for all variants)."""
    from ..embed import EmbeddingSession

    session = EmbeddingSession()
    variants = ("main", "no_keywords", "lean", "few_examples")
    tables: dict[str, list[FeatureTable]] = {v: [] for v in variants}
    total, done = len(sets) * len(variants), 0
    for labelled in sets:
        for variant in variants:
            tables[variant].append(feature_table(labelled, backend, variant=variant,
                                                 lean_keywords=lean_keywords,
                                                 few_examples=few_examples, cache_dir=cache_dir,
                                                 session=session))
            done += 1
            if progress:
                progress(f"Coding labelled sets ({backend.name})", done, total)
    share = float(np.mean([(s.gold["polarity"] == "neutral").mean() for s in sets]))
    return TrainingData(tables["main"], tables["no_keywords"], tables["lean"],
                        tables["few_examples"], share,
                        f"{backend.name}: " + " + ".join(s.name for s in sets))


def pool(per_backend: list[TrainingData]) -> TrainingData:
    """Per data set, the tables of every back-end stacked (for the scale-free generic
    tagger)."""
    def stack(tables: list[FeatureTable], b_tag: list[str]) -> FeatureTable:
        first = tables[0]
        return FeatureTable(
            first.name,
            {k: np.concatenate([t.presence[k] for t in tables]) for k in first.presence},
            {k: np.concatenate([t.polarity[k] for t in tables]) for k in first.polarity},
            np.concatenate([np.char.add(f"{tag}#", t.turn_key)
                            for tag, t in zip(b_tag, tables)]),
            np.concatenate([t.gold_present for t in tables]),
            np.concatenate([t.gold_polarity for t in tables]))

    tags = [str(b) for b in range(len(per_backend))]

    def variant(name: str) -> list[FeatureTable]:
        lists = [getattr(d, name) for d in per_backend]
        return [stack([lst[k] for lst in lists], tags) for k in range(len(lists[0]))]

    return TrainingData(variant("main"), variant("no_keywords"), variant("lean"),
                        variant("few_examples"), per_backend[0].neutral_share,
                        "scale-free features pooled over " +
                        ", ".join(d.description.split(":")[0] for d in per_backend))


# -- fitting helpers -----------------------------------------------------------------------

def _matrix(feats: dict[str, np.ndarray], names) -> np.ndarray:
    return np.column_stack([feats[n] for n in names])


def stack_presence(tables: list[FeatureTable], names) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray]:
    """(X, y, weights) over the tables, each table weighing the same in total."""
    X = np.vstack([_matrix(t.presence, names) for t in tables])
    y = np.concatenate([t.gold_present for t in tables])
    w = np.concatenate([np.full(len(t.gold_present), 1.0 / len(t.gold_present))
                        for t in tables]) * len(y)
    return X, y, w


def _turn_max(table: FeatureTable, prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per (turn, code) key: the highest probability of its passages and the gold label."""
    keys, inverse = np.unique(table.turn_key, return_inverse=True)
    best = np.full(len(keys), -np.inf)
    np.maximum.at(best, inverse, prob)
    gold = np.zeros(len(keys), dtype=bool)
    np.logical_or.at(gold, inverse, table.gold_present)
    return best, gold


def _f1_at(best: np.ndarray, gold: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    pred = best[None, :] >= thresholds[:, None]
    tp = (pred & gold).sum(axis=1)
    fp = (pred & ~gold).sum(axis=1)
    fn = (~pred & gold).sum(axis=1)
    return np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)


def turn_f1(table: FeatureTable, prob: np.ndarray, threshold: float) -> float:
    """Turn-level code F1 of probabilities at a threshold (a turn has a code when any of its
    passages does)."""
    best, gold = _turn_max(table, prob)
    return float(_f1_at(best, gold, np.array([threshold]))[0])


def best_threshold(tables: list[FeatureTable], probs: list[np.ndarray], smooth: int = 3
                   ) -> float:
    """The threshold with the best mean turn-level F1 over the data sets, on the curve
    averaged over +-``smooth`` hundredths (ties: nearest 0.5): the peak of the raw curve
    moves with a handful of turns."""
    grid = np.round(np.arange(0.10, 0.81, 0.01), 2)
    f1 = np.mean([_f1_at(*_turn_max(t, p), grid) for t, p in zip(tables, probs)], axis=0)
    smoothed = np.array([f1[max(0, k - smooth):k + smooth + 1].mean()
                         for k in range(len(grid))])
    return float(max(zip(grid, smoothed), key=lambda g: (g[1], -abs(g[0] - 0.5)))[0])


def fit_polarity(tables: list[FeatureTable], names, C: float = 1.0) -> LogisticModel:
    """Enabler-vs-barrier model on the pairs whose gold polarity is one of the two."""
    X = np.vstack([_matrix(t.polarity, names)[t.gold_polarity >= 0] for t in tables])
    y = np.concatenate([t.gold_polarity[t.gold_polarity >= 0] for t in tables])
    w = np.concatenate([np.full(int((t.gold_polarity >= 0).sum()),
                                1.0 / max(1, int((t.gold_polarity >= 0).sum())))
                        for t in tables]) * len(y)
    return LogisticModel.fit(X, y, tuple(names), w, C)


def neutral_band_for(tables: list[FeatureTable], model: LogisticModel, share: float) -> float:
    """Half-width of the band around 0.5 called ``neutral``, set so that the share of neutral
    polarities matches the human coders' share in the gold codings."""
    close = np.concatenate([np.abs(model.score({k: v[t.gold_present]
                                                for k, v in t.polarity.items()}) - 0.5)
                            for t in tables])
    return float(np.quantile(close, share)) if len(close) and share > 0 else 0.0


def polarity_accuracy(table: FeatureTable, model: LogisticModel) -> float:
    """Share of single-polarity gold pairs whose predicted polarity is right."""
    sel = table.gold_polarity >= 0
    if not sel.any():
        return 0.0
    pred = model.score({k: v[sel] for k, v in table.polarity.items()}) >= 0.5
    return float((pred == (table.gold_polarity[sel] == 1)).mean())


# -- the shipped file ----------------------------------------------------------------------

def fit_shipped(sets: list, backends: list[str], *, cache_dir=None,
                progress: Progress | None = None,
                tagger_params: dict | None = None) -> tuple[ShippedModels, dict]:
    """Fit one tagger per back-end and a generic one over scale-free features pooled over
    them; returns the models and the per-back-end training data (for held-out reports)."""
    from ..embed import get_embedder

    params = tagger_params or {}
    data_by_backend: dict[str, TrainingData] = {}
    taggers: dict[str, Tagger] = {}
    for name in backends:
        backend = get_embedder(name)
        key = backend.model_id          # before a corpus fit names itself in it (tfidf)
        probe = Tagger(**params)
        data = training_data(sets, backend, lean_keywords=probe.lean_keywords,
                             few_examples=probe.few_examples, cache_dir=cache_dir,
                             progress=progress)
        data_by_backend[name] = data
        taggers[key] = Tagger(**params).fit(data)
    generic = Tagger(**{**params, "generic": True}).fit(pool(list(data_by_backend.values())))
    about = ("Fitted by `fgd calibrate` on " + " + ".join(s.name for s in sets) +
             "; see the README.")
    return ShippedModels(backends=taggers, generic=generic, about=about), data_by_backend


def held_out_report(data: TrainingData, params: dict | None = None) -> pd.DataFrame:
    """Held-out scores of a back-end's fit: each transcript of a set with several in turn
    (the rest of the data for training), and each set of one transcript (a review table)
    with everything else for training. The honest estimate of quality on unseen data."""
    params = params or {}
    splits: list[tuple[str, Callable]] = []
    for k, table in enumerate(data.main):
        tids = sorted(set(table.transcript_ids))
        if len(tids) > 1:
            splits += [(tid, _split_transcript(k, tid)) for tid in tids]
        else:
            splits.append((table.name, _split_set(k)))
    rows = []
    for name, split in splits:
        train = data.select(lambda j, t, s=split: s(j, t, held=False))
        held = data.select(lambda j, t, s=split: s(j, t, held=True))
        if not train.main:
            continue    # a single set of one transcript: nothing left to fit on
        tagger = Tagger(**params).fit(train)
        m = tagger.models_
        held_main = held.main[0]
        prob = (m["full"].score(held_main.presence) + m["thin"].score(held_main.presence)) / 2
        thin = m["thin"].score(held_main.presence)
        row = {"held_out": name,
               "code_F1": round(turn_f1(held_main, prob, tagger.thresholds_["full"]), 3),
               "thin_model_F1": round(turn_f1(held_main, thin, tagger.thresholds_["thin"]), 3)}
        if held.no_keywords and "semantic" in m:
            t = held.no_keywords[0]
            row["no_keywords_F1"] = round(turn_f1(t, m["semantic"].score(t.presence),
                                                  tagger.thresholds_["semantic"]), 3)
        if held.lean and "lean" in m:
            t = held.lean[0]
            lean = (m["lean"].score(t.presence) + m["lean_thin"].score(t.presence)) / 2
            row[f"{tagger.lean_keywords}_keywords_F1"] = round(
                turn_f1(t, lean, tagger.thresholds_["lean"]), 3)
        row["polarity_acc"] = round(polarity_accuracy(held_main, m["polarity"]), 3)
        if held.few_examples and "polarity_few_examples" in m:
            row[f"polarity_acc_{tagger.few_examples}_examples"] = round(
                polarity_accuracy(held.few_examples[0], m["polarity_few_examples"]), 3)
        row["threshold"] = tagger.thresholds_["full"]
        rows.append(row)
    return pd.DataFrame(rows)


def _split_transcript(index: int, tid: str):
    def split(j: int, table: FeatureTable, held: bool):
        if j != index:
            return None if held else table
        rows = table.transcript_ids == tid
        return table.subset(rows if held else ~rows, tid if held else f"{table.name}-rest")
    return split


def _split_set(index: int):
    def split(j: int, table: FeatureTable, held: bool):
        return table if (j == index) == held else None
    return split


def write_shipped(models: ShippedModels, path: str | Path) -> Path:
    """Write a calibration file (atomically)."""
    from ..atomic import write_text

    return write_text(path, models.to_json())
