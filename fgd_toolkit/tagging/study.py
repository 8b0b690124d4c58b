"""Refitting the shipped tagger for one study from a researcher's reviewed turns.

Reviewed turns are truth for themselves (the pipeline writes them as ``source=human``); here
they also teach the tagger about the rest of the study. Three kinds of adjustment, each small
and each tested before it is kept:

- **keyword trust**: a keyword whose reviewed hits the researcher mostly rejected stops coding
  on its own; pairs it alone named are decided by the keyword-free (semantic) model;
- **per-code presence offsets**: how much more or less often this study uses a code than the
  shipped model expects (log-odds offsets, shrunk towards zero);
- **per-code polarity offsets**: how a code leans in this study (a budget code may be mostly
  a barrier in one city).

Few reviews must never make things worse than none, so an adjustment is kept only when it
beats the shipped decisions on reviewed turns it was not fitted on (cross-validation by
transcript: reviews of a single transcript refit nothing, since what carries over to other
transcripts cannot be checked on them) by a margin; the manifest records what was tried, the
held-out scores and what was kept.

Also tried and left out: reviewed passages as examples of their codes (and rejected ones as
counter-examples), as a nearest-neighbour margin over the passage vectors. On the tuning
sets' learning curves, whenever cross-validation kept it, it lowered code F1 on the turns
nobody reviewed (by 0.001 to 0.088; +0.00 to +0.006 AUC even fitted on the test transcript).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: A keyword is distrusted when at least this many reviewed turns it hit for a code were
#: decided and the share of them the researcher kept is at most ``DISTRUST_SHARE``.
DISTRUST_MIN_HITS = 2
DISTRUST_SHARE = 0.25
#: Prior standard deviation of per-code log-odds offsets (presence and polarity).
OFFSET_PRIOR_SD = 0.5
#: Reviewed turns needed before an adjustment is even tried, and per transcript for it to
#: serve as a held-out fold (fewer turns make the held-out F1 a coin toss).
MIN_TURNS = 16
MIN_FOLD_TURNS = 8


@dataclass
class ReviewedTurn:
    """One reviewed turn: its eligible passage rows and its whole truth."""

    key: tuple[str, int]                 # (transcript_id, turn)
    rows: list[int]
    codes: dict[str, set[str]]           # code id -> polarities ({} = nothing applies)


@dataclass
class Adjustments:
    """What a study's reviews changed in the tagger, and the record of why."""

    distrusted: dict[str, list[str]] = field(default_factory=dict)
    presence_offset: np.ndarray | None = None
    polarity_offset: np.ndarray | None = None
    semantic_presence: np.ndarray | None = None  # [n_passages, n_codes], keyword-free
    report: dict = field(default_factory=dict)

    def apply(self, presence: np.ndarray, enabler: np.ndarray, ev, codebook
              ) -> tuple[np.ndarray, np.ndarray]:
        """The study's presence and polarity probabilities from the shipped ones."""
        presence = presence.copy()
        if self.distrusted and self.semantic_presence is not None:
            presence = np.where(distrusted_only(ev, codebook, self.distrusted),
                                self.semantic_presence, presence)
        z = _logit(presence)
        if self.presence_offset is not None:
            z = z + self.presence_offset[None, :]
        if self.polarity_offset is not None:
            enabler = _sigmoid(_logit(enabler) + self.polarity_offset[None, :])
        return _sigmoid(z), enabler


def distrusted_only(ev, codebook, distrusted: dict[str, list[str]],
                    rows: np.ndarray | None = None) -> np.ndarray:
    """[n_passages, n_codes]: the code's keywords hit the passage, but only distrusted ones
    (only ``rows`` are looked at when given)."""
    out = np.zeros(ev.kw_count.shape, dtype=bool)
    index = {cid: j for j, cid in enumerate(codebook.ids)}
    bad = {cid: set(kws) for cid, kws in distrusted.items() if kws and cid in index}
    if not bad:
        return out
    for i in (range(len(ev.hits)) if rows is None else rows):
        for cid, hits in ev.hits[i].items():
            if cid in bad:
                found = {h.keyword for h in hits}
                out[i, index[cid]] = bool(found) and found <= bad[cid]
    return out


#: The presence adjustments tried, alone and together; cross-validation picks one.
CONFIGURATIONS = ((), ("keyword trust",), ("presence offsets",),
                  ("keyword trust", "presence offsets"))
#: An adjustment is kept only when it beats the shipped decisions on held-out reviewed turns
#: by at least this much (turn-level F1; polarity: accuracy). Chosen on the learning curves of
#: the tuning sets: at 0.01 the best of six configurations on small folds was kept by chance
#: too often and cost unreviewed turns up to 0.03 F1.
CV_MARGIN = 0.02


def fit_adjustments(base, ev, codebook, reviewed: list[ReviewedTurn],
                    semantic_presence: np.ndarray | None = None) -> Adjustments:
    """Fit the study's adjustments on top of the shipped decisions ``base`` (TagScores):
    the configuration of :data:`CONFIGURATIONS` with the best held-out F1 on the reviewed
    turns, kept only when it beats no adjustment by :data:`CV_MARGIN`."""
    codes = codebook.ids
    adj = Adjustments(report={"reviewed_turns": len(reviewed), "kept": [], "tried": {}})
    if len(reviewed) < MIN_TURNS:
        adj.report["note"] = (f"fewer than {MIN_TURNS} reviewed turns with eligible passages: "
                              "the model was not refitted")
        return adj
    folds = _folds(reviewed)
    if len(folds) < 2:
        adj.report["note"] = (f"fewer than two transcripts with {MIN_FOLD_TURNS} or more "
                              "reviewed turns: how well anything learnt carries over to "
                              "other transcripts cannot be checked, so the model was not "
                              "refitted")
        return adj
    configs = [c for c in CONFIGURATIONS
               if semantic_presence is not None or "keyword trust" not in c]
    held_out = {c: _cv_f1(c, base, semantic_presence, ev, codebook, reviewed, folds)
                for c in configs}
    adj.report["tried"] = {" + ".join(c) or "none": round(f, 4) for c, f in held_out.items()}
    best = max(configs, key=lambda c: (round(held_out[c], 6), -len(c)))
    if best and held_out[best] >= held_out[()] + CV_MARGIN:
        fit = _fit_config(best, base.presence, semantic_presence, ev, codebook, reviewed)
        adj.distrusted, adj.semantic_presence = fit.distrusted, semantic_presence
        adj.presence_offset = fit.offsets
        adj.report["kept"] = list(best)
        adj.report["distrusted_keywords"] = fit.distrusted
    presence = adj.apply(base.presence, base.enabler, ev, codebook)[0]
    pol_pairs = _polarity_pairs(presence, base.enabler, codes, reviewed, base.threshold)
    gain = _cv_gain_polarity(pol_pairs, folds, len(codes))
    adj.report["tried"]["polarity offsets (accuracy gain)"] = round(gain, 4)
    if gain >= CV_MARGIN:
        adj.polarity_offset = _fit_polarity_offsets(pol_pairs, list(range(len(reviewed))),
                                                    len(codes))
        adj.report["kept"].append("polarity offsets")
    return adj


@dataclass
class _Fit:
    """One configuration of presence adjustments fitted on some reviewed turns."""

    distrusted: dict[str, list[str]]
    offsets: np.ndarray | None


def _fit_config(config: tuple[str, ...], presence: np.ndarray, semantic, ev, codebook,
                turns: list[ReviewedTurn]) -> _Fit:
    codes = codebook.ids
    distrusted = keyword_trust(ev, codes, turns) if "keyword trust" in config else {}
    if distrusted:
        presence = np.where(distrusted_only(ev, codebook, distrusted), semantic, presence)
    offsets = None
    if "presence offsets" in config:
        offsets = _fit_offsets(_presence_pairs(presence, codes, turns), list(range(len(turns))),
                               len(codes))
    return _Fit(distrusted, offsets)


def _cv_f1(config, base, semantic, ev, codebook, reviewed: list[ReviewedTurn],
           folds: list[list[int]]) -> float:
    """Turn-level F1 on each fold of reviewed turns, the configuration fitted on the rest."""
    counts = np.zeros(3)
    codes = codebook.ids
    for fold in folds:
        held = set(fold)
        train = [t for k, t in enumerate(reviewed) if k not in held]
        test = [reviewed[k] for k in fold]
        if not train or not test:
            continue
        rows = np.array(sorted({i for t in test for i in t.rows}))
        presence = base.presence.copy()
        if config:
            fit = _fit_config(config, base.presence, semantic, ev, codebook, train)
            if fit.distrusted:
                swap = distrusted_only(ev, codebook, fit.distrusted, rows)
                presence = np.where(swap, semantic, presence)
            if fit.offsets is not None:
                presence[rows] = _sigmoid(_logit(presence[rows]) + fit.offsets[None, :])
        for turn in test:
            pred = presence[turn.rows].max(axis=0) >= base.threshold
            gold = np.array([cid in turn.codes for cid in codes])
            counts += _counts(pred, gold)
    return _f1(counts)


def keyword_trust(ev, codes: list[str], reviewed: list[ReviewedTurn]) -> dict[str, list[str]]:
    """Per code, the keywords whose reviewed hits the researcher mostly rejected."""
    counts: dict[tuple[str, str], list[int]] = {}
    for turn in reviewed:
        for cid in codes:
            found = {h.keyword for i in turn.rows for h in ev.hits[i].get(cid, ())}
            for kw in found:
                kept, seen = counts.setdefault((cid, kw), [0, 0])
                counts[(cid, kw)] = [kept + (cid in turn.codes), seen + 1]
    out: dict[str, list[str]] = {}
    for (cid, kw), (kept, seen) in sorted(counts.items()):
        if seen >= DISTRUST_MIN_HITS and kept / seen <= DISTRUST_SHARE:
            out.setdefault(cid, []).append(kw)
    return out


# -- helpers ---------------------------------------------------------------------------------

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _logit(p):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _carriers(presence: np.ndarray, reviewed: list[ReviewedTurn]) -> np.ndarray:
    """Per reviewed turn and code, the turn's passage with the highest presence (the first
    such passage on a tie)."""
    out = np.empty((len(reviewed), presence.shape[1]), dtype=int)
    for t, turn in enumerate(reviewed):
        rows = np.asarray(turn.rows)
        out[t] = rows[np.argmax(presence[rows], axis=0)]
    return out


def _folds(reviewed: list[ReviewedTurn]) -> list[list[int]]:
    """Held-out folds, one per transcript with at least :data:`MIN_FOLD_TURNS` reviewed
    turns: what is learnt must carry over to other transcripts, the ones nobody reviewed."""
    tids = sorted({t.key[0] for t in reviewed})
    folds = [[k for k, t in enumerate(reviewed) if t.key[0] == tid] for tid in tids]
    return [fold for fold in folds if len(fold) >= MIN_FOLD_TURNS]


@dataclass
class _Pairs:
    """Training pairs per (reviewed turn, code): base log-odds, label, code index."""

    z: np.ndarray        # [n_turns, m]
    y: np.ndarray        # [n_turns, m] bool


def _presence_pairs(presence, codes, reviewed) -> _Pairs:
    carriers = _carriers(presence, reviewed)
    z = _logit(presence[carriers, np.arange(len(codes))[None, :]])
    y = np.array([[cid in t.codes for cid in codes] for t in reviewed], dtype=bool)
    return _Pairs(z.reshape(len(reviewed), len(codes)), y.reshape(len(reviewed), len(codes)))


def _fit_offsets(pairs: _Pairs, train: list[int], m: int) -> np.ndarray:
    """MAP per-code log-odds offsets on the training turns (Gaussian prior around zero)."""
    z, y = pairs.z[train], pairs.y[train].astype(float)
    return _map_offsets(z.ravel(), y.ravel(), np.tile(np.arange(m), len(train)), m)


def _map_offsets(z: np.ndarray, y: np.ndarray, code: np.ndarray, m: int) -> np.ndarray:
    """Per code ``j``, the offset ``b_j`` maximising the log-likelihood of labels ``y`` under
    ``sigmoid(z + b[code])`` with a Gaussian prior (sd :data:`OFFSET_PRIOR_SD`) around zero.

    The codes' problems are separate and each is convex in one variable: Newton's method on
    all of them at once converges in a few steps (the loss is strictly convex through the
    prior)."""
    b = np.zeros(m)
    precision = 1.0 / OFFSET_PRIOR_SD ** 2
    for _ in range(50):
        p = _sigmoid(z + b[code])
        grad = np.bincount(code, weights=p - y, minlength=m) + b * precision
        hess = np.bincount(code, weights=p * (1 - p), minlength=m) + precision
        step = np.clip(grad / hess, -1.0, 1.0)      # a trust region: no overshoot
        b -= step
        if np.abs(step).max(initial=0.0) < 1e-10:
            break
    return b


def _counts(pred: np.ndarray, gold: np.ndarray) -> np.ndarray:
    return np.array([(pred & gold).sum(), (pred & ~gold).sum(), (~pred & gold).sum()])


def _f1(c: np.ndarray) -> float:
    return 2 * c[0] / (2 * c[0] + c[1] + c[2]) if c[0] else 0.0


def _polarity_pairs(presence, enabler, codes, reviewed, threshold):
    """(turn index, code index, base log-odds of enabler, label) for the codes a reviewed turn
    has with one polarity, at the passage that carries them."""
    carriers = _carriers(presence, reviewed)
    out = []
    for t, turn in enumerate(reviewed):
        for j, cid in enumerate(codes):
            pols = turn.codes.get(cid, set())
            if pols in ({"enabler"}, {"barrier"}):
                out.append((t, j, float(_logit(enabler[carriers[t, j], j])),
                            1.0 if pols == {"enabler"} else 0.0))
    return out


def _fit_polarity_offsets(pairs, train: list[int], m: int) -> np.ndarray:
    """MAP per-code polarity log-odds offsets on the pairs of the training turns."""
    keep = set(train)
    rows = [p for p in pairs if p[0] in keep]
    if not rows:
        return np.zeros(m)
    return _map_offsets(np.array([r[2] for r in rows]), np.array([r[3] for r in rows]),
                        np.array([r[1] for r in rows], dtype=int), m)


def _cv_gain_polarity(pairs, folds, m: int) -> float:
    """Polarity accuracy on held-out folds with per-code offsets minus without them."""
    right_base = right_new = total = 0
    for fold in folds:
        held = set(fold)
        train = sorted({p[0] for p in pairs} - held)
        if not train:
            continue
        offsets = _fit_polarity_offsets(pairs, train, m)
        for t, j, z, y in pairs:
            if t in held:
                total += 1
                right_base += (z >= 0) == (y == 1)
                right_new += (z + offsets[j] >= 0) == (y == 1)
    return (right_new - right_base) / total if total else 0.0
