"""Atomic output: write into a private scratch folder beside the target, then rename into place.

The scratch folder ``.<name>.<random>.tmp/`` is locked (``flock``) while its writer lives, so a
later write of the same target can tell the scratch folders of killed processes (unlocked)
from those still in use, and deletes them. Files are created with ``open()``, so they get the
user's umask (``0644`` under umask 022), not the ``0600`` of ``mkstemp``.
"""
from __future__ import annotations

import glob
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from .errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

#: Scratch folders younger than this are never taken for stale (their writer may not have
#: locked them yet); legacy temporary files (plain files, no lock) wait longer.
STALE_AFTER_SECONDS = 60
LEGACY_STALE_AFTER_SECONDS = 3600


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a path to write the new content to; on success it replaces ``target``.

    If the body raises (or the process is interrupted), the target keeps its old content
    and the scratch folder is removed. Writers may put their own temporary files into the
    yielded path's folder (``tmp.parent``).
    """
    with _scratch(target) as tmp:
        yield tmp
        os.replace(tmp, target)


@contextmanager
def _scratch(target: str | Path) -> Iterator[Path]:
    """A path in a new locked scratch folder beside ``target``, removed on leaving."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(folder, target.name)
        scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder))
    except OSError as exc:
        raise OutputError(f"cannot write in {folder} ({exc.strerror}).", path=target,
                          fix="choose a folder you can write to.") from None
    guard = _hold(scratch)
    try:
        yield scratch / target.name
    finally:
        if guard is not None:
            os.close(guard)
        shutil.rmtree(scratch, ignore_errors=True)


def _hold(folder: Path) -> int | None:
    """Lock ``folder`` for as long as the returned descriptor is open."""
    if fcntl is None:  # pragma: no cover - Windows: stale folders are found by age alone
        return None
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _unused(path: Path) -> bool:
    """No living process holds ``path``'s lock."""
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def remove_stale_temporaries(folder: Path, name: str) -> list[Path]:
    """Delete scratch folders (and temporary files of earlier versions) that killed writes of
    ``folder/name`` left behind; return what was deleted."""
    removed = []
    now = time.time()
    for entry in glob.glob(os.path.join(glob.escape(str(folder)), f".{glob.escape(name)}.*.tmp")):
        path = Path(entry)
        try:
            age = now - path.lstat().st_mtime
            if path.is_dir() and not path.is_symlink():
                if age > STALE_AFTER_SECONDS and _unused(path):
                    shutil.rmtree(path)
                    removed.append(path)
            elif age > LEGACY_STALE_AFTER_SECONDS:
                path.unlink()
                removed.append(path)
        except OSError:
            continue                                  # another process got there first
    return removed


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
    """Write several files so that they appear together or not at all (a kill during the
    final renames aside: for a whole folder use ``output_folder.write_folder``).

    Each ``writer(tmp_path)`` writes into its own scratch folder beside its target; only when
    all succeeded are they renamed into place, in the given order (put the file that marks a
    complete set last). ``progress(done, total)`` is called after each file.
    """
    with ExitStack() as stack:
        staged = []
        for done, (target, write) in enumerate(writers, 1):
            tmp = stack.enter_context(_scratch(target))
            write(tmp)
            staged.append((tmp, Path(target)))
            if progress:
                progress(done, len(writers))
        for tmp, target in staged:
            os.replace(tmp, target)
    return [target for _tmp, target in staged]
