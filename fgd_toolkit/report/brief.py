"""The policy-brief draft: per theme, the enablers and barriers named most, with their quotes.

Every sentence is a fixed template (``templates/strings.yaml``, Indonesian or English) filled
with counts from the coded evidence; every quote is a coded passage, shortened at most. The
draft says which evidence no researcher has reviewed yet.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .data import DIRECTIONS, HUMAN, ReportData, count_text, fmt_int

#: A factor needs this many quotes of a direction to be stated in the brief.
MIN_SUPPORT = 2
#: Strongest factors stated per theme and direction (plus any key finding of the theme).
PER_THEME = 2
#: Quotes under each statement, and factors named in the key findings.
QUOTES_PER_STATEMENT = 3
KEY_FINDINGS = 3
QUOTE_CHARS = 300
#: A group named as the main source of a statement when it holds this share of its quotes.
GROUP_SHARE = 0.6
#: Enablers and barriers are "about equally often" when they differ by at most this share.
BALANCE = 0.2
LABEL_MARK = "\x00"


@dataclass(frozen=True)
class BriefQuote:
    number: int
    passage_id: str
    transcript_id: str
    speaker: str
    turn: int
    text: str
    score: float
    source: str

    @property
    def reviewed(self) -> bool:
        return self.source == HUMAN


@dataclass(frozen=True)
class Statement:
    """``<label><rest>``: one templated sentence about a code and a direction."""

    code_id: str
    code_index: int
    direction: str
    label: str
    rest: str
    count: int
    quotes: tuple[BriefQuote, ...]

    @property
    def anchor(self) -> str:
        return f"s-{self.code_id}-{self.direction}"

    @property
    def text(self) -> str:
        return self.label + self.rest

    @property
    def unreviewed(self) -> bool:
        return not any(q.reviewed for q in self.quotes)


@dataclass
class ThemeSection:
    id: str
    label: str
    summary: str
    statements: dict[str, list[Statement]] = field(default_factory=dict)


@dataclass
class Brief:
    title: str
    intro: str
    key_findings: list[str]
    themes: list[ThemeSection]
    t: dict

    @property
    def statements(self) -> list[Statement]:
        return [s for th in self.themes for d in DIRECTIONS for s in th.statements[d]]


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """The passage text, cut after a sentence (or else a word) when longer than ``limit``."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    head = text[:limit]
    stop = max(head.rfind(". "), head.rfind("? "), head.rfind("! "))
    if stop >= limit // 2:
        return head[:stop + 1] + " …"
    return head[:head.rfind(" ")].rstrip(",;:") + " …"


def _pick_quotes(rows: pd.DataFrame, n: int) -> list:
    """Best-scored quotes, each from a different FGD first, then a different speaker."""
    picked, seen_t, seen_s = [], set(), set()
    for rule in ("transcript", "speaker", "any"):
        for row in rows.itertuples():
            if len(picked) == n:
                return picked
            if row.passage_id in {p.passage_id for p in picked}:
                continue
            if rule == "transcript" and row.transcript_id in seen_t:
                continue
            if rule == "speaker" and (row.transcript_id, row.speaker) in seen_s:
                continue
            picked.append(row)
            seen_t.add(row.transcript_id)
            seen_s.add((row.transcript_id, row.speaker))
    return picked


def _strength(data: ReportData, code_id: str, direction: str) -> tuple[int, int]:
    counts = data.code_counts.loc[code_id]
    return int(counts[direction]), int(counts[f"k_{direction}"])


def _ranked(data: ReportData, code_ids, direction: str) -> list[str]:
    """Codes with at least ``MIN_SUPPORT`` quotes of ``direction``, strongest first (quotes,
    then FGDs naming it, then codebook order)."""
    order = {c.id: c.index for c in data.codes}
    keep = [c for c in code_ids if _strength(data, c, direction)[0] >= MIN_SUPPORT]
    return sorted(keep, key=lambda c: (*(-x for x in _strength(data, c, direction)), order[c]))


def build_brief(data: ReportData) -> Brief:
    """The brief's statements and quotes from the report's view model."""
    t = data.t
    numbers = itertools.count(1)
    key = {d: _ranked(data, [c.id for c in data.codes], d)[:KEY_FINDINGS] for d in DIRECTIONS}
    themes = []
    for theme in data.themes:
        counts = data.theme_counts.set_index("theme_id").loc[theme.id]
        section = ThemeSection(theme.id, theme.label, _theme_summary(counts, t))
        for d in DIRECTIONS:
            ranked = _ranked(data, theme.code_ids, d)
            chosen = [c for c in ranked if c in ranked[:PER_THEME] or c in key[d]]
            section.statements[d] = [_statement(data, c, d, numbers) for c in chosen]
        themes.append(section)
    findings = []
    for d, template in (("enabler", "key_enablers"), ("barrier", "key_barriers")):
        if key[d]:
            items = ", ".join(t["key_item"].format(label=data.code_by_id[c].label,
                                                   n=count_text(t, _strength(data, c, d)[0]))
                              for c in key[d])
            findings.append(t[template].format(items=items))
    intro = t["brief_intro"].format(
        n_transcripts=fmt_int(len(data.transcripts), t),
        n_participants=fmt_int(data.participants, t), dates=data.date_text,
        coded=fmt_int(data.coded_passages, t), n_codes=fmt_int(len(data.codes), t),
        n_themes=fmt_int(len(data.themes), t))
    return Brief(title=t["brief_title"].format(codebook=data.codebook_name), intro=intro,
                 key_findings=findings, themes=themes, t=t)


def _theme_summary(counts, t: dict) -> str:
    e, b = int(counts["enabler"]), int(counts["barrier"])
    if not e and not b:
        return t["theme_none"]
    if abs(e - b) <= BALANCE * max(e, b):
        template = "theme_balanced"
    else:
        template = "theme_more_barriers" if b > e else "theme_more_enablers"
    return t[template].format(enabler=count_text(t, e), barrier=count_text(t, b))


def _statement(data: ReportData, code_id: str, direction: str, numbers) -> Statement:
    t = data.t
    code = data.code_by_id[code_id]
    n, k = _strength(data, code_id, direction)
    total = len(data.transcripts)
    rows = data.quotes[(data.quotes["code_id"] == code_id)
                       & (data.quotes["polarity"] == direction)]
    where = "" if total == 1 else (t["where_all"] if k == total else t["where_some"]).format(
        k=fmt_int(k, t), K=fmt_int(total, t))
    group = ""
    by_group = rows["group"].value_counts()
    if len(data.groups) > 1 and len(by_group) and by_group.iloc[0] >= GROUP_SHARE * n \
            and by_group.iloc[0] >= MIN_SUPPORT:
        top = sorted(by_group[by_group == by_group.iloc[0]].index)[0]
        group = t["statement_group"].format(group=top, m=count_text(t, int(by_group[top])))
    sentence = t[f"statement_{direction}"].format(label=LABEL_MARK, n=count_text(t, n),
                                                  where=where, group=group)
    _, rest = sentence.split(LABEL_MARK, 1)
    quotes = tuple(BriefQuote(next(numbers), r.passage_id, r.transcript_id, r.speaker_label,
                              int(r.turn), shorten(r.text), float(r.score), r.source)
                   for r in _pick_quotes(rows, QUOTES_PER_STATEMENT))
    return Statement(code_id, code.index, direction, code.label, rest, n, quotes)


def quote_meta(q: BriefQuote, t: dict) -> str:
    """``Bu Ratna (Dinkes), fgd-dinkes-arjasari, giliran 9``."""
    return f"{q.speaker}, {q.transcript_id}, {t['js']['turn']} {q.turn}"


def brief_markdown(brief: Brief, data: ReportData) -> str:
    """The brief as Markdown (headings, statements, numbered quotes)."""
    t = brief.t
    lines = [f"# {brief.title}", "", f"*{_draft_line(data)}*", "", brief.intro, ""]
    if data.machine:
        lines += [t["brief_unreviewed_note"], ""]
    if brief.key_findings:
        lines += [f"## {t['key_findings']}", ""] + [f"- {f}" for f in brief.key_findings] + [""]
    for theme in brief.themes:
        lines += [f"## {theme.label}", "", theme.summary, ""]
        for d, heading, empty in (("enabler", "enablers_heading", "no_enablers"),
                                  ("barrier", "barriers_heading", "no_barriers")):
            lines += [f"### {t[heading]}", ""]
            if not theme.statements[d]:
                lines += [t[empty], ""]
            for s in theme.statements[d]:
                refs = " ".join(f"[{q.number}]" for q in s.quotes)
                lines += [f"**{s.label}**{s.rest} {refs}", ""]
                for q in s.quotes:
                    flag = "" if q.reviewed else " ⚑"
                    lines += [f"> [{q.number}] \"{q.text}\" ({quote_meta(q, t)}){flag}", ""]
        lines += [f"*{t['recommendation_placeholder']}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def _draft_line(data: ReportData) -> str:
    t = data.t
    total = fmt_int(data.human + data.machine, t)
    if data.machine:
        return f"{t['draft_title']}. " + t["draft_banner"].format(
            machine=fmt_int(data.machine, t), total=total)
    return t["draft_banner_reviewed"].format(total=total)


def write_brief_docx(brief: Brief, data: ReportData, path: Path) -> None:
    """The brief as a Word document (python-docx), for the team to edit."""
    from docx import Document
    from docx.shared import Pt, RGBColor

    t = brief.t
    doc = Document()
    doc.core_properties.title = brief.title
    doc.core_properties.language = "id-ID" if data.lang == "id" else "en-GB"
    doc.core_properties.author = "fgd-toolkit"
    doc.styles["Normal"].font.size = Pt(11)
    # style objects, not names: python-docx looks a name up among all styles on every use
    quote_style, bullet_style = doc.styles["Quote"], doc.styles["List Bullet"]
    doc.add_heading(brief.title, level=0)
    draft = doc.add_paragraph()
    draft.add_run(_draft_line(data)).italic = True
    doc.add_paragraph(brief.intro)
    if data.machine:
        doc.add_paragraph(t["brief_unreviewed_note"])
    if brief.key_findings:
        doc.add_heading(t["key_findings"], level=1)
        for finding in brief.key_findings:
            doc.add_paragraph(finding, style=bullet_style)
    for theme in brief.themes:
        doc.add_heading(theme.label, level=1)
        doc.add_paragraph(theme.summary)
        for d, heading, empty in (("enabler", "enablers_heading", "no_enablers"),
                                  ("barrier", "barriers_heading", "no_barriers")):
            doc.add_heading(t[heading], level=2)
            if not theme.statements[d]:
                doc.add_paragraph(t[empty])
            for s in theme.statements[d]:
                para = doc.add_paragraph()
                para.add_run(s.label).bold = True
                para.add_run(s.rest + " " + " ".join(f"[{q.number}]" for q in s.quotes))
                for q in s.quotes:
                    quote = doc.add_paragraph(style=quote_style)
                    quote.add_run(f"[{q.number}] \u201c{q.text}\u201d ")
                    meta = quote.add_run(f"({quote_meta(q, t)})" + ("" if q.reviewed else " ⚑"))
                    meta.italic = False
                    meta.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
        placeholder = doc.add_paragraph()
        placeholder.add_run(t["recommendation_placeholder"]).italic = True
    doc.save(str(path))
