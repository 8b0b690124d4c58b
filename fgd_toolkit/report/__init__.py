"""The analyst's deliverable: one self-contained HTML report of a coding run, and a
policy-brief draft beside it (Markdown and Word).

>>> from fgd_toolkit.report import write_report
>>> files = write_report("results/")                  # doctest: +SKIP
>>> files.html                                        # doctest: +SKIP
PosixPath('results/report.html')
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import UsageError
from ..result import CodingResult
from .brief import Brief, brief_markdown, build_brief, write_brief_docx
from .data import LANGS, ReportData, build_report_data
from .html import render_html

REPORT_FILE = "report.html"
BRIEF_MD = "policy_brief.md"
BRIEF_DOCX = "policy_brief.docx"


@dataclass(frozen=True)
class ReportFiles:
    """Where a report was written."""

    html: Path
    markdown: Path
    docx: Path


@dataclass
class Report:
    """A built report: the page, the brief draft, and the view model behind both."""

    data: ReportData
    brief: Brief
    html: str
    markdown: str


def build_report(result: CodingResult, lang: str = "id",
                 manifest_sha256: str | None = None) -> Report:
    """Build the report of ``result`` in ``lang`` (``id`` or ``en``) without writing it."""
    data = build_report_data(result, lang, manifest_sha256)
    brief = build_brief(data)
    return Report(data=data, brief=brief, html=render_html(data, brief),
                  markdown=brief_markdown(brief, data))


def write_report(source: CodingResult | str | Path, out: str | Path | None = None, *,
                 lang: str = "id",
                 progress: Callable[[str, int, int], None] | None = None) -> ReportFiles:
    """Write ``report.html`` and, beside it, ``policy_brief.md`` and ``policy_brief.docx``.

    Args:
        source: a results folder written by ``fgd code``, or a :class:`CodingResult`.
        out: the HTML file (default: ``report.html`` in the results folder); a folder means
            ``report.html`` inside it.
        lang: ``id`` (Indonesian, default) or ``en``.
        progress: optional callback ``(stage, done, total)``.

    The three files appear together or not at all. Raises :class:`OutputError` for a results
    folder that is incomplete, from an older version, or inconsistent.
    """
    from ..atomic import write_together
    from ..export import load_results

    if lang not in LANGS:
        raise UsageError(f"unknown report language '{lang}'.",
                         fix=f"use --lang {' or --lang '.join(LANGS)}.")
    manifest_sha256 = None
    if isinstance(source, CodingResult):
        if out is None:
            raise UsageError("write_report needs out= for a CodingResult.",
                             fix="pass out='results/report.html'.")
        result = source
    else:
        folder = Path(source)
        result = load_results(folder)
        manifest_sha256 = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
        out = folder / REPORT_FILE if out is None else out
    out = Path(out)
    if out.is_dir():
        out = out / REPORT_FILE
    step = (lambda stage: (lambda done, total: progress(stage, done, total))) if progress \
        else (lambda stage: None)
    building = step("Building report")
    if building:
        building(0, 1)
    report = build_report(result, lang, manifest_sha256)
    if building:
        building(1, 1)
    md, docx = out.with_name(BRIEF_MD), out.with_name(BRIEF_DOCX)
    write_together([
        (md, lambda tmp: tmp.write_text(report.markdown, encoding="utf-8", newline="\n")),
        (docx, lambda tmp: write_brief_docx(report.brief, report.data, tmp)),
        (out, lambda tmp: tmp.write_text(report.html, encoding="utf-8", newline="\n")),
    ], step("Writing report"))
    return ReportFiles(html=out, markdown=md, docx=docx)


__all__ = ["write_report", "build_report", "Report", "ReportFiles", "REPORT_FILE", "BRIEF_MD",
           "BRIEF_DOCX"]
