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
