"""Reader for Word transcripts (``.docx``): labelled paragraphs, bold label runs, tables."""
from __future__ import annotations

from pathlib import Path

from ..errors import TranscriptFormatError
from .document import RawDocument, Sidecar
from .labels import (LabelMatch, SpeakerResolver, canonical, count_labels,
                     mostly_capitals, split_label_line)
from .source import open_zip_container
from .turns import TurnBuilder, table_turns


def read_docx_transcript(path: Path, sidecar: Sidecar | None = None) -> RawDocument:
    """Turns of a Word file, paragraph by paragraph and row by row in document order."""
    package = open_zip_container(path, "docx")
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - python-docx is a core dependency
        raise TranscriptFormatError("python-docx is not installed.", path=path,
                                    fix="pip install python-docx") from exc
    try:
        document = docx.Document(package)
    except Exception as exc:  # python-docx raises several types for broken packages
        raise TranscriptFormatError(f"this Word file cannot be opened ({type(exc).__name__}).",
                                    path=path, fix="open it in Word and save it again as .docx.")
    doc = RawDocument.from_metadata(path, {}, sidecar)
    blocks = list(document.iter_inner_content())
    bold = {id(b): _bold_label(b) for b in blocks if isinstance(b, Paragraph)}
    counts = count_labels([line for b in blocks if isinstance(b, Paragraph)
                           for line in b.text.split("\n")])
    for match in bold.values():
        if match:
            key = canonical(match.label)
            counts[key] = counts.get(key, 0) + 1
    doc.turns = _build(blocks, bold, SpeakerResolver(doc.roster, counts), path)
    if not doc.turns:            # "P1 – text", or a label paragraph above its text
        texts = [line for b in blocks if isinstance(b, Paragraph) for line in b.text.split("\n")]
        loose_counts = count_labels(texts, loose=True)
        for key, n in counts.items():
            loose_counts[key] = max(n, loose_counts.get(key, 0))
        doc.turns = _build(blocks, bold, SpeakerResolver(doc.roster, loose_counts), path,
                           loose=True)
    return doc


def _build(blocks, bold, resolver: SpeakerResolver, path: Path, loose: bool = False) -> list:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    texts = [b.text for b in blocks if isinstance(b, Paragraph)]
    builder = TurnBuilder(resolver, loose=loose, caps_headers=not mostly_capitals(texts))
    position = 0
    for block in blocks:
        if isinstance(block, Paragraph):
            position += 1
            first, *more = block.text.split("\n")    # soft line breaks (Shift+Enter)
            builder.feed(first if more else block.text, position, label=bold[id(block)])
            for line in more:
                builder.feed(line, position)
        elif isinstance(block, Table):
            builder.finish()
            rows = [[cell.text.strip() for cell in row.cells] for row in block.rows]
            builder.turns.extend(table_turns(rows, resolver, path, position))
            position += len(rows)
    return builder.finish()


def _bold_label(paragraph) -> LabelMatch | None:
    """A label written as leading bold runs without a colon (``**Moderator** Selamat pagi``)."""
    if split_label_line(paragraph.text):
        return None  # the ordinary ``Label: text`` rule applies
    prefix = []
    for run in paragraph.runs:
        if run.bold and run.text.strip():
            prefix.append(run.text)
        elif run.text.strip() or not prefix:
            break
    label = "".join(prefix).strip()
    rest = paragraph.text[len("".join(prefix)):].strip() if prefix else ""
    if not label or not rest or not paragraph.text.startswith("".join(prefix)):
        return None
    return LabelMatch(label=label.rstrip(":").strip(), text=rest.lstrip(":").strip(),
                      start=None)
