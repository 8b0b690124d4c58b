"""Writing results: CSV files, one Excel workbook, the manifest (all written atomically)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..atomic import atomic_path, prepare_output_dir

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import CodingResult

#: Output file -> what produces it (DESIGN §6). Column names are documented in the README.
CSV_FILES = {
    "passages.csv": lambda r: r.passages,
    "codings.csv": lambda r: r.codings_for_reading(),
    "clusters.csv": lambda r: r.clusters,
    "matrix_passage_code.csv": lambda r: r.matrix("passage_code"),
    "matrix_speaker_code.csv": lambda r: r.matrix("speaker_code"),
    "matrix_transcript_code.csv": lambda r: r.matrix("transcript_code"),
    "matrix_group_code.csv": lambda r: r.matrix("group_code"),
    "cooccurrence.csv": lambda r: r.matrix("cooccurrence"),
    "framework_matrix.csv": lambda r: r.matrix("framework"),
}
EXCEL_FILE = "coded.xlsx"
MANIFEST_FILE = "manifest.json"


def csv_text(frame: pd.DataFrame) -> str:
    """CSV text with a fixed layout (LF endings, no index) so equal tables give equal bytes."""
    return frame.to_csv(index=False, lineterminator="\n")


def manifest_text(result: "CodingResult") -> str:
    return json.dumps(result.manifest, indent=2, ensure_ascii=False, sort_keys=False,
                      default=str) + "\n"


def write_all(result: "CodingResult", folder: Path) -> list[Path]:
    """Write every output into ``folder``; files appear only once all are ready.

    Everything is first written to temporary files beside the targets; only then are they
    renamed into place, the manifest last. An error or interruption before that point
    leaves the previous results untouched.
    """
    folder = prepare_output_dir(folder)
    staged: list[tuple[Path, Path]] = []
    contexts = []
    try:
        for name, build in CSV_FILES.items():
            ctx = atomic_path(folder / name)
            tmp = ctx.__enter__()
            contexts.append(ctx)
            tmp.write_text(csv_text(build(result)), encoding="utf-8", newline="\n")
            staged.append((tmp, folder / name))
        ctx = atomic_path(folder / EXCEL_FILE)
        tmp = ctx.__enter__()
        contexts.append(ctx)
        _excel(result, tmp)
        staged.append((tmp, folder / EXCEL_FILE))
        ctx = atomic_path(folder / MANIFEST_FILE)
        tmp = ctx.__enter__()
        contexts.append(ctx)
        tmp.write_text(manifest_text(result), encoding="utf-8", newline="\n")
        staged.append((tmp, folder / MANIFEST_FILE))
    except BaseException:
        for tmp, _target in staged:
            if tmp.exists():
                tmp.unlink()
        for ctx in contexts:
            try:
                ctx.__exit__(None, None, None)
            except FileNotFoundError:
                pass
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    return [target for _tmp, target in staged]


def write_excel(result: "CodingResult", path: Path) -> Path:
    """Write the workbook alone (atomically)."""
    with atomic_path(path) as tmp:
        _excel(result, tmp)
    return Path(path)


def _excel(result: "CodingResult", target: Path) -> None:
    sheets = {
        "passages": result.passages,
        "codings": result.codings_for_reading(),
        "clusters": result.clusters,
        "passage_code": result.matrix("passage_code"),
        "speaker_code": result.matrix("speaker_code"),
        "transcript_code": result.matrix("transcript_code"),
        "group_code": result.matrix("group_code"),
        "cooccurrence": result.matrix("cooccurrence"),
        "framework": result.matrix("framework"),
        "codebook": result.codebook.to_frame(),
        "manifest": _manifest_frame(result.manifest),
    }
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "B2"
            for col_idx, column in enumerate(frame.columns, start=1):
                width = max([len(str(column))] + [min(len(str(v)), 60) for v in
                                                  frame[column].head(200).tolist()])
                sheet.column_dimensions[_letter(col_idx)].width = min(max(width + 2, 8), 62)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


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
