"""Scoring codings against human gold codings, at turn level (spaCy-scorer style P/R/F1).

A turn has a code when any of its passages has it; code+polarity compares (turn, code,
polarity) triples, so a turn coded both enabler and barrier counts twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .csv_safety import restore_formulas
from .errors import FgdError

GOLD_COLUMNS = ("transcript_id", "turn", "code_id", "polarity")


def load_gold(paths: str | Path | list[str | Path]) -> pd.DataFrame:
    """Gold codings from CSV files (columns ``transcript_id, turn, code_id, polarity``)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    frames = []
    for item in paths:
        item = Path(item)
        files = sorted(item.glob("*.csv")) if item.is_dir() else [item]
        for f in files:
            frame = restore_formulas(pd.read_csv(f, dtype=str, keep_default_na=False))
            missing = [c for c in GOLD_COLUMNS if c not in frame.columns]
            if missing:
                raise FgdError(f"gold file lacks column(s) {', '.join(missing)}.", path=f,
                               fix=f"give it the columns {', '.join(GOLD_COLUMNS)}.")
            frames.append(frame)
    gold = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=GOLD_COLUMNS)
    gold["turn"] = gold["turn"].astype(int)
    return gold[list(GOLD_COLUMNS)].drop_duplicates().reset_index(drop=True)


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
        """Per-code precision, recall, F1 and support."""
        return pd.DataFrame([{"code_id": c, "P": round(s.precision, 3), "R": round(s.recall, 3),
                              "F1": round(s.f1, 3), "support": s.tp + s.fn}
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


def score_result(result, gold: pd.DataFrame) -> Scores:
    """Score a :class:`~fgd_toolkit.pipeline.CodingResult` against hand codings of some of its
    transcripts (gold columns :data:`GOLD_COLUMNS`): only the transcripts the gold covers
    count, every one of their turns included (a turn the coder left uncoded is a negative)."""
    known = set(result.passages["transcript_id"])
    unknown = sorted(set(gold["transcript_id"]) - known)
    if unknown:
        raise FgdError(f"the gold codings name transcripts the results do not have: "
                       f"{', '.join(unknown[:5])}.",
                       fix="code those transcripts too, or check the transcript_id column "
                           "(it must match the results' passages.csv).")
    codes = result.codebook.ids
    foreign = sorted(set(gold["code_id"]) - set(codes))
    if foreign:
        raise FgdError(f"the gold codings use codes the codebook does not have: "
                       f"{', '.join(foreign[:5])}.",
                       fix="use the code ids of the codebook the results were coded with.")
    covered = result.passages[result.passages["transcript_id"].isin(set(gold["transcript_id"]))]
    return score(turn_codings(result.passages, result.codings), gold, codes=codes,
                 scope=covered[["transcript_id", "turn"]])
