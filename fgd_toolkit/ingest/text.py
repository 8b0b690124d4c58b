"""Reader for plain-text and Markdown transcripts (``.txt``, ``.md``)."""
from __future__ import annotations

import re
from pathlib import Path

from .document import RawDocument, Sidecar
from .labels import SpeakerResolver, count_labels
from .source import read_text, split_front_matter
from .turns import TurnBuilder, table_turns

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _pipe_cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def read_text_transcript(path: Path, sidecar: Sidecar | None = None) -> RawDocument:
    """Turns of a ``.txt``/``.md`` file; optional YAML front matter gives metadata and roster."""
    decoded = read_text(path)
    meta, body, offset = split_front_matter(decoded.text, path)
    doc = RawDocument.from_metadata(path, meta, sidecar, encoding=decoded.encoding)
    if decoded.warning:
        doc.warnings.append(decoded.warning)
    lines = body.split("\n")
    builder = _build(lines, SpeakerResolver(doc.roster, count_labels(lines)), path, offset)
    if not builder.turns:        # "P1 – text", or "MODERATOR" alone above its text
        builder = _build(lines, SpeakerResolver(doc.roster, count_labels(lines, loose=True)),
                         path, offset, loose=True)
    doc.turns = builder.turns
    if builder.leading_speech and doc.turns:
        doc.warnings.append(f"{path}: {builder.leading_speech} sentence line(s) before the "
                            "first speaker label were not read as speech; if they are, start "
                            "them with 'Label: '.")
    if builder.orphan_lines:
        doc.warnings.append(f"{path}: {builder.orphan_lines} line(s) after a heading or note and "
                            "before the next speaker label were not read as speech.")
    return doc


def _build(lines: list[str], resolver: SpeakerResolver, path: Path, offset: int,
           loose: bool = False) -> TurnBuilder:
    builder = TurnBuilder(resolver, loose=loose)
    number = 0
    while number < len(lines):
        if _PIPE_ROW.match(lines[number]):          # a Markdown table: Pembicara | Teks
            start = number
            while number < len(lines) and _PIPE_ROW.match(lines[number]):
                number += 1
            rows = [_pipe_cells(r) for r in lines[start:number] if not _PIPE_RULE.match(r)]
            builder.finish()
            builder.turns.extend(table_turns(rows, resolver, path, offset + start))
            continue
        builder.feed(lines[number], offset + number + 1)
        number += 1
    builder.finish()
    return builder
