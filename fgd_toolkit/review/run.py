"""The researcher's reviews inside a coding run: read and checked before any coding work,
the reviewed turns the tagger learns from, and the rows the machine never re-decides."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..settings import CodeSettings
from ..tagging.study import ReviewedTurn


def read_reviews(reviewed, passages: pd.DataFrame, cb: Codebook, transcripts,
                  settings: CodeSettings):
    """The researcher's decisions, checked against these passages and codebook before any
    coding work (``None`` when there are none)."""
    if reviewed is None:
        return None
    from . import ReviewedCodings, read_reviewed, roles_for

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


def reviewed_rows(review, passages: pd.DataFrame) -> np.ndarray | None:
    """Rows of passages in reviewed turns (the machine never re-decides them)."""
    if review is None:
        return None
    turns = review.turns
    return np.array([(str(t), int(u)) in turns
                     for t, u in zip(passages["transcript_id"], passages["turn"])], dtype=bool)
