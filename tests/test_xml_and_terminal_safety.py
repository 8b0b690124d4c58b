"""Control characters and undecodable file names (issue 14 item 8): the REFI-QDA files stay
well-formed and valid against the REFI-QDA schemas, the terminal gets no raw escape codes,
and a file name with invalid UTF-8 neither crashes the run id nor any writer."""
from __future__ import annotations

import os
import zipfile
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from fgd_toolkit import code, load_codebook, load_results
from fgd_toolkit.cli import app
from fgd_toolkit.export.refi_qda import codebook_qdc
from fgd_toolkit.models import Transcript, Turn
from fgd_toolkit.settings import CodeSettings

from .conftest import CODEBOOK, SHARED
from .hostile import write_hostile_codebook, write_hostile_transcript
from .test_refi_qda import checked_selections

SCHEMAS = SHARED / "refi-qda"
needs_schemas = pytest.mark.skipif(not (SCHEMAS / "Project.xsd").is_file(),
                                   reason="REFI-QDA schemas not found at ../shared/refi-qda")
runner = CliRunner()
TEXT = ("Moderator: Apa kendala inovasinya?\n"
        "Ibu Rina: Anggarannya dipangkas separuh, aplikasi belum bisa dikembangkan.\n"
        "Pak Joko: Pimpinan kami sangat mendukung, tiap minggu menanyakan progres.\n")
ANSI_NAME = "fgd-\x1b[31mmerah\nbaris.txt"
RAW_CONTROLS = ("\x1b", "\x01", "\x0b", "\x0c", "\x08", "\x7f")


def _validate(xml: bytes, schema: str, tmp_path) -> ET.Element:
    import xmlschema

    root = ET.fromstring(xml)                       # well-formed
    target = tmp_path / f"check.{schema}.xml"
    target.write_bytes(xml)
    xmlschema.XMLSchema(str(SCHEMAS / f"{schema}.xsd")).validate(str(target))
    return root


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-names")
    inputs = folder / "in"
    write_hostile_transcript(inputs)
    (inputs / ANSI_NAME).write_text(TEXT, encoding="utf-8")
    with open(os.path.join(os.fsencode(inputs), b"fgd-\xff-tidak-utf8.txt"), "wb") as handle:
        handle.write(TEXT.encode("utf-8"))
    write_hostile_codebook(folder / "codebook.yaml")
    return folder


@pytest.fixture(scope="module")
def hostile_results(hostile_folder):
    result = code(hostile_folder / "in", hostile_folder / "codebook.yaml", embedder="tfidf",
                  settings=CodeSettings(cluster=False), cache_dir=hostile_folder / "cache")
    out = hostile_folder / "out"
    result.to_csv(out)
    return result, out


@needs_schemas
def test_codebook_with_control_characters_gives_a_valid_qdc(tmp_path):
    codebook = load_codebook(write_hostile_codebook(tmp_path / "cb.yaml"))
    root = _validate(codebook_qdc(codebook), "Codebook", tmp_path)
    names = [c.get("name") for c in root.iter("{urn:QDA-XML:codebook:1.0}Code")]
    assert "KEP =Kepemimpinan\ufffd dan komitmen pimpinan" in names
    assert "Faktor organisasi\x7f" in names          # DEL is allowed in XML 1.0


@needs_schemas
def test_project_with_hostile_names_speakers_and_codebook_is_valid(hostile_results, tmp_path):
    result, out = hostile_results
    assert {"fgd-\\xff-tidak-utf8", "+fgd-hostile"} <= {t.id for t in result.transcripts}
    with zipfile.ZipFile(out / "project.qdpx") as archive:
        root = _validate(archive.read("project.qde"), "Project", tmp_path)
        sources = {n: archive.read(n).decode("utf-8") for n in archive.namelist()
                   if n.startswith("sources/")}
    _validate((out / "codebook.qdc").read_bytes(), "Codebook", tmp_path)
    ns = {"q": "urn:QDA-XML:project:1.0"}
    cases = [c.get("name") for c in root.iterfind(".//q:Case", ns)]
    assert "Pak\ufffdJoko (+fgd-hostile)" in cases
    names = [s.get("name") for s in root.iterfind(".//q:TextSource", ns)]
    assert "fgd-\ufffd[31mmerah\nbaris" in names and "fgd-\\xff-tidak-utf8" in names
    assert root.get("name") == "Ekosistem\ufffd Inovasi \ufffd[2J"
    # the plain-text sources keep the transcript's own characters: offsets still slice it
    from fgd_toolkit.sanitise import for_xml

    text_of = {for_xml(pid): text for pid, text in zip(result.passages["passage_id"],
                                                         result.passages["text"])}
    assert checked_selections(root, sources, text_of) == result.codings["passage_id"].nunique()
    assert len(result.codings) > 0


def test_every_output_is_written_and_reads_back(hostile_results):
    result, out = hostile_results
    assert len(result.manifest["run_id"]) == 12
    loaded = load_results(out)
    assert loaded.passages["transcript_id"].tolist() == result.passages["transcript_id"].tolist()
    assert loaded.manifest["inputs"] == result.manifest["inputs"]
    import openpyxl

    book = openpyxl.load_workbook(out / "coded.xlsx", read_only=True)
    assert "passages" in book.sheetnames


def test_run_id_takes_a_transcript_id_that_is_not_valid_unicode(tmp_path):
    turns = [Turn("Moderator", "moderator", "Apa kendala inovasinya?"),
             Turn("Ibu Rina", "participant", "Anggarannya dipangkas separuh tahun ini.")]
    transcript = Transcript(id="fgd-\udcff", path=None, turns=turns)
    result = code([transcript], CODEBOOK, embedder="tfidf", settings=CodeSettings(cluster=False),
                  cache_dir=tmp_path)
    other = code([Transcript(id="fgd-\udcfe", path=None, turns=turns)], CODEBOOK,
                 embedder="tfidf", settings=CodeSettings(cluster=False), cache_dir=tmp_path)
    assert len(result.manifest["run_id"]) == 12
    assert result.manifest["run_id"] != other.manifest["run_id"]


def _assert_no_raw_controls(text: str) -> None:
    for ch in RAW_CONTROLS:
        assert ch not in text, (ch, text)


def test_ingest_prints_file_names_and_speakers_escaped(hostile_folder):
    run = runner.invoke(app, ["ingest", str(hostile_folder / "in")], terminal_width=200)
    assert run.exit_code == 0, run.output
    _assert_no_raw_controls(run.output)
    assert "\\x1b[31mmerah\\nbaris" in run.output and "fgd-\\xff-tidak-utf8" in run.output


def test_code_and_codebook_commands_print_escaped_text(hostile_folder, tmp_path):
    codebook = str(hostile_folder / "codebook.yaml")
    runs = [runner.invoke(app, ["code", str(hostile_folder / "in"), "-c", codebook, "-o",
                                str(tmp_path / "out"), "--backend", "tfidf", "--no-cluster",
                                "--cache-dir", str(tmp_path / "cache")], terminal_width=200),
            runner.invoke(app, ["codebook", "show", codebook], terminal_width=200),
            runner.invoke(app, ["codebook", "lint", codebook], terminal_width=200)]
    for run in runs:
        assert run.exit_code in (0, 1), run.output
        _assert_no_raw_controls(run.output)
    assert "=Kepemimpinan\\x01 dan" in runs[1].output
    assert "Ekosistem\\x01 Inovasi \\x1b[2J" in runs[1].output


def test_errors_print_file_names_escaped(tmp_path):
    missing = tmp_path / "tidak\x1b[2Jada.txt"
    run = runner.invoke(app, ["ingest", str(missing)])
    assert run.exit_code == 2
    _assert_no_raw_controls(run.output)
    assert "tidak\\x1b[2Jada.txt" in run.output
