"""Readers for subtitle transcripts from meeting tools (``.vtt`` via webvtt-py, ``.srt`` via srt).

A cue's speaker comes from a ``<v Name>`` voice tag or a ``Name:`` prefix; consecutive cues of
one speaker merge into one turn; cues without a speaker continue the current turn.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import TranscriptFormatError
from ..models import Turn
from .document import RawDocument, Sidecar
from .labels import SpeakerResolver, split_label_line
from .source import read_text


@dataclass
class Cue:
    """One subtitle cue: times in seconds, an optional speaker and its text."""

    index: int
    start: float
    end: float
    voice: str | None
    text: str


def read_subtitle_transcript(path: Path, sidecar: Sidecar | None = None) -> RawDocument:
    """Turns of a ``.vtt`` or ``.srt`` file."""
    decoded = read_text(path)
    cues = _vtt_cues(decoded.text, path) if path.suffix.lower() == ".vtt" \
        else _srt_cues(decoded.text, path)
    doc = RawDocument.from_metadata(path, {}, sidecar, encoding=decoded.encoding)
    if decoded.warning:
        doc.warnings.append(decoded.warning)
    doc.turns = _merge_cues(cues, SpeakerResolver(doc.roster), doc, path)
    leading = sum(1 for c in cues if doc.turns and c.index < doc.turns[0].line and c.text)
    if leading:
        doc.warnings.append(f"{path}: {leading} cue(s) before the first speaker label were "
                            "skipped (no speaker to attribute them to).")
    return doc


def _vtt_cues(text: str, path: Path) -> list[Cue]:
    import webvtt
    from webvtt.errors import MalformedFileError

    try:
        captions = webvtt.from_buffer(io.StringIO(text))
    except MalformedFileError as exc:
        raise TranscriptFormatError(f"not a valid WebVTT file ({exc}).", path=path,
                                    fix="the file must start with 'WEBVTT' and hold timed cues.")
    return [Cue(index=i, start=c.start_time.in_milliseconds() / 1000,
                end=c.end_time.in_milliseconds() / 1000, voice=(c.voice or None),
                text=c.text.strip())
            for i, c in enumerate(captions, 1)]


def _srt_cues(text: str, path: Path) -> list[Cue]:
    import srt

    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as exc:
        raise TranscriptFormatError(f"not a valid SRT file ({exc}).", path=path,
                                    fix="check the numbered, timed blocks of the file.")
    return [Cue(index=s.index or i, start=s.start.total_seconds(), end=s.end.total_seconds(),
                voice=None, text=_FORMAT_TAG.sub("", s.content).strip())
            for i, s in enumerate(subtitles, 1)]


_FORMAT_TAG = re.compile(r"</?(?:i|b|u|font)\b[^>]*>", re.IGNORECASE)   # <i>Moderator:</i>


def _split_speakers(cue: Cue, resolver: SpeakerResolver) -> list[Cue]:
    """A cue without a voice tag may hold lines of two speakers ("Moderator: Setuju?" /
    "P1: Setuju, Bu."), each perhaps after a dialogue dash: one cue per speaker."""
    if cue.voice is not None or "\n" not in cue.text:
        return [cue]
    parts: list[list[str]] = []
    for line in cue.text.split("\n"):
        line = _DIALOGUE_DASH.sub("", line)
        match = split_label_line(line)
        if match and resolver.resolve(match.label) is not None or not parts:
            parts.append([line])
        else:
            parts[-1].append(line)
    return [Cue(index=cue.index, start=cue.start, end=cue.end, voice=None, text="\n".join(p))
            for p in parts]


_DIALOGUE_DASH = re.compile(r"^\s*[-–—]\s+")


def _merge_cues(cues: list[Cue], resolver: SpeakerResolver, doc: RawDocument,
                path: Path) -> list[Turn]:
    turns: list[Turn] = []
    cues = [part for cue in cues for part in _split_speakers(cue, resolver)]
    for cue in cues:
        if cue.voice is None:
            cue = Cue(index=cue.index, start=cue.start, end=cue.end, voice=None,
                      text=_DIALOGUE_DASH.sub("", cue.text))
        label, text = cue.voice, cue.text
        if label is None:
            match = split_label_line(text.split("\n", 1)[0])
            if match and resolver.resolve(match.label) is not None:
                label = match.label
                text = match.text + ("\n" + text.split("\n", 1)[1] if "\n" in text else "")
        text = " ".join(text.split())
        if not text:
            continue
        if label is None:
            if turns:
                _extend(turns[-1], text, cue)
            continue
        speaker, role, attrs = resolver.require(label, f"cue {cue.index}",
                                                doc.roster_path or path)
        if turns and turns[-1].speaker == speaker:
            _extend(turns[-1], text, cue)
        else:
            turns.append(Turn(speaker=speaker, role=role, text=text, start=cue.start,
                              end=cue.end, line=cue.index, attributes=attrs))
    return turns


def _extend(turn: Turn, text: str, cue: Cue) -> None:
    turn.text = f"{turn.text} {text}"
    turn.end = cue.end
