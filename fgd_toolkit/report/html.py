"""Assembling the self-contained page: template, inlined CSS and JS, charts, and the data the
page's script reads (embedded once as JSON)."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import jinja2
from markupsafe import Markup

from .. import __version__
from .brief import Brief, quote_meta, shorten
from .charts import BarRow, bar_data_table, cooccurrence_heatmap, diverging_bars, polarity_heatmap
from .data import ReportData, fmt_date, fmt_int

SECTIONS = ("summary", "brief", "balance", "per-fgd", "per-group", "cooccurrence", "emerging",
            "annex")
SECTION_KEYS = ("summary", "brief", "balance", "heat_transcript", "heat_group", "cooc",
                "emergent", "annex")
POLARITY_CODES = {"enabler": 0, "barrier": 1, "neutral": 2}
#: Heatmaps with more columns than this print on a landscape page (portrait A4 holds about
#: 8 enabler/barrier column pairs, or 17 codes of the co-occurrence triangle, at 7.5 pt).
PORTRAIT_PAIRS = 8
PORTRAIT_CODES = 17


def _template_text(name: str) -> str:
    return resources.files(__package__).joinpath(f"templates/{name}").read_text("utf-8")


@lru_cache(maxsize=None)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=False)
    env.globals["css"] = Markup(_template_text("report.css"))
    env.globals["js"] = Markup(_template_text("report.js"))
    return env


def render_html(data: ReportData, brief: Brief) -> str:
    """The whole report page as one HTML string."""
    t = data.t
    template = _environment().from_string(_template_text("report.html.j2"))
    passages = data.passages.set_index("passage_id", drop=False)
    sections = [(sid, f"{i}. {t[key]}") for i, (sid, key) in
                enumerate(zip(SECTIONS, SECTION_KEYS), 1)]
    total = data.human + data.machine
    draft = (t["draft_banner"].format(machine=fmt_int(data.machine, t),
                                      total=fmt_int(total, t))
             if data.machine else t["draft_banner_reviewed"].format(total=fmt_int(total, t)))
    subtitle = t["subtitle"].format(codebook=data.codebook_name,
                                    n_transcripts=fmt_int(len(data.transcripts), t),
                                    n_participants=fmt_int(data.participants, t),
                                    dates=data.date_text)
    return template.render(
        d=data, t=t, brief=brief, sections=sections, draft=draft, subtitle=subtitle,
        charts=_charts(data), payload=Markup(payload_json(data)),
        wide={"t": len(data.transcripts) > PORTRAIT_PAIRS, "g": len(data.groups) > PORTRAIT_PAIRS,
              "co": len(data.codes) > PORTRAIT_CODES},
        directions=[("enabler", "enablers_heading", "no_enablers"),
                    ("barrier", "barriers_heading", "no_barriers")],
        n=lambda value: fmt_int(value, t), date=lambda value: fmt_date(value, t),
        quote_meta=lambda q: quote_meta(q, t), short=shorten,
        passage=lambda pid: passages.loc[pid],
        source_label=lambda src: t.get(f"source_{src}", src), tool_version=__version__)


def _charts(data: ReportData) -> dict[str, Markup]:
    t = data.t
    counts = data.code_counts
    by_id = data.code_by_id
    sections = [(theme.label, [BarRow(c, by_id[c].label, int(counts.at[c, "enabler"]),
                                      int(counts.at[c, "barrier"])) for c in theme.code_ids])
                for theme in data.themes]
    code_rows = [row for _, rows in sections for row in rows]
    theme_rows = [BarRow(r.theme_id, r.label, int(r.enabler), int(r.barrier))
                  for r in data.theme_counts.itertuples()]
    tids = [tr.id for tr in data.transcripts]
    titles = [tr.title or tr.id for tr in data.transcripts]
    return {
        "codes": Markup(diverging_bars(sections, t, t["chart_label_codes"])),
        "codes_table": Markup(bar_data_table(code_rows, t, t["factor"])),
        "themes": Markup(diverging_bars([(None, theme_rows)], t, t["chart_label_themes"])),
        "themes_table": Markup(bar_data_table(theme_rows, t, t["col_theme"])),
        "by_transcript": Markup(polarity_heatmap("t", data.codes, data.themes, tids, titles,
                                                 data.by_transcript, t,
                                                 t["grid_label_transcript"])),
        "by_group": Markup(polarity_heatmap("g", data.codes, data.themes, data.groups,
                                            data.groups, data.by_group, t,
                                            t["grid_label_group"])),
        "cooccurrence": Markup(cooccurrence_heatmap(data.codes, data.cooccurrence, t,
                                                    t["grid_label_cooc"])),
    }


def payload(data: ReportData) -> dict:
    """What the page's script needs, as compact columns: the passages it can show and every
    coding (in the order quotes are listed: codebook order, best score first)."""
    t = data.t
    tids = [tr.id for tr in data.transcripts]
    tindex = {tid: i for i, tid in enumerate(tids)}
    gindex = {g: i for i, g in enumerate(data.groups)}
    passages = data.passages
    pindex = {pid: i for i, pid in enumerate(passages["passage_id"])}
    speakers = sorted(set(passages["speaker_label"]))
    sindex = {s: i for i, s in enumerate(speakers)}
    sources = sorted(set(data.quotes["source"]))
    srcindex = {s: i for i, s in enumerate(sources)}
    quotes = data.quotes
    clusters = passages["cluster"] if "cluster" in passages else [-1] * len(passages)
    return {
        "lang": data.lang,
        "ui": {**t["js"]},
        "codes": [[c.id, c.label] for c in data.codes],
        "tr": tids,
        "tg": [gindex[tr.group] for tr in data.transcripts],
        "groups": data.groups,
        "spk": speakers,
        "src": sources,
        "srcLabel": [t.get(f"source_{s}", s) for s in sources],
        "p": {"id": passages["passage_id"].tolist(),
              "t": [tindex[x] for x in passages["transcript_id"]],
              "turn": [int(x) for x in passages["turn"]],
              "s": [sindex[x] for x in passages["speaker_label"]],
              "x": [" ".join(str(x).split()) for x in passages["text"]],
              "cl": [int(x) if str(x).lstrip("-").isdigit() else -1 for x in clusters]},
        "c": {"p": [pindex[x] for x in quotes["passage_id"]],
              "k": [data.code_by_id[x].index for x in quotes["code_id"]],
              "d": [POLARITY_CODES[x] for x in quotes["polarity"]],
              "sc": [round(float(x), 4) for x in quotes["score"]],
              "src": [srcindex[x] for x in quotes["source"]],
              "ev": quotes["evidence"].tolist()},
    }


def payload_json(data: ReportData) -> str:
    """The payload as JSON safe inside ``<script>`` (no ``<``, so no ``</script>``)."""
    text = json.dumps(payload(data), ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


__all__ = ["render_html", "payload", "payload_json"]
