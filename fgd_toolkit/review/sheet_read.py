"""Reading a filled review sheet back into decisions.

Rules (also on the sheet's ``instructions``):

- A turn counts as **reviewed** when any of its rows has a ``decision``, a ``code_id`` or a
  ``polarity``. Turns left untouched are not reviewed (a ``note`` alone does not count).
- On a reviewed turn, a suggestion without a decision keeps the machine's call: a ``coded``
  suggestion is accepted as suggested, a ``possible`` one stays out.
- ``accept``: the suggested code, with ``polarity`` if given (a changed polarity) and with
  ``code_id`` if given (a different code: the suggested one counts as rejected). A
  ``code_id`` or ``polarity`` filled in without a decision means the same.
- ``reject``: the suggested code is wrong; a ``code_id`` on the same row is the right code
  instead (its polarity from ``polarity``, else the suggested one).
- An empty row with ``code_id`` and ``polarity`` adds a code.
- ``none``: the turn was read and has no code: its unmarked suggestions count as rejected;
  it cannot stand beside a code kept explicitly (accepted, changed or added).

Rows whose ``transcript_id``/``turn`` were left blank (a row the researcher inserted) belong
to the turn above them. Anything else (an unknown decision, a polarity without a code, a
reject on an empty row) is a one-line error naming the file, the row and the fix.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ReviewedCodingsError
from .decisions import FileDecisions, normalise_polarity
from .sheet import MACHINE_VALUES, SHEET_COLUMNS, SHEET_NAME
from .table import cell_text, parse_turn

#: Reading stops after this many blank rows in a row.
MAX_BLANK_ROWS = 1000
#: What researchers type in ``decision``, mapped to the sheet's values.
DECISION_ALIASES = {"accept": "accept", "terima": "accept", "diterima": "accept",
                    "reject": "reject", "tolak": "reject", "ditolak": "reject",
                    "none": "none", "no code": "none", "tidak ada": "none",
                    "tidak ada kode": "none", "kosong": "none"}


def find_review_sheet(workbook):
    """The workbook's review sheet (named ``review``, or any sheet whose header row has
    ``suggested_code``), or ``None`` when it is a plain table."""
    for sheet in workbook.worksheets:
        if sheet.title.strip().lower() == SHEET_NAME:
            return sheet
    for sheet in workbook.worksheets:
        header = [cell_text(v).lower() for v in next(sheet.iter_rows(values_only=True), ())]
        if "suggested_code" in header:
            return sheet
    return None


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def check_header(header: list[str], path: Path, sheet: str) -> None:
    """The first row must read :data:`SHEET_COLUMNS` in order (more columns after them are
    allowed: a researcher's own memo column)."""
    fix = (f"restore the first row of sheet '{sheet}' to: {', '.join(SHEET_COLUMNS)} (copy it "
           "from a sheet `fgd review` writes); put your own columns after the last one.")
    for k, expected in enumerate(SHEET_COLUMNS):
        found = header[k] if k < len(header) else ""
        if found.strip().lower() != expected:
            shown = f"'{found}'" if found else "empty"
            raise ReviewedCodingsError(f"sheet '{sheet}', column {_column_letter(k)}: the "
                                       f"header is {shown}, not '{expected}' (the header row "
                                       "was edited).", path=path, line=1, fix=fix)


def read_review_sheet(path: Path, sheet, *, coder: str, labels: dict[str, str]) -> FileDecisions:
    """Decisions and reject marks of a filled review sheet (see the module's rules)."""
    values = sheet.iter_rows(values_only=True)
    header = [cell_text(v) for v in next(values, ())]
    check_header(header, path, sheet.title)
    col = {name: k for k, name in enumerate(SHEET_COLUMNS)}
    turns: dict[tuple[str, int], list[tuple[int, dict[str, str]]]] = {}
    last: tuple[str, int] | None = None
    rows_read = 0
    blank = 0
    for n, raw in enumerate(values, 2):
        cells = {name: cell_text(raw[k]) if k < len(raw) else "" for name, k in col.items()}
        if not any(cells.values()):
            blank += 1
            if blank > MAX_BLANK_ROWS:     # formatting saved down to row 1,048,576
                break
            continue
        blank = 0
        rows_read += 1
        if cells["transcript_id"] or cells["turn"]:
            if not cells["transcript_id"]:
                raise ReviewedCodingsError("transcript_id is empty but turn is not.", path=path,
                                           line=n, fix="fill in transcript_id, or clear both "
                                                       "to continue the turn above.")
            last = (cells["transcript_id"], parse_turn(cells["turn"], path, n))
        elif last is None:
            raise ReviewedCodingsError("a row without transcript_id and turn comes before any "
                                       "turn.", path=path, line=n,
                                       fix="fill in transcript_id and turn.")
        turns.setdefault(last, []).append((n, cells))
    rows: list[dict] = []
    rejections: list[dict] = []
    for key, lines in turns.items():
        kept, rejected = _turn_decisions(key, lines, path, coder, labels)
        rows.extend(kept)
        rejections.extend(rejected)
    coders = sorted({r["coder"] for r in rows}) or [coder]
    return FileDecisions(path=str(path), format="review-sheet", rows=rows, rows_read=rows_read,
                         coder=", ".join(coders), rejections=rejections,
                         transcripts={r["transcript_id"] for r in rows})


def _turn_decisions(key: tuple[str, int], lines: list[tuple[int, dict[str, str]]], path: Path,
                    default_coder: str, labels: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """The kept codes (or one no-code row) and reject marks of one turn; nothing if the turn
    was not reviewed."""
    marked = [(n, c) for n, c in lines if c["decision"] or c["code_id"] or c["polarity"]]
    if not marked:
        return [], []
    speaker = next((c["speaker"] for _, c in lines if c["speaker"]), "")

    def entry(n: int, cells: dict[str, str], code_id: str, polarity: str) -> dict:
        return {"transcript_id": key[0], "turn": key[1], "code_id": code_id,
                "polarity": polarity, "passage_id": "", "speaker": speaker,
                "coder": cells["coder"] or default_coder, "note": cells["note"],
                "file": str(path), "row": n}

    kept: list[dict] = []
    implicit: list[tuple[dict, dict]] = []     # coded suggestions left without a decision
    rejected: list[dict] = []
    none_row: int | None = None
    for n, cells in lines:
        decision = _decision(cells["decision"], path, n)
        polarity = _polarity(cells["polarity"], labels, path, n, "polarity")
        code_id = cells["code_id"]
        suggested = cells["suggested_code"]
        if suggested:
            machine = cells["machine"].lower()
            if machine not in MACHINE_VALUES:
                raise ReviewedCodingsError(f"machine '{cells['machine']}' is not coded or "
                                           "possible (the machine's columns were edited).",
                                           path=path, line=n,
                                           fix="restore the machine's columns (machine to "
                                               "evidence) as `fgd review` wrote them.")
            suggested_pol = _polarity(cells["suggested_polarity"], labels, path, n,
                                      "suggested_polarity") or "neutral"
            reject_mark = entry(n, cells, suggested, suggested_pol)
            if decision == "none":
                if code_id or polarity:
                    raise _none_with_code(path, n)
                rejected.append(reject_mark)
                none_row = none_row or n
            elif decision == "reject":
                rejected.append(reject_mark)
                if polarity and not code_id:
                    raise ReviewedCodingsError(
                        f"{suggested} is rejected but a polarity is given.", path=path, line=n,
                        fix="to keep the code with another polarity write accept (or leave "
                            "decision blank); to reject it, clear polarity.")
                if code_id:
                    kept.append(entry(n, cells, code_id, polarity or suggested_pol))
            elif decision == "accept" or code_id or polarity:
                final = code_id or suggested
                if final != suggested:
                    rejected.append(reject_mark)
                kept.append(entry(n, cells, final, polarity or suggested_pol))
            elif machine == "coded":
                implicit.append((entry(n, cells, suggested, suggested_pol), reject_mark))
        else:
            if decision == "none":
                if code_id or polarity:
                    raise _none_with_code(path, n)
                none_row = none_row or n
            elif decision == "reject":
                raise ReviewedCodingsError("reject on a row without a suggestion.", path=path,
                                           line=n, fix="clear decision; to add a code choose "
                                                       "code_id and polarity.")
            elif code_id:
                if not polarity:
                    raise ReviewedCodingsError(f"code {code_id} is added without a polarity.",
                                               path=path, line=n,
                                               fix="choose enabler, barrier or neutral in "
                                                   "polarity.")
                kept.append(entry(n, cells, code_id, polarity))
            elif polarity:
                raise ReviewedCodingsError("a polarity is given without a code.", path=path,
                                           line=n, fix="choose the code in code_id, or clear "
                                                       "polarity.")
            elif decision == "accept":
                raise ReviewedCodingsError("accept on a row without a suggestion or a code.",
                                           path=path, line=n,
                                           fix="choose code_id and polarity to add a code, or "
                                               "clear decision.")
    if none_row is not None and kept:
        raise ReviewedCodingsError(
            f"turn {key[1]} of {key[0]} is marked none (row {none_row}) but keeps code "
            f"{kept[0]['code_id']} (row {kept[0]['row']}).", path=path, line=none_row,
            fix="clear the decision of the kept code (or reject it), or clear none.")
    if none_row is not None:       # no code at all: what was left unmarked is rejected too
        rejected.extend(mark for _, mark in implicit)
    else:
        kept = sorted(kept + [k for k, _ in implicit], key=lambda k: k["row"])
    if not kept:
        first_n, first_cells = marked[0]
        kept.append(entry(first_n, first_cells, "", ""))
    return kept, rejected


def _decision(value: str, path: Path, n: int) -> str:
    if not value:
        return ""
    decision = DECISION_ALIASES.get(value.strip().lower())
    if decision is None:
        raise ReviewedCodingsError(f"decision '{value}' is not accept, reject or none.",
                                   path=path, line=n,
                                   fix="choose accept, reject or none from the drop-down.")
    return decision


def _polarity(value: str, labels: dict[str, str], path: Path, n: int, column: str) -> str:
    polarity = normalise_polarity(value, labels)
    if polarity is None:
        raise ReviewedCodingsError(f"{column} '{value}' is not enabler, barrier or neutral.",
                                   path=path, line=n,
                                   fix="choose enabler, barrier or neutral from the drop-down.")
    return polarity


def _none_with_code(path: Path, n: int) -> ReviewedCodingsError:
    return ReviewedCodingsError("decision none (no code) with a code or polarity on the same "
                                "row.", path=path, line=n,
                                fix="clear code_id and polarity, or write accept instead of "
                                    "none.")
