"""Writing results: CSV files, one Excel workbook, the manifest (all written atomically)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from ..atomic import atomic_path, prepare_output_dir, temp_beside

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
CODEBOOK_FILE = "codebook.yaml"
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
    leaves the previous results untouched and no temporary file behind.
    """
    folder = prepare_output_dir(folder)
    writers: list[tuple[str, Callable[[Path], None]]] = [
        (name, lambda tmp, build=build: tmp.write_text(csv_text(build(result)),
                                                       encoding="utf-8", newline="\n"))
        for name, build in CSV_FILES.items()]
    writers += [
        (CODEBOOK_FILE, lambda tmp: tmp.write_text(result.codebook.to_yaml(), encoding="utf-8",
                                                   newline="\n")),
        (EXCEL_FILE, lambda tmp: _excel(result, tmp)),
        (MANIFEST_FILE, lambda tmp: tmp.write_text(manifest_text(result), encoding="utf-8",
                                                   newline="\n")),
    ]
    staged: list[tuple[Path, Path]] = []
    try:
        for name, write in writers:
            tmp = temp_beside(folder / name)
            staged.append((tmp, folder / name))
            write(tmp)
    except BaseException:
        for tmp, _target in staged:
            tmp.unlink(missing_ok=True)
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


def load_results(folder: str | Path) -> "CodingResult":
    """Read a results folder written by ``fgd code`` back into a :class:`CodingResult`."""
    from ..codebook import load_codebook
    from ..errors import OutputError
    from ..models import CODING_COLUMNS
    from ..pipeline import CodingResult

    folder = Path(folder)
    missing = [n for n in ("passages.csv", "codings.csv", CODEBOOK_FILE, MANIFEST_FILE)
               if not (folder / n).is_file()]
    if missing:
        raise OutputError(f"not a results folder (missing {', '.join(missing)}).", path=folder,
                          fix="run `fgd code ... --out FOLDER` first, or pick that folder.")
    read = lambda name: pd.read_csv(folder / name, keep_default_na=False,  # noqa: E731
                                    dtype={"passage_id": str, "transcript_id": str})
    passages = read("passages.csv")
    for col in ("start", "end"):
        passages[col] = pd.to_numeric(passages[col], errors="coerce")
    passages["backchannel"] = passages["backchannel"].astype(str).eq("True")
    codings = read("codings.csv")[CODING_COLUMNS]
    clusters = read("clusters.csv") if (folder / "clusters.csv").stat().st_size > 1 \
        else pd.DataFrame()
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    return CodingResult(passages=passages, codings=codings, clusters=clusters,
                        codebook=load_codebook(folder / CODEBOOK_FILE), manifest=manifest)
