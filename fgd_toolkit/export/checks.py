"""Checks on a results folder before it is read back: files, columns, and codings that fit.

A folder written by an older version, with a file removed, or with codings edited by hand
gets one error naming the file (and row) and the fix, instead of a traceback or a report
that silently leaves rows out.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..errors import OutputError
from ..models import CANDIDATE_COLUMNS, CODING_COLUMNS, POLARITIES

#: Columns every reader of a results folder relies on (README "Outputs of `fgd code`").
REQUIRED_COLUMNS = {
    "passages.csv": ["passage_id", "transcript_id", "group", "turn", "speaker", "role",
                     "start", "end", "text", "backchannel"],
    "codings.csv": CODING_COLUMNS,
    "clusters.csv": ["cluster", "size", "status", "label", "top_terms",
                     "representative_passage", "representative_text"],
    "candidates.csv": CANDIDATE_COLUMNS,
}
REQUIRED_FILES = ("passages.csv", "codings.csv", "codebook.yaml", "manifest.json")
RERUN = "code the transcripts again with this version: fgd code TRANSCRIPTS -c CODEBOOK -o {folder}"


def check_files(folder: Path) -> dict:
    """Raise :class:`OutputError` unless ``folder`` holds a complete results set; return the
    parsed manifest."""
    if not folder.is_dir():
        raise OutputError("no such results folder.", path=folder,
                          fix="give the --out folder of an `fgd code` run.")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing == ["manifest.json"]:
        raise OutputError("manifest.json is missing, so the run cannot be identified.",
                          path=folder / "manifest.json",
                          fix=RERUN.format(folder=folder) + " (it writes the manifest last).")
    if missing:
        raise OutputError(f"not a results folder (missing {', '.join(missing)}).", path=folder,
                          fix="run `fgd code ... --out FOLDER` first, or pick that folder.")
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise OutputError(f"manifest.json is not valid JSON ({type(exc).__name__}).",
                          path=folder / "manifest.json", fix=RERUN.format(folder=folder)) from None
    if not isinstance(manifest, dict) or "run_id" not in manifest:
        raise OutputError("manifest.json has no run_id: it was written by an older version.",
                          path=folder / "manifest.json", fix=RERUN.format(folder=folder))
    return manifest


def check_columns(frame: pd.DataFrame, name: str, folder: Path) -> None:
    """Raise :class:`OutputError` when a table lacks a column this version writes."""
    if name == "clusters.csv" and frame.empty and not len(frame.columns):
        return
    missing = [c for c in REQUIRED_COLUMNS[name] if c not in frame.columns]
    if missing:
        raise OutputError(f"no column {', '.join(repr(c) for c in missing)}: written by an older "
                          f"version of fgd-toolkit.", path=folder / name,
                          fix=RERUN.format(folder=folder) + ".")


def check_codings(passages: pd.DataFrame, codings: pd.DataFrame, code_ids: list[str],
                  folder: Path) -> None:
    """Raise :class:`OutputError` for the first coding whose passage, code or polarity is
    unknown. Rows are numbered as a spreadsheet shows them (header = row 1)."""
    rerun = RERUN.format(folder=folder) + "."
    checks = [
        ("passage_id", set(passages["passage_id"]), "passage '{value}' is not in passages.csv",
         "coding(s) refer to unknown passages",
         "keep codings.csv and passages.csv from the same run, or " + rerun),
        ("code_id", set(code_ids), "code '{value}' is not in codebook.yaml",
         "coding(s) with unknown codes",
         "add the code to codebook.yaml in this folder, or " + rerun),
        ("polarity", set(POLARITIES),
         "polarity '{value}' is not one of " + ", ".join(POLARITIES), "such coding(s)",
         f"write {', '.join(POLARITIES)} in the polarity column."),
    ]
    for column, known, what, count, fix in checks:
        unknown = ~codings[column].isin(known)
        if unknown.any():
            row = int(unknown.to_numpy().argmax())
            raise OutputError(f"row {row + 2}: {what.format(value=codings[column].iloc[row])} "
                              f"({int(unknown.sum())} {count}).",
                              path=folder / "codings.csv", fix=fix)
