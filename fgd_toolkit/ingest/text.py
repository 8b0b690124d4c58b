"""Reader for plain-text and Markdown transcripts (``.txt``, ``.md``)."""
from __future__ import annotations

from pathlib import Path

from .document import RawDocument, Sidecar
from .labels import SpeakerResolver, count_labels
from .source import read_text, split_front_matter
from .turns import TurnBuilder


def read_text_transcript(path: Path, sidecar: Sidecar | None = None) -> RawDocument:
    """Turns of a ``.txt``/``.md`` file; optional YAML front matter gives metadata and roster."""
    decoded = read_text(path)
    meta, body, offset = split_front_matter(decoded.text, path)
    doc = RawDocument.from_metadata(path, meta, sidecar, encoding=decoded.encoding)
    if decoded.warning:
        doc.warnings.append(decoded.warning)
    lines = body.split("\n")
    builder = TurnBuilder(SpeakerResolver(doc.roster, count_labels(lines)))
    for number, line in enumerate(lines, start=offset + 1):
        builder.feed(line, number)
    doc.turns = builder.finish()
    if builder.orphan_lines:
        doc.warnings.append(f"{path}: {builder.orphan_lines} line(s) after a heading and before "
                            "the next speaker label were not read as speech.")
    return doc
