"""CSV formula injection (issue 14 item 3): every CSV is safe to open in a spreadsheet, and
reads back exactly; the XLSX and the REFI-QDA project keep the raw text."""
from __future__ import annotations

import csv
import io
import re
import zipfile

import pandas as pd
import pytest
from hypothesis import given, strategies as st
from typer.testing import CliRunner

from fgd_toolkit import code, load_codebook, load_results
from fgd_toolkit.cli import app
from fgd_toolkit.csv_safety import (FORMULA_STARTS, csv_text, escape_cell, neutralise_formulas,
                                    restore_formulas, unescape_cell)
from fgd_toolkit.settings import CodeSettings

from .conftest import CODEBOOK
from .hostile import write_hostile_transcript

runner = CliRunner()


@pytest.mark.parametrize("text, escaped", [
    ("=1+1", "'=1+1"), ("+62 812", "'+62 812"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("'=1+1", "''=1+1"), ("''-x", "'''-x"),
    ("'abc", "'abc"), ("abc", "abc"), ("", ""), ("'", "'"), ("a=b", "a=b")])
def test_escape_cell_prefixes_formula_starts_and_quotes_before_them(text, escaped):
    assert escape_cell(text) == escaped
    assert unescape_cell(escaped) == text


@given(st.text(alphabet=st.sampled_from(list("'=+-@\t\rab 1")), max_size=8))
def test_escaping_round_trips_and_never_starts_a_formula(text):
    escaped = escape_cell(text)
    assert unescape_cell(escaped) == text
    assert escaped[:1] not in tuple(FORMULA_STARTS)


def test_numbers_stay_numbers():
    frame = pd.DataFrame({"score": [-0.5, 0.25], "turn": [-3, 4], "text": ["-a", "b"]})
    out = pd.read_csv(io.StringIO(csv_text(frame)))
    assert out["score"].tolist() == [-0.5, 0.25] and out["turn"].tolist() == [-3, 4]
    assert out["text"].tolist() == ["'-a", "b"]
    assert restore_formulas(out).equals(frame)
    assert neutralise_formulas(frame[["score", "turn"]]) is not None


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    write_hostile_transcript(folder / "in")
    result = code(folder / "in", CODEBOOK, embedder="tfidf",
                  settings=CodeSettings(cluster=False),
                  cache_dir=folder / "cache")
    result.to_csv(folder / "out")
    return result, folder / "out"


def _cells(path):
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            yield from row


def test_no_csv_cell_starts_a_formula(hostile_out):
    result, out = hostile_out
    assert len(result.codings) > 0
    for path in out.glob("*.csv"):
        for cell in _cells(path):
            if re.fullmatch(r"-\d+(\.\d+)?", cell):
                continue            # a negative number (a score) is a number, not a formula
            assert cell[:1] not in tuple(FORMULA_STARTS), (path.name, cell)
    passages = pd.read_csv(out / "passages.csv", keep_default_na=False)
    assert "'=1+1 Anggarannya" in passages["text"].str.cat(sep="|")
    assert """'=HYPERLINK("http://evil.example","klik")""" in set(passages["speaker"])
    assert "''=Dedi" in set(passages["speaker"]) and "'Rina" in set(passages["speaker"])
    assert set(passages["transcript_id"]) == {"'+fgd-hostile"}


def test_results_read_back_exactly(hostile_out):
    result, out = hostile_out
    loaded = load_results(out)
    for column in ("passage_id", "transcript_id", "speaker", "text"):
        assert loaded.passages[column].tolist() == result.passages[column].tolist(), column
    assert loaded.codings.equals(result.codings)
    assert pd.api.types.is_float_dtype(loaded.codings["score"])
    assert {"'=Dedi", "'Rina", "-Budi", "@Sari"} <= set(loaded.passages["speaker"])
    for kind in ("speaker_code", "framework", "transcript_code"):
        assert loaded.matrix(kind).equals(result.matrix(kind)), kind


def test_evaluate_reads_hostile_ids_back(hostile_out, tmp_path):
    result, out = hostile_out
    coded_turns = result.codings.merge(result.passages[["passage_id", "turn"]])
    first = coded_turns.iloc[0]
    gold = tmp_path / "gold.csv"
    gold.write_text(f"transcript_id,turn,code_id,polarity\n+fgd-hostile,{first.turn},"
                    f"{first.code_id},{first.polarity}\n", encoding="utf-8")
    run = runner.invoke(app, ["evaluate", str(out), "--gold", str(gold)])
    assert run.exit_code == 0, run.output
    assert re.search(r"all \(micro\)\W+[\d.]+\W+1\.000", run.output), run.output  # recall


def test_xlsx_keeps_the_raw_text_as_strings_not_formulas(hostile_out):
    _result, out = hostile_out
    with zipfile.ZipFile(out / "coded.xlsx") as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all(b"<f>" not in book.read(n) for n in sheets)
    import openpyxl

    sheet = openpyxl.load_workbook(out / "coded.xlsx", read_only=True)["passages"]
    rows = list(sheet.values)
    header = rows[0]
    texts = [r[header.index("text")] for r in rows[1:]]
    speakers = [r[header.index("speaker")] for r in rows[1:]]
    assert any(t.startswith("=1+1 Anggarannya") for t in texts)
    assert '=HYPERLINK("http://evil.example","klik")' in speakers and "'=Dedi" in speakers


def test_qdpx_keeps_the_raw_text(hostile_out):
    _result, out = hostile_out
    with zipfile.ZipFile(out / "project.qdpx") as archive:
        sources = "".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                          if n.startswith("sources/"))
        qde = archive.read("project.qde").decode("utf-8")
    assert "=1+1 Anggarannya" in sources and "'=Jaringan" in sources
    assert "-Budi (+fgd-hostile)" in qde


def test_ingest_out_is_spreadsheet_safe(tmp_path):
    write_hostile_transcript(tmp_path / "in")
    target = tmp_path / "passages.csv"
    run = runner.invoke(app, ["ingest", str(tmp_path / "in"), "--out", str(target)])
    assert run.exit_code == 0, run.output
    assert all(cell[:1] not in tuple(FORMULA_STARTS) for cell in _cells(target))
    assert "'-Pimpinan kami" in target.read_text(encoding="utf-8")


def test_codebook_csv_is_safe_and_round_trips(tmp_path):
    import yaml

    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    data["codes"][0]["label"] = "=Kepemimpinan"
    data["codes"][0]["definition"] = "-Peran pimpinan " + data["codes"][0]["definition"]
    data["codes"][1]["label"] = "'=sudah dikutip"
    data["codes"][0]["examples"]["enabler"][0] = "+62 dulu ditelepon kadis, langsung jalan."
    source = tmp_path / "hostile.yaml"
    source.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    target = tmp_path / "codebook.csv"
    run = runner.invoke(app, ["codebook", "export", str(source), "--out", str(target)])
    assert run.exit_code == 0, run.output
    assert all(cell[:1] not in tuple(FORMULA_STARTS) for cell in _cells(target))
    back = load_codebook(target)
    original = load_codebook(source)
    assert back.codes[0].label == "=Kepemimpinan" and back.codes[1].label == "'=sudah dikutip"
    assert back.codes[0].definition == original.codes[0].definition
    assert back.codes[0].examples_of("enabler") == original.codes[0].examples_of("enabler")


def test_evaluate_out_is_spreadsheet_safe(hostile_out, tmp_path):
    _result, out = hostile_out
    gold = tmp_path / "gold.csv"
    gold.write_text("transcript_id,turn,code_id,polarity\n+fgd-hostile,2,ANG,barrier\n",
                    encoding="utf-8")
    target = tmp_path / "scores.csv"
    run = runner.invoke(app, ["evaluate", str(out), "--gold", str(gold), "--out", str(target)])
    assert run.exit_code == 0, run.output
    assert all(cell[:1] not in tuple(FORMULA_STARTS) for cell in _cells(target))
