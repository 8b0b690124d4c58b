"""The review sheet (``review.xlsx``): the machine's suggestions for chosen turns, laid out for
a researcher to accept, reject, change or add codes in Excel or LibreOffice.

Sheet ``review`` has one row per suggestion of a turn, then :data:`ADD_ROWS` empty rows to add
codes; the turn's speaker, the moderator's preceding question and the turn's text stand on its
first row. Columns are :data:`SHEET_COLUMNS`: the machine's part (``machine`` ``coded`` or
``possible``, ``suggested_code``, ``suggested_polarity``, ``score``, ``evidence``) and the
researcher's part (``decision``, ``code_id``, ``polarity``, ``note``, ``coder``), with drop-down
lists of the decisions, the codebook's ids and the polarities. The rules for reading it back are
in :mod:`fgd_toolkit.review.sheet_read` and on the sheet ``instructions``.
"""
from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..atomic import write_with
from ..models import POLARITIES
from .turns import preceding_questions, turn_table

if TYPE_CHECKING:  # pragma: no cover
    from ..result import CodingResult

SHEET_NAME = "review"
SHEET_FORMAT = "fgd-review-sheet/1"
SHEET_COLUMNS = ["transcript_id", "turn", "speaker", "question", "text", "machine",
                 "suggested_code", "suggested_polarity", "score", "evidence", "decision",
                 "code_id", "polarity", "note", "coder"]
#: The columns a researcher fills in.
RESEARCHER_COLUMNS = ("decision", "code_id", "polarity", "note", "coder")
#: Values of the ``decision`` drop-down.
DECISIONS = ("accept", "reject", "none")
#: ``machine``: the machine coded the suggestion, or weighed it and left it out (near miss).
MACHINE_VALUES = ("coded", "possible")
#: Empty rows under each turn for codes the machine did not suggest.
ADD_ROWS = 2
#: Not-coded candidates shown per turn (the closest to their threshold first).
MAX_POSSIBLE = 2
#: A not-coded candidate is shown when its presence reaches this share of the threshold
#: (or a keyword of the code occurs in the turn).
POSSIBLE_FRACTION = 0.5
#: Rows below the last one that still get the drop-down lists.
SPARE_ROWS = 200
_WIDTHS = {"transcript_id": 20, "turn": 6, "speaker": 16, "question": 40, "text": 70,
           "machine": 9, "suggested_code": 10, "suggested_polarity": 10, "score": 7,
           "evidence": 42, "decision": 10, "code_id": 10, "polarity": 10, "note": 30,
           "coder": 14}
_FIXED_DATE = _dt.datetime(2026, 1, 1)

INSTRUCTIONS = [
    ("Cara mengisi lembar tinjauan", "How to fill in the review sheet"),
    ("Setiap giliran bicara (turn) punya beberapa baris: satu per saran kode dari mesin, lalu "
     "dua baris kosong untuk menambah kode.",
     "Each turn has a few rows: one per code the machine suggests, then two empty rows to add "
     "codes."),
    ("machine = coded: mesin memberi kode ini. machine = possible: mesin menimbang kode ini "
     "tetapi tidak memberikannya (skornya dekat ambang).",
     "machine = coded: the machine gave this code. machine = possible: the machine weighed it "
     "and left it out (its score is near the threshold)."),
    ("decision = accept (terima): kode ini benar. Untuk mengganti polaritas, pilih polaritas "
     "baru di kolom polarity.",
     "decision = accept: the code is right. To change its polarity, choose the new one in the "
     "polarity column."),
    ("decision = reject (tolak): kode ini salah. Jika kode lain yang benar, tulis di code_id "
     "(polaritas di kolom polarity).",
     "decision = reject: the code is wrong. If another code is right, put it in code_id (its "
     "polarity in the polarity column)."),
    ("Menambah kode: pada baris kosong, pilih code_id dan polarity.",
     "To add a code: on an empty row, choose code_id and polarity."),
    ("decision = none: giliran ini sudah dibaca dan tidak ada kode yang berlaku.",
     "decision = none: the turn was read and no code applies."),
    ("Sebuah giliran dianggap sudah ditinjau bila salah satu barisnya berisi decision, code_id "
     "atau polarity. Pada giliran yang sudah ditinjau, saran tanpa keputusan mengikuti mesin: "
     "saran 'coded' diterima, saran 'possible' tidak dipakai.",
     "A turn counts as reviewed when any of its rows has a decision, a code_id or a polarity. "
     "On a reviewed turn, a suggestion left without a decision keeps the machine's call: "
     "'coded' suggestions are accepted, 'possible' ones stay out."),
    ("Giliran yang tidak disentuh sama sekali tidak dianggap ditinjau; mesin tetap yang "
     "memutuskan.",
     "Turns you leave untouched are not reviewed; the machine keeps deciding them."),
    ("Kolom coder boleh diisi nama Anda (kosong = nama berkas). Jangan ubah baris judul kolom.",
     "You may write your name in coder (blank = the file name). Do not edit the header row."),
    ("Selesai? Jalankan: fgd code TRANSKRIP -c CODEBOOK -o HASIL --reviewed review.xlsx, atau "
     "fgd evaluate HASIL --gold review.xlsx.",
     "Done? Run: fgd code TRANSCRIPTS -c CODEBOOK -o RESULTS --reviewed review.xlsx, or "
     "fgd evaluate RESULTS --gold review.xlsx."),
]


def review_rows(result: "CodingResult", turns: list[tuple[str, int]]) -> pd.DataFrame:
    """The sheet's rows (:data:`SHEET_COLUMNS` plus ``_first``, which marks a turn's first
    row) for the chosen turns, in the order given."""
    table = turn_table(result.passages)
    questions = preceding_questions(table)
    info = {(r.transcript_id, r.turn): r for r in table.itertuples(index=False)}
    suggestions = _suggestions(result)
    possible = _possible(result, suggestions)
    rows: list[dict] = []
    for key in turns:
        turn = info[key]
        lines = suggestions.get(key, []) + possible.get(key, [])
        lines += [{}] * ADD_ROWS
        for k, line in enumerate(lines):
            rows.append({"transcript_id": key[0], "turn": key[1], "speaker": turn.speaker,
                         "question": questions.get(key, "") if k == 0 else "",
                         "text": turn.text if k == 0 else "",
                         "machine": line.get("machine", ""),
                         "suggested_code": line.get("code_id", ""),
                         "suggested_polarity": line.get("polarity", ""),
                         "score": line.get("score", ""), "evidence": line.get("evidence", ""),
                         "decision": "", "code_id": "", "polarity": "", "note": "", "coder": "",
                         "_first": k == 0})
    return pd.DataFrame(rows, columns=SHEET_COLUMNS + ["_first"])


def _suggestions(result: "CodingResult") -> dict[tuple[str, int], list[dict]]:
    """Per turn, the machine's codings lifted to the turn: one line per code and polarity,
    with the best passage's score and evidence, in codebook order."""
    codings = result.codings.merge(result.passages[["passage_id", "transcript_id", "turn"]],
                                   on="passage_id")
    order = {cid: k for k, cid in enumerate(result.codebook.ids)}
    codings = codings.assign(_o=codings["code_id"].map(order).fillna(len(order)),
                             _p=codings["polarity"].map({p: k for k, p in enumerate(POLARITIES)}))
    codings = codings.sort_values(["transcript_id", "turn", "_o", "_p", "score"],
                                  ascending=[True, True, True, True, False], kind="stable")
    out: dict[tuple[str, int], list[dict]] = {}
    for (tid, turn, code_id, polarity), group in codings.groupby(
            ["transcript_id", "turn", "code_id", "polarity"], sort=False):
        best = group.iloc[0]
        out.setdefault((str(tid), int(turn)), []).append({
            "machine": "coded", "code_id": code_id, "polarity": polarity,
            "score": round(float(best["score"]), 2),
            "evidence": f"[{best['source']}] {best['evidence']}"})
    return out


def _possible(result: "CodingResult",
              suggestions: dict[tuple[str, int], list[dict]]) -> dict[tuple[str, int], list]:
    """Per turn, up to :data:`MAX_POSSIBLE` codes the machine weighed but did not code."""
    cands = result.candidates
    if cands is None or not len(cands):
        return {}
    cands = cands.merge(result.passages[["passage_id", "transcript_id", "turn"]],
                        on="passage_id")
    keyword = cands["keyword"].astype(str).isin(["True", "true", "1"])
    coded = cands["coded"].astype(str).isin(["True", "true", "1"])
    near = cands["presence"].astype(float) >= cands["threshold"].astype(float) * POSSIBLE_FRACTION
    cands = cands[~coded & (near | keyword)]
    cands = cands.sort_values(["transcript_id", "turn", "presence", "code_id"],
                              ascending=[True, True, False, True], kind="stable")
    out: dict[tuple[str, int], list[dict]] = {}
    for row in cands.itertuples(index=False):
        key = (str(row.transcript_id), int(row.turn))
        shown = {s["code_id"] for s in suggestions.get(key, [])} | \
            {s["code_id"] for s in out.get(key, [])}
        if row.code_id in shown or len(out.get(key, [])) >= MAX_POSSIBLE:
            continue
        why = [f"not coded: score {float(row.presence):.2f} below the threshold "
               f"{float(row.threshold):.2f}"]
        if str(row.keyword) in ("True", "true", "1"):
            why.append("a keyword of the code occurs")
        why.append(f"similarity z {float(row.semantic_z):+.1f}")
        out.setdefault(key, []).append({
            "machine": "possible", "code_id": row.code_id,
            "polarity": "enabler" if float(row.p_enabler) >= 0.5 else "barrier",
            "score": round(float(row.presence), 2), "evidence": "; ".join(why)})
    return out


def write_review_sheet(result: "CodingResult", path: str | Path,
                       turns: list[tuple[str, int]], *, strategy: str = "",
                       seed: int | None = None) -> Path:
    """Write the review workbook for ``turns`` (atomically) and return its path.

    Sheets: ``review`` (the rows of :func:`review_rows`), ``instructions`` (Indonesian and
    English), ``codes`` (the codebook's ids, labels and definitions) and a hidden ``lists``
    sheet behind the drop-downs. The same inputs give the same bytes.
    """
    rows = review_rows(result, list(turns))
    about = {"format": SHEET_FORMAT, "run_id": result.manifest.get("run_id", ""),
             "codebook": result.codebook.name, "codebook_sha256": result.codebook.sha256,
             "strategy": strategy, "seed": "" if seed is None else str(seed),
             "turns": str(len(turns))}
    return write_with(path, lambda tmp: _write(rows, result.codebook, about, tmp))


def _write(rows: pd.DataFrame, codebook, about: dict[str, str], target: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(target), {"strings_to_formulas": False,
                                             "strings_to_urls": False})
    book.set_properties({"title": "fgd-toolkit review sheet", "created": _FIXED_DATE})
    try:
        formats = _Formats(book)
        sheet = book.add_worksheet(SHEET_NAME)
        _review_sheet(sheet, rows, formats, n_codes=len(codebook.codes))
        _instructions_sheet(book.add_worksheet("instructions"), formats, about)
        _codes_sheet(book.add_worksheet("codes"), codebook, formats)
        lists = book.add_worksheet("lists")
        for col, values in enumerate((DECISIONS, POLARITIES)):
            lists.write_column(0, col, list(values))
        lists.hide()
        sheet.activate()
    finally:
        book.close()


class _Formats:
    """Cell formats, made once: header, the machine's columns (grey), the researcher's
    (yellow), with a top border on a turn's first row."""

    def __init__(self, book) -> None:
        self.book = book
        self.header = book.add_format({"bold": True, "bg_color": "#37474F",
                                       "font_color": "#FFFFFF", "text_wrap": True,
                                       "valign": "top", "border": 1})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self._cells: dict[tuple[bool, bool], object] = {}

    def cell(self, researcher: bool, first: bool):
        key = (researcher, first)
        if key not in self._cells:
            spec = {"text_wrap": True, "valign": "top",
                    "bg_color": "#FFF8E1" if researcher else "#F5F5F5"}
            if first:
                spec.update({"top": 2, "top_color": "#607D8B"})
            self._cells[key] = self.book.add_format(spec)
        return self._cells[key]


def _review_sheet(sheet, rows: pd.DataFrame, formats: _Formats, n_codes: int) -> None:
    for col, name in enumerate(SHEET_COLUMNS):
        sheet.set_column(col, col, _WIDTHS[name])
        sheet.write_string(0, col, name, formats.header)
    for r, row in enumerate(rows.to_dict("records"), 1):
        for col, name in enumerate(SHEET_COLUMNS):
            fmt = formats.cell(name in RESEARCHER_COLUMNS, bool(row["_first"]))
            value = row[name]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(r, col, value, fmt)
            elif value == "":
                sheet.write_blank(r, col, None, fmt)
            else:
                sheet.write_string(r, col, str(value), fmt)
        if row["_first"]:
            sheet.set_row(r, _row_height(row))
    last = max(len(rows), 1)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, last, len(SHEET_COLUMNS) - 1)
    last += SPARE_ROWS          # drop-downs also on rows a researcher inserts or appends
    col = {name: k for k, name in enumerate(SHEET_COLUMNS)}
    sheet.data_validation(1, col["decision"], last, col["decision"], {
        "validate": "list", "source": "=lists!$A$1:$A$3",
        "input_title": "Keputusan / Decision",
        "input_message": "accept = terima, reject = tolak, none = tidak ada kode / no code",
        "error_title": "decision", "error_message": "accept, reject or none"})
    sheet.data_validation(1, col["code_id"], last, col["code_id"], {
        "validate": "list", "source": f"=codes!$A$2:$A${n_codes + 1}",
        "input_title": "Kode / Code",
        "input_message": "Kode untuk ditambah atau pengganti / a code to add or use instead",
        "error_title": "code_id", "error_message": "Pilih kode dari codebook / choose a code "
                                                   "of the codebook (sheet 'codes')"})
    sheet.data_validation(1, col["polarity"], last, col["polarity"], {
        "validate": "list", "source": "=lists!$B$1:$B$3",
        "input_title": "Polaritas / Polarity",
        "input_message": "enabler = pendorong, barrier = penghambat, neutral = netral",
        "error_title": "polarity", "error_message": "enabler, barrier or neutral"})


def _row_height(row: dict) -> float:
    """Rows do not grow with wrapped text in every spreadsheet program: size the first row
    of a turn for its text (about 1.1 characters per unit of column width)."""
    lines = max(math.ceil(len(str(row[name])) / (_WIDTHS[name] * 1.1)) if row[name] else 1
                for name in ("question", "text", "evidence"))
    return min(15.0 * max(lines, 1), 400.0)


def _instructions_sheet(sheet, formats: _Formats, about: dict[str, str]) -> None:
    sheet.set_column(0, 0, 80)
    sheet.set_column(1, 1, 80)
    sheet.write_row(0, 0, ["Bahasa Indonesia", "English"], formats.header)
    for r, (indonesian, english) in enumerate(INSTRUCTIONS, 1):
        fmt = formats.bold if r == 1 else formats.wrap
        sheet.write_row(r, 0, [indonesian, english], fmt)
    start = len(INSTRUCTIONS) + 2
    sheet.write_row(start, 0, ["about", ""], formats.header)
    for k, (key, value) in enumerate(about.items(), start + 1):
        sheet.write_row(k, 0, [key, value])


def _codes_sheet(sheet, codebook, formats: _Formats) -> None:
    columns = ["code_id", "label", "label_en", "definition", "include", "exclude"]
    widths = [10, 36, 30, 70, 50, 50]
    for col, (name, width) in enumerate(zip(columns, widths)):
        sheet.set_column(col, col, width)
    sheet.write_row(0, 0, columns, formats.header)
    for r, code in enumerate(codebook.codes, 1):
        sheet.write_row(r, 0, [code.id, code.label, code.label_en, code.definition,
                               code.include, code.exclude], formats.wrap)
    sheet.freeze_panes(1, 1)
