"""Readers for tabular transcripts (``.csv``, ``.tsv``, ``.xlsx``, ``.json``): one row per turn."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import TranscriptFormatError
from ..models import Turn
from .document import RawDocument, Sidecar
from .labels import SpeakerResolver, parse_time
from .source import (canonical_metadata, check_metadata_keys, normalise_role,
                     open_zip_container, read_text)

#: Default column names, tried in order (case-insensitive). Override with ``columns=``.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "speaker": ("speaker", "pembicara", "penutur", "nama", "name", "peserta", "informan",
                "partisipan", "participant", "who", "label", "kode", "narasumber"),
    "text": ("text", "teks", "ucapan", "transkrip", "transcript", "isi", "utterance",
             "content", "pernyataan", "kutipan", "verbatim", "uraian", "pembicaraan",
             "jawaban", "tanggapan"),
    "start": ("start", "mulai", "start_time", "waktu_mulai", "time", "waktu", "timestamp",
              "jam"),
    "end": ("end", "selesai", "end_time", "waktu_selesai", "akhir"),
    "role": ("role", "peran"),
}
#: Columns that mark a table the toolkit wrote (passages, codings, a passage matrix).
TOOLKIT_COLUMNS = {"passage_id", "transcript_id"}


class NotATranscriptTable(TranscriptFormatError):
    """A table whose columns do not fit a transcript (neither a speaker nor a text column,
    or a table the toolkit wrote). Found in a folder it is skipped; named explicitly it is
    an error."""


_TIME_CELL = re.compile(r"^\[?\(?\d{1,2}:\d{2}(:\d{2})?([.,]\d+)?\)?\]?$")


@dataclass
class ColumnMap:
    """Which column (index) holds each field; ``None`` when absent."""

    speaker: int | None
    text: int | None
    start: int | None = None
    end: int | None = None
    role: int | None = None


def _match_columns(header: list[str], overrides: dict[str, str] | None = None
                   ) -> ColumnMap:
    """Columns by name: an alias equal to the header, else the header's first word
    ("Isi Pembicaraan" -> isi, "Nama Peserta" -> nama); each column serves one field."""
    lowered = [str(h).strip().lower() for h in header]
    first_words = [h.split()[0].strip(":") if h.split() else "" for h in lowered]
    found: dict[str, int | None] = {}
    taken: set[int] = set()
    for field, aliases in COLUMN_ALIASES.items():
        if overrides and field in overrides:
            wanted = overrides[field].lower()
            found[field] = lowered.index(wanted) if wanted in lowered else None
            continue
        index = next((lowered.index(a) for a in aliases
                      if a in lowered and lowered.index(a) not in taken), None)
        if index is None:
            index = next((i for a in aliases for i, w in enumerate(first_words)
                          if w == a and i not in taken), None)
        found[field] = index
        if index is not None:
            taken.add(index)
    return ColumnMap(**found)


def guess_table_columns(rows: list[list[str]]) -> tuple[ColumnMap | None, bool]:
    """Column map of a Word table: from a header row if it has one, else from the cells."""
    header = _match_columns(rows[0])
    if header.speaker is not None and header.text is not None:
        return header, True
    width = max(len(r) for r in rows)
    time_col = next((c for c in range(width)
                     if sum(bool(_TIME_CELL.match(r[c])) for r in rows if c < len(r))
                     > len(rows) / 2), None)
    numbers = {c for c in range(width)      # a "No" column of row numbers
               if sum(r[c].strip().rstrip(".").isdigit() for r in rows if c < len(r))
               > len(rows) / 2}
    others = [c for c in range(width) if c != time_col and c not in numbers]
    if len(others) < 2:
        return None, False
    lengths = {c: sum(len(r[c]) for r in rows if c < len(r)) for c in others}
    text_col = max(others, key=lambda c: lengths[c])
    speaker_col = next(c for c in others if c != text_col)
    return ColumnMap(speaker=speaker_col, text=text_col, start=time_col), False


def read_table_transcript(path: Path, sidecar: Sidecar | None = None,
                          columns: dict[str, str] | None = None) -> RawDocument:
    """Turns from rows of speaker and text (+ optional start, end, role)."""
    suffix = path.suffix.lower()
    meta: dict = {}
    encoding = "utf-8"
    warning = None
    if suffix == ".xlsx":
        workbook = open_zip_container(path, "xlsx")
        try:
            sheets = pd.read_excel(workbook, sheet_name=None, header=None, dtype=str,
                                   keep_default_na=False, engine="openpyxl")
        except Exception as exc:
            raise TranscriptFormatError(f"this workbook cannot be read ({type(exc).__name__}).",
                                        path=path, fix="open it in Excel and save it again.")
        doc = RawDocument.from_metadata(path, meta, sidecar, encoding=encoding)
        doc.turns = _workbook_turns(sheets, path, doc, columns)
        return doc
    elif suffix == ".json":
        decoded = read_text(path)
        encoding, warning = decoded.encoding, decoded.warning
        frame, meta = _json_frame(decoded.text, path)
        first_row = 1
    else:
        decoded = read_text(path)
        encoding, warning = decoded.encoding, decoded.warning
        try:
            # a .tsv is split at tabs only (its text may hold commas); a .csv's separator
            # (comma, semicolon from a localised Excel, tab) is sniffed
            frame = pd.read_csv(io.StringIO(decoded.text), dtype=str, keep_default_na=False,
                                sep="\t" if suffix == ".tsv" else None, engine="python")
        except (pd.errors.ParserError, csv.Error) as exc:
            kind = "tab-separated" if suffix == ".tsv" else "comma-separated"
            raise TranscriptFormatError(f"this {suffix[1:].upper()} cannot be parsed ({exc}).",
                                        path=path, fix=f"save it as {kind} UTF-8 with a header.")
        first_row = 2
    doc = RawDocument.from_metadata(path, meta, sidecar, encoding=encoding)
    if warning:
        doc.warnings.append(warning)
    doc.turns = _rows_to_turns(frame, path, doc, columns, first_row)
    return doc


#: A header row may sit below a title block this many rows deep.
MAX_HEADER_ROW = 10


def _workbook_turns(sheets: dict[str, pd.DataFrame], path: Path, doc: RawDocument,
                    columns: dict[str, str] | None) -> list[Turn]:
    """Turns of every sheet that has speaker and text columns, in sheet order (one sheet per
    session is common); the header may sit below a title block. Other sheets ("Info") are
    skipped; a workbook with no such sheet is an error naming the first sheet's columns."""
    turns: list[Turn] = []
    found = False
    for raw in sheets.values():
        header = next((i for i in range(min(MAX_HEADER_ROW, len(raw)))
                       if _has_speaker_and_text(list(raw.iloc[i]), columns)), None)
        if header is None:
            continue
        found = True
        frame = raw.iloc[header + 1:].reset_index(drop=True)
        frame.columns = [str(c) for c in raw.iloc[header]]
        turns += _rows_to_turns(frame, path, doc, columns, header + 2)
    if not found:
        first = next(iter(sheets.values()), pd.DataFrame())
        frame = first.iloc[1:] if len(first) else first
        frame.columns = [str(c) for c in first.iloc[0]] if len(first) else frame.columns
        return _rows_to_turns(frame, path, doc, columns, 2)     # raises the usual error
    return turns


def _has_speaker_and_text(cells: list, overrides: dict[str, str] | None) -> bool:
    found = _match_columns([str(c) for c in cells], overrides)
    return found.speaker is not None and found.text is not None


def _json_frame(text: str, path: Path) -> tuple[pd.DataFrame, dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptFormatError(f"invalid JSON ({exc.msg}).", path=path, line=exc.lineno,
                                    fix="validate the file with a JSON linter.") from None
    except RecursionError:
        raise TranscriptFormatError("the JSON is nested too deeply to be a transcript.",
                                    path=path, fix='write a list of turns: [{"speaker": "...", '
                                                   '"text": "..."}, ...].') from None
    meta: dict = {}
    if isinstance(data, dict):
        turns_key = next((k for k in ("turns", "transkrip", "ucapan") if k in data), "turns")
        rows = data.get(turns_key)
        meta = canonical_metadata({k: v for k, v in data.items() if k != turns_key})
        check_metadata_keys(meta, path)
    else:
        rows = data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise TranscriptFormatError("JSON transcripts must be a list of turn objects or an "
                                    "object with a 'turns' list.", path=path,
                                    fix='write [{"speaker": "...", "text": "..."}, ...].')
    frame = pd.DataFrame(rows).fillna("").astype(str)
    return frame, meta


def _rows_to_turns(frame: pd.DataFrame, path: Path, doc: RawDocument,
                   overrides: dict[str, str] | None, first_row: int) -> list[Turn]:
    if TOOLKIT_COLUMNS <= {str(c).strip().lower() for c in frame.columns}:
        raise NotATranscriptTable("this table was written by fgd-toolkit (it has passage_id "
                                  "and transcript_id columns); it is not a transcript.",
                                  path=path, fix="keep results out of the transcripts folder.")
    cols = _match_columns(list(frame.columns), overrides)
    missing = [f for f in ("speaker", "text") if getattr(cols, f) is None]
    if missing:
        names = " / ".join(COLUMN_ALIASES[missing[0]][:3])
        # neither column: some other table (hand codings...); one of them: a transcript
        # whose other column has an unknown name
        error = NotATranscriptTable if len(missing) == 2 else TranscriptFormatError
        raise error(
            f"no {missing[0]} column among {list(map(str, frame.columns))}.", path=path,
            fix=f"name it {names}, or pass --column {missing[0]}=<your column name>.")
    resolver = SpeakerResolver(doc.roster)
    values = frame.to_numpy(dtype=str)
    turns: list[Turn] = []
    for idx, row in enumerate(values):
        label = row[cols.speaker].strip().rstrip(":").strip()
        text = row[cols.text].strip()
        if not label and not text:
            continue
        if not label:
            if turns:
                turns[-1].text = f"{turns[-1].text}\n{text}".strip()
            continue
        speaker, role, attrs = resolver.require(label, f"row {idx + first_row}",
                                                doc.roster_path or path)
        if cols.role is not None and row[cols.role].strip() and not doc.roster:
            role = normalise_role(row[cols.role], path, speaker)
        if not text:
            continue
        turns.append(Turn(speaker=speaker, role=role, text=text, line=idx + first_row,
                          start=parse_time(row[cols.start]) if cols.start is not None else None,
                          end=parse_time(row[cols.end]) if cols.end is not None else None,
                          attributes=attrs))
    return turns
