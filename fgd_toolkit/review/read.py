"""``read_reviewed``: a researcher's decisions from CSV/XLSX tables, filled review sheets and
REFI-QDA projects, checked against the results and against each other.

>>> from fgd_toolkit import load_results
>>> from fgd_toolkit.review import read_reviewed
>>> result = load_results("results/")                                  # doctest: +SKIP
>>> reviewed = read_reviewed(["results/review.xlsx"], passages=result.passages,
...                          codebook=result.codebook)                  # doctest: +SKIP
>>> reviewed.truth().head()                                             # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import ReviewedCodingsError, UsageError
from .archive import SafeZip, is_zip
from .decisions import (REJECTION_COLUMNS, FileDecisions, ReviewedCodings, _typed,
                        empty_decisions, polarity_labels)
from .validate import canonical_codes, check_contradictions, check_turns

#: Suffixes read from a folder (other files there are skipped).
SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm", ".qdpx")
_FORMATS_FIX = ("give a CSV or XLSX table (transcript_id, turn, code_id, polarity), a filled "
                "review sheet (review.xlsx from `fgd review`) or a REFI-QDA project (.qdpx).")


def roles_for(settings) -> tuple[str, ...]:
    """The speaker roles a run with these :class:`~fgd_toolkit.settings.CodeSettings` codes."""
    if getattr(settings, "include_moderator", False):
        return ("participant", "moderator", "observer")
    return ("participant",)


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files to read: folders give their files with a known suffix (sorted, hidden files and
    spreadsheet lock files ``~$...`` skipped); each file once."""
    files: list[Path] = []
    for item in paths:
        item = Path(item)
        if item.is_dir():
            found = sorted(p for p in item.iterdir() if p.is_file()
                           and p.suffix.lower() in SUFFIXES
                           and not p.name.startswith((".", "~$")))
            if not found:
                raise ReviewedCodingsError("the folder holds no reviewed codings "
                                           f"({', '.join(SUFFIXES)}).", path=item,
                                           fix=_FORMATS_FIX)
            files.extend(found)
        elif item.is_file():
            files.append(item)
        else:
            raise ReviewedCodingsError("no such file or folder.", path=item,
                                       fix="check the path.")
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


def _kind(path: Path) -> str:
    """``qdpx``, ``xlsx`` or ``csv``, by content first (a renamed file still reads)."""
    if path.stat().st_size == 0:
        raise ReviewedCodingsError("the file is empty.", path=path, fix=_FORMATS_FIX)
    if is_zip(path):
        with SafeZip(path, fix=_FORMATS_FIX) as archive:
            if any(n.lower().endswith(".qde") for n in archive.names):
                return "qdpx"
            if archive.find("xl/workbook.xml"):
                return "xlsx"
        raise ReviewedCodingsError("this zip file is neither an XLSX workbook nor a REFI-QDA "
                                   "project.", path=path, fix=_FORMATS_FIX)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".qdpx"):
        raise ReviewedCodingsError(f"this is not a {path.suffix} file (not a zip container).",
                                   path=path, fix=_FORMATS_FIX)
    if path.suffix.lower() in (".xls", ".ods", ".qde", ".docx", ".json"):
        raise ReviewedCodingsError(f"{path.suffix} files are not read as reviewed codings.",
                                   path=path, fix=_FORMATS_FIX)
    return "csv"


def _read_file(path: Path, *, passages, codebook, transcripts, coder: str,
               roles: tuple[str, ...], labels: dict[str, str]) -> FileDecisions:
    from .table import read_csv_table

    kind = _kind(path)
    if kind == "csv":
        return read_csv_table(path, coder=coder, labels=labels)
    if kind == "qdpx":
        if passages is None or codebook is None:
            raise UsageError("reading a .qdpx needs the passages and the codebook of the "
                             "results it was exported from.", path=path,
                             fix="pass passages= and codebook= (e.g. from load_results).")
        from .qdpx import read_qdpx

        return read_qdpx(path, passages=passages, codebook=codebook, transcripts=transcripts,
                         coder=coder, roles=roles, labels=labels)
    return _read_workbook(path, coder=coder, labels=labels)


def _read_workbook(path: Path, *, coder: str, labels: dict[str, str]) -> FileDecisions:
    import openpyxl

    from .sheet_read import find_review_sheet, read_review_sheet
    from .table import read_xlsx_table

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise ReviewedCodingsError(f"the workbook cannot be read ({type(exc).__name__}).",
                                   path=path, fix="open it in Excel or LibreOffice and save "
                                                  "it again as .xlsx.") from None
    try:
        sheet = find_review_sheet(workbook)
        if sheet is not None:
            return read_review_sheet(path, sheet, coder=coder, labels=labels)
        return read_xlsx_table(path, workbook, coder=coder, labels=labels)
    finally:
        workbook.close()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dedupe(rows: list[dict]) -> list[dict]:
    """A file repeating a decision gives it once (the first row); a no-code row of a turn
    that also has codes is dropped."""
    coded = {(r["transcript_id"], r["turn"]) for r in rows if r["code_id"]}
    out, seen = [], set()
    for row in rows:
        key = (row["transcript_id"], row["turn"], row["code_id"], row["polarity"])
        if key in seen or (not row["code_id"] and key[:2] in coded):
            continue
        seen.add(key)
        out.append(row)
    return out


def read_reviewed(paths: str | Path | Iterable[str | Path], *,
                  passages: pd.DataFrame | None = None, codebook=None, transcripts=None,
                  default_coder: str | None = None, codings: pd.DataFrame | None = None,
                  roles: Iterable[str] = ("participant",)) -> ReviewedCodings:
    """Read a researcher's decisions from files or folders.

    Args:
        paths: CSV/XLSX tables (``transcript_id, turn, code_id, polarity``, optional
            ``speaker, coder, note``), filled review sheets (``fgd review``) and REFI-QDA
            projects (``.qdpx``), or folders of them.
        passages: the results' passages; with them every row is checked (transcript, turn,
            role, speaker) and ``.qdpx`` selections are mapped onto turns (required for a
            ``.qdpx``).
        codebook: the results' codebook; with it codes are checked (required for a ``.qdpx``).
        transcripts: the coded transcripts, to match ``.qdpx`` sources by text when their
            names were changed (else their passages are used).
        default_coder: the coder of rows that name none (default: each file's name).
        codings: the results' codings; with them a ``.qdpx`` transcript left exactly as the
            machine coded it gets a warning (it counts as reviewed in full).
        roles: the speaker roles that are coded (``participant``; add ``moderator`` and
            ``observer`` for results coded with ``--include-moderator``).

    Returns:
        :class:`ReviewedCodings`.

    Raises:
        ReviewedCodingsError: a file cannot be read, a row does not fit the results, or two
            files code one turn differently; the message names the file, the row and the fix.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    roles = tuple(roles)
    labels = polarity_labels(codebook)
    readings: list[FileDecisions] = []
    for path in _expand(paths):
        reading = _read_file(path, passages=passages, codebook=codebook,
                             transcripts=transcripts, coder=default_coder or path.stem,
                             roles=roles, labels=labels)
        canonical_codes(reading, codebook)
        check_turns(reading, passages, roles)
        reading.rows = _dedupe(reading.rows)
        readings.append(reading)
    check_contradictions(readings)
    rows = [row for r in readings for row in r.rows]
    decisions = _typed(pd.DataFrame(rows)) if rows else empty_decisions()
    rejections = pd.DataFrame([row for r in readings for row in r.rejections],
                              columns=REJECTION_COLUMNS)
    files = [{"path": r.path, "sha256": _sha256(Path(r.path)), "format": r.format,
              "coder": r.coder, "rows": r.rows_read,
              "turns": len({(x["transcript_id"], x["turn"]) for x in r.rows})}
             for r in readings]
    warnings = [w for r in readings for w in r.warnings]
    if codings is not None and passages is not None:
        warnings += _untouched_projects(readings, codings, passages)
    return ReviewedCodings(decisions=decisions, files=files, rejections=rejections,
                           scored_transcripts={t for r in readings if r.whole_transcripts
                                               for t in r.transcripts},
                           warnings=warnings)


def _untouched_projects(readings: list[FileDecisions], codings: pd.DataFrame,
                        passages: pd.DataFrame) -> list[str]:
    """A ``.qdpx`` transcript whose codes are exactly the machine's: probably exported
    without being reviewed, yet it counts as reviewed in full."""
    machine = codings[codings["source"] != "human"] if "source" in codings else codings
    lifted = machine[["passage_id", "code_id", "polarity"]].merge(
        passages[["passage_id", "transcript_id", "turn"]], on="passage_id")
    out = []
    for reading in readings:
        if reading.format != "qdpx":
            continue
        for tid in sorted(reading.transcripts):
            theirs = {(int(r["turn"]), r["code_id"], r["polarity"]) for r in reading.rows
                      if r["transcript_id"] == tid and r["code_id"]}
            mine = lifted[lifted["transcript_id"] == tid]
            ours = set(zip(mine["turn"].astype(int), mine["code_id"], mine["polarity"]))
            if ours and theirs == ours:
                out.append(f"{reading.path}: transcript {tid} is coded exactly as the machine "
                           "coded it; it counts as reviewed in full. If you did not review it, "
                           "remove it from the project before exporting.")
    return out
