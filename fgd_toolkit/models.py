"""Core records (turns, transcripts) and the column names of the public tables."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Roles a speaker can have. Moderator and observer turns are not coded by default.
ROLES = ("moderator", "observer", "participant")

#: Columns of the passages table, in order (roster attributes follow, then ``backchannel``).
PASSAGE_COLUMNS = [
    "passage_id", "transcript_id", "group", "turn", "speaker", "role",
    "start", "end", "char_start", "char_end", "text",
]
#: Columns of the codings table (DESIGN §1).
CODING_COLUMNS = ["passage_id", "code_id", "polarity", "score", "source", "evidence", "coder", "run_id"]
#: Columns of the candidates table: every eligible (passage, code) pair whose presence
#: probability reaches a third of its threshold or whose keywords occur; what the coder
#: weighed, including what it left out (``coded`` False), for review sampling and diagnosis.
CANDIDATE_COLUMNS = ["passage_id", "code_id", "presence", "threshold", "p_enabler", "keyword",
                     "semantic_z", "coded"]
#: Polarity values of a coding.
POLARITIES = ("enabler", "barrier", "neutral")


@dataclass(frozen=True)
class Participant:
    """A roster entry: the label that starts the speaker's turns, a role and free attributes."""

    label: str
    role: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Turn:
    """One speaker turn as read from a transcript file.

    ``line`` is the position in the source: the line number (text), paragraph number (docx),
    cue number (vtt/srt) or spreadsheet row number (csv/xlsx, header = row 1; json: item number).
    """

    speaker: str
    role: str
    text: str
    start: float | None = None
    end: float | None = None
    line: int | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Transcript:
    """A transcript: metadata plus its turns in order."""

    id: str
    path: Path | None
    turns: list[Turn]
    title: str = ""
    group: str = ""
    date: str = ""
    location: str = ""
    participants: dict[str, Participant] = field(default_factory=dict)
    metadata: dict[str, object] = field(default_factory=dict)
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)

    def plain_text_and_offsets(self) -> tuple[str, list[int]]:
        """The transcript's plain text and, per turn, the offset where its text begins.

        Each turn is rendered as ``"<speaker>: <text>"`` followed by a blank line. This is the
        text a QDA export writes as the source; passage offsets index into it.
        """
        parts: list[str] = []
        offsets: list[int] = []
        pos = 0
        for turn in self.turns:
            head = f"{turn.speaker}: "
            offsets.append(pos + len(head))
            chunk = f"{head}{turn.text}\n\n"
            parts.append(chunk)
            pos += len(chunk)
        return "".join(parts), offsets

    @property
    def plain_text(self) -> str:
        """The transcript as plain text (see :meth:`plain_text_and_offsets`)."""
        return self.plain_text_and_offsets()[0]

    @property
    def speakers(self) -> list[str]:
        """Distinct speakers in order of first appearance."""
        return list(dict.fromkeys(t.speaker for t in self.turns))
