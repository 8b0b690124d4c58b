"""Assemble turns from labelled lines or paragraphs (shared by the text and Word readers)."""
from __future__ import annotations

import re
from collections.abc import Callable

from ..models import Turn
from .labels import (LabelMatch, SpeakerResolver, is_header_line, is_time_only, parse_time,
                     split_label_line, split_loose_label_line)

# Markdown headings and horizontal rules end a turn; they are never speech.
_STRUCTURAL = re.compile(r"^\s*(#{1,6}\s|(?:-{3,}|\*{3,}|_{3,})\s*$)")
_BLANK_RUNS = re.compile(r"\n\s*\n+")
# a line worded like speech rather than a title: several words ending a sentence
_SENTENCE = re.compile(r"^\s*\S+(?:\s+\S+){5,}.*[.?!…]\s*$")


def looks_like_speech(line: str) -> bool:
    """Six words or more ending like a sentence: speech, not a title or a form field."""
    return bool(_SENTENCE.match(line))


class TurnBuilder:
    """Feed lines in order: a line with a speaker label starts a turn, other lines continue it.

    Lines before the first turn, and lines after a heading until the next label, are not
    speech (titles, notes) and are counted in ``skipped_lines`` (``orphan_lines`` for those
    after the first turn, which readers report as a warning). Section and note lines
    (``SESI 2: DISKUSI``, ``Catatan: ...``) end a turn like a heading.

    ``loose`` also accepts ``P1 – text`` and a label alone on its line without a colon; readers
    use it only for a file that yields no turn otherwise.
    """

    def __init__(self, resolver: SpeakerResolver, loose: bool = False,
                 caps_headers: bool = True,
                 label_of: Callable[[str], LabelMatch | None] = split_label_line) -> None:
        self.resolver = resolver
        self.label_of = label_of
        self.loose = loose
        self.caps_headers = caps_headers
        self.turns: list[Turn] = []
        self.skipped_lines = 0
        self.orphan_lines = 0   # skipped after the first turn (e.g. under a heading)
        self.leading_speech = 0  # skipped before it, and worded like speech (a sentence)
        self._lines: list[str] = []
        self._open = False
        self._pending_time: float | None = None

    def feed(self, line: str, position: int, label: LabelMatch | None = None) -> None:
        """Add one line (or paragraph). ``label`` overrides label detection (bold Word runs)."""
        if _STRUCTURAL.match(line):
            self._close()
            return
        if is_time_only(line):         # "00:05:00" above the next label: its start time
            self._pending_time = parse_time(line.strip())
            return
        match = label or self.label_of(line)
        if match is None and self.loose:
            match = split_loose_label_line(line)
        resolved = self.resolver.resolve(match.label) if match else None
        if not resolved and line.strip() and is_header_line(line, match, self.caps_headers):
            self._close()
            self.skipped_lines += 1
            self.orphan_lines += bool(self.turns)
            return
        if match and resolved:
            self._close()
            speaker, role, attrs = resolved
            start = match.start if match.start is not None else self._pending_time
            self._pending_time = None
            self.turns.append(Turn(speaker=speaker, role=role, text="", start=start,
                                   line=position, attributes=attrs))
            self._open = True
            if match.text:
                self._lines.append(match.text)
        elif self._open:
            self._lines.append(line.rstrip())
        elif line.strip():
            self.skipped_lines += 1
            if self.turns:
                self.orphan_lines += 1
            elif match is None and looks_like_speech(line):
                self.leading_speech += 1

    def _close(self) -> None:
        if self._open:
            body = _BLANK_RUNS.sub("\n\n", "\n".join(self._lines)).strip()
            if body:
                self.turns[-1].text = body
            else:
                self.turns.pop()  # a label with no words is not a turn
        self._lines = []
        self._open = False

    def finish(self) -> list[Turn]:
        """Close the last turn and return every turn."""
        self._close()
        return self.turns


def table_turns(rows: list[list[str]], resolver: SpeakerResolver, path,
                first_position: int) -> list[Turn]:
    """Turns from a speaker | text table (Word or Markdown), with an optional header row and
    time column; a row with an empty speaker cell continues the turn above."""
    from .tabular import guess_table_columns

    if not rows or max(len(r) for r in rows) < 2:
        return []
    columns, has_header = guess_table_columns(rows)
    if columns is None:
        return []
    body = rows[1:] if has_header else rows
    offset = first_position + (2 if has_header else 1)
    turns: list[Turn] = []
    for idx, row in enumerate(body):
        speaker_cell = _cell(row, columns.speaker).rstrip(":").strip()
        text = _cell(row, columns.text)
        if not speaker_cell:
            if turns and text:
                turns[-1].text = f"{turns[-1].text}\n{text}".strip()
            continue
        speaker, role, attrs = resolver.require(speaker_cell, f"table row {idx + 1}", path)
        if columns.role is not None and _cell(row, columns.role) and not resolver.roster:
            from .source import normalise_role

            role = normalise_role(_cell(row, columns.role), path, speaker)
        turns.append(Turn(speaker=speaker, role=role, text=text, line=offset + idx,
                          start=parse_time(_cell(row, columns.start)),
                          end=parse_time(_cell(row, columns.end)), attributes=attrs))
    return [t for t in turns if t.text]


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""
