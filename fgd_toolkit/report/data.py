"""The report's view model: what the page, its charts and the brief show, from a CodingResult.

Everything is computed here once, in a fixed order (codebook order for codes, sorted ids for
transcripts and groups), so the same results give the same report.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..safe_yaml import load_yaml
from ..result import CodingResult

LANGS = ("id", "en")
#: The two directions a report compares; neutral codings are counted but not charted.
DIRECTIONS = ("enabler", "barrier")
#: Statuses of clusters the report lists as emerging themes.
EMERGING = ("emergent", "mixed")
HUMAN = "human"


@lru_cache(maxsize=None)
def _all_strings() -> dict:
    text = resources.files(__package__).joinpath("templates/strings.yaml").read_text("utf-8")
    return load_yaml(text, "report/templates/strings.yaml")


def strings(lang: str) -> dict:
    """The report's texts in ``id`` or ``en``."""
    if lang not in LANGS:
        raise UsageError(f"unknown report language '{lang}'.",
                         fix=f"use --lang {' or --lang '.join(LANGS)}.")
    return _all_strings()[lang]


def count_text(t: dict, n: int) -> str:
    """``12 kutipan`` / ``1 quote``: a count of quotes in the report's language."""
    return (t["quote_one"] if n == 1 else t["quote_many"]).format(n=fmt_int(n, t))


def fmt_int(n: int, t: dict) -> str:
    """A whole number with the language's thousands separator (5.000 / 5,000)."""
    text = f"{int(n):,}"
    return text.replace(",", ".") if t["html_lang"] == "id" else text


def fmt_date(value: str, t: dict) -> str:
    """``2026-03-12`` as ``12 Maret 2026`` (other values unchanged)."""
    try:
        year, month, day = (int(x) for x in str(value)[:10].split("-"))
        return f"{day} {t['months'][month - 1]} {year}"
    except (ValueError, IndexError):
        return str(value)


@dataclass(frozen=True)
class CodeView:
    index: int
    id: str
    label: str
    theme_id: str
    definition: str


@dataclass(frozen=True)
class ThemeView:
    id: str
    label: str
    code_ids: tuple[str, ...]


@dataclass(frozen=True)
class TranscriptView:
    id: str
    title: str
    group: str
    date: str
    location: str
    participants: int
    coded: int


@dataclass(frozen=True)
class ClusterView:
    id: int
    status: str
    size: int
    coded: int
    terms: str
    codes: str
    quote_ids: tuple[str, ...]      # representative first
    member_ids: tuple[str, ...]


@dataclass
class ReportData:
    """Everything the report shows, computed once."""

    lang: str
    t: dict
    codebook_name: str
    codebook_version: str
    codebook_sha256: str
    codes: list[CodeView]
    themes: list[ThemeView]
    transcripts: list[TranscriptView]
    groups: list[str]
    participants: int
    dates: tuple[str, str]
    eligible: int
    coded_passages: int
    human: int
    machine: int
    sources: dict[str, int]
    neutral: int
    run: dict
    code_counts: pd.DataFrame          # per code: enabler, barrier, neutral, total, k_enabler...
    theme_counts: pd.DataFrame         # per theme: enabler, barrier (distinct quotes)
    by_transcript: dict[str, np.ndarray]   # direction -> codes × transcripts
    by_group: dict[str, np.ndarray]        # direction -> codes × groups
    cooccurrence: np.ndarray               # codes × codes
    quotes: pd.DataFrame               # codings joined with their passages, best first
    passages: pd.DataFrame             # passages the page can show (coded or in a cluster)
    clusters: list[ClusterView] = field(default_factory=list)

    @property
    def code_by_id(self) -> dict[str, CodeView]:
        return {c.id: c for c in self.codes}

    @property
    def date_text(self) -> str:
        first, last = self.dates
        if not first:
            return self.t["not_recorded"]
        return fmt_date(first, self.t) if first == last else \
            f"{fmt_date(first, self.t)} – {fmt_date(last, self.t)}"


def build_report_data(result: CodingResult, lang: str = "id",
                      manifest_sha256: str | None = None) -> ReportData:
    """The view model of ``result`` in ``lang``; ``manifest_sha256`` is that of the
    manifest.json on disk (default: of the manifest as ``fgd code`` writes it)."""
    t = strings(lang)
    cb = result.codebook
    passages = result.passages.copy()
    passages["turn"] = pd.to_numeric(passages["turn"], errors="coerce").fillna(0).astype(int)
    passages["group"] = passages["group"].fillna("").astype(str)
    passages["speaker_label"] = _speaker_labels(passages)
    codes = [CodeView(i, c.id, _label(c, lang), c.theme, c.definition)
             for i, c in enumerate(cb.codes)]
    themes = _themes(cb, codes, lang, t)
    quotes = _quotes(result.codings, passages, cb.ids)
    tids = sorted(passages["transcript_id"].unique())
    groups = sorted(passages["group"].unique())

    transcript_matrix = result.matrix("transcript_code")
    group_matrix = result.matrix("group_code")
    by_transcript = _direction_arrays(transcript_matrix, "transcript_id", tids, cb.ids)
    by_group = _direction_arrays(group_matrix, "group", groups, cb.ids)
    cooc = result.matrix("cooccurrence").set_index("code_id").reindex(
        index=cb.ids, columns=cb.ids).fillna(0).to_numpy(dtype=int)

    code_counts = _code_counts(result, by_transcript, cb.ids)
    theme_counts = _theme_counts(quotes, themes)
    participants = passages[passages["role"] == "participant"][["transcript_id", "speaker"]]
    inputs = {i.get("transcript_id"): i for i in result.manifest.get("inputs", [])}
    coded_ids = set(quotes["passage_id"])
    transcripts = []
    for tid in tids:
        rows = passages[passages["transcript_id"] == tid]
        meta = inputs.get(tid, {})
        transcripts.append(TranscriptView(
            id=tid, title=str(meta.get("title") or ""),
            group=str(rows["group"].iloc[0]),     # as the group matrix has it
            date=str(meta.get("date") or ""), location=str(meta.get("location") or ""),
            participants=int(participants[participants["transcript_id"] == tid]
                             ["speaker"].nunique()),
            coded=int(rows["passage_id"].isin(coded_ids).sum())))
    dates = sorted(x.date[:10] for x in transcripts if x.date)
    sources = quotes["source"].value_counts().sort_index().to_dict()
    human = int((quotes["source"] == HUMAN).sum())

    manifest = result.manifest
    if manifest_sha256 is None:
        from ..export import manifest_text

        manifest_sha256 = hashlib.sha256(manifest_text(result).encode("utf-8")).hexdigest()
    backend = manifest.get("backend") or {}
    run = {"backend": backend.get("name", ""), "model_id": backend.get("model_id", ""),
           "run_id": manifest.get("run_id", ""), "manifest_sha256": manifest_sha256,
           "created": str(manifest.get("created", "")), "version": manifest.get("version", "")}
    clusters = _clusters(result.clusters, passages, coded_ids)
    shown = coded_ids | {pid for c in clusters for pid in c.member_ids}
    return ReportData(
        lang=lang, t=t, codebook_name=cb.name, codebook_version=cb.version,
        codebook_sha256=cb.sha256, codes=codes, themes=themes, transcripts=transcripts,
        groups=groups, participants=int(len(participants.drop_duplicates())),
        dates=(dates[0], dates[-1]) if dates else ("", ""),
        eligible=int(result.eligible_passages), coded_passages=len(coded_ids),
        human=human, machine=int(len(quotes) - human),
        sources={str(k): int(v) for k, v in sources.items()},
        neutral=int((quotes["polarity"] == "neutral").sum()), run=run,
        code_counts=code_counts, theme_counts=theme_counts, by_transcript=by_transcript,
        by_group=by_group, cooccurrence=cooc, quotes=quotes,
        passages=passages[passages["passage_id"].isin(shown)].reset_index(drop=True),
        clusters=clusters)


def _label(item, lang: str) -> str:
    return (item.label_en or item.label) if lang == "en" else item.label


def _themes(cb, codes: list[CodeView], lang: str, t: dict) -> list[ThemeView]:
    themes = [ThemeView(th.id, _label(th, lang),
                        tuple(c.id for c in codes if c.theme_id == th.id)) for th in cb.themes]
    known = {th.id for th in cb.themes}
    loose = tuple(c.id for c in codes if c.theme_id not in known)
    if loose:
        themes.append(ThemeView("", t["other_theme"], loose))
    return [th for th in themes if th.code_ids]


def _speaker_labels(passages: pd.DataFrame) -> pd.Series:
    """``Bu Ratna (Dinkes)``: the speaker and, when the roster gives it, the organisation."""
    speaker = passages["speaker"].fillna("").astype(str)
    if "organisation" not in passages:
        return speaker
    org = passages["organisation"].fillna("").astype(str).str.strip()
    with_org = org.ne("") & ~pd.Series([o in s for o, s in zip(org, speaker)],
                                       index=passages.index)
    return speaker.where(~with_org, speaker + " (" + org + ")")


def _quotes(codings: pd.DataFrame, passages: pd.DataFrame, code_ids: list[str]) -> pd.DataFrame:
    """Codings with the text, speaker, turn and place of their passage, in codebook order and
    best first within a code and polarity."""
    cols = ["passage_id", "transcript_id", "group", "turn", "speaker", "speaker_label", "text"]
    joined = codings[["passage_id", "code_id", "polarity", "score", "source", "evidence"]].merge(
        passages[cols].assign(order=np.arange(len(passages))), on="passage_id", how="inner")
    joined["score"] = pd.to_numeric(joined["score"], errors="coerce").fillna(0.0)
    joined["evidence"] = joined["evidence"].fillna("").astype(str)
    joined["code_order"] = joined["code_id"].map({c: i for i, c in enumerate(code_ids)})
    joined = joined.sort_values(["code_order", "polarity", "score", "order"],
                                ascending=[True, True, False, True], kind="stable")
    return joined.reset_index(drop=True)


def _direction_arrays(matrix: pd.DataFrame, by: str, index: list[str], code_ids: list[str]
                      ) -> dict[str, np.ndarray]:
    table = matrix.set_index(by).reindex(index).fillna(0)
    return {d: table[[f"{c}:{d}" for c in code_ids]].to_numpy(dtype=int).T
            for d in DIRECTIONS}


def _code_counts(result: CodingResult, by_transcript: dict[str, np.ndarray],
                 code_ids: list[str]) -> pd.DataFrame:
    counts = result.summary().set_index("code_id").reindex(code_ids)
    for d in DIRECTIONS:
        counts[f"k_{d}"] = (by_transcript[d] > 0).sum(axis=1)
    return counts


def _theme_counts(quotes: pd.DataFrame, themes: list[ThemeView]) -> pd.DataFrame:
    rows = []
    for th in themes:
        mine = quotes[quotes["code_id"].isin(th.code_ids)]
        rows.append({"theme_id": th.id, "label": th.label,
                     **{d: int(mine.loc[mine["polarity"] == d, "passage_id"].nunique())
                        for d in DIRECTIONS}})
    return pd.DataFrame(rows, columns=["theme_id", "label", *DIRECTIONS])


def _clusters(clusters: pd.DataFrame, passages: pd.DataFrame, coded_ids: set[str]
              ) -> list[ClusterView]:
    """Emergent clusters first, then mixed ones, larger first; three quotes each (the
    representative, then members nobody coded, in transcript order)."""
    if clusters is None or clusters.empty or "cluster" not in passages:
        return []
    table = clusters[clusters["status"].isin(EMERGING)].copy()
    table["rank"] = table["status"].map({s: i for i, s in enumerate(EMERGING)})
    table = table.sort_values(["rank", "size", "cluster"], ascending=[True, False, True],
                              kind="stable")
    member_of = pd.to_numeric(passages["cluster"], errors="coerce")
    out = []
    for row in table.itertuples():
        members = passages.loc[member_of == int(row.cluster), "passage_id"].tolist()
        rep = str(row.representative_passage)
        rest = sorted((m for m in members if m != rep), key=lambda m: (m in coded_ids,))
        quote_ids = ([rep] if rep in members else []) + rest
        out.append(ClusterView(
            id=int(row.cluster), status=str(row.status), size=int(row.size),
            coded=sum(m in coded_ids for m in members), terms=str(row.top_terms),
            codes=str(getattr(row, "codes", "") or ""), quote_ids=tuple(quote_ids[:3]),
            member_ids=tuple(members)))
    return out
