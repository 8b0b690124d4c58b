"""The cache folder and its files (vectors, TF-IDF fits, sentence spans, cluster labels).

A cache only ever costs or saves time: a file that cannot be read, or fails its reader's
checks, is reported once (:class:`~fgd_toolkit.errors.CacheWarning`), removed and rebuilt;
a file that cannot be written is left out. Only a cache folder that cannot be written at all
stops a run, with an error naming ``--cache-dir`` and ``--no-cache``. Cache files hold data
only (NumPy arrays without objects, JSON): nothing read from the cache can run code.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .atomic import atomic_path
from .errors import CacheWarning, OutputError

T = TypeVar("T")

CACHE_FIX = ("choose a folder you can write to with --cache-dir (cache_dir= in Python), or "
             "run without a cache with --no-cache (use_cache=False).")


def writable_cache_dir(folder: str | Path) -> Path:
    """``folder``, created if missing; an :class:`OutputError` if it cannot be written."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the cache folder ({exc.strerror or exc}).",
                          path=folder, fix=CACHE_FIX) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError("the cache folder is not writable.", path=folder, fix=CACHE_FIX)
    return folder


def read_cache_file(path: Path, read: Callable[[Path], T]) -> T | None:
    """``read(path)``; ``None`` when the file is absent or damaged (then warned about and
    removed, so the caller rebuilds and replaces it). ``read`` raises any exception
    (``ValueError`` for a failed check) when the content is not what it should be."""
    if not path.is_file():
        return None
    try:
        return read(path)
    except Exception as exc:     # any damage: truncated, empty, wrong shape, wrong type
        discard_cache_file(path, exc)
        return None


def discard_cache_file(path: Path, problem: Exception | str) -> None:
    """Warn (one line) that a cache file was unreadable, and remove it."""
    if isinstance(problem, Exception):
        detail = str(problem).strip().splitlines()[0][:160] if str(problem).strip() else ""
        problem = type(problem).__name__ + (f": {detail}" if detail else "")
    warnings.warn(f"{path}: damaged cache file ({problem}); removed, it is rebuilt.",
                  CacheWarning, stacklevel=3)
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def write_cache_file(path: Path, write: Callable[[Path], None]) -> bool:
    """Write a cache file atomically with ``write(tmp_path)``; ``False`` if it could not be
    written (a cache that cannot take one more file only costs time)."""
    try:
        with atomic_path(path) as tmp:
            write(tmp)
        return True
    except (OSError, OutputError):
        return False
