"""Ingest: read transcript files of every supported format into :class:`Transcript` objects.

>>> from fgd_toolkit import read_transcripts
>>> transcripts = read_transcripts(["transcripts/"])          # doctest: +SKIP
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import RosterError, TranscriptFormatError, UsageError
from ..models import Participant, Transcript
from .docx import read_docx_transcript
from .document import RawDocument, Sidecar
from .roster import RosterTable, load_roster_table
from .source import parse_metadata_yaml
from .subtitles import read_subtitle_transcript
from .tabular import read_table_transcript
from .text import read_text_transcript

#: Reader per file suffix.
READERS: dict[str, Callable[..., RawDocument]] = {
    ".txt": read_text_transcript,
    ".md": read_text_transcript,
    ".docx": read_docx_transcript,
    ".vtt": read_subtitle_transcript,
    ".srt": read_subtitle_transcript,
    ".csv": read_table_transcript,
    ".tsv": read_table_transcript,
    ".xlsx": read_table_transcript,
    ".json": read_table_transcript,
}
SUPPORTED_SUFFIXES = tuple(READERS)
#: File names that hold participant attributes, never a transcript.
ROSTER_FILE_NAMES = ("participants.csv", "participants.xlsx", "peserta.csv", "peserta.xlsx")

_HINTS = {
    ".txt": "start each turn with a speaker label and a colon, e.g. 'Moderator: ...'; with a "
            "participants roster only its labels start turns.",
    ".docx": "start each paragraph with a speaker label and a colon, or use a speaker | text "
             "table.",
    ".vtt": "give cues a <v Name> voice tag or a 'Name:' prefix.",
    ".csv": "put one turn per row with speaker and text columns.",
}


def read_transcript(path: str | Path, *, columns: dict[str, str] | None = None,
                    roster: RosterTable | None = None,
                    progress: Callable[[float], None] | None = None) -> Transcript:
    """Read one transcript file (any supported format) into a :class:`Transcript`.

    Metadata comes from YAML front matter (text files) or a ``<stem>.yaml`` sidecar beside
    the file; ``roster`` adds participant attributes from a participants table. ``progress``
    is told the share of the file read, now and then while a big text file is read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise TranscriptFormatError(
            f"unsupported file type '{suffix or '(none)'}'.", path=path,
            fix=f"use one of {', '.join(SUPPORTED_SUFFIXES)}, or convert the file.")
    if not path.is_file():
        raise TranscriptFormatError("no such file.", path=path, fix="check the path.")
    reader = READERS[suffix]
    sidecar = _sidecar(path)
    kwargs = {"columns": columns} if reader is read_table_transcript else {}
    if reader is read_text_transcript and progress:
        kwargs["progress"] = progress
    raw = reader(path, sidecar, **kwargs)
    return _finish(raw, roster)


def read_transcripts(paths: str | Path | Iterable[str | Path], *,
                     columns: dict[str, str] | None = None,
                     roster: str | Path | None = None,
                     progress: Callable[[int, int, str], None] | None = None,
                     ) -> list[Transcript]:
    """Read files and folders (recursively, in a stable order) into transcripts.

    Args:
        paths: files and/or folders; folders are searched for every supported suffix.
        columns: column-name overrides for tabular files, e.g. ``{"speaker": "Nama"}``.
        roster: a participants table (CSV/XLSX with a ``label`` column) adding attributes;
            a ``participants.csv`` inside a given folder is used automatically.
        progress: optional callback ``(done, total, name)`` counting bytes: those of the
            files read so far (and of the part read of a big text file) out of all files.

    Raises:
        TranscriptFormatError, RosterError: naming the file (and line) and the fix.
    """
    files, found_rosters = discover(paths)
    if not files:
        raise UsageError("no transcript files found in the given paths.",
                         fix=f"pass files or folders holding {', '.join(SUPPORTED_SUFFIXES)}.")
    # (scope folder or None for everywhere, table): a participants.csv found in a folder
    # applies to the transcripts under that folder only
    tables: list[tuple[Path | None, RosterTable]] = []
    if roster:
        tables.append((None, load_roster_table(Path(roster))))
    tables += [(found.parent, load_roster_table(found)) for found in found_rosters]
    transcripts: list[Transcript] = []
    seen: dict[str, Path | None] = {}
    sizes = [file.stat().st_size for file in files]
    total = max(sum(sizes), 1)
    done = 0
    for file, size in zip(files, sizes):
        within = (lambda share, file=file: progress(done + int(share * size), total, file.name)) \
            if progress else None
        transcript = read_transcript(file, columns=columns, progress=within)
        for scope, table in tables:
            if scope is None or file.resolve().is_relative_to(scope.resolve()):
                table.apply(transcript)
        if transcript.id in seen:
            raise TranscriptFormatError(
                f"transcript id '{transcript.id}' is also used by {seen[transcript.id]}.",
                path=file, fix="give each transcript a unique 'id' in its front matter or "
                               "sidecar, or rename one file.")
        seen[transcript.id] = file
        transcripts.append(transcript)
        done += size
        if progress:
            progress(done, total, file.name)
    for _scope, table in tables:
        table.check_all_used(transcripts)
    return transcripts


def discover(paths: str | Path | Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """Transcript files and participants tables under the given paths, in a stable order."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    rosters: list[Path] = []
    for item in paths:
        item = Path(item)
        if item.is_dir():
            for found in sorted(item.rglob("*"), key=lambda p: p.relative_to(item).as_posix()):
                if not found.is_file() or _hidden(found.relative_to(item)):
                    continue
                if found.name.lower() in ROSTER_FILE_NAMES:
                    rosters.append(found)
                elif found.suffix.lower() in READERS:
                    files.append(found)
        elif item.exists():
            files.append(item)
        else:
            raise UsageError(f"{item}: no such file or folder.", fix="check the path.")
    return list(dict.fromkeys(files)), rosters


def _hidden(relative: Path) -> bool:
    return any(part.startswith((".", "~$")) for part in relative.parts)


def _sidecar(path: Path) -> Sidecar | None:
    for suffix in (".yaml", ".yml"):
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            text = candidate.read_text(encoding="utf-8-sig")
            return Sidecar(path=candidate, meta=parse_metadata_yaml(text, candidate))
    return None


def _finish(raw: RawDocument, table: RosterTable | None) -> Transcript:
    path = raw.path
    if not raw.turns:
        hint = _HINTS.get(path.suffix.lower(), _HINTS[".csv"] if path.suffix.lower() in
                          (".tsv", ".xlsx", ".json") else _HINTS[".txt"])
        raise TranscriptFormatError("no speaker turns found.", path=path, fix=hint)
    if raw.roster:
        unused = [label for label in raw.roster if label not in {t.speaker for t in raw.turns}]
        if unused:
            raise RosterError(
                f"participant(s) {', '.join(repr(u) for u in unused)} in the roster never speak.",
                path=raw.roster_path or path,
                fix="correct the label to match the transcript exactly, or remove the entry.")
    transcript_id = str(raw.meta.get("id") or path.stem).strip()
    participants = dict(raw.roster) or {
        t.speaker: Participant(label=t.speaker, role=t.role, attributes=dict(t.attributes))
        for t in raw.turns}
    transcript = Transcript(
        id=transcript_id, path=path, turns=raw.turns,
        title=str(raw.meta.get("title") or ""), group=str(raw.meta.get("group") or ""),
        date=str(raw.meta.get("date") or ""), location=str(raw.meta.get("location") or ""),
        participants=participants, metadata=dict(raw.meta), encoding=raw.encoding,
        warnings=list(raw.warnings))
    if table is not None:
        table.apply(transcript)
    return transcript


__all__ = ["read_transcript", "read_transcripts", "discover", "SUPPORTED_SUFFIXES"]
