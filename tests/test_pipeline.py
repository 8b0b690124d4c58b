"""End-to-end coding: the result tables, the files of DESIGN §6, determinism, safety."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from fgd_toolkit import CodeSettings, code
from fgd_toolkit.export import CSV_FILES, EXCEL_FILE, MANIFEST_FILE
from fgd_toolkit.models import CODING_COLUMNS, PASSAGE_COLUMNS, Transcript, Turn

from .conftest import CODEBOOK, SAMPLES

EXPECTED_FILES = {"passages.csv", "codings.csv", "clusters.csv", "matrix_passage_code.csv",
                  "matrix_speaker_code.csv", "matrix_transcript_code.csv",
                  "matrix_group_code.csv", "cooccurrence.csv", "framework_matrix.csv",
                  "coded.xlsx", "manifest.json", "codebook.yaml", "codebook.qdc",
                  "project.qdpx", "candidates.csv"}


def test_code_writes_every_output_file(written_results):
    assert {p.name for p in written_results.iterdir()} == EXPECTED_FILES
    assert set(CSV_FILES) | {EXCEL_FILE, MANIFEST_FILE, "codebook.yaml", "codebook.qdc",
                             "project.qdpx", "candidates.csv"} == EXPECTED_FILES


def test_candidates_hold_every_tagger_coding_and_the_near_misses(coded_result, written_results):
    from fgd_toolkit import load_results
    from fgd_toolkit.models import CANDIDATE_COLUMNS

    cand = coded_result.candidates
    assert list(cand.columns) == CANDIDATE_COLUMNS
    decided = coded_result.codings[coded_result.codings["source"] != "cluster"]
    coded_pairs = set(zip(cand.loc[cand["coded"], "passage_id"], cand.loc[cand["coded"],
                                                                        "code_id"]))
    assert coded_pairs == set(zip(decided["passage_id"], decided["code_id"]))
    near = cand[~cand["coded"]]
    assert len(near) > 0
    assert ((near["presence"] < near["threshold"])).all()
    assert (near["keyword"] | (near["presence"] >= near["threshold"] / 3)).all()
    loaded = load_results(written_results).candidates
    assert loaded["coded"].dtype == bool and loaded["coded"].sum() == cand["coded"].sum()


def test_results_folder_loads_back_with_equal_tables(written_results, coded_result):
    from fgd_toolkit import load_results

    loaded = load_results(written_results)
    assert loaded.codings.equals(coded_result.codings)
    assert list(loaded.passages["passage_id"]) == list(coded_result.passages["passage_id"])
    assert loaded.matrix("cooccurrence").equals(coded_result.matrix("cooccurrence"))


def test_codings_have_the_documented_columns_and_values(coded_result):
    codings = coded_result.codings
    assert list(codings.columns) == CODING_COLUMNS
    assert len(codings) > 50
    assert set(codings["polarity"]) <= {"enabler", "barrier", "neutral"}
    assert set(codings["source"]) <= {"keyword", "semantic", "cluster"}
    assert codings["score"].between(0, 1).all()
    assert codings["evidence"].str.len().gt(10).all()
    assert set(codings["code_id"]) <= set(coded_result.codebook.ids)
    # no passage gets the same code twice
    assert not codings.duplicated(["passage_id", "code_id"]).any()


def test_only_participant_passages_are_coded_by_default(coded_result):
    roles = coded_result.passages.set_index("passage_id")["role"]
    assert set(roles[coded_result.codings["passage_id"]]) == {"participant"}
    back = coded_result.passages.set_index("passage_id")["backchannel"]
    assert not back[coded_result.codings["passage_id"]].any()


def test_codings_csv_joins_transcript_turn_speaker_and_text(written_results):
    table = pd.read_csv(written_results / "codings.csv")
    assert list(table.columns) == ["passage_id", "transcript_id", "turn", "speaker", "code_id",
                                   "polarity", "score", "source", "evidence", "text", "coder",
                                   "run_id"]
    passages = pd.read_csv(written_results / "passages.csv").set_index("passage_id")
    sample = table.head(20)
    assert (passages.loc[sample["passage_id"], "text"].to_numpy() == sample["text"]).all()


def test_passages_csv_has_design_columns_cluster_and_notes(written_results):
    table = pd.read_csv(written_results / "passages.csv", keep_default_na=False)
    assert list(table.columns[:len(PASSAGE_COLUMNS)]) == PASSAGE_COLUMNS
    assert {"backchannel", "text_norm", "cluster", "cluster_note"} <= set(table.columns)
    # every passage is in a cluster or says why it is not
    outside = table[table["cluster"] == -1]
    assert (outside["cluster_note"] != "").all()
    inside = table[table["cluster"] != -1]
    assert (inside["cluster_note"] == "").all()
    assert len(inside) > len(outside) / 2


def test_matrices_agree_with_codings(coded_result):
    codings = coded_result.codings
    pc = coded_result.matrix("passage_code").set_index("passage_id")
    for code_id in coded_result.codebook.ids:
        expected = set(codings.loc[codings["code_id"] == code_id, "passage_id"])
        assert set(pc.index[pc[code_id] == 1]) == expected
    co = coded_result.matrix("cooccurrence").set_index("code_id")
    for code_id in coded_result.codebook.ids:
        assert co.at[code_id, code_id] == len(set(codings.loc[codings.code_id == code_id,
                                                              "passage_id"]))
    assert (co.to_numpy() == co.to_numpy().T).all()
    tc = coded_result.matrix("transcript_code")
    for code_id in coded_result.codebook.ids:
        split = tc[[f"{code_id}:enabler", f"{code_id}:barrier", f"{code_id}:neutral"]].sum(axis=1)
        assert (split >= tc[f"{code_id}:total"]).all()
        assert tc[f"{code_id}:total"].sum() == co.at[code_id, code_id]


def test_speaker_matrix_counts_each_speakers_coded_passages(coded_result):
    sc = coded_result.matrix("speaker_code")
    joined = coded_result.codings.merge(coded_result.passages, on="passage_id")
    first = joined.iloc[0]
    row = sc[(sc.transcript_id == first.transcript_id) & (sc.speaker == first.speaker)]
    expected = joined[(joined.transcript_id == first.transcript_id)
                      & (joined.speaker == first.speaker)
                      & (joined.code_id == first.code_id)]["passage_id"].nunique()
    assert int(row[first.code_id].iloc[0]) == expected


def test_framework_matrix_cells_quote_coded_passages(coded_result):
    fw = coded_result.matrix("framework").set_index("transcript_id")
    cells = [c for c in fw.to_numpy().ravel() if c]
    assert cells
    assert all(c.startswith("[") and "turn " in c for c in cells)


def test_same_inputs_give_byte_identical_csvs(tmp_path, coded_result):
    again = code(SAMPLES, CODEBOOK)
    first, second = tmp_path / "a", tmp_path / "b"
    coded_result.to_csv(first)
    again.to_csv(second)
    for name in CSV_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_manifest_records_versions_inputs_codebook_and_settings(written_results):
    manifest = json.loads((written_results / MANIFEST_FILE).read_text())
    assert manifest["tool"] == "fgd-toolkit"
    assert len(manifest["inputs"]) == 5
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert len(manifest["codebook"]["sha256"]) == 64
    assert manifest["backend"]["name"] == "use+tfidf"
    assert manifest["settings"]["include_moderator"] is False
    assert "pandas" in manifest["packages"]
    # the fitted models behind every decision: the shipped calibration file's hash
    import hashlib
    from importlib import resources

    shipped = resources.files("fgd_toolkit.tagging").joinpath("calibration.json").read_bytes()
    assert manifest["backend"]["calibration_sha256"] == hashlib.sha256(shipped).hexdigest()


def test_run_id_changes_with_the_shipped_calibration(monkeypatch):
    from fgd_toolkit import manifest
    from fgd_toolkit.codebook import load_codebook

    transcript = Transcript(id="t", path=None, turns=[Turn("P1", "participant", "Anggaran.")])
    cb = load_codebook(CODEBOOK)
    before = manifest.run_id([transcript], cb, "m", CodeSettings())
    monkeypatch.setattr(manifest, "calibration_sha256", lambda path=None: "0" * 64)
    assert manifest.run_id([transcript], cb, "m", CodeSettings()) != before


def test_excel_workbook_has_every_table_and_the_codebook(written_results):
    sheets = pd.read_excel(written_results / EXCEL_FILE, sheet_name=None)
    assert {"passages", "codings", "clusters", "passage_code", "speaker_code",
            "transcript_code", "cooccurrence", "framework", "codebook",
            "manifest"} <= set(sheets)
    assert len(sheets["codebook"]) == 13


def test_include_moderator_codes_moderator_turns():
    text = [Turn("Moderator", "moderator", "Bagaimana dengan anggaran APBD untuk inovasi ini?"),
            Turn("P1", "participant", "Anggaran kami dipangkas habis tahun ini.")]
    transcript = Transcript(id="mini", path=None, turns=text)
    default = code([transcript], CODEBOOK, settings=CodeSettings(cluster=False))
    with_mod = code([transcript], CODEBOOK,
                    settings=CodeSettings(cluster=False, include_moderator=True))
    roles = lambda r: set(r.passages.set_index("passage_id").loc[  # noqa: E731
        r.codings["passage_id"], "role"])
    assert roles(default) == {"participant"}
    assert "moderator" in roles(with_mod)


def test_no_participant_turns_gives_a_warning_not_silence():
    transcript = Transcript(id="only-mod", path=None,
                            turns=[Turn("Moderator", "moderator", "Selamat pagi semuanya.")])
    result = code([transcript], CODEBOOK)
    assert result.codings.empty
    assert any("no participant passages" in w for w in result.warnings)


def test_codes_that_never_fire_are_reported(tmp_path):
    transcript = Transcript(id="x", path=None, turns=[
        Turn("P1", "participant", "Anggaran kami dipangkas, jadi kegiatan inovasi berhenti.")])
    result = code([transcript], CODEBOOK, settings=CodeSettings(cluster=False))
    assert any("never fired" in w for w in result.warnings)


def test_a_keyword_the_conversation_uses_everywhere_is_named(tmp_path, coded_result):
    import yaml

    # the starter codebook has no such keyword ...
    assert not any("a word this common" in w for w in coded_result.warnings)
    # nor a short keyword list (see test_thin_codebooks for the codebook that has them)
    assert not any("short keyword lists" in w for w in coded_result.warnings)
    # ... "kami" (we) as a keyword would code passing mentions in a third of the passages
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    data["codes"][0]["keywords"].append("kami")
    edited = tmp_path / "cb.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = code(SAMPLES, edited, settings=CodeSettings(cluster=False))
    named = [w for w in result.warnings if "a word this common" in w]
    assert len(named) == 1 and f"'kami' of {data['codes'][0]['id']}" in named[0]
    assert result.manifest["warnings"] == result.warnings


def test_interrupted_write_leaves_earlier_results(tmp_path, coded_result, monkeypatch):
    out = tmp_path / "res"
    coded_result.to_csv(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    import fgd_toolkit.export as export

    def boom(tables, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(export, "_excel", boom)
    with pytest.raises(KeyboardInterrupt):
        coded_result.to_csv(out)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before  # no temp files left, nothing replaced


def test_quotes_filter_by_code_and_polarity(coded_result):
    some = coded_result.codings.iloc[0]
    quotes = coded_result.quotes(some.code_id, some.polarity)
    assert len(quotes) >= 1
    assert set(quotes["code_id"]) == {some.code_id}
    assert set(quotes["polarity"]) == {some.polarity}
    assert quotes["score"].is_monotonic_decreasing


@pytest.mark.parametrize("code_id, polarity, named", [("KEPP", None, "KEPP"),
                                                        (None, "pendorong", "pendorong")])
def test_quotes_with_an_unknown_code_or_polarity_is_an_error_not_an_empty_table(
        coded_result, code_id, polarity, named):
    from fgd_toolkit.errors import UsageError

    with pytest.raises(UsageError) as err:
        coded_result.quotes(code_id, polarity)
    assert named in str(err.value)
    assert ("KEP" in err.value.fix) if code_id else ("enabler" in err.value.fix)


def test_csvs_do_not_depend_on_the_python_hash_seed(tmp_path):
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "FGD_CACHE_DIR": str(tmp_path / "cache")}
        subprocess.run([sys.executable, "-m", "fgd_toolkit.cli", "code", str(SAMPLES),
                        "--codebook", str(CODEBOOK), "--out", str(out)], check=True, env=env,
                       capture_output=True)
        outputs.append(out)
    for name in CSV_FILES:
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes(), name
