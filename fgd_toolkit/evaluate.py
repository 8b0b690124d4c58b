"""Scoring codings against human gold codings, at turn level (spaCy-scorer style P/R/F1).

A turn has a code when any of its passages has it; code+polarity compares (turn, code,
polarity) triples, so a turn coded both enabler and barrier counts twice.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import FgdError

GOLD_COLUMNS = ("transcript_id", "turn", "code_id", "polarity")


def load_gold(paths: str | Path | list[str | Path]) -> pd.DataFrame:
    """Gold codings, columns :data:`GOLD_COLUMNS`: the coded rows of any file
    :func:`~fgd_toolkit.review.read_reviewed` reads (CSV/XLSX tables with columns
    ``transcript_id, turn, code_id, polarity``, filled review sheets; several files or
    folders). Not checked against any results: :func:`score_result` and ``fgd evaluate``
    check them. A row with an empty ``code_id`` (a turn read with no code) adds no row but
    widens what is scored: the table's ``attrs`` keep ``scored_transcripts`` (transcripts a
    plain table or project covers in full) and ``reviewed_turns``.
    """
    from .review import read_reviewed

    return gold_table(read_reviewed(paths))


def gold_table(reviewed) -> pd.DataFrame:
    """The truth of a :class:`~fgd_toolkit.review.ReviewedCodings` as a gold table, with its
    scoring scope in ``attrs``."""
    gold = reviewed.truth()
    gold.attrs["scored_transcripts"] = sorted(reviewed.scored_transcripts)
    gold.attrs["reviewed_turns"] = sorted(reviewed.turns)
    return gold


def load_gold_for(result, paths: str | Path | list[str | Path]):
    """Hand codings in any reviewed-codings format, checked against ``result`` (transcripts,
    turns, speakers, codes; a ``.qdpx`` mapped onto its passages): a
    :class:`~fgd_toolkit.review.ReviewedCodings` for :func:`score_result`."""
    from .review import read_reviewed
    from .review.read import roles_for
    from .settings import CodeSettings

    settings = CodeSettings.from_manifest(result.manifest.get("settings") or {})
    return read_reviewed(paths, passages=result.passages, codebook=result.codebook,
                         transcripts=result.transcripts, codings=result.codings,
                         roles=roles_for(settings))


def turn_codings(passages: pd.DataFrame, codings: pd.DataFrame) -> pd.DataFrame:
    """Codings lifted to turns: unique (transcript_id, turn, code_id, polarity)."""
    joined = codings.merge(passages[["passage_id", "transcript_id", "turn"]], on="passage_id")
    return joined[list(GOLD_COLUMNS)].drop_duplicates().reset_index(drop=True)


@dataclass
class PRF:
    """Precision, recall, F1 and the counts behind them."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _prf(pred: set, gold: set) -> PRF:
    return PRF(len(pred & gold), len(pred - gold), len(gold - pred))


@dataclass
class Scores:
    """Turn-level agreement between predicted and gold codings."""

    per_code: dict[str, PRF]
    micro: PRF
    polarity_micro: PRF
    #: Cohen's kappa on code presence per code, over the turns of the covered transcripts
    #: (filled by :func:`score_result`, which knows the turns; NaN where undefined).
    kappa: dict[str, float] = field(default_factory=dict)
    kappa_overall: float = math.nan

    @property
    def macro_f1(self) -> float:
        values = [s.f1 for s in self.per_code.values()]
        return sum(values) / len(values) if values else 0.0

    def as_row(self) -> dict[str, float]:
        """The headline numbers, rounded, for a results table."""
        return {"code_P": round(self.micro.precision, 3), "code_R": round(self.micro.recall, 3),
                "code_F1": round(self.micro.f1, 3), "code_macro_F1": round(self.macro_f1, 3),
                "code+pol_F1": round(self.polarity_micro.f1, 3)}

    def per_code_frame(self) -> pd.DataFrame:
        """Per-code precision, recall, F1, support and (when known) Cohen's kappa."""
        return pd.DataFrame([{"code_id": c, "P": round(s.precision, 3), "R": round(s.recall, 3),
                              "F1": round(s.f1, 3), "support": s.tp + s.fn,
                              **({"kappa": round(self.kappa.get(c, math.nan), 3)}
                                 if self.kappa else {})}
                             for c, s in self.per_code.items()])


def score(predicted: pd.DataFrame, gold: pd.DataFrame, codes: list[str] | None = None,
          scope: pd.DataFrame | None = None) -> Scores:
    """Compare turn-level codings (both with :data:`GOLD_COLUMNS`).

    ``scope`` (transcript_id, turn) limits scoring to the turns a gold coder looked at.
    """
    if scope is not None:
        keys = set(zip(scope["transcript_id"], scope["turn"].astype(int)))
        predicted = predicted[[k in keys for k in zip(predicted["transcript_id"],
                                                      predicted["turn"].astype(int))]]
    codes = codes or sorted(set(gold["code_id"]) | set(predicted["code_id"]))

    def pairs(frame: pd.DataFrame) -> set:
        return set(zip(frame["transcript_id"], frame["turn"].astype(int), frame["code_id"]))

    def triples(frame: pd.DataFrame) -> set:
        return set(zip(frame["transcript_id"], frame["turn"].astype(int), frame["code_id"],
                       frame["polarity"]))

    per_code = {c: _prf(pairs(predicted[predicted["code_id"] == c]),
                        pairs(gold[gold["code_id"] == c])) for c in codes}
    return Scores(per_code=per_code, micro=_prf(pairs(predicted), pairs(gold)),
                  polarity_micro=_prf(triples(predicted), triples(gold)))


def check_gold(result, gold: pd.DataFrame) -> None:
    """Raise a one-line :class:`FgdError` when hand codings name transcripts the result does
    not have, or codes its codebook does not have."""
    known = set(result.passages["transcript_id"])
    unknown = sorted(set(gold["transcript_id"]) - known)
    if unknown:
        raise FgdError(f"the gold codings name transcripts the results do not have: "
                       f"{', '.join(unknown[:5])}.",
                       fix="code those transcripts too, or check the transcript_id column "
                           "(it must match the results' passages.csv).")
    foreign = sorted(set(gold["code_id"]) - set(result.codebook.ids) - {""})
    if foreign:
        raise FgdError(f"the gold codings use codes the codebook does not have: "
                       f"{', '.join(foreign[:5])}.",
                       fix="use the code ids of the codebook the results were coded with.")


def score_result(result, gold) -> Scores:
    """Score a :class:`~fgd_toolkit.result.CodingResult` against hand codings: a gold table
    (:data:`GOLD_COLUMNS`, e.g. from :func:`load_gold`) or a
    :class:`~fgd_toolkit.review.ReviewedCodings` (from :func:`load_gold_for`).

    Scored turns: every turn of the transcripts a plain table or a ``.qdpx`` covers (a turn
    the coder left uncoded is a negative), and every reviewed turn (a review sheet scores only
    the turns reviewed on it; a turn listed with no code is a negative). Cohen's kappa per
    code and pooled is computed over the scored participant turns (and any other turn either
    side coded), the units of ``fgd agreement --results``.
    """
    from .agreement import kappa_per_code, turns_of_passages
    from .review import ReviewedCodings

    if isinstance(gold, ReviewedCodings):
        scope = gold.scoring_scope(result.passages)
        gold = gold.truth()
    else:
        whole = set(gold.attrs["scored_transcripts"]) if "scored_transcripts" in gold.attrs \
            else set(gold["transcript_id"])
        turns = {(str(t), int(u)) for t, u in gold.attrs.get("reviewed_turns", ())}
        covered = result.passages[result.passages["transcript_id"].isin(whole)]
        keys = set(zip(covered["transcript_id"], covered["turn"].astype(int))) | turns
        scope = pd.DataFrame(sorted(keys), columns=["transcript_id", "turn"])
    gold = gold[gold["code_id"].astype(str) != ""]
    check_gold(result, gold)
    codes = result.codebook.ids
    predicted = turn_codings(result.passages, result.codings)
    scores = score(predicted, gold, codes=codes, scope=scope)
    keys = set(zip(scope["transcript_id"], scope["turn"].astype(int)))
    in_scope = result.passages[[k in keys for k in zip(result.passages["transcript_id"],
                                                       result.passages["turn"].astype(int))]]
    scores.kappa, scores.kappa_overall = kappa_per_code(
        predicted, gold, turns_of_passages(in_scope), codes, names=("results", "hand codings"))
    return scores
