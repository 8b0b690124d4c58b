"""A results folder is replaced whole: staged beside ``--out``, swapped in, locked meanwhile.

``write_folder(out, write, owned)`` runs ``write(staging)`` into a new hidden folder beside
``out`` and then swaps it in:

1. ``.out.staging-<id>/`` is written; a kill here leaves ``out`` as it was;
2. renamed ``.out.ready-<id>/``: complete, waiting to be swapped in;
3. ``out`` is renamed ``.out.old-<id>/`` and ``.out.ready-<id>/`` renamed ``out``: between
   these two renames (microseconds) ``out`` is missing;
4. the entries of the old folder that the toolkit did not write (a user's notes) are moved
   into the new ``out``; then the old folder is deleted.

Readers therefore see either the previous complete folder or the new one, never a mix. The
next run into ``out`` (or ``load_results`` on it) finishes what a killed run left: a ready
folder is swapped in, user files still in an old folder are moved over, staging folders and
old toolkit files are deleted, and when no complete new folder exists the old one comes
back. A lock file ``.out.lock`` beside ``out`` (``flock``, released by the system when the
process ends, however it ends) keeps a second run from writing the same folder meanwhile.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import stat
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

_HELD: dict[str, int] = {}          # lock files this process holds -> nesting depth
_HELD_GUARD = threading.Lock()
#: The hidden names beside ``out`` this module creates: ``.out.<kind>-<id>``.
_KINDS = ("staging", "ready", "old")


def resolved(out: str | Path) -> Path:
    """``out`` as an absolute path, a symlink to a folder replaced by its target (so the swap
    happens where the files are)."""
    return Path(os.path.realpath(os.path.abspath(out)))


def lock_file(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


@contextmanager
def locked(out: str | Path) -> Iterator[Path]:
    """Hold the lock on ``out`` (re-entrant in one process); a second process gets an
    :class:`OutputError` naming the process that holds it."""
    out = resolved(out)
    _make_parent(out)
    path = lock_file(out)
    key = str(path)
    with _HELD_GUARD:
        if key in _HELD:
            _HELD[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield out
        finally:
            with _HELD_GUARD:
                _HELD[key] -= 1
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        writable = True
    except PermissionError:       # a colleague's lock file on a shared drive: reading locks too
        fd, writable = _open_read_only(path, out), False
    except OSError as exc:
        raise OutputError(f"cannot create the lock file {path.name} beside the output folder "
                          f"({exc.strerror}).", path=out,
                          fix="choose an --out inside a folder you can write to.") from None
    try:
        _lock(fd, out, path)
        if writable:
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                     "since": time.strftime("%Y-%m-%d %H:%M:%S")}).encode())
        with _HELD_GUARD:
            _HELD[key] = 1
        try:
            yield out
        finally:
            with _HELD_GUARD:
                del _HELD[key]
    finally:
        os.close(fd)                  # closing releases the lock


def _open_read_only(path: Path, out: Path) -> int:
    try:
        return os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise OutputError(f"cannot open the lock file {path.name} beside the output folder "
                          f"({exc.strerror}).", path=out,
                          fix="choose an --out inside a folder you can write to.") from None


def _lock(fd: int, out: Path, path: Path) -> None:
    if fcntl is None:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return
        except OSError:
            holder = {}
    else:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            try:
                holder = json.loads(path.read_text(encoding="utf-8") or "{}")
            except (OSError, ValueError):
                holder = {}
    who = (f" (process {holder.get('pid')} on {holder.get('host')}, since "
           f"{holder.get('since')})" if holder.get("pid") else "")
    raise OutputError(f"another fgd run is writing to this folder{who}.", path=out,
                      fix="wait until it has finished, or choose another --out.")


def _make_parent(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError("--out points at a file, not a folder.", path=out,
                          fix="give a folder name, e.g. --out results/.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder ({exc.strerror}).", path=out,
                          fix="choose a folder you can write to.") from None


def check_output_folder(out: str | Path, owned: Collection[str]) -> Path:
    """Check that ``out`` can take results: missing, empty, or an earlier results folder.

    A folder with other files and no toolkit manifest (``--out ~/Documents``) is refused:
    replacing it would move everything in it.
    """
    out = resolved(out)
    _make_parent(out)
    if not os.access(out.parent, os.W_OK):
        raise OutputError(f"cannot write in {out.parent}, where the results are staged before "
                          "they replace the folder.", path=out,
                          fix="choose an --out inside a folder you can write to.")
    here = Path(os.path.realpath(os.getcwd()))
    if here == out or out in here.parents:
        raise OutputError("--out is the folder you are in (or holds it); fgd replaces its "
                          "output folder as a whole.", path=out,
                          fix="run fgd from another folder, or give --out a sub-folder.")
    if out.is_dir():
        foreign = sorted(n for n in os.listdir(out)
                         if not _is_owned(n, owned) and not _is_system_file(n))
        if foreign and not is_results_folder(out):
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more"
                                               if len(foreign) > 3 else "")
            raise OutputError(f"the folder holds files that are not fgd results ({shown}); "
                              "fgd replaces its output folder as a whole.", path=out,
                              fix="choose a new or empty folder, e.g. --out results/.")
    return out


@contextmanager
def reserved(out: str | Path, owned: Collection[str]) -> Iterator[Path]:
    """Lock ``out`` and check it can take results, for a whole run: a second run, or a
    folder that cannot be written, fails at once rather than after the coding."""
    with locked(out) as path:
        check_output_folder(path, owned)
        yield path


def is_results_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a manifest written by the toolkit."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("tool") == "fgd-toolkit"


def _is_system_file(name: str) -> bool:
    """A file the desktop puts into any folder (Finder, Explorer): no reason to refuse it."""
    return name in (".DS_Store", ".localized", "Thumbs.db", "desktop.ini") or \
        name.startswith("._")


def _is_owned(name: str, owned: Collection[str]) -> bool:
    """A file the toolkit wrote: one of ``owned``, or a hidden temporary file of one."""
    if name in owned:
        return True
    match = re.fullmatch(r"\.(.+)\.[^.]+\.tmp", name)
    return bool(match and match.group(1) in owned)


def write_folder(out: str | Path, write: Callable[[Path], object],
                 owned: Collection[str]) -> Path:
    """Write a results folder as one step: ``write(staging)`` fills a new folder that then
    replaces ``out`` (see the module docstring). ``owned`` names the files the toolkit
    writes; anything else in ``out`` is carried over."""
    with locked(out) as out:
        check_output_folder(out, owned)
        try:
            recover(out, owned)
        except OSError as exc:
            raise OutputError(f"cannot finish what an interrupted run left beside the folder "
                              f"({exc.strerror}: {exc.filename}).", path=out,
                              fix=f"move the hidden folders .{out.name}.* beside it away.") \
                from None
        staging = _new_folder(out, "staging")
        try:
            write(staging)
            if out.is_dir():                      # keep the mode the user gave the folder
                os.chmod(staging, stat.S_IMODE(os.stat(out).st_mode))
            ready = staging.with_name(staging.name.replace(".staging-", ".ready-"))
            os.rename(staging, ready)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            _swap_in(out, ready, owned)
        except OSError as exc:
            shutil.rmtree(ready, ignore_errors=True)
            raise OutputError(f"cannot replace the output folder ({exc.strerror}).", path=out,
                              fix="check that you may rename it, or choose another --out.") \
                from None
    return out


def _new_folder(out: Path, kind: str) -> Path:
    """A new folder ``.out.<kind>-<id>`` beside ``out``, created with the user's umask."""
    for _ in range(100):
        path = out.parent / f".{out.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"cannot write in {out.parent} ({exc.strerror}).", path=out,
                              fix="choose an --out inside a folder you can write to.") from None
    raise OutputError("cannot create a staging folder.", path=out,  # pragma: no cover
                      fix="remove the hidden .staging folders beside it.")


def _swap_in(out: Path, ready: Path, owned: Collection[str]) -> None:
    token = ready.name.split(".ready-", 1)[1]
    old = out.parent / f".{out.name}.old-{token}"
    if out.is_dir():
        os.rename(out, old)
        try:
            os.rename(ready, out)
        except OSError:
            os.rename(old, out)
            raise
        _carry_over(old, out, owned)
    else:
        os.rename(ready, out)


def _carry_over(old: Path, out: Path, owned: Collection[str]) -> None:
    """Move what the user put into the old folder into ``out``, then delete the old one."""
    for name in sorted(os.listdir(old)):
        if _is_owned(name, owned):
            continue
        target = out / name
        if os.path.lexists(target):               # never overwrite: keep both
            target = out / f"{name}.kept-{old.name.rsplit('-', 1)[1]}"
        os.rename(old / name, target)
    shutil.rmtree(old, ignore_errors=True)


def leftovers(out: Path) -> dict[str, list[Path]]:
    """Hidden staging/ready/old folders beside ``out`` by kind, oldest first."""
    found: dict[str, list[Path]] = {kind: [] for kind in _KINDS}
    prefix = f".{out.name}."
    try:
        entries = [e for e in os.scandir(out.parent) if e.name.startswith(prefix)]
    except OSError:
        return found
    for entry in entries:
        kind = entry.name[len(prefix):].split("-", 1)[0]
        if kind in found and entry.is_dir(follow_symlinks=False):
            found[kind].append(Path(entry.path))
    for paths in found.values():
        paths.sort(key=lambda p: (p.stat().st_mtime, p.name))
    return found


def recover(out: str | Path, owned: Collection[str]) -> None:
    """Finish or undo what killed runs left beside ``out`` (the caller holds the lock)."""
    out = resolved(out)
    found = leftovers(out)
    for staging in found["staging"]:
        shutil.rmtree(staging, ignore_errors=True)
    if found["ready"]:
        *older, newest = found["ready"]
        for ready in older:
            shutil.rmtree(ready, ignore_errors=True)
        _swap_in(out, newest, owned)
    for old in reversed(leftovers(out)["old"]):   # newest first
        if out.is_dir():
            _carry_over(old, out, owned)
        else:
            os.rename(old, out)                   # no complete new run: the previous returns


def recover_if_interrupted(out: str | Path, owned: Collection[str]) -> bool:
    """If ``out`` is missing because a run was killed mid-swap, restore it; ``True`` if
    something was recovered."""
    out = resolved(out)
    if out.is_dir() or not any(leftovers(out).values()):
        return False
    with locked(out):
        recover(out, owned)
    return out.is_dir()
