"""Charts as inline markup built in Python: SVG diverging bars, HTML-table heatmaps.

Hand-built rather than matplotlib: a chart is a few kilobytes of SVG whose text is real text
(it prints sharply, scales, can be searched and read by screen readers), styled by the page's
CSS, with no font or plotting library shipped inside the report. Heatmaps are HTML tables so
that each cell is a native, focusable grid cell the page's script can open.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np

#: Colour steps of a heatmap (CSS classes ``e1..e5``, ``b1..b5``, ``x1..x5``).
STEPS = 5
LABEL_CHARS = 50


@dataclass(frozen=True)
class BarRow:
    """One row of a diverging bar chart."""

    key: str
    label: str
    enabler: int
    barrier: int


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _nice_step(top: int, ticks: int = 4) -> int:
    if top <= 0:
        return 1
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return max(1, int(factor * magnitude))
    return int(10 * magnitude)


def diverging_bars(sections: list[tuple[str | None, list[BarRow]]], t: dict,
                   aria_label: str) -> str:
    """An SVG chart: barriers to the left of a central axis, enablers to the right.

    ``sections`` are ``(heading or None, rows)``; a heading is drawn as a row of its own.
    """
    width, label_w, row_h, bar_h, top, bottom = 800, 320, 24, 14, 34, 26
    left, right = label_w + 40, width - 40
    centre = (left + right) / 2
    half = (right - left) / 2
    peak = max([max(r.enabler, r.barrier) for _, rows in sections for r in rows] + [1])
    step = _nice_step(peak)
    scale_top = step * math.ceil(peak / step)
    n_rows = sum(len(rows) + (1 if heading else 0) for heading, rows in sections)
    height = top + n_rows * row_h + bottom
    px = half / scale_top
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(aria_label)}" xmlns="http://www.w3.org/2000/svg">',
           f'<text class="axis-title" x="{centre - 8:.0f}" y="16" text-anchor="end">'
           f'{escape(t["axis_barrier"])}</text>',
           f'<text class="axis-title" x="{centre + 8:.0f}" y="16">'
           f'{escape(t["axis_enabler"])}</text>']
    grid_bottom = height - bottom + 4
    for value in range(0, scale_top + 1, step):
        for sign in ((1,) if value == 0 else (-1, 1)):
            x = centre + sign * value * px
            out.append(f'<line class="{"axis" if value == 0 else "grid"}" x1="{x:.1f}" '
                       f'x2="{x:.1f}" y1="{top - 6}" y2="{grid_bottom}"/>')
            out.append(f'<text class="tick" x="{x:.1f}" y="{grid_bottom + 14}" '
                       f'text-anchor="middle">{value}</text>')
    y = top
    for heading, rows in sections:
        if heading:
            out.append(f'<text class="section" x="4" y="{y + row_h * 0.68:.1f}">'
                       f'{escape(_short(heading, 60))}</text>')
            y += row_h
        for row in rows:
            mid = y + row_h / 2
            title = (f"{row.label}: {row.enabler} {t['enabler'].lower()}, "
                     f"{row.barrier} {t['barrier'].lower()}")
            out.append(f'<g class="bar-row"><title>{escape(title)}</title>')
            out.append(f'<text class="label" x="{label_w}" y="{mid + 4:.1f}" '
                       f'text-anchor="end">{escape(_short(row.label))}</text>')
            for value, sign, cls in ((row.barrier, -1, "bar-b"), (row.enabler, 1, "bar-e")):
                if not value:
                    continue
                w = value * px
                x = centre - w if sign < 0 else centre
                out.append(f'<rect class="{cls}" x="{x:.1f}" y="{mid - bar_h / 2:.1f}" '
                           f'width="{w:.1f}" height="{bar_h}"/>')
                tx = centre + sign * (w + 4)
                out.append(f'<text class="value" x="{tx:.1f}" y="{mid + 4:.1f}" '
                           f'text-anchor="{"end" if sign < 0 else "start"}">{value}</text>')
            out.append("</g>")
            y += row_h
    out.append("</svg>")
    return "".join(out)


def bar_data_table(rows: list[BarRow], t: dict, first_header: str) -> str:
    """The numbers behind a bar chart, as a plain table (for screen readers and print)."""
    head = (f"<tr><th scope=\"col\">{escape(first_header)}</th>"
            f"<th scope=\"col\">{escape(t['enabler'])}</th>"
            f"<th scope=\"col\">{escape(t['barrier'])}</th></tr>")
    body = "".join(f"<tr><th scope=\"row\">{escape(r.label)}</th><td>{r.enabler}</td>"
                   f"<td>{r.barrier}</td></tr>" for r in rows)
    return f'<table class="data"><thead>{head}</thead><tbody>{body}</tbody></table>'


def _step(value: int, peak: int) -> int:
    return 0 if value <= 0 else min(STEPS, math.ceil(STEPS * value / max(peak, 1)))


def legend(peak: int, prefixes: list[tuple[str, str]], t: dict) -> str:
    """Colour steps with the counts each stands for."""
    parts = [f'<div class="legend" aria-hidden="true"><span>{escape(t["heat_legend"])}</span>']
    for prefix, name in prefixes:
        parts.append(f'<span class="legend-name">{escape(name)}</span>')
        for k in range(1, STEPS + 1):
            lo, hi = math.floor((k - 1) * peak / STEPS) + 1, math.floor(k * peak / STEPS)
            if lo > hi:
                continue
            text = str(lo) if lo == hi else f"{lo}–{hi}"
            parts.append(f'<span class="swatch {prefix}{k}">{text}</span>')
    parts.append("</div>")
    return "".join(parts)


def _row_header(code) -> str:
    return (f'<th scope="row" title="{escape(code.label)}"><span class="cid">{escape(code.id)}'
            f'</span> {escape(_short(code.label, 52))}</th>')


def polarity_heatmap(kind: str, codes, themes, columns: list[str], titles: list[str],
                     arrays: dict[str, np.ndarray], t: dict, aria_label: str) -> str:
    """Codes × columns (transcripts or groups), each column split into enabler and barrier
    cells, rows grouped by theme. Cells carry ``data-r`` (code), ``data-c`` (column) and
    ``data-d`` (``e``/``b``) for the page's script."""
    peak = int(max(arrays["enabler"].max(initial=0), arrays["barrier"].max(initial=0)))
    by_id = {c.id: c for c in codes}
    n_cols = 1 + 2 * len(columns)
    head1 = [f'<th rowspan="2" scope="col" class="corner">{escape(t["factor"])}</th>']
    head2 = []
    for col, title in zip(columns, titles):
        head1.append(f'<th colspan="2" scope="colgroup" class="colhead" title="{escape(title)}">'
                     f'<span>{escape(_short(col, 30))}</span></th>')
        head2.append(f'<th scope="col" class="pol e" title="{escape(t["enabler"])}">'
                     f'{escape(t["enabler_short"])}</th><th scope="col" class="pol b" '
                     f'title="{escape(t["barrier"])}">{escape(t["barrier_short"])}</th>')
    rows = []
    first = True
    for theme in themes:
        rows.append(f'<tr class="theme"><th colspan="{n_cols}" scope="rowgroup">'
                    f'{escape(theme.label)}</th></tr>')
        for code_id in theme.code_ids:
            code = by_id[code_id]
            cells = [_row_header(code)]
            for j, col in enumerate(columns):
                for direction, d in (("enabler", "e"), ("barrier", "b")):
                    n = int(arrays[direction][code.index, j])
                    label = f"{code.label}, {col}, {t[direction]}: {n}"
                    cells.append(
                        f'<td tabindex="{0 if first else -1}" class="{d}{_step(n, peak)}" '
                        f'data-r="{code.index}" data-c="{j}" data-d="{d}" '
                        f'aria-label="{escape(label)}">{n or ""}</td>')
                    first = False
            rows.append("<tr>" + "".join(cells) + "</tr>")
    return (legend(peak, [("e", t["enabler"]), ("b", t["barrier"])], t)
            + f'<div class="heat-wrap"><table class="heat" role="grid" data-kind="{kind}" '
            f'aria-label="{escape(aria_label)}"><thead><tr>{"".join(head1)}</tr>'
            f'<tr>{"".join(head2)}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


def cooccurrence_heatmap(codes, matrix: np.ndarray, t: dict, aria_label: str) -> str:
    """The lower triangle of the code × code co-occurrence matrix (diagonal: the code's own
    quotes). Cells carry ``data-r``/``data-c`` (codes) and ``data-d="x"``."""
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    peak = int(off.max(initial=0))
    head = [f'<th scope="col" class="corner">{escape(t["factor"])}</th>']
    head += [f'<th scope="col" class="colhead" title="{escape(c.label)}"><span>'
             f'{escape(c.id)}</span></th>' for c in codes]
    rows = []
    for i, a in enumerate(codes):
        cells = [_row_header(a)]
        for j, b in enumerate(codes):
            if j > i:
                cells.append('<td class="void"></td>')
                continue
            n = int(matrix[i, j])
            cls = "diag" if i == j else f"x{_step(n, peak)}"
            label = (f"{a.label}: {n}" if i == j else f"{a.label} + {b.label}: {n}")
            cells.append(f'<td tabindex="{0 if i == j == 0 else -1}" class="{cls}" '
                         f'data-r="{i}" data-c="{j}" data-d="x" aria-label="{escape(label)}">'
                         f'{n or ""}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (legend(peak, [("x", "")], t)
            + f'<div class="heat-wrap"><table class="heat cooc" role="grid" data-kind="co" '
            f'aria-label="{escape(aria_label)}"><thead><tr>{"".join(head)}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')
