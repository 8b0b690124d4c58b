"""The common result of reading reviewed codings, whatever the file format.

A *decision* row says what a researcher decided about one turn: one row per code (with its
polarity) the turn has, or one row with an empty ``code_id`` when the turn was read and no code
applies. Every turn that appears in :attr:`ReviewedCodings.decisions` is *reviewed*: its codes
there are its whole truth.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..models import POLARITIES

#: Columns of :attr:`ReviewedCodings.decisions`, in order.
DECISION_COLUMNS = ["transcript_id", "turn", "code_id", "polarity", "passage_id", "speaker",
                    "coder", "note", "file", "row"]
#: Columns of :attr:`ReviewedCodings.rejections`: explicit reject marks of a review sheet.
REJECTION_COLUMNS = ["transcript_id", "turn", "code_id", "polarity", "coder", "file", "row"]
#: The unique truth of reviewed turns (what :meth:`ReviewedCodings.truth` returns).
TRUTH_COLUMNS = ["transcript_id", "turn", "code_id", "polarity"]
#: Formats a reviewed-codings file can have (``files[i]["format"]``).
FORMATS = ("csv", "xlsx", "review-sheet", "qdpx")

#: Polarity words researchers write, Indonesian and English, mapped to the codings' values.
POLARITY_ALIASES = {
    "enabler": "enabler", "pendorong": "enabler", "pendukung": "enabler", "positif": "enabler",
    "positive": "enabler", "pos": "enabler", "+": "enabler",
    "barrier": "barrier", "penghambat": "barrier", "hambatan": "barrier", "negatif": "barrier",
    "negative": "barrier", "neg": "barrier", "-": "barrier",
    "neutral": "neutral", "netral": "neutral", "0": "neutral",
}


def empty_decisions() -> pd.DataFrame:
    """A decisions table with no rows and the right dtypes."""
    return _typed(pd.DataFrame(columns=DECISION_COLUMNS))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[DECISION_COLUMNS].copy()
    for col in DECISION_COLUMNS:
        if col in ("turn", "row"):
            frame[col] = frame[col].astype("int64")
        else:
            frame[col] = frame[col].fillna("").astype(str)
    return frame.reset_index(drop=True)


def normalise_polarity(value: object, labels: dict[str, str] | None = None) -> str | None:
    """``enabler``/``barrier``/``neutral`` for a polarity word (``Pendorong``, ``netral``,
    a codebook's own polarity label...), ``""`` for a blank, ``None`` when not recognised."""
    text = str(value if value is not None else "").strip().lower()
    if not text:
        return ""
    if text in POLARITY_ALIASES:
        return POLARITY_ALIASES[text]
    for polarity, label in (labels or {}).items():
        if label and text == label.strip().lower():
            return polarity
    # "Pendorong (enabler)", the name of a polarity child code in a QDA program
    for word in text.replace("(", " ").replace(")", " ").split():
        if word in POLARITY_ALIASES and word not in ("+", "-", "0"):
            return POLARITY_ALIASES[word]
    return None


def polarity_labels(codebook) -> dict[str, str]:
    """The codebook's own polarity labels (``{"enabler": "Pendorong", ...}``)."""
    if codebook is None:
        return {}
    return {pol: str((codebook.polarity or {}).get(pol, {}).get("label", ""))
            for pol in POLARITIES}


@dataclass
class ReviewedCodings:
    """A researcher's decisions read from one or more files.

    Attributes:
        decisions: one row per reviewed turn and code (:data:`DECISION_COLUMNS`); a row with an
            empty ``code_id`` (and polarity) marks a turn read with no code. ``passage_id`` is
            filled when the decision names one passage (a REFI-QDA selection inside one
            passage), ``row`` is the row (CSV/XLSX/sheet) or selection number (``.qdpx``) in
            ``file``, for messages (0 for the no-code rows a ``.qdpx`` implies for turns
            without a selection).
        files: one dict per file read, for the manifest: ``path, sha256, format`` (one of
            :data:`FORMATS`), ``coder, rows`` (data rows or selections read), ``turns``
            (turns it reviews).
        rejections: explicit reject marks of review sheets (:data:`REJECTION_COLUMNS`): a code
            the machine suggested (or showed as possible) that the researcher rejected.
        scored_transcripts: transcripts that ``fgd evaluate`` scores in full: those named by a
            plain CSV/XLSX table (a gold file lists the coded turns of a transcript, the others
            are negatives) and those held by a ``.qdpx``. Of a review sheet only the reviewed
            turns are scored.
        warnings: things the researcher should know (a project source left as the machine
            coded it...).
    """

    decisions: pd.DataFrame
    files: list[dict] = field(default_factory=list)
    rejections: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=REJECTION_COLUMNS))
    scored_transcripts: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    @property
    def turns(self) -> set[tuple[str, int]]:
        """Every reviewed ``(transcript_id, turn)``."""
        return set(zip(self.decisions["transcript_id"], self.decisions["turn"].astype(int)))

    def truth(self) -> pd.DataFrame:
        """The unique ``(transcript_id, turn, code_id, polarity)`` of the rows with a code, in
        the order first read."""
        coded = self.decisions[self.decisions["code_id"] != ""]
        return coded[TRUTH_COLUMNS].drop_duplicates().reset_index(drop=True)

    def scoring_scope(self, passages: pd.DataFrame) -> pd.DataFrame:
        """The ``(transcript_id, turn)`` pairs ``fgd evaluate`` scores: every turn of
        :attr:`scored_transcripts` plus every reviewed turn."""
        whole = passages[passages["transcript_id"].isin(self.scored_transcripts)]
        keys = set(zip(whole["transcript_id"], whole["turn"].astype(int))) | self.turns
        return pd.DataFrame(sorted(keys), columns=["transcript_id", "turn"])

    def counts_per_code(self, codings: pd.DataFrame | None = None,
                        passages: pd.DataFrame | None = None,
                        candidates: pd.DataFrame | None = None) -> dict[str, dict[str, int]]:
        """How many decisions each code has, counted per reviewed turn.

        ``accepted``: reviewed turns whose truth has the code (kept from the machine, or added
        by the researcher). ``rejected``: reviewed turns where the machine suggested the code
        and the truth does not have it. A suggestion is known from a review sheet's reject
        marks and, when given, from the machine ``codings`` (``source`` other than
        ``human``) and from the ``candidates`` it ``coded``; both need ``passages`` to find
        their turns unless they carry ``transcript_id`` and ``turn`` columns.
        """
        truth_pairs = set(zip(self.decisions["transcript_id"],
                              self.decisions["turn"].astype(int), self.decisions["code_id"]))
        suggested = set(zip(self.rejections["transcript_id"],
                            self.rejections["turn"].astype(int), self.rejections["code_id"]))
        for frame, keep in ((codings, "source"), (candidates, "coded")):
            if frame is None or not len(frame):
                continue
            if keep == "source" and "source" in frame:
                frame = frame[frame["source"] != "human"]
            if keep == "coded" and "coded" in frame:
                frame = frame[frame["coded"].astype(str).isin(["True", "true", "1"])]
            if "turn" not in frame or "transcript_id" not in frame:
                if passages is None:
                    raise ValueError("codings/candidates without transcript_id and turn need "
                                     "the passages table")
                frame = frame[["passage_id", "code_id"]].merge(
                    passages[["passage_id", "transcript_id", "turn"]], on="passage_id")
            suggested |= set(zip(frame["transcript_id"].astype(str), frame["turn"].astype(int),
                                 frame["code_id"]))
        reviewed = self.turns
        counts: dict[str, dict[str, int]] = {}
        for tid, turn, code_id in sorted(truth_pairs):
            if code_id:
                counts.setdefault(code_id, {"accepted": 0, "rejected": 0})["accepted"] += 1
        for tid, turn, code_id in sorted(suggested):
            if (tid, turn) in reviewed and (tid, turn, code_id) not in truth_pairs:
                counts.setdefault(code_id, {"accepted": 0, "rejected": 0})["rejected"] += 1
        return dict(sorted(counts.items()))


@dataclass
class FileDecisions:
    """What one file holds, before it is checked against the results and the other files.

    ``rows`` are dicts with :data:`DECISION_COLUMNS`; ``whole_transcripts`` says that the file
    is the complete coding of the transcripts it names (see
    :attr:`ReviewedCodings.scored_transcripts`).
    """

    path: str
    format: str
    rows: list[dict]
    rows_read: int
    coder: str
    rejections: list[dict] = field(default_factory=list)
    whole_transcripts: bool = False
    transcripts: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
