"""The report at scale: 50 codes × 5,000 passages, built in Python and opened in Chromium.

A synthetic results folder (40 FGDs of 125 participant passages in 8 groups, 50 codes in 8
themes, about 1.6 codings per passage, 40 clusters) is written with the toolkit's own
writer; then `fgd report` is timed, and the page is opened in headless Chromium (Debian's
/usr/bin/chromium through playwright) to time loading, opening the fullest heatmap cell,
showing more quotes, and printing to PDF. Texts are recombined from the sentences of the
bundled sample transcripts (fixed seed), so the numbers compare between machines.

    python benchmarks/report_scale.py               # writes benchmarks/results/report_scale.md
    python benchmarks/report_scale.py --passages 1000 --codes 20 --keep /tmp/scale
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
CHROMIUM = "/usr/bin/chromium"
LOADS = 5          # page loads timed (median): the machine is shared, single loads vary 2x
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def sample_sentences() -> list[str]:
    from fgd_toolkit.ingest import read_transcripts

    out = []
    for transcript in read_transcripts(ROOT / "transcripts"):
        for turn in transcript.turns:
            if turn.role == "participant":
                out.extend(s for s in re.split(r"(?<=[.?!])\s+", " ".join(turn.text.split()))
                           if len(s) > 20)
    return out


def synthetic_result(n_passages: int, n_codes: int, n_transcripts: int = 40,
                     n_groups: int = 8, seed: int = 0):
    """A CodingResult shaped like a large study (see the module docstring)."""
    import pandas as pd

    from fgd_toolkit.codebook import Code, Codebook, Theme, load_codebook
    from fgd_toolkit.models import CODING_COLUMNS
    from fgd_toolkit.result import CodingResult

    rng = random.Random(seed)
    starter = load_codebook(ROOT / "codebooks" / "inovasi-pelayanan-publik.yaml")
    n_themes = 8
    themes = [Theme(f"tema{k}", f"Tema {k + 1}: {starter.themes[k % len(starter.themes)].label}")
              for k in range(n_themes)]
    codes = []
    for i in range(n_codes):
        base = starter.codes[i % len(starter.codes)]
        codes.append(Code(id=f"K{i:02d}", label=f"{base.label} ({i // len(starter.codes) + 1})",
                          definition=base.definition, theme=themes[i % n_themes].id,
                          keywords=base.keywords, examples=base.examples))
    codebook = Codebook(name="Ekosistem Inovasi (uji skala)", version="scale", codes=codes,
                        themes=themes)
    sentences = sample_sentences()
    per = n_passages // n_transcripts
    passages, codings = [], []
    for k in range(n_transcripts):
        tid = f"fgd-{k:02d}"
        for j in range(per):
            pid = f"{tid}-t{j + 1:03d}-p1"
            text = " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 4)))
            passages.append({"passage_id": pid, "transcript_id": tid,
                             "group": f"Kelompok {k % n_groups + 1}", "turn": j + 1,
                             "speaker": f"P{rng.randint(1, 6)}", "role": "participant",
                             "start": None, "end": None, "char_start": 0,
                             "char_end": len(text), "text": text, "backchannel": False,
                             "introduction": False, "text_norm": text.lower(),
                             "cluster": rng.randint(1, 40), "cluster_note": ""})
            for code in rng.sample(codes, rng.choice((0, 1, 1, 2, 2, 2, 3))):
                pol = rng.choice(("enabler", "barrier", "barrier", "neutral")
                                 if rng.random() < 0.05 else ("enabler", "barrier"))
                example = rng.choice(code.examples_of(pol) or code.all_examples)
                evidence = (f"keywords: {rng.choice(code.keywords)}; nearest {pol} example "
                            f"(sim {rng.uniform(0.2, 0.5):.2f}): \"{example[:90]}...\"; "
                            f"cues: {rng.choice(['tapi', 'nggak ada', 'mendukung', 'kendala'])}")
                codings.append({"passage_id": pid, "code_id": code.id, "polarity": pol,
                                "score": round(rng.uniform(0.35, 0.99), 4),
                                "source": rng.choice(("keyword", "keyword", "semantic")),
                                "evidence": evidence, "coder": "fgd-toolkit (synthetic)",
                                "run_id": "scale"})
    passages = pd.DataFrame(passages)
    codings = pd.DataFrame(codings, columns=CODING_COLUMNS)
    clusters = pd.DataFrame([{
        "cluster": c, "size": int((passages["cluster"] == c).sum()),
        "status": ("emergent", "mixed", "covered", "covered")[c % 4],
        "label": f"istilah{c} / kata{c}", "top_terms": f"istilah{c}, kata{c}, layanan, data",
        "dominant_code": "", "dominant_share": 0.3, "coded_share": 0.2, "codes": "K01:3; K02:2",
        "representative_passage": passages.loc[passages["cluster"] == c, "passage_id"].iloc[0],
        "representative_text": ""} for c in range(1, 41)])
    manifest = {"tool": "fgd-toolkit", "version": "scale", "run_id": "scale000000",
                "created": "2026-01-01T00:00:00+0000",
                "backend": {"name": "use+tfidf", "model_id": "synthetic"},
                "inputs": [{"transcript_id": f"fgd-{k:02d}", "date": f"2026-0{k % 9 + 1}-15",
                            "title": f"FGD {k + 1}"} for k in range(n_transcripts)],
                "counts": {"eligible_passages": len(passages)}}
    return CodingResult(passages=passages, codings=codings, clusters=clusters,
                        codebook=codebook, manifest=manifest)


def browser_timings(html: Path) -> dict:
    """Open the page in headless Chromium and time what a reader does first."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        loads = []
        for _ in range(LOADS):
            start = time.perf_counter()
            page.goto(html.as_uri(), wait_until="load")
            page.wait_for_selector("html[data-ready]")
            wall = time.perf_counter() - start
            nav = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
                return [n.domContentLoadedEventEnd, n.loadEventEnd]; }""")
            loads.append((wall, *nav))
        wall_load, dcl, load = (statistics.median(x[i] for x in loads) for i in range(3))
        nav = {"dcl": dcl, "load": load}
        # the fullest cell of the code × group heatmap: the most quotes to render
        click = page.evaluate("""() => {
            let best = null, max = -1;
            for (const td of document.querySelectorAll('table[data-kind=g] td[data-r]')) {
              const n = +td.textContent || 0; if (n > max) { max = n; best = td; } }
            best.scrollIntoView(); document.body.offsetHeight;     // as a reader sees it
            const t0 = performance.now(); best.click();
            document.getElementById('panel-g').offsetHeight;      // force layout
            const t1 = performance.now();
            // a brief statement's button: every quote of a code and direction (~80 here)
            const b = document.querySelector('#brief button[data-open=statement]');
            b.scrollIntoView(); document.body.offsetHeight;
            const t2 = performance.now(); b.click();
            const panel = document.getElementById(b.getAttribute('aria-controls'));
            panel.offsetHeight;
            const t3 = performance.now();
            const more = panel.querySelector('button.more');
            const t4 = performance.now(); more.click(); panel.offsetHeight;
            const t5 = performance.now();
            return {cell_quotes: max, open_ms: t1 - t0, statement_quotes: +b.textContent.match(/[0-9.]+/)[0].replace('.', ''),
                    statement_ms: t3 - t2, more_ms: t5 - t4,
                    shown: panel.querySelectorAll('li').length}; }""")
        key = page.evaluate("""() => {
            const td = document.querySelector('table[data-kind=t] td[data-r][tabindex="0"]');
            td.focus(); const t0 = performance.now();
            for (let i = 0; i < 40; i++) td.closest('table').querySelector('td[tabindex="0"]')
              .dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}));
            return (performance.now() - t0) / 40; }""")
        start = time.perf_counter()
        pdf = page.pdf(format="A4", print_background=True)
        pdf_s = time.perf_counter() - start
        context.close()
    return {"wall_load_s": wall_load, "dcl_ms": nav["dcl"], "load_ms": nav["load"],
            **click, "arrow_key_ms": key, "pdf_s": pdf_s, "pdf_pages": pdf.count(b"/Type /Page") -
            pdf.count(b"/Type /Pages"), "pdf_bytes": len(pdf), "console_errors": errors,
            "other_requests": [u for u in requests if u != html.as_uri()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=5000)
    parser.add_argument("--codes", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="write the results folder here and keep it")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    from fgd_toolkit.export import write_all
    from fgd_toolkit.report import write_report

    folder = args.keep or Path(tempfile.mkdtemp(prefix="fgd-report-scale-"))
    result = synthetic_result(args.passages, args.codes)
    write_all(result, folder)
    start = time.perf_counter()
    files = write_report(folder)
    build_s = time.perf_counter() - start
    size = files.html.stat().st_size
    html = files.html.read_text(encoding="utf-8")
    data = re.search(r'<script type="application/json" id="fgd-data">(.*?)</script>', html, re.S)
    row = {"passages": len(result.passages), "codes": len(result.codebook.codes),
           "codings": len(result.codings), "transcripts": result.passages.transcript_id.nunique(),
           "build_s": build_s, "html_bytes": size, "json_bytes": len(data.group(1).encode()),
           "heat_cells": html.count("data-d=")}
    if not args.no_browser:
        row.update(browser_timings(files.html))
    print(json.dumps(row, indent=2))
    RESULTS.mkdir(exist_ok=True)
    lines = ["# Report at scale", "",
             f"`python benchmarks/report_scale.py` ({row['codes']} codes, {row['passages']:,} "
             f"passages in {row['transcripts']} FGDs, {row['codings']:,} codings; 2-core machine, "
             "Chromium headless).", "",
             "| measure | value |", "| --- | --- |",
             f"| `fgd report` (read folder, build, write html+md+docx) | {build_s:.2f} s |",
             f"| report.html | {size / 1e6:.2f} MB (embedded JSON {row['json_bytes'] / 1e6:.2f} MB) |",
             f"| heatmap cells | {row['heat_cells']:,} |"]
    if not args.no_browser:
        lines += [
            f"| page load, median of {LOADS} (DOMContentLoaded / load event) | "
            f"{row['dcl_ms']:.0f} ms / {row['load_ms']:.0f} ms |",
            f"| open the page until its script is ready (wall clock, median) | "
            f"{row['wall_load_s']:.2f} s |",
            f"| open the fullest code × group cell ({row['cell_quotes']} quotes, first 25 drawn) | "
            f"{row['open_ms']:.1f} ms |",
            f"| open a brief statement's quotes ({row['statement_quotes']}, first 25 drawn) | "
            f"{row['statement_ms']:.1f} ms |",
            f"| show 25 more | {row['more_ms']:.1f} ms |",
            f"| arrow-key move in the grid | {row['arrow_key_ms']:.2f} ms |",
            f"| print to PDF (A4) | {row['pdf_s']:.1f} s, {row['pdf_pages']} pages |",
            f"| console errors / other requests | {len(row['console_errors'])} / "
            f"{len(row['other_requests'])} |"]
    (RESULTS / "report_scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
