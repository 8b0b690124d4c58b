"""`fgd report`: one self-contained page, a brief that only states coded evidence, bad input,
and the progress/quiet behaviour of the long commands."""
from __future__ import annotations

import io
import json
import re
import shutil
import time

import pandas as pd
import pytest
from docx import Document
from rich.console import Console
from typer.testing import CliRunner

from fgd_toolkit import cli, load_results
from fgd_toolkit.cli import app
from fgd_toolkit.report import build_report, write_report
from fgd_toolkit.report.brief import shorten

from .conftest import CODEBOOK, SAMPLES

runner = CliRunner()
DATA = re.compile(r'<script type="application/json" id="fgd-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def sample_report(written_results, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    files = write_report(written_results, out)
    return files, load_results(written_results)


def _payload(html: str) -> dict:
    return json.loads(DATA.search(html).group(1))


def test_report_is_one_file_that_loads_nothing_from_the_network(sample_report):
    files, _ = sample_report
    html = files.html.read_text(encoding="utf-8")
    assert "default-src 'none'" in html            # the browser refuses any fetch
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html)
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert not re.search(r"url\(|@import", html)
    # every link is a jump inside the page; the only URL is the SVG namespace
    assert set(re.findall(r'href="(.)', html)) == {"#"}
    assert set(re.findall(r"https?://[^\s\"'<]+", html)) == {"http://www.w3.org/2000/svg"}
    assert html.count('id="fgd-data"') == 1
    assert files.markdown.is_file() and files.docx.is_file()
    assert files.markdown.parent == files.html.parent


def test_embedded_data_holds_every_coding_once_with_its_passage(sample_report):
    files, result = sample_report
    data = _payload(files.html.read_text(encoding="utf-8"))
    assert len(data["c"]["p"]) == len(result.codings)
    assert len(set(data["p"]["id"])) == len(data["p"]["id"])
    texts = result.passages.set_index("passage_id")["text"]
    got = {(data["p"]["id"][p], data["codes"][k][0])
           for p, k in zip(data["c"]["p"], data["c"]["k"])}
    assert got == set(zip(result.codings["passage_id"], result.codings["code_id"]))
    for i in range(0, len(data["p"]["id"]), 17):
        assert data["p"]["x"][i] == " ".join(texts[data["p"]["id"][i]].split())


def test_heatmap_cells_show_the_matrix_counts_and_open_exactly_those_codings(sample_report):
    files, result = sample_report
    html = files.html.read_text(encoding="utf-8")
    data = _payload(html)
    matrix = result.matrix("transcript_code").set_index("transcript_id")
    table = html[html.index('data-kind="t"'):html.index('data-kind="g"')]
    cells = re.findall(r'data-r="(\d+)" data-c="(\d+)" data-d="([eb])" aria-label="[^"]*: '
                       r'(\d+)">(\d*)</td>', table)
    assert len(cells) == 2 * len(data["codes"]) * len(data["tr"])
    for r, c, d, label_n, shown in cells:
        code, tid = data["codes"][int(r)][0], data["tr"][int(c)]
        polarity = {"e": "enabler", "b": "barrier"}[d]
        expected = int(matrix.at[tid, f"{code}:{polarity}"])
        assert int(label_n) == expected and shown == (str(expected) if expected else "")
        # what the page's script selects for this cell (JSON columns, as report.js reads them)
        selected = sum(1 for p, k, pol in zip(data["c"]["p"], data["c"]["k"], data["c"]["d"])
                       if k == int(r) and pol == "eb".index(d) and data["p"]["t"][p] == int(c))
        assert selected == expected


def test_brief_states_only_coded_evidence_with_counts_that_match(sample_report):
    _, result = sample_report
    report = build_report(result)
    codings = result.codings
    texts = result.passages.set_index("passage_id")["text"]
    statements = report.brief.statements
    assert statements
    for s in statements:
        mine = codings[(codings["code_id"] == s.code_id) & (codings["polarity"] == s.direction)]
        assert s.count == len(mine) >= 2
        assert f" {s.count} kutipan" in s.rest
        assert 2 <= len(s.quotes) <= 3
        for q in s.quotes:
            assert q.passage_id in set(mine["passage_id"])          # a real coding of it
            full = " ".join(texts[q.passage_id].split())
            assert q.text == shorten(full)
            assert full.startswith(q.text.removesuffix(" …").rstrip(",;:"))
            assert not q.reviewed                              # machine codings today


def test_brief_names_the_strongest_enabler_and_barrier_of_each_theme(sample_report):
    _, result = sample_report
    report = build_report(result)
    summary = result.summary().set_index("code_id")
    for theme in report.brief.themes:
        codes = next(t.code_ids for t in report.data.themes if t.id == theme.id)
        for direction in ("enabler", "barrier"):
            best = summary.loc[list(codes), direction].max()
            if best >= 2:
                assert theme.statements[direction][0].count == best
    # numbered quotes run 1, 2, 3 ... through the whole brief
    numbers = [q.number for s in report.brief.statements for q in s.quotes]
    assert numbers == list(range(1, len(numbers) + 1))


def test_markdown_and_word_brief_carry_every_statement_and_quote(sample_report):
    files, result = sample_report
    report = build_report(result)
    markdown = files.markdown.read_text(encoding="utf-8")
    document = "\n".join(p.text for p in Document(str(files.docx)).paragraphs)
    for s in report.brief.statements:
        assert f"**{s.label}**{s.rest}" in markdown
        assert s.label + s.rest in document
        for q in s.quotes:
            assert f"[{q.number}] \"{q.text}\"" in markdown
            assert f"[{q.number}] \u201c{q.text}\u201d" in document
    assert markdown.count(") ⚑\n") == sum(len(s.quotes) for s in report.brief.statements)
    assert "Rekomendasi" in markdown and "Rekomendasi" in document


def test_human_codings_are_counted_and_not_marked_unreviewed(sample_report):
    _, result = sample_report
    codings = result.codings.copy()
    human = codings["code_id"] == "ANG"
    codings.loc[human, "source"] = "human"
    edited = type(result)(passages=result.passages, codings=codings, clusters=result.clusters,
                          codebook=result.codebook, manifest=result.manifest)
    report = build_report(edited)
    assert report.data.human == int(human.sum()) > 0
    assert report.data.machine == len(codings) - int(human.sum())
    for s in report.brief.statements:
        assert s.unreviewed == (s.code_id != "ANG")
    assert f"{report.data.machine} dari {len(codings)} pengodean" in report.html


def test_english_report_uses_english_templates_and_labels(sample_report):
    _, result = sample_report
    report = build_report(result, lang="en")
    assert '<html lang="en">' in report.html
    assert "Policy brief draft" in report.html and "Draf ringkasan" not in report.html
    assert "Budget and funding" in report.html            # the codebook's label_en
    assert all(s.rest.startswith((" drives innovation", " holds innovation back"))
               for s in report.brief.statements)
    assert "Recommendation:" in report.markdown


def test_a_run_without_codings_or_clusters_still_gives_a_report_that_says_so(sample_report):
    _, result = sample_report
    empty = type(result)(passages=result.passages.drop(columns=["cluster", "cluster_note"]),
                         codings=result.codings.iloc[0:0], clusters=pd.DataFrame(),
                         codebook=result.codebook, manifest=result.manifest)
    report = build_report(empty)
    assert report.brief.statements == [] and report.brief.key_findings == []
    assert "Tidak ada kutipan yang dikodekan dengan faktor dalam tema ini." in report.html
    assert "Tidak ada tema baru atau campuran" in report.html
    assert _payload(report.html)["c"]["p"] == []


def test_report_is_the_same_from_memory_and_from_the_folder(coded_result, written_results):
    from_folder = build_report(load_results(written_results),
                               manifest_sha256="x").html
    assert build_report(coded_result, manifest_sha256="x").html == from_folder
    assert build_report(load_results(written_results), manifest_sha256="x").html == from_folder


@pytest.fixture
def results_copy(written_results, tmp_path):
    folder = tmp_path / "results"
    shutil.copytree(written_results, folder)
    return folder


def _one_line_error(result, *needles):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_results_from_an_older_version_are_a_one_line_error(results_copy):
    codings = pd.read_csv(results_copy / "codings.csv", keep_default_na=False)
    codings.drop(columns=["source"]).to_csv(results_copy / "codings.csv", index=False)
    result = runner.invoke(app, ["report", str(results_copy)])
    _one_line_error(result, "codings.csv", "'source'", "older version", "Fix:", "fgd code")
    assert not (results_copy / "report.html").exists()


def test_missing_manifest_is_a_one_line_error(results_copy):
    (results_copy / "manifest.json").unlink()
    result = runner.invoke(app, ["report", str(results_copy)])
    _one_line_error(result, "manifest.json", "Fix:")
    assert not (results_copy / "report.html").exists()


@pytest.mark.parametrize("row, column, value, needles", [
    (4, "passage_id", "no-such-passage", ["row 6", "'no-such-passage'", "passages.csv"]),
    (0, "code_id", "XYZ", ["row 2", "'XYZ'", "codebook.yaml"]),
    (2, "polarity", "positive", ["row 4", "'positive'", "enabler, barrier, neutral"]),
], ids=["unknown-passage", "unknown-code", "unknown-polarity"])
def test_codings_that_do_not_fit_the_folder_are_named_by_row(results_copy, row, column, value,
                                                              needles):
    codings = pd.read_csv(results_copy / "codings.csv", keep_default_na=False, dtype=str)
    codings.loc[row, column] = value
    codings.to_csv(results_copy / "codings.csv", index=False)
    result = runner.invoke(app, ["report", str(results_copy)])
    _one_line_error(result, "codings.csv", *needles, "Fix:")
    assert not list(results_copy.glob("policy_brief*"))
    assert not (results_copy / "report.html").exists()


def test_unknown_language_is_a_one_line_error(results_copy):
    result = runner.invoke(app, ["report", str(results_copy), "--lang", "fr"])
    _one_line_error(result, "'fr'", "--lang id")


def test_report_command_writes_beside_the_results_and_prints_the_path(results_copy):
    result = runner.invoke(app, ["report", str(results_copy), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == f"Report: {results_copy / 'report.html'}"
    assert '<html lang="en">' in (results_copy / "report.html").read_text(encoding="utf-8")
    assert (results_copy / "policy_brief.md").read_text(encoding="utf-8").startswith(
        "# Policy brief")


def test_code_with_report_writes_it_in_the_same_run_and_ends_with_its_path(tmp_path):
    out = tmp_path / "results"
    result = runner.invoke(app, ["code", str(SAMPLES), "-c", str(CODEBOOK), "-o", str(out),
                                 "--report", "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == f"Report: {out / 'report.html'}"
    assert "passages coded" not in result.output           # --quiet: no summary
    assert (out / "report.html").is_file() and (out / "policy_brief.docx").is_file()
    # the report equals the one `fgd report` makes from the folder afterwards
    again = tmp_path / "again.html"
    write_report(out, again)
    assert again.read_text(encoding="utf-8") == (out / "report.html").read_text(encoding="utf-8")


@pytest.fixture
def terminal_stderr(monkeypatch):
    """stderr as a terminal, so that progress bars draw (into a buffer)."""
    buffer = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=buffer, force_terminal=True,
                                                    width=120))
    monkeypatch.setitem(cli._state, "quiet", False)
    return buffer


def test_progress_bars_show_on_a_terminal_and_not_with_quiet(terminal_stderr):
    result = runner.invoke(app, ["ingest", str(SAMPLES)])
    assert result.exit_code == 0, result.output
    assert "Reading" in terminal_stderr.getvalue() and "Segmenting" in terminal_stderr.getvalue()
    for args in (["--quiet", "ingest", str(SAMPLES)], ["ingest", str(SAMPLES), "-q"]):
        terminal_stderr.seek(0)
        terminal_stderr.truncate()
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert terminal_stderr.getvalue() == ""
        assert "Transcripts" not in result.output              # the summary table too


def test_progress_bars_are_hidden_when_stderr_is_not_a_terminal():
    assert not cli.err_console.is_terminal                 # pytest captures stderr
    with cli.progress_bar() as bar:
        assert bar.disable


def test_embedding_progress_shows_passages_per_second_of_the_stage_alone(terminal_stderr):
    with cli.progress_bar() as bar:
        report = cli.ProgressReporter(bar)
        report("Embedding passages", 0, 100)
        time.sleep(0.1)
        report("Embedding passages", 100, 100)
        time.sleep(1.0)                   # later stages: not part of this stage's rate
    rates = re.findall(r"([\d,]+) passages/s", terminal_stderr.getvalue())
    assert rates and int(rates[-1].replace(",", "")) > 150      # ~1000/s, not 100/1.1 s
