"""Codebook suggestions: each rule on a small constructed study, then the bundled samples
coded with the tfidf back-end, the command and its bad input."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from fgd_toolkit.cli import app
from fgd_toolkit.codebook import Code, Codebook
from fgd_toolkit.result import CodingResult
from fgd_toolkit.suggest import KINDS, suggest

from .conftest import CODEBOOK, SAMPLES

runner = CliRunner()
FILLER = "Kami rapat koordinasi tiap bulan di kantor kecamatan bersama staf."
#: turn -> text of a constructed study (one passage per turn); other turns are FILLER
TEXTS = {
    1: "Duitnya belum cair dari pusat, jadi kegiatan tertunda.",
    2: "Dhuwit buat transport petugas dipotong terus.",
    3: "Uang operasional nggak ada sama sekali.",
    4: "Anggaran kami kecil, duit operasional juga kurang.",
    5: "Pimpinan mendukung penuh, beliau turun langsung.",
    6: "Pimpinan kami berani ambil keputusan.",
    7: "Pimpinan minta anggaran inovasi ditambah.",
    8: "Pimpinan setuju anggaran dialihkan.",
    9: "Pimpinan dan anggaran dua-duanya penting.",
    20: "Staf kami belum pernah ikut kursus komputer.",
    **{t: f"Warga datang ke balai pagi-pagi, antre {t} menit." for t in range(10, 16)},
    **{t: f"Bank sampah nasabahnya {t} orang, sampah ditimbang tiap Sabtu." for t in
       range(21, 26)},
}
MACHINE = [(4, "ANG"), (7, "ANG"), (8, "ANG"), (9, "ANG"), (5, "KEP"), (6, "KEP"), (7, "KEP"),
           (8, "KEP"), (9, "KEP"), *((t, "KEP") for t in range(10, 16))]
GOLD = [*((t, "ANG") for t in (1, 2, 3, 4, 7, 8)), *((t, "KEP") for t in range(5, 10)),
        (20, "SDM")]


def _study() -> CodingResult:
    turns = range(1, 41)
    passages = pd.DataFrame({
        "passage_id": [f"t-t{n:03d}-p1" for n in turns], "transcript_id": "t", "turn": turns,
        "speaker": "P1", "role": "participant", "text": [TEXTS.get(n, FILLER) for n in turns],
        "backchannel": False, "introduction": False, "cluster": -1})
    passages.loc[passages["turn"].between(21, 25), "cluster"] = 1
    codings = pd.DataFrame([{"passage_id": f"t-t{n:03d}-p1", "code_id": c, "polarity": "barrier",
                             "score": 0.9, "source": "keyword", "evidence": "", "coder": "test",
                             "run_id": "r"} for n, c in MACHINE])
    clusters = pd.DataFrame([{"cluster": 1, "size": 5, "status": "emergent",
                              "label": "bank sampah / sampah / nasabah",
                              "top_terms": "bank sampah, sampah, nasabah, ditimbang",
                              "dominant_code": "", "dominant_share": 0.0, "coded_share": 0.0,
                              "codes": "", "representative_passage": "t-t022-p1",
                              "representative_text": TEXTS[22]}])
    codebook = Codebook(name="uji", codes=[
        Code(id="ANG", label="Anggaran", definition="Ketersediaan anggaran dan uang untuk "
             "inovasi.", keywords=["anggaran"]),
        Code(id="KEP", label="Kepemimpinan", definition="Peran pimpinan.",
             keywords=["pimpinan", "warga"]),
        Code(id="SDM", label="Kapasitas SDM", definition="Keterampilan staf.",
             keywords=["pelatihan"])])
    return CodingResult(passages=passages, codings=codings, clusters=clusters,
                        codebook=codebook, manifest={"settings": {}, "run_id": "r"})


def _gold(rows) -> pd.DataFrame:
    return pd.DataFrame([("t", turn, c, "barrier") for turn, c in rows],
                        columns=["transcript_id", "turn", "code_id", "polarity"])


@pytest.fixture(scope="module")
def constructed():
    return suggest(_study(), _gold(GOLD))


def test_a_term_of_the_hand_coded_turns_is_proposed_with_its_informal_forms(constructed):
    [ang] = [s for s in constructed.of_kind("add_keywords") if s.codes == ["ANG"]]
    assert ang.change["add"] == ["uang"]
    term = ang.evidence["terms"][0]
    assert (term["in_code_turns"], term["other_turns"]) == (4, 0)
    assert {"duit", "dhuwit"} <= set(term["seen_as"])
    assert term["passages"] == ["t-t001-p1", "t-t002-p1", "t-t003-p1", "t-t004-p1"]
    assert ang.code == {"id": "ANG", "keywords": ["anggaran", "uang"]}


def test_a_keyword_the_hand_codings_reject_is_proposed_for_replacement(constructed):
    [kep] = [s for s in constructed.of_kind("replace_keywords") if s.codes == ["KEP"]]
    assert kep.evidence["keyword"] == "warga"
    assert kep.evidence["rejected"] == [f"t-t{n:03d}-p1" for n in range(10, 16)]
    assert kep.evidence["keyword_precision"] == 0.0
    assert kep.change == {"remove": ["warga"], "add": []}
    assert kep.code == {"id": "KEP", "keywords": ["pimpinan"]}
    # 'pimpinan' and 'anggaran' are accepted on the hand-coded turns they occur in
    assert [s.evidence["keyword"] for s in constructed.of_kind("replace_keywords")] == ["warga"]


def test_a_code_that_never_fired_is_listed_with_the_hand_codings_examples(constructed):
    [sdm] = constructed.of_kind("never_fired")
    assert sdm.codes == ["SDM"]
    assert sdm.evidence == {"keyword_hits": 0, "passages": ["t-t020-p1"]}
    assert sdm.code["examples"] == {"barrier": [TEXTS[20]]}
    assert "none of its keywords occurs" in sdm.why


def test_codes_coded_together_are_a_confused_pair(constructed):
    [pair] = constructed.of_kind("confused_codes")
    assert pair.codes == ["ANG", "KEP"]
    assert pair.evidence["both"] == ["t-t007-p1", "t-t008-p1", "t-t009-p1"]
    assert [c["id"] for c in pair.code] == ["ANG", "KEP"]
    assert "gunakan KEP" in pair.code[0]["exclude"]


def test_an_emergent_cluster_becomes_a_new_code_draft(constructed):
    [new] = constructed.of_kind("new_codes")
    assert new.evidence["passages"] == [f"t-t{n:03d}-p1" for n in range(21, 26)]
    code = new.code
    assert code["id"] == "BARU1" and "bank sampah" in code["label"]
    assert code["keywords"] == ["bank sampah", "sampah", "nasabah", "ditimbang"]
    examples = [e for texts in code["examples"].values() for e in texts]
    assert examples[0] == TEXTS[22] and set(examples) <= set(TEXTS.values())


def test_apply_changes_only_keywords(constructed):
    cb = constructed.apply(_study().codebook)
    assert cb.code("ANG").keywords == ["anggaran", "uang"]
    assert cb.code("KEP").keywords == ["pimpinan"]
    assert cb.ids == ["ANG", "KEP", "SDM"] and not cb.code("KEP").exclude
    assert _study().codebook.code("KEP").keywords == ["pimpinan", "warga"]   # input untouched


def test_without_hand_codings_keywords_common_to_many_passages_are_flagged():
    result = _study()
    result.codebook.code("KEP").keywords = ["pimpinan", "kantor"]    # in 25 of 40 passages
    plain = suggest(result)
    [flag] = [s for s in plain.of_kind("replace_keywords") if s.codes == ["KEP"]]
    assert flag.evidence["keyword"] == "kantor" and "passing" in flag.why
    assert plain.source["reference"].startswith("machine codings")


def test_the_yaml_round_trips_and_starts_with_how_to_accept(constructed):
    text = constructed.to_yaml()
    assert text.startswith("# Codebook suggestions")
    data = yaml.safe_load(text)
    assert data["schema"] == "fgd-codebook-suggestions/1"
    assert list(data["counts"]) == list(KINDS)
    assert data["add_keywords"][0]["code"]["keywords"] == ["anggaran", "uang"]


# ---------------------------------------------------------------- the bundled samples

@pytest.fixture(scope="module")
def tfidf_results(tmp_path_factory):
    """Two bundled samples coded with the tfidf back-end, no clustering, written out."""
    from fgd_toolkit import code
    from fgd_toolkit.settings import CodeSettings

    samples = [SAMPLES / "fgd-dinkes-arjasari.txt", SAMPLES / "fgd-dpmptsp-arjasari.csv"]
    result = code(samples, CODEBOOK, embedder="tfidf",
                  settings=CodeSettings(backend="tfidf", cluster=False))
    out = tmp_path_factory.mktemp("tfidf-results")
    result.to_csv(out)
    return out


def test_suggest_command_on_the_samples_cites_passages_that_exist(tfidf_results, tmp_path):
    from fgd_toolkit.export import load_results
    from fgd_toolkit.suggest import suggest_from_folder

    gold = SAMPLES.parent / "benchmarks" / "gold" / "fgd-dinkes-arjasari.csv"
    out = tmp_path / "suggestions.yaml"
    result = runner.invoke(app, ["codebook", "suggest", str(tfidf_results), "--gold",
                                 str(gold), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "replace keywords" in result.output and "hand codings" in result.output
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    suggestions = suggest_from_folder(tfidf_results, [gold])
    assert data["counts"] == suggestions.counts()
    assert sum(suggestions.counts().values()) > 0
    known = set(load_results(tfidf_results).passages["passage_id"])
    cited = suggestions.passage_ids()
    assert cited and cited <= known
    for item in suggestions.of_kind("replace_keywords"):
        # rejected passages lie in the hand-coded transcript
        assert all(p.startswith("fgd-dinkes-arjasari-") for p in item.evidence["rejected"])


def test_suggest_with_hand_codings_of_an_unknown_transcript_is_an_error(tfidf_results,
                                                                         tmp_path):
    gold = tmp_path / "gold.csv"
    gold.write_text("transcript_id,turn,code_id,polarity\nfgd-lain,3,ANG,barrier\n",
                    encoding="utf-8")
    out = tmp_path / "s.yaml"
    result = runner.invoke(app, ["codebook", "suggest", str(tfidf_results), "--gold",
                                 str(gold), "--out", str(out)])
    assert result.exit_code == 2
    assert "fgd-lain" in result.output and "Fix:" in result.output
    assert not out.exists()


def test_suggest_on_a_folder_that_is_not_results_is_an_error(tmp_path):
    result = runner.invoke(app, ["codebook", "suggest", str(tmp_path), "--out",
                                 str(tmp_path / "s.yaml")])
    assert result.exit_code == 2 and "not a results folder" in result.output
