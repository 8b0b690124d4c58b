"""Writing results: CSV files, one Excel workbook, the manifest (the folder is replaced whole)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import pandas as pd

from ..atomic import atomic_path
from ..output_folder import recover_if_interrupted, reserved, write_folder
from ..csv_safety import csv_text, escape_cell, restore_formulas
from ..matrices import cooccurrence_counts
from ..sanitise import readable_name
from .refi_qda import codebook_qdc, write_qdpx

if TYPE_CHECKING:  # pragma: no cover
    from ..result import CodingResult

#: Output CSV file -> its sheet in coded.xlsx (DESIGN §6; columns documented in the README).
CSV_FILES = {
    "passages.csv": "passages",
    "codings.csv": "codings",
    "clusters.csv": "clusters",
    "matrix_passage_code.csv": "passage_code",
    "matrix_speaker_code.csv": "speaker_code",
    "matrix_transcript_code.csv": "transcript_code",
    "matrix_group_code.csv": "group_code",
    "cooccurrence.csv": "cooccurrence",
    "framework_matrix.csv": "framework",
}
CANDIDATES_FILE = "candidates.csv"
CODEBOOK_FILE = "codebook.yaml"
QDC_FILE = "codebook.qdc"
QDPX_FILE = "project.qdpx"
EXCEL_FILE = "coded.xlsx"
MANIFEST_FILE = "manifest.json"
#: A table with more cells than this goes to its CSV file only; its sheet in ``coded.xlsx``
#: holds a note naming the CSV (XlsxWriter writes about 150,000 cells a second, and Excel
#: itself stops at 1,048,576 rows and 16,384 columns).
XLSX_MAX_CELLS = 1_000_000
EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS = 1_048_576, 16_384
#: Files ``fgd report`` writes into a results folder: a new run's folder does not carry them
#: over (they describe the old results).
DERIVED_FILES = ("report.html", "policy_brief.md", "policy_brief.docx")
#: Every file fgd writes into a results folder; anything else there is the user's and is
#: carried over when a new run replaces the folder.
OUTPUT_FILES = frozenset([*CSV_FILES, CANDIDATES_FILE, CODEBOOK_FILE, QDC_FILE, QDPX_FILE, EXCEL_FILE,
                          MANIFEST_FILE, *DERIVED_FILES])


def manifest_text(result: "CodingResult") -> str:
    text = json.dumps(result.manifest, indent=2, ensure_ascii=False, sort_keys=False,
                      default=str) + "\n"
    # a path with bytes that are not UTF-8 holds lone surrogates: written as JSON escapes
    # ("\udcff"), they read back as the same path
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def write_all(result: "CodingResult", folder: Path,
              progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Write every output into ``folder``, which is replaced as a whole once all are ready.

    The files are written into a hidden staging folder beside ``folder`` that then takes its
    place (``output_folder.write_folder``): an error, an interruption or a kill leaves the
    previous results, never a mix of two runs. Files in ``folder`` that the toolkit did not
    write are carried over; a second run into the same folder is refused while this one
    writes. ``progress(done, total)`` is called after each file.
    """
    tables = result_tables(result)
    writers: list[tuple[str, Callable[[Path], None]]] = [
        (name, lambda path, sheet=sheet: path.write_text(csv_text(tables[sheet]),
                                                         encoding="utf-8", newline="\n"))
        if sheet != "cooccurrence" else (name, lambda path: _write_cooccurrence(result, path))
        for name, sheet in CSV_FILES.items()]
    writers += [
        (CODEBOOK_FILE, lambda path: path.write_text(result.codebook.to_yaml(),
                                                     encoding="utf-8", newline="\n")),
        (QDC_FILE, lambda path: path.write_bytes(codebook_qdc(result.codebook))),
        (EXCEL_FILE, lambda path: _excel(tables, path)),
        (MANIFEST_FILE, lambda path: path.write_text(manifest_text(result), encoding="utf-8",
                                                     newline="\n")),
    ]
    if result.transcripts:
        writers.insert(-1, (QDPX_FILE, lambda path: write_qdpx(result, path)))
    if result.candidates is not None:
        writers.insert(len(CSV_FILES), (CANDIDATES_FILE, lambda path: path.write_text(
            csv_text(result.candidates), encoding="utf-8", newline="\n")))

    def write(staging: Path) -> None:
        for done, (name, writer) in enumerate(writers, 1):
            writer(staging / name)
            if progress:
                progress(done, len(writers))

    folder = write_folder(folder, write, OUTPUT_FILES)
    return [folder / name for name, _writer in writers]


def reserve_output_folder(folder: str | Path):
    """A context that holds ``folder`` for one run (see ``output_folder.reserved``)."""
    return reserved(folder, OUTPUT_FILES)


class TooLarge(NamedTuple):
    """A table left out of the workbook (its CSV file holds it): its size."""

    rows: int
    columns: int


def result_tables(result: "CodingResult") -> dict[str, pd.DataFrame | TooLarge]:
    """Every table of a result, by sheet name, each built once (CSV and XLSX share them).

    The co-occurrence matrix has a row and a column per code: when that is too many cells for
    a sheet it is not built here (``cooccurrence.csv`` is written from the sparse counts).
    """
    tables: dict[str, pd.DataFrame | TooLarge] = {
        "passages": result.passages, "codings": result.codings_for_reading(),
        "clusters": result.clusters}
    for sheet in ("passage_code", "speaker_code", "transcript_code", "group_code",
                  "cooccurrence", "framework"):
        n_codes = len(result.codebook.codes)
        if sheet == "cooccurrence" and _too_large(n_codes, n_codes + 1):
            tables[sheet] = TooLarge(n_codes, n_codes + 1)
        else:
            tables[sheet] = result.matrix(sheet)
    tables["codebook"] = result.codebook.to_frame()
    tables["manifest"] = _manifest_frame(result.manifest)
    return tables


def _too_large(rows: int, columns: int) -> bool:
    return (rows * columns > XLSX_MAX_CELLS or rows + 1 > EXCEL_MAX_ROWS
            or columns > EXCEL_MAX_COLUMNS)


def _write_cooccurrence(result: "CodingResult", path: Path) -> None:
    """``cooccurrence.csv`` streamed from the sparse counts, row by row: the same bytes as
    ``csv_text(result.matrix("cooccurrence"))`` without a dense table of codes² cells."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def line(cells: list[str]) -> str:            # one CSV line, quoted as pandas quotes
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    counts = cooccurrence_counts(result.codings, result.codebook)
    ids = [escape_cell(code_id) for code_id in result.codebook.ids]
    indptr, indices, data = counts.indptr, counts.indices, counts.data
    zeros = ["0"] * len(ids)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(line(["code_id", *ids]))
        for row, code_id in enumerate(ids):
            cells = zeros.copy()
            start, end = indptr[row], indptr[row + 1]
            for column, value in zip(indices[start:end].tolist(), data[start:end].tolist()):
                cells[column] = str(value)
            handle.write(line([code_id])[:-1] + "," + ",".join(cells) + "\n")


def write_excel(result: "CodingResult", path: Path) -> Path:
    """Write the workbook alone (atomically)."""
    with atomic_path(path) as tmp:
        _excel(result_tables(result), tmp)
    return Path(path)


def _excel(tables: dict[str, pd.DataFrame], target: Path) -> None:
    """All tables as sheets, written row by row with XlsxWriter (pandas' per-cell
    formatting is the slow part of ``to_excel`` for tables of thousands of rows).

    XlsxWriter's own temporary files (one per sheet, up to gigabytes) go into a folder beside
    the target (inside the staging or scratch folder, never ``/tmp``) that is deleted when the
    workbook is written or fails; XlsxWriter leaves the one of an empty sheet behind.
    Cells are strings or numbers, never formulas; ZIP64 allows workbooks over 4 GB.
    """
    import xlsxwriter

    scratch = target.parent / f".{target.name}.xlsxwriter"
    scratch.mkdir(exist_ok=True)
    try:
        workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True,
                                                     "tmpdir": str(scratch),
                                                     "use_zip64": True,
                                                     "strings_to_urls": False,
                                                     "strings_to_formulas": False,
                                                     "nan_inf_to_errors": True})
        bold = workbook.add_format({"bold": True})
        for name, frame in tables.items():
            sheet = workbook.add_worksheet(name)
            if isinstance(frame, TooLarge) or _too_large(*frame.shape):
                _note_too_large(sheet, name, *(frame if isinstance(frame, TooLarge)
                                               else frame.shape), bold)
                continue
            sheet.freeze_panes(1, 1)
            columns = [str(c) for c in frame.columns]
            head = frame.iloc[:200].to_numpy(dtype=object).T.tolist()   # column by column
            for col_idx, (column, values) in enumerate(zip(columns, head)):
                width = max([len(column)] + [min(len(str(v)), 60) for v in values])
                sheet.set_column(col_idx, col_idx, min(max(width + 2, 8), 62))
            sheet.write_row(0, 0, columns, bold)
            # rows as Python values, without pandas' per-column work of itertuples()
            for row_idx, values in enumerate(frame.to_numpy(dtype=object).tolist(), 1):
                sheet.write_row(row_idx, 0, [_cell(v) for v in values])
        workbook.close()    # not after an error: that would still assemble the whole file
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _note_too_large(sheet, name: str, rows: int, columns: int, bold) -> None:
    """A sheet that says where a table too large for it is."""
    csv_name = next((f for f, s in CSV_FILES.items() if s == name), f"{name}.csv")
    sheet.set_column(0, 0, 120)
    sheet.write_row(0, 0, ["note"], bold)
    sheet.write_row(1, 0, [f"This table has {rows:,} rows and {columns:,} columns, too many "
                           f"cells for a sheet (more than {XLSX_MAX_CELLS:,}, or beyond "
                           f"Excel's limits): it is in {csv_name} in the results folder."])


def _cell(value):
    """A value XlsxWriter writes as-is: numbers, text, booleans; missing values empty."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if hasattr(value, "item"):       # numpy scalars
        return value.item()
    if isinstance(value, str) and not value.isascii():
        return readable_name(value)  # undecodable bytes of a file name: shown as \xff
    return value


def _manifest_frame(manifest: dict) -> pd.DataFrame:
    rows = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list):
            rows.append({"key": prefix, "value": json.dumps(value, ensure_ascii=False,
                                                            default=str)})
        else:
            rows.append({"key": prefix, "value": "" if value is None else str(value)})

    walk("", manifest)
    return pd.DataFrame(rows, columns=["key", "value"])


def load_results(folder: str | Path) -> "CodingResult":
    """Read a results folder written by ``fgd code`` back into a :class:`CodingResult`.

    Raises :class:`OutputError` (one line: the file, the row, the fix) for a folder that is
    incomplete, written by an older version, or whose codings name unknown passages or codes.
    """
    from ..codebook import load_codebook
    from ..models import CODING_COLUMNS
    from ..result import CodingResult
    from . import checks

    folder = Path(folder)
    recover_if_interrupted(folder, OUTPUT_FILES)      # a run killed while swapping it in
    manifest = checks.check_files(folder)

    def read(name: str) -> pd.DataFrame:
        frame = restore_formulas(pd.read_csv(folder / name, keep_default_na=False,
                                             dtype={"passage_id": str, "transcript_id": str}))
        checks.check_columns(frame, name, folder)
        return frame

    passages = read("passages.csv")
    for col in ("start", "end"):
        passages[col] = pd.to_numeric(passages[col], errors="coerce")
    passages["backchannel"] = passages["backchannel"].astype(str).eq("True")
    if "introduction" in passages:
        passages["introduction"] = passages["introduction"].astype(str).eq("True")
    codings = read("codings.csv")[CODING_COLUMNS]
    clusters = read("clusters.csv") if (folder / "clusters.csv").is_file() and \
        (folder / "clusters.csv").stat().st_size > 1 else pd.DataFrame()
    codebook = load_codebook(folder / CODEBOOK_FILE)
    checks.check_codings(passages, codings, codebook.ids, folder)
    candidates = None
    if (folder / CANDIDATES_FILE).is_file():
        candidates = read(CANDIDATES_FILE)
        for col in ("keyword", "coded"):
            candidates[col] = candidates[col].astype(str).eq("True")
    return CodingResult(passages=passages, codings=codings, clusters=clusters,
                        codebook=codebook, manifest=manifest, candidates=candidates)
