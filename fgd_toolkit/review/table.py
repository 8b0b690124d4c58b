"""Plain tables of reviewed codings: CSV or XLSX with ``transcript_id, turn, code_id,
polarity`` (optional ``speaker, coder, note``; ``quote`` and other columns are ignored).

A row with an empty ``code_id`` marks a turn read with no code. Rows are numbered as a
spreadsheet shows them (the header is row 1).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import ReviewedCodingsError
from .decisions import FileDecisions, normalise_polarity
from ..csv_safety import unescape_cell

REQUIRED = ("transcript_id", "turn", "code_id", "polarity")
OPTIONAL = ("speaker", "coder", "note")
_TABLE_FIX = ("give it the columns transcript_id, turn, code_id, polarity (optional speaker, "
              "coder, note) in its first row.")


def cell_text(value: object) -> str:
    """A cell as clean text: ``None`` -> ``""``, ``9.0`` -> ``"9"``, whitespace stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_turn(value: str, path: Path, row: int, column: str = "turn") -> int:
    """The turn number of a cell, or a one-line error naming the file and row."""
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if number != number or not number.is_integer() or number < 1:
        shown = f"'{value}'" if value else "empty"
        raise ReviewedCodingsError(f"{column} {shown} is not a turn number.", path=path,
                                   line=row, fix="write the turn's number as `fgd code` counts "
                                                 "it (column 'turn' of passages.csv; 1 = the "
                                                 "first turn of the transcript).")
    return int(number)


def decision_row(record: dict[str, str], *, path: Path, row: int, coder: str,
                 labels: dict[str, str]) -> dict:
    """One decision from a table record, its values checked (not yet against the results)."""
    tid = record.get("transcript_id", "")
    if not tid:
        raise ReviewedCodingsError("transcript_id is empty.", path=path, line=row,
                                   fix="name the transcript (column 'transcript_id' of "
                                       "passages.csv) on every row.")
    turn = parse_turn(record.get("turn", ""), path, row)
    code_id = record.get("code_id", "")
    raw_polarity = record.get("polarity", "")
    polarity = normalise_polarity(raw_polarity, labels)
    if polarity is None:
        raise ReviewedCodingsError(f"polarity '{raw_polarity}' is not enabler, barrier or "
                                   "neutral.", path=path, line=row,
                                   fix="write enabler (pendorong), barrier (penghambat) or "
                                       "neutral (netral).")
    if code_id and not polarity:
        raise ReviewedCodingsError(f"code {code_id} has no polarity.", path=path, line=row,
                                   fix="write enabler, barrier or neutral in 'polarity'.")
    if polarity and not code_id:
        raise ReviewedCodingsError(f"polarity '{raw_polarity}' is given without a code.",
                                   path=path, line=row,
                                   fix="write the code in 'code_id', or clear 'polarity' to "
                                       "mark the turn as read with no code.")
    return {"transcript_id": tid, "turn": turn, "code_id": code_id, "polarity": polarity,
            "passage_id": "", "speaker": record.get("speaker", ""),
            "coder": record.get("coder", "") or coder, "note": record.get("note", ""),
            "file": str(path), "row": row}


def _records(header: list[str], rows, path: Path, where: str = ""):
    """``(row number, record)`` pairs of a table whose first row is ``header``."""
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ReviewedCodingsError(f"{where}lacks the column(s) {', '.join(missing)}.",
                                   path=path, fix=_TABLE_FIX)
    index = {name: names.index(name) for name in REQUIRED + OPTIONAL if name in names}
    for number, values in rows:
        cells = [cell_text(v) for v in values]
        if not any(cells):
            continue
        yield number, {name: cells[i] if i < len(cells) else "" for name, i in index.items()}


def decode_table_text(path: Path) -> str:
    """A CSV file's text: UTF-8 (with or without BOM), else Windows-1252."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReviewedCodingsError("the text encoding cannot be recognised.", path=path,
                               fix="save the table as CSV UTF-8.")


def read_csv_table(path: Path, *, coder: str, labels: dict[str, str]) -> FileDecisions:
    """Decisions from a CSV (or TSV) table; the delimiter (``,`` ``;`` tab) is detected, as
    spreadsheets in an Indonesian locale save CSV with ``;``."""
    text = decode_table_text(path)
    first = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ReviewedCodingsError("the file is empty.", path=path, fix=_TABLE_FIX) from None
    try:
        records = list(_records(header, ((n, [unescape_cell(v) for v in values])
                                         for n, values in enumerate(reader, 2)), path))
    except csv.Error as exc:
        raise ReviewedCodingsError(f"the CSV cannot be parsed ({exc}).", path=path,
                                   fix="save it again as CSV from your spreadsheet.") from None
    rows = [decision_row(r, path=path, row=n, coder=coder, labels=labels) for n, r in records]
    return _reading(path, "csv", rows, coder)


def read_xlsx_table(path: Path, workbook, *, coder: str,
                    labels: dict[str, str]) -> FileDecisions:
    """Decisions from every sheet of a workbook whose first row has the table's columns."""
    rows: list[dict] = []
    found = False
    for sheet in workbook.worksheets:
        values = sheet.iter_rows(values_only=True)
        header = [cell_text(v).lower() for v in next(values, ())]
        if "transcript_id" not in header or "turn" not in header:
            continue     # a notes or codebook sheet beside the table
        found = True
        where = f"sheet '{sheet.title}' "
        numbered = ((n, row) for n, row in enumerate(values, 2))
        for n, record in _records(header, numbered, path, where):
            try:
                rows.append(decision_row(record, path=path, row=n, coder=coder, labels=labels))
            except ReviewedCodingsError as exc:
                raise ReviewedCodingsError(f"sheet '{sheet.title}': {exc.reason}", path=path,
                                           line=n, fix=exc.fix) from None
    if not found:
        raise ReviewedCodingsError("no sheet has the columns transcript_id, turn, code_id, "
                                   "polarity.", path=path, fix=_TABLE_FIX)
    return _reading(path, "xlsx", rows, coder)


def _reading(path: Path, fmt: str, rows: list[dict], coder: str) -> FileDecisions:
    coders = sorted({r["coder"] for r in rows}) or [coder]
    return FileDecisions(path=str(path), format=fmt, rows=rows, rows_read=len(rows),
                         coder=", ".join(coders), whole_transcripts=True,
                         transcripts={r["transcript_id"] for r in rows})
