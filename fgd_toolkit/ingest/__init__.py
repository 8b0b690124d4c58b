"""Ingest: read transcript files of every supported format into :class:`Transcript` objects.

>>> from fgd_toolkit import read_transcripts
>>> transcripts = read_transcripts(["transcripts/"])          # doctest: +SKIP
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import (FgdError, RosterError, SkippedInputWarning, TranscriptFormatError,
                      UsageError)
from ..models import Participant, Transcript
from .discover import FOLLOW_HINT, ROSTER_FILE_NAMES, SkippedInput, scan_inputs
from ..sanitise import readable_name
from .docx import read_docx_transcript
from .document import RawDocument, Sidecar
from .roster import RosterTable, load_roster_table
from .source import parse_metadata_yaml
from .subtitles import read_subtitle_transcript
from .tabular import NotATranscriptTable, read_table_transcript
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

_HINTS = {
    ".txt": "start each turn with a speaker label and a colon, e.g. 'Moderator: ...'; with a "
            "participants roster only its labels start turns.",
    ".docx": "start each paragraph with a speaker label and a colon, or use a speaker | text "
             "table.",
    ".vtt": "give cues a <v Name> voice tag or a 'Name:' prefix.",
    ".csv": "put one turn per row with speaker and text columns.",
}


def read_transcript(path: str | Path, *, columns: dict[str, str] | None = None,
                    roster: RosterTable | None = None, within: Path | None = None,
                    follow_symlinks: bool = False,
                    progress: Callable[[float], None] | None = None) -> Transcript:
    """Read one transcript file (any supported format) into a :class:`Transcript`.

    Metadata comes from YAML front matter (text files) or a ``<stem>.yaml`` sidecar beside
    the file; ``roster`` adds participant attributes from a participants table. With
    ``within`` (the folder the file was found in), a sidecar that is a symbolic link out of
    that folder is not read, unless ``follow_symlinks``. ``progress`` is told the share of
    the file read, now and then while a big text file is read.
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
    sidecar, notes = _sidecar(path, None if follow_symlinks else within)
    kwargs = {"columns": columns} if reader is read_table_transcript else {}
    if reader is read_text_transcript and progress:
        kwargs["progress"] = progress
    raw = reader(path, sidecar, **kwargs)
    raw.warnings[:0] = notes
    return _finish(raw, roster)


class TranscriptList(list):
    """The transcripts read, as a list, plus ``skipped``: the inputs left out and why
    (:class:`SkippedInput`, also listed in a coding run's ``manifest["skipped_inputs"]``)."""

    def __init__(self, transcripts=(), skipped: list[SkippedInput] | None = None) -> None:
        super().__init__(transcripts)
        self.skipped: list[SkippedInput] = list(skipped or [])


def read_transcripts(paths: str | Path | Iterable[str | Path], *,
                     columns: dict[str, str] | None = None,
                     roster: str | Path | None = None,
                     progress: Callable[[int, int, str], None] | None = None,
                     skip_bad: bool = False, follow_symlinks: bool = False,
                     ) -> TranscriptList:
    """Read files and folders (recursively, in a stable order) into transcripts.

    Args:
        paths: files and/or folders; folders are searched for every supported suffix.
        columns: column-name overrides for tabular files, e.g. ``{"speaker": "Nama"}``.
        roster: a participants table (CSV/XLSX with a ``label`` column) adding attributes;
            a ``participants.csv`` inside a given folder is used automatically.
        progress: optional callback ``(done, total, name)`` counting bytes: those of the
            files read so far (and of the part read of a big text file) out of all files.
        skip_bad: leave out a transcript that cannot be read (with a warning) instead of
            stopping at the first one; at least one must be readable.
        follow_symlinks: read symbolic links found in a folder that lead out of it (by
            default they are skipped with a warning; a link named in ``paths`` is read).

    In a folder, the toolkit's own results (a folder with its ``manifest.json``) and tables
    with neither a speaker nor a text column (e.g. hand codings) are skipped with a warning
    (:class:`~fgd_toolkit.errors.SkippedInputWarning`); named explicitly, such a table is
    an error. The returned list's ``skipped`` names every input left out.

    Raises:
        TranscriptFormatError, RosterError: naming the file (and line) and the fix.
    """
    scan = scan_inputs(paths, READERS, follow_symlinks)
    if not scan.files:
        raise UsageError("no transcript files found in the given paths" + (
            f" ({len(scan.skipped)} skipped, see the warnings)." if scan.skipped else "."),
                         fix=f"pass files or folders holding {', '.join(SUPPORTED_SUFFIXES)}.")
    # (scope folder or None for everywhere, table): a participants.csv found in a folder
    # applies to the transcripts under that folder only
    tables: list[tuple[Path | None, RosterTable]] = []
    if roster:
        tables.append((None, load_roster_table(Path(roster))))
    tables += [(found.parent, load_roster_table(found)) for found in scan.rosters]
    transcripts = TranscriptList()
    seen: dict[str, Path | None] = {}
    sizes = [_size(file) for file in scan.files]
    total = max(sum(sizes), 1)
    done = 0
    for file, size in zip(scan.files, sizes):
        partial = (lambda share, file=file, size=size:
                   progress(done + int(share * size), total, file.name)) if progress else None
        try:
            transcript = read_transcript(file, columns=columns, within=scan.roots.get(file),
                                         follow_symlinks=follow_symlinks, progress=partial)
            if transcript.id in seen:
                raise TranscriptFormatError(
                    f"transcript id '{transcript.id}' is also used by {seen[transcript.id]}.",
                    path=file, fix="give each transcript a unique 'id' in its front matter or "
                                   "sidecar, or rename one file.")
        except NotATranscriptTable as exc:
            if file not in scan.roots and not skip_bad:
                raise                       # named explicitly: the user meant it
            _skip(transcripts, file, exc)
        except Exception as exc:
            if not skip_bad:
                raise
            _skip(transcripts, file, exc)
        else:
            for scope, table in tables:
                if scope is None or file.resolve().is_relative_to(scope.resolve()):
                    table.apply(transcript)
            seen[transcript.id] = file
            transcripts.append(transcript)
        done += size
        if progress:
            progress(done, total, file.name)
    if not transcripts:
        first = transcripts.skipped[0]
        more = f" and {len(transcripts.skipped) - 1} more" if len(transcripts.skipped) > 1 else ""
        raise UsageError(f"no transcript could be read ({first}{more}).",
                         fix="fix or remove the files named in the warnings.")
    for _scope, table in tables:
        table.check_all_used(transcripts)
    transcripts.skipped[:0] = scan.skipped
    return transcripts


def _skip(transcripts: TranscriptList, file: Path, exc: Exception) -> None:
    """Record a transcript left out, with its error as one line, and warn."""
    if isinstance(exc, FgdError):
        reason = (f"line {exc.line}: " if exc.line else "") + exc.reason + (
            f" Fix: {exc.fix}" if exc.fix else "")
        if exc.path and exc.path != str(file):
            reason = f"{exc.path}: {reason}"
    else:
        reason = f"cannot be read ({type(exc).__name__}: {exc})"
    skipped = SkippedInput(file, " ".join(reason.split()))
    transcripts.skipped.append(skipped)
    warnings.warn(f"skipped {skipped}", SkippedInputWarning, stacklevel=3)


def discover(paths: str | Path | Iterable[str | Path], follow_symlinks: bool = False
             ) -> tuple[list[Path], list[Path]]:
    """Transcript files and participants tables under the given paths, in a stable order
    (what :func:`read_transcripts` reads; see :func:`~.discover.scan_inputs`)."""
    scan = scan_inputs(paths, READERS, follow_symlinks)
    return scan.files, scan.rosters


def _sidecar(path: Path, within: Path | None) -> tuple[Sidecar | None, list[str]]:
    """The ``<stem>.yaml`` beside a transcript, and warnings (a sidecar linked from outside
    ``within`` is not read)."""
    for suffix in (".yaml", ".yml"):
        candidate = path.with_suffix(suffix)
        if not candidate.is_file():
            continue
        if within is not None and candidate.is_symlink() \
                and not candidate.resolve().is_relative_to(within):
            return None, [f"{candidate}: symbolic link to {candidate.resolve()}, outside the "
                          f"input folder; metadata not read ({FOLLOW_HINT})."]
        text = candidate.read_text(encoding="utf-8-sig")
        return Sidecar(path=candidate, meta=parse_metadata_yaml(text, candidate)), []
    return None, []


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
    transcript_id = str(raw.meta.get("id") or readable_name(path.stem)).strip()
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


__all__ = ["read_transcript", "read_transcripts", "discover", "SUPPORTED_SUFFIXES",
           "ROSTER_FILE_NAMES", "SkippedInput", "TranscriptList"]


def _size(file: Path) -> int:
    """The file's size in bytes for the progress count (0 when it cannot be read: the read
    itself then reports the problem)."""
    try:
        return file.stat().st_size
    except OSError:
        return 0
