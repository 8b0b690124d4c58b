"""Reading transcript files safely: encodings, binaries, zip containers, YAML metadata."""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import FgdError, RosterError, TranscriptFormatError
from ..models import ROLES, Participant
from ..safe_yaml import load_yaml

#: Largest uncompressed size accepted inside a .docx/.xlsx container (zip-bomb guard).
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
#: Most files accepted inside a container, and the bytes inflated per step.
MAX_ZIP_MEMBERS = 10_000
ZIP_READ_CHUNK = 1 << 16
_ZIP_FIXES = {"docx": "open it in Word and save it as .docx (Word 2007 or later).",
              "xlsx": "open it in Excel and save it as .xlsx."}

_ROLE_ALIASES = {
    "moderator": "moderator", "fasilitator": "moderator", "facilitator": "moderator",
    "peneliti": "moderator", "interviewer": "moderator", "pewawancara": "moderator",
    "observer": "observer", "notulen": "observer", "notulis": "observer",
    "pengamat": "observer", "pencatat": "observer", "notetaker": "observer",
    "participant": "participant", "peserta": "participant", "informan": "participant",
    "narasumber": "participant", "responden": "participant", "partisipan": "participant",
}
#: Metadata keys understood in front matter and sidecar files.
METADATA_KEYS = ("id", "title", "group", "date", "location", "participants")
#: Indonesian names accepted for the metadata keys (front matter, sidecar, JSON).
METADATA_ALIASES = {"judul": "title", "kelompok": "group", "tanggal": "date",
                    "hari/tanggal": "date", "tempat": "location", "lokasi": "location",
                    "peserta": "participants"}


def canonical_metadata(meta: dict) -> dict:
    """``judul: ...`` -> ``title: ...`` (an English key given too wins)."""
    out = {k: v for k, v in meta.items() if str(k).lower() not in METADATA_ALIASES}
    for key, value in meta.items():
        target = METADATA_ALIASES.get(str(key).lower())
        if target and target not in out:
            out[target] = value
    return out


@dataclass
class DecodedText:
    """Text of a file and the encoding it was read with (``warning`` set when guessed)."""

    text: str
    encoding: str
    warning: str | None = None


def read_text(path: Path) -> DecodedText:
    """Decode a text file: UTF-8 (BOM or not), else a detected legacy encoding with a warning.

    Line endings become ``\\n``. Raises :class:`TranscriptFormatError` for empty or binary files.
    """
    data = path.read_bytes()
    if not data.strip():
        raise TranscriptFormatError("the file is empty.", path=path,
                                    fix="export the transcript again or remove the file.")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TranscriptFormatError(
            "this is a binary file, not text.", path=path,
            fix="save the transcript as UTF-8 text, or give it its real suffix (.docx, .xlsx).")
    warning = None
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-16"
        name = "UTF-8" if encoding == "utf-8-sig" else "UTF-16"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise TranscriptFormatError(
                f"the file starts with a {name} byte-order mark but is not valid {name} "
                f"(byte {exc.start}: {exc.reason}).", path=path,
                fix="open it in a text editor and save it again as UTF-8.") from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _legacy_decode(data, path)
            warning = (f"{path}: not UTF-8; read as {encoding}. Check accented characters and "
                       "save the file as UTF-8 to silence this warning.")
    if _looks_binary(text):
        raise TranscriptFormatError(
            "this is a binary file, not text.", path=path,
            fix="save the transcript as UTF-8 text, or give it its real suffix (.docx, .xlsx).")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text=text, encoding=encoding, warning=warning)


def _legacy_decode(data: bytes, path: Path) -> tuple[str, str]:
    """Windows-1252 first (what Word and Excel on Indonesian Windows write), then detection."""
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise TranscriptFormatError("the text encoding cannot be recognised.", path=path,
                                    fix="save the file as UTF-8.")
    return str(best), best.encoding


#: Control characters other than tab, line feed, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    control = len(_CONTROL.findall(sample))
    return control > max(8, len(sample) // 100)


def open_zip_container(path: Path, kind: str, error: type[FgdError] = TranscriptFormatError
                       ) -> io.BytesIO:
    """The members of a zip container (``.docx``, ``.xlsx``), read through a hard byte limit
    into an in-memory copy for the document library to open.

    The limit holds whatever the container's directory claims: every member is inflated in
    small steps and no more than :data:`MAX_UNZIPPED_BYTES` in all are accepted; a member
    longer than its declared size fails its checksum. Raises ``error`` naming the file.
    """
    fix = _ZIP_FIXES[kind]
    if path.stat().st_size == 0:
        raise error("the file is empty.", path=path, fix=fix)
    if not zipfile.is_zipfile(path):
        raise error(f"this is not a .{kind} file (not a zip container).", path=path, fix=fix)
    copy = io.BytesIO()
    try:
        with zipfile.ZipFile(path) as archive, \
                zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as target:
            members = archive.infolist()
            _check_members(members, path, fix, error)
            budget = MAX_UNZIPPED_BYTES
            for info in members:
                if info.is_dir():
                    continue
                parts = []
                with archive.open(info) as member:
                    while chunk := member.read(ZIP_READ_CHUNK):
                        budget -= len(chunk)
                        if budget < 0:
                            raise error(f"the container unpacks to more than "
                                        f"{MAX_UNZIPPED_BYTES // 2**20} MB, more than a "
                                        "transcript needs.", path=path, fix=fix)
                        parts.append(chunk)
                target.writestr(info.filename, b"".join(parts))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            ValueError, OSError) as exc:
        raise error(f"this .{kind} file is damaged ({type(exc).__name__}: "
                    f"{' '.join(str(exc).split())[:120]}).", path=path, fix=fix) from None
    copy.seek(0)
    return copy


def _check_members(members: list[zipfile.ZipInfo], path: Path, fix: str,
                   error: type[FgdError]) -> None:
    """Refuse unsafe member names, too many members, or an absurd declared size."""
    if len(members) > MAX_ZIP_MEMBERS:
        raise error(f"the container holds {len(members)} files, more than a document has.",
                    path=path, fix=fix)
    total = 0
    for info in members:
        name = info.filename
        if name.startswith("/") or ".." in Path(name).parts:
            raise error(f"unsafe entry '{name}' inside the container.", path=path, fix=fix)
        total += info.file_size
    if total > MAX_UNZIPPED_BYTES:
        raise error(f"the container unpacks to {total // 2**20} MB, more than a transcript "
                    "needs.", path=path, fix=fix)


def split_front_matter(text: str, path: Path) -> tuple[dict, str, int]:
    """Split a ``---`` YAML block off the top of a text.

    Returns (metadata, body, number of lines the block took) so line numbers stay true.
    """
    if not text.startswith("---\n"):
        return {}, text, 0
    lines = text.split("\n")
    for idx in range(1, len(lines)):
        if lines[idx].strip() in ("---", "..."):
            block = "\n".join(lines[1:idx])
            meta = parse_metadata_yaml(block, path, first_line=2)
            return meta, "\n".join(lines[idx + 1:]), idx + 1
    raise TranscriptFormatError("the YAML front matter starting on line 1 is never closed.",
                                path=path, line=1, fix="end the block with a line '---'.")


def parse_metadata_yaml(block: str, path: Path, first_line: int = 1) -> dict:
    """Parse front matter or a sidecar file into a dict, with line numbers in errors."""
    try:
        meta = load_yaml(block, path, first_line) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise TranscriptFormatError(
            f"malformed YAML metadata ({problem}).", path=path, line=line,
            fix="check indentation and quote values that contain ':' or '#'.") from None
    if not isinstance(meta, dict):
        raise TranscriptFormatError("the YAML metadata must be a mapping of keys to values.",
                                    path=path, line=first_line,
                                    fix=f"use keys such as {', '.join(METADATA_KEYS)}.")
    meta = canonical_metadata(meta)
    check_metadata_keys(meta, path, block, first_line)
    return meta


def check_metadata_keys(meta: dict, path: Path, block: str | None = None,
                        first_line: int = 1) -> None:
    """Refuse keys other than :data:`METADATA_KEYS`, naming the line of the first one."""
    unknown = sorted(str(k) for k in set(meta) - set(METADATA_KEYS))
    if not unknown:
        return
    line = first_line
    if block is not None:
        for offset, text in enumerate(block.split("\n")):
            if text.split(":", 1)[0].strip() == unknown[0]:
                line = first_line + offset
                break
    raise TranscriptFormatError(f"unknown metadata key(s): {', '.join(unknown)}.", path=path,
                                line=line, fix=f"use only {', '.join(METADATA_KEYS)} (or judul, "
                                                "kelompok, tanggal, tempat, lokasi, peserta).")


def normalise_role(value: object, path: Path, label: str) -> str:
    """Map role words (English or Indonesian) to one of :data:`ROLES`."""
    key = str(value or "participant").strip().lower()
    role = _ROLE_ALIASES.get(key)
    if role is None:      # the speaker-label vocabulary: "Pemandu", "Notulis", "Informan"
        from .labels import role_from_label

        role = role_from_label(str(value).strip())
    if role is None:
        raise RosterError(f"participant '{label}' has unknown role '{value}'.", path=path,
                          fix=f"use one of {', '.join(ROLES)}.")
    return role


def parse_roster(entries: object, path: Path) -> dict[str, Participant]:
    """Participants from a ``participants:`` list (label, role, organisation, any attributes)."""
    if entries in (None, []):
        return {}
    if not isinstance(entries, list):
        raise RosterError("'participants' must be a list of entries with a 'label'.", path=path,
                          fix="write '- {label: Moderator, role: moderator}' per participant.")
    roster: dict[str, Participant] = {}
    for idx, entry in enumerate(entries, 1):
        if isinstance(entry, str):
            entry = {"label": entry}
        if not isinstance(entry, dict) or not str(entry.get("label") or "").strip():
            raise RosterError(f"participant #{idx} has no 'label'.", path=path,
                              fix="give every participant the label used in the transcript.")
        label = " ".join(str(entry["label"]).split())
        if label in roster:
            raise RosterError(f"participant '{label}' is listed twice.", path=path,
                              fix="keep one entry per label.")
        if entry.get("role"):
            role = normalise_role(entry.get("role"), path, label)
        else:
            from .labels import role_from_label

            role = role_from_label(label) or "participant"
        attrs = {str(k): "" if v is None else str(v) for k, v in entry.items()
                 if k not in ("label", "role")}
        roster[label] = Participant(label=label, role=role, attributes=attrs)
    return roster
