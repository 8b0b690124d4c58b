"""Reading zip containers (``.qdpx``, ``.xlsx``) safely: no unsafe entry names, bounded sizes.

A small local reader until the ingest package offers a shared one.
"""
from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from ..errors import ReviewedCodingsError

#: Largest total uncompressed size accepted (a zip-bomb guard far above any real project).
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
#: Largest number of entries accepted.
MAX_ENTRIES = 20_000


def is_zip(path: Path) -> bool:
    """Whether the file is a zip container (by content, not suffix)."""
    return zipfile.is_zipfile(path)


class SafeZip:
    """Entry names and bounded reads of a zip container; raise one-line errors naming the file.

    >>> with SafeZip(Path("project.qdpx"), fix="export it again") as z:  # doctest: +SKIP
    ...     z.read("project.qde")
    """

    def __init__(self, path: Path, *, fix: str) -> None:
        self.path, self.fix = Path(path), fix
        if not zipfile.is_zipfile(self.path):
            raise ReviewedCodingsError("this is not a zip container.", path=self.path, fix=fix)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ReviewedCodingsError(f"the zip container is damaged ({exc}).", path=self.path,
                                       fix=fix) from None
        infos = self._zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ReviewedCodingsError(f"the container holds {len(infos)} entries, more than "
                                       f"{MAX_ENTRIES}.", path=self.path, fix=fix)
        total = 0
        for info in infos:
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if info.filename.startswith(("/", "\\")) or ".." in parts or (
                    parts and ":" in parts[0]):
                raise ReviewedCodingsError(f"unsafe entry '{info.filename}' inside the "
                                           "container.", path=self.path, fix=fix)
            total += info.file_size
        if total > MAX_UNZIPPED_BYTES:
            raise ReviewedCodingsError(f"the container unpacks to {total // 2**20} MB, more than "
                                       f"{MAX_UNZIPPED_BYTES // 2**20} MB.", path=self.path,
                                       fix=fix)
        self.names = [info.filename for info in infos if not info.is_dir()]

    def __enter__(self) -> "SafeZip":
        return self

    def __exit__(self, *exc) -> None:
        self._zip.close()

    def find(self, name: str) -> str | None:
        """The entry whose path equals ``name`` ignoring case and ``\\`` vs ``/``."""
        wanted = name.replace("\\", "/").lower().lstrip("/")
        for entry in self.names:
            if entry.replace("\\", "/").lower() == wanted:
                return entry
        return None

    def read(self, name: str) -> bytes:
        """An entry's bytes, reading no more than its declared size (a lying header is an
        error, not an unbounded read)."""
        info = self._zip.getinfo(name)
        try:
            with self._zip.open(info) as handle:
                data = handle.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ReviewedCodingsError(f"entry '{name}' cannot be unpacked ({exc}).",
                                       path=self.path, fix=self.fix) from None
        if len(data) > info.file_size:
            raise ReviewedCodingsError(f"entry '{name}' is larger than its header says.",
                                       path=self.path, fix=self.fix)
        return data
