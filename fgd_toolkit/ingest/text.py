"""Reader for plain-text and Markdown transcripts (``.txt``, ``.md``)."""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from .document import RawDocument, Sidecar
from .labels import (PROGRESS_LINES, SpeakerResolver, count_labels, mostly_capitals,
                     split_label_line)
from .source import METADATA_ALIASES, read_text, split_front_matter
from .turns import TurnBuilder, looks_like_speech, table_turns

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _pipe_cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def read_text_transcript(path: Path, sidecar: Sidecar | None = None,
                         progress: Callable[[float], None] | None = None) -> RawDocument:
    """Turns of a ``.txt``/``.md`` file; optional YAML front matter gives metadata and roster.

    ``progress`` is told the share of the file read so far (for big files)."""
    decoded = read_text(path)
    meta, body, offset = split_front_matter(decoded.text, path)
    doc = RawDocument.from_metadata(path, meta, sidecar, encoding=decoded.encoding)
    if decoded.warning:
        doc.warnings.append(decoded.warning)
    lines = body.split("\n")
    lines = _title_block(lines, doc)
    label_of = lru_cache(maxsize=None)(split_label_line)    # each line is parsed once
    caps_headers = not mostly_capitals(lines)
    half = (lambda share: progress(share / 2)) if progress else None      # two passes
    counts = count_labels(lines, label_of=label_of, progress=half)
    builder = _build(lines, SpeakerResolver(doc.roster, counts), path, offset,
                     caps_headers=caps_headers, label_of=label_of,
                     progress=(lambda share: progress(0.5 + share / 2)) if progress else None)
    if not builder.turns:        # "P1 – text", or "MODERATOR" alone above its text
        builder = _build(lines, SpeakerResolver(doc.roster, count_labels(lines, loose=True,
                                                                         label_of=label_of)),
                         path, offset, loose=True, caps_headers=caps_headers, label_of=label_of)
    doc.turns = builder.turns
    if builder.leading_speech and doc.turns:
        doc.warnings.append(f"{path}: {builder.leading_speech} sentence line(s) before the "
                            "first speaker label were not read as speech; if they are, start "
                            "them with 'Label: '.")
    if builder.orphan_lines:
        doc.warnings.append(f"{path}: {builder.orphan_lines} line(s) after a heading or note and "
                            "before the next speaker label were not read as speech.")
    return doc


#: Title-block fields and the metadata key each fills (when the file has none of its own): the
#: Indonesian metadata names, plus a topic or theme standing for the title.
TITLE_FIELDS = {**{k: v for k, v in METADATA_ALIASES.items()
                   if v in ("title", "date", "location")},
                "topik": "title", "tema": "title", "hari, tanggal": "date"}
MAX_TITLE_BLOCK = 15


def _title_block(lines: list[str], doc: RawDocument) -> list[str]:
    """Blank out a title block at the top ("Hari/Tanggal: ...", "Tempat: ...", "Moderator: Dr.
    Rina", "Peserta: 8 orang"), so its role lines do not become turns; its date, place and
    topic fill the metadata the file does not already have.

    The block is the lines before the first blank line; it counts as a title block only with
    at least two such fields, no line worded like speech (a sentence), and any other
    ``Label: value`` line holding a name or a count ("Dr. Rina Marlina", "8 orang"), not
    words ("Selamat pagi.")."""
    end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    if not 0 < end <= MAX_TITLE_BLOCK or end == len(lines):
        return lines
    fields: list[tuple[str, str]] = []
    for line in lines[:end]:
        key, sep, value = line.partition(":")
        if looks_like_speech(value or line):
            return lines
        if sep and key.strip().lower() in TITLE_FIELDS:
            fields.append((TITLE_FIELDS[key.strip().lower()], value.strip()))
            continue
        match = split_label_line(line)
        if match and not _name_or_count(match.text):
            return lines
    if len(fields) < 2:
        return lines
    for key, value in fields:
        if value and not doc.meta.get(key):
            doc.meta[key] = value
    return [""] * end + lines[end:]


def _name_or_count(value: str) -> bool:
    """"Dr. Rina Marlina", "8 orang (perwakilan OPD)": a title-block value, not speech."""
    words = value.split()
    return bool(words) and (words[0][0].isdigit()
                            or all(w[0].isupper() or not w[0].isalpha() for w in words))


def _build(lines: list[str], resolver: SpeakerResolver, path: Path, offset: int,
           loose: bool = False, caps_headers: bool = True,
           label_of=split_label_line,
           progress: Callable[[float], None] | None = None) -> TurnBuilder:
    builder = TurnBuilder(resolver, loose=loose, caps_headers=caps_headers, label_of=label_of)
    number = 0
    reported = 0
    while number < len(lines):
        if progress and number - reported >= PROGRESS_LINES:
            progress(number / len(lines))
            reported = number
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
