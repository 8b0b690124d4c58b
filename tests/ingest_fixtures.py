"""Fixtures for the ingest, bad-input, segment, normalize and codebook tests.

Registered from ``tests/conftest.py`` with ``pytest_plugins = ["tests.ingest_fixtures"]``.
Binary transcripts (.docx, .xlsx) are generated here into ``tmp_path``, never committed.
"""
from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
TRANSCRIPT_DATA = DATA / "transcripts"
ROSTER_FOLDER = DATA / "roster_folder"
REPO = TESTS.parent
BUNDLED_TRANSCRIPTS = REPO / "transcripts"
STARTER_CODEBOOK = REPO / "codebooks" / "inovasi-pelayanan-publik.yaml"


@pytest.fixture
def make_file(tmp_path):
    """Write ``content`` (str as UTF-8, or bytes as given) to ``tmp_path/name``; return the path."""
    def _make(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path
    return _make


@pytest.fixture
def make_files(tmp_path):
    """Write several files ``{relative name: content}`` under ``tmp_path``; return ``tmp_path``."""
    def _make(files: dict[str, str | bytes]) -> Path:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return tmp_path
    return _make


@pytest.fixture(scope="session")
def bundled_transcripts():
    """The five bundled sample transcripts, read once, by id."""
    from fgd_toolkit import read_transcripts

    return {t.id: t for t in read_transcripts(BUNDLED_TRANSCRIPTS)}


@pytest.fixture(scope="session")
def starter_codebook():
    """The starter codebook shipped in ``codebooks/``."""
    from fgd_toolkit import load_codebook

    return load_codebook(STARTER_CODEBOOK)


@pytest.fixture
def make_docx(tmp_path):
    """Build a Word file from blocks; return its path.

    Blocks: ``"text"`` (a paragraph), ``("bold", label, rest)`` (a paragraph whose first run is
    bold), ``("table", [[cell, ...], ...])`` (a table, one list per row).
    """
    import docx

    def _make(name: str, blocks: list) -> Path:
        document = docx.Document()
        for block in blocks:
            if isinstance(block, str):
                document.add_paragraph(block)
            elif block[0] == "bold":
                paragraph = document.add_paragraph()
                paragraph.add_run(block[1]).bold = True
                paragraph.add_run(block[2])
            elif block[0] == "table":
                rows = block[1]
                table = document.add_table(rows=0, cols=max(len(r) for r in rows))
                for row in rows:
                    cells = table.add_row().cells
                    for idx, value in enumerate(row):
                        cells[idx].text = value
            else:  # pragma: no cover - a typo in a test
                raise ValueError(block)
        path = tmp_path / name
        document.save(str(path))
        return path
    return _make


@pytest.fixture
def make_xlsx(tmp_path):
    """Write rows (the first is the header) to a one-sheet workbook; return its path."""
    import openpyxl

    def _make(name: str, rows: list[list]) -> Path:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        for row in rows:
            sheet.append(row)
        path = tmp_path / name
        workbook.save(str(path))
        return path
    return _make


@pytest.fixture
def cli():
    """Invoke the ``fgd`` command line in-process; returns the click ``Result``."""
    from typer.testing import CliRunner

    from fgd_toolkit.cli import app

    runner = CliRunner()

    def _invoke(*args: str):
        return runner.invoke(app, [str(a) for a in args])
    return _invoke
