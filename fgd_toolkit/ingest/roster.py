"""Participants tables (``participants.csv``/``.xlsx``) that add attributes to speakers.

Columns: ``label`` (required), optional ``transcript_id`` (limit a row to one transcript),
``role`` and any attribute columns (``organisation``, ``jabatan``, ``gender``...).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import RosterError
from ..models import Transcript
from .labels import canonical
from .source import normalise_role, open_zip_container


@dataclass
class RosterTable:
    """Rows of a participants table, keyed by (transcript id or ``*``, label)."""

    path: Path
    rows: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    sources: dict[tuple[str, str], Path] = field(default_factory=dict)
    labels: dict[tuple[str, str], str] = field(default_factory=dict)   # key -> label as written
    _used: set[tuple[str, str]] = field(default_factory=set)

    def apply(self, transcript: Transcript) -> None:
        """Add attributes (and roles, when given) to the transcript's matching turns."""
        for turn in transcript.turns:
            for key in ((transcript.id, canonical(turn.speaker)), ("*", canonical(turn.speaker))):
                row = self.rows.get(key)
                if row is None:
                    continue
                self._used.add(key)
                attrs = {k: v for k, v in row.items() if k != "role" and v != ""}
                turn.attributes = {**attrs, **turn.attributes}
                if row.get("role"):
                    turn.role = row["role"]
                break
        for label, participant in list(transcript.participants.items()):
            turn = next((t for t in transcript.turns if t.speaker == label), None)
            if turn is not None:
                transcript.participants[label] = type(participant)(
                    label=label, role=turn.role, attributes=dict(turn.attributes))

    def check_all_used(self, transcripts: list[Transcript]) -> None:
        """Rows tied to a transcript id must match a speaker of that transcript."""
        ids = {t.id for t in transcripts}
        for key, source in self.sources.items():
            tid, label = key
            if tid != "*" and tid in ids and key not in self._used:
                label = self.labels.get(key, label)
                raise RosterError(f"participant '{label}' of transcript '{tid}' never speaks.",
                                  path=source, fix="correct the label to match the transcript "
                                                   "exactly, or remove the row.")


def load_roster_table(path: Path) -> RosterTable:
    """Read a participants table; raises :class:`RosterError` naming file and row."""
    if not path.is_file():
        raise RosterError("no such participants file.", path=path, fix="check the path.")
    is_xlsx = path.suffix.lower() == ".xlsx"
    workbook = open_zip_container(path, "xlsx", RosterError) if is_xlsx else None
    try:
        if workbook is not None:
            frame = pd.read_excel(workbook, dtype=str, keep_default_na=False,
                                  engine="openpyxl")
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except Exception as exc:
        raise RosterError(f"cannot read the participants table ({type(exc).__name__}).",
                          path=path, fix="save it as UTF-8 CSV or .xlsx with a header row.")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "label" not in frame.columns:
        raise RosterError(f"no 'label' column (columns: {', '.join(frame.columns)}).", path=path,
                          fix="name the column holding speaker labels 'label'.")
    table = RosterTable(path=path)
    for idx, row in enumerate(frame.to_dict("records"), start=2):
        label = " ".join(str(row.pop("label")).split())
        if not label:
            raise RosterError(f"row {idx} has an empty label.", path=path,
                              fix="fill in the label or delete the row.")
        tid = str(row.pop("transcript_id", "") or "*").strip() or "*"
        if row.get("role"):
            row["role"] = normalise_role(row["role"], path, label)
        key = (tid, canonical(label))
        table.rows[key] = {k: str(v).strip() for k, v in row.items()}
        table.sources[key] = path
        table.labels[key] = label
    return table
