"""Finding the files to read under the paths a user gives.

Folders are searched recursively, in a stable order. Left out, each with a
:class:`~fgd_toolkit.errors.SkippedInputWarning`: symbolic links that lead out of the folder
(unless ``follow_symlinks``), broken links, and the toolkit's own results (a folder whose
``manifest.json`` says ``"tool": "fgd-toolkit"``). Hidden files (``.name``, ``~$name``) are
ignored silently. A path named explicitly is always read, link or not: that is the user's
choice.
"""
from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SkippedInputWarning, UsageError

#: File names that hold participant attributes, never a transcript.
ROSTER_FILE_NAMES = ("participants.csv", "participants.xlsx", "peserta.csv", "peserta.xlsx")
#: A results folder's manifest larger than this is not read (it is not the toolkit's).
MAX_MANIFEST_BYTES = 16 * 2**20
FOLLOW_HINT = "pass --follow-symlinks (follow_symlinks=True) to read it"


@dataclass
class SkippedInput:
    """An input file or folder left out, and why (one line)."""

    path: Path
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"path": str(self.path), "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class InputScan:
    """What :func:`scan_inputs` found: transcript files, participants tables, what it left
    out, and for each file found in a folder, that folder (resolved)."""

    files: list[Path] = field(default_factory=list)
    rosters: list[Path] = field(default_factory=list)
    skipped: list[SkippedInput] = field(default_factory=list)
    roots: dict[Path, Path] = field(default_factory=dict)

    def skip(self, path: Path, reason: str) -> None:
        self.skipped.append(SkippedInput(path, reason))


def scan_inputs(paths: str | Path | Iterable[str | Path], suffixes: Iterable[str],
                follow_symlinks: bool = False) -> InputScan:
    """Transcript files and participants tables under ``paths`` (see the module notes);
    each skipped input is warned about. Raises :class:`UsageError` for a missing path."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    suffixes = tuple(s.lower() for s in suffixes)
    scan = InputScan()
    for item in map(Path, paths):
        if item.is_dir():
            _scan_folder(item, suffixes, follow_symlinks, scan)
        elif item.exists():
            scan.files.append(item)
        else:
            raise UsageError(f"{item}: no such file or folder.", fix="check the path.")
    scan.files = list(dict.fromkeys(scan.files))
    for skipped in scan.skipped:
        warnings.warn(f"skipped {skipped}", SkippedInputWarning, stacklevel=3)
    return scan


def is_results_folder(folder: Path) -> bool:
    """Whether ``folder`` holds results written by fgd-toolkit (by its ``manifest.json``)."""
    manifest = folder / "manifest.json"
    try:
        if not manifest.is_file() or manifest.stat().st_size > MAX_MANIFEST_BYTES:
            return False
        data = json.loads(manifest.read_bytes())
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("tool") == "fgd-toolkit"


def _output_names() -> set[str]:
    from ..export import CSV_FILES, EXCEL_FILE, MANIFEST_FILE

    return {*CSV_FILES, EXCEL_FILE, MANIFEST_FILE}


def _scan_folder(root: Path, suffixes: tuple[str, ...], follow: bool, scan: InputScan) -> None:
    real_root = root.resolve()
    own_outputs = _output_names() if is_results_folder(root) else set()
    found: list[tuple[str, Path]] = []        # (relative path for sorting, path)
    visited = {real_root}

    def wanted(name: str) -> bool:
        return name.lower() in ROSTER_FILE_NAMES or Path(name).suffix.lower() in suffixes

    def walk(folder: Path, relative: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            scan.skip(folder, f"folder cannot be read ({exc.strerror or exc}).")
            return
        for entry in entries:
            name, path = entry.name, folder / entry.name
            rel = f"{relative}{name}"
            if name.startswith((".", "~$")):
                continue
            if entry.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    if wanted(name):
                        scan.skip(path, "broken symbolic link.")
                    continue
                is_dir = target.is_dir()
                if not (is_dir or wanted(name)):
                    continue
                if not follow and not target.is_relative_to(real_root):
                    kind = "folder" if is_dir else "file"
                    scan.skip(path, f"symbolic link to the {kind} {target}, outside the input "
                                    f"folder; not read ({FOLLOW_HINT}).")
                    continue
                if is_dir:
                    # a link to a folder inside the input folder: its files are found there
                    if follow and target not in visited:
                        visited.add(target)
                        descend(path, rel)
                    continue
                found.append((rel, path))
            elif entry.is_dir(follow_symlinks=False):
                descend(path, rel)
            elif entry.is_file(follow_symlinks=False) and wanted(name):
                if not relative and name in own_outputs:
                    scan.skip(path, "written by fgd-toolkit (this folder's manifest.json "
                                    "says so); not a transcript.")
                    continue
                found.append((rel, path))

    def descend(folder: Path, rel: str) -> None:
        if is_results_folder(folder):
            scan.skip(folder, "a results folder written by fgd-toolkit (its manifest.json "
                              "says so); not read.")
            return
        walk(folder, rel + "/")

    walk(root, "")
    for _rel, path in sorted(found):
        if path.name.lower() in ROSTER_FILE_NAMES:
            scan.rosters.append(path)
        else:
            scan.files.append(path)
            scan.roots[path] = real_root
