"""Choosing turns for a researcher to review (``fgd review --strategy``).

- ``first``: the first N eligible turns in transcript order;
- ``random``: N eligible turns drawn with a seeded generator (same seed, same turns);
- ``uncertain``: the turns whose decisions would teach the model most, read from the
  candidates the coder weighed (``candidates.csv``). Per candidate pair (passage, code):

  * closeness of the presence probability to the code's threshold on the log-odds scale,
    ``exp(-|logit(presence) - logit(threshold)|)`` (1 at the threshold);
  * polarity doubt, ``1 - |2 p_enabler - 1|``, weighted by how present the code is,
    ``min(1, presence / threshold)``, times 0.5;
  * disagreement between evidence sources, times 0.5: a keyword hit with a semantic z below
    0 (``min(1, -z)``), or a semantic z above 1 without a keyword (``min(1, z - 1)``).

  A turn's value for a code is the largest over its passages; its score is the sum over codes
  of value x (1 + rarity), where rarity = ``1 / sqrt(1 + reviews of the code so far)``, and
  reviews include the turns already picked in this batch that the code is a candidate on, so
  one batch covers many codes. Picks are spread over transcripts: a turn's score is divided by
  ``1 + picks in its transcript / fair share`` (fair share = N / transcripts). Turns are
  picked greedily; ties go to the earlier turn.

Eligible turns: turns with a passage eligible for coding
(:func:`~fgd_toolkit.settings.ineligible_reasons`: participant turns, no back-channels or
self-introductions), not reviewed yet (no ``human`` coding, not in reviewed files given).
The turns come back in transcript order.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..settings import CodeSettings
from .turns import turn_table

STRATEGIES = ("uncertain", "random", "first")
POLARITY_WEIGHT = 0.5
DISAGREEMENT_WEIGHT = 0.5


def reviewed_turns_of(codings: pd.DataFrame | None, passages: pd.DataFrame,
                      reviewed=None) -> set[tuple[str, int]]:
    """Turns already reviewed: with a ``human`` coding, or in ``reviewed`` (a
    :class:`~fgd_toolkit.review.ReviewedCodings`)."""
    done: set[tuple[str, int]] = set(reviewed.turns) if reviewed is not None else set()
    if codings is not None and len(codings) and "source" in codings:
        human = codings[codings["source"] == "human"][["passage_id"]].merge(
            passages[["passage_id", "transcript_id", "turn"]], on="passage_id")
        done |= set(zip(human["transcript_id"].astype(str), human["turn"].astype(int)))
    return done


def candidate_values(candidates: pd.DataFrame, passages: pd.DataFrame) -> pd.DataFrame:
    """Per (transcript_id, turn, code_id): how much a decision on it would teach (the largest
    pair value over the turn's passages, see the module's formula)."""
    frame = candidates.merge(passages[["passage_id", "transcript_id", "turn"]],
                             on="passage_id")
    eps = 1e-4
    presence = frame["presence"].astype(float).clip(eps, 1 - eps).to_numpy()
    threshold = frame["threshold"].astype(float).clip(eps, 1 - eps).to_numpy()
    p_enabler = frame["p_enabler"].astype(float).to_numpy()
    z = frame["semantic_z"].astype(float).to_numpy()
    keyword = frame["keyword"].astype(str).isin(["True", "true", "1"]).to_numpy()

    def logit(p):
        return np.log(p / (1 - p))

    closeness = np.exp(-np.abs(logit(presence) - logit(threshold)))
    polarity = (1 - np.abs(2 * p_enabler - 1)) * np.minimum(1.0, presence / threshold)
    disagreement = np.where(keyword, np.clip(-z, 0, 1), np.clip(z - 1, 0, 1))
    frame = frame.assign(value=closeness + POLARITY_WEIGHT * polarity
                         + DISAGREEMENT_WEIGHT * disagreement)
    return (frame.groupby(["transcript_id", "turn", "code_id"], sort=False)["value"].max()
            .reset_index())


def _reviews_per_code(reviewed, codings: pd.DataFrame | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    if reviewed is not None:
        for code_id in reviewed.truth()["code_id"]:
            counts[code_id] = counts.get(code_id, 0) + 1
    if codings is not None and len(codings) and "source" in codings:
        for code_id in codings.loc[codings["source"] == "human", "code_id"]:
            counts[code_id] = counts.get(code_id, 0) + 1
    return counts


def _uncertain(pool: pd.DataFrame, n: int, candidates: pd.DataFrame, passages: pd.DataFrame,
               seen: dict[str, int]) -> list[int]:
    """Greedy picks (row positions in ``pool``) by the module's score."""
    values = candidate_values(candidates, passages)
    codes = sorted(set(values["code_id"]))
    row_of = {key: k for k, key in enumerate(zip(pool["transcript_id"], pool["turn"]))}
    col_of = {c: k for k, c in enumerate(codes)}
    base = np.zeros((len(pool), max(len(codes), 1)))
    for r in values.itertuples(index=False):
        k = row_of.get((str(r.transcript_id), int(r.turn)))
        if k is not None:
            base[k, col_of[r.code_id]] = r.value
    counts = np.array([seen.get(c, 0) for c in codes] or [0], dtype=float)
    tids = pool["transcript_id"].to_numpy()
    names, tid_index = np.unique(tids, return_inverse=True)
    picks_per_tid = np.zeros(len(names))
    share = max(1.0, n / len(names))
    available = np.ones(len(pool), dtype=bool)
    picks: list[int] = []
    for _ in range(min(n, len(pool))):
        weight = 1 + 1 / np.sqrt(1 + counts)
        score = (base @ weight) / (1 + picks_per_tid[tid_index] / share)
        score = np.where(available, np.round(score, 9), -1.0)
        k = int(np.argmax(score))                 # first maximum: the earliest turn wins ties
        picks.append(k)
        available[k] = False
        picks_per_tid[tid_index[k]] += 1
        counts += base[k] > 0
    return picks


def select_turns(passages: pd.DataFrame, n: int, *, strategy: str = "uncertain",
                 seed: int = 0, codings: pd.DataFrame | None = None,
                 candidates: pd.DataFrame | None = None, reviewed=None,
                 settings: CodeSettings | None = None) -> list[tuple[str, int]]:
    """Choose up to ``n`` eligible, not yet reviewed turns by ``strategy``; returns
    ``(transcript_id, turn)`` pairs in transcript order.

    ``uncertain`` needs ``candidates`` (``candidates.csv`` of the results).
    """
    if strategy not in STRATEGIES:
        raise UsageError(f"unknown strategy '{strategy}'.",
                         fix=f"use one of {', '.join(STRATEGIES)}.")
    if n < 1:
        raise UsageError(f"--sample {n}: at least one turn is needed.",
                         fix="give --sample a positive number, e.g. --sample 40.")
    turns = turn_table(passages, settings)
    done = reviewed_turns_of(codings, passages, reviewed)
    keep = [bool(e) and (t, int(u)) not in done
            for e, t, u in zip(turns["eligible"], turns["transcript_id"], turns["turn"])]
    pool = turns[keep].reset_index(drop=True)
    if strategy == "first":
        picks = list(range(min(n, len(pool))))
    elif strategy == "random":
        rng = np.random.default_rng(seed)
        picks = rng.choice(len(pool), size=min(n, len(pool)), replace=False).tolist()
    else:
        if candidates is None:
            raise UsageError("--strategy uncertain needs the candidates the coder weighed "
                             "(candidates.csv), which these results lack.",
                             fix="run `fgd code` again to write candidates.csv, or use "
                                 "--strategy random.")
        picks = _uncertain(pool, n, candidates, passages, _reviews_per_code(reviewed, codings))
    return [(str(pool["transcript_id"].iat[k]), int(pool["turn"].iat[k]))
            for k in sorted(picks)]
