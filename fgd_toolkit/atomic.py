"""Atomic output: write to a temporary file beside the target, then rename into place."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError


def temp_beside(target: str | Path) -> Path:
    """A new empty temporary file in the target's folder (hidden, ``.tmp`` suffix)."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write in {folder} ({exc.strerror}).", path=target,
                          fix="choose a folder you can write to.") from None
    os.close(fd)
    return Path(tmp)


@contextmanager
def atomic_path(target: str | Path):
    """Yield a temporary path in the target's folder; on success rename it onto the target.

    If the body raises (or the process is interrupted), the target keeps its old content.
    """
    tmp = temp_beside(target)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text(target: str | Path, text: str) -> Path:
    """Write UTF-8 text (LF line endings) atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return Path(target)


def write_with(target: str | Path, writer: Callable[[Path], None]) -> Path:
    """Atomically write a file produced by ``writer(tmp_path)``."""
    with atomic_path(target) as tmp:
        writer(tmp)
    return Path(target)


def write_together(writers: list[tuple[Path, Callable[[Path], None]]],
                   progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Write several files so that they appear together or not at all.

    Each ``writer(tmp_path)`` writes to a temporary file beside its target; only when all
    succeeded are they renamed into place, in the given order (put the file that marks a
    complete set last). An error or interruption before that leaves the old files untouched
    and no temporary file behind. ``progress(done, total)`` is called after each file.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for done, (target, write) in enumerate(writers, 1):
            tmp = temp_beside(target)
            staged.append((tmp, Path(target)))
            write(tmp)
            if progress:
                progress(done, len(writers))
    except BaseException:
        for tmp, _target in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    return [target for _tmp, target in staged]


def prepare_output_dir(out: str | Path) -> Path:
    """Check that ``out`` is (or can become) a writable folder; raise a one-line error if not."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError("--out points at a file, not a folder.", path=out,
                          fix="give a folder name, e.g. --out results/.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder ({exc.strerror}).", path=out,
                          fix="choose a folder you can write to.") from None
    if not os.access(out, os.W_OK):
        raise OutputError("the output folder is not writable.", path=out,
                          fix="choose a folder you can write to, or fix its permissions.")
    return out
