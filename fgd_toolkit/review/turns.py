"""Turns rebuilt from the passages table: what review sheets, selection and mapping need."""
from __future__ import annotations

import pandas as pd

from ..settings import CodeSettings, ineligible_reasons

#: Columns of :func:`turn_table`.
TURN_COLUMNS = ["transcript_id", "turn", "speaker", "role", "text", "char_start", "char_end",
                "passage_ids", "eligible"]


def turn_table(passages: pd.DataFrame, settings: CodeSettings | None = None) -> pd.DataFrame:
    """One row per turn in transcript order: speaker, role, text (its passages joined), the
    character span of its text in the transcript's plain text, its passage ids and whether
    any of its passages is eligible for coding (:func:`~fgd_toolkit.settings.ineligible_reasons`).
    """
    if not len(passages):
        return pd.DataFrame(columns=TURN_COLUMNS)
    frame = passages.assign(_eligible=ineligible_reasons(passages, settings or CodeSettings())
                            == "", _text=passages["text"].astype(str),
                            _pid=passages["passage_id"].astype(str))
    grouped = frame.groupby(["transcript_id", "turn"], sort=False)
    table = grouped.agg(speaker=("speaker", "first"), role=("role", "first"),
                        text=("_text", " ".join), char_start=("char_start", "min"),
                        char_end=("char_end", "max"), passage_ids=("_pid", list),
                        eligible=("_eligible", "any")).reset_index()
    table["transcript_id"] = table["transcript_id"].astype(str)
    for col in ("turn", "char_start", "char_end"):
        table[col] = table[col].astype(int)
    table["speaker"] = table["speaker"].astype(str)
    table["eligible"] = table["eligible"].astype(bool)
    return table[TURN_COLUMNS]


def preceding_questions(turns: pd.DataFrame) -> dict[tuple[str, int], str]:
    """Per turn, the text of the latest moderator turn before it in its transcript."""
    out: dict[tuple[str, int], str] = {}
    last: dict[str, str] = {}
    for row in turns.itertuples(index=False):
        out[(row.transcript_id, row.turn)] = last.get(row.transcript_id, "")
        if row.role == "moderator":
            last[row.transcript_id] = row.text
    return out
