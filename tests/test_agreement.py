"""Agreement between coders: figures from the literature, hand-checked constructed codings,
missing data, the disagreements table, and bad input."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from fgd_toolkit.agreement import _alpha, _kappa, agreement, kappa_per_code
from fgd_toolkit.cli import app

runner = CliRunner()
COLUMNS = ["transcript_id", "turn", "code_id", "polarity"]


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def _units(transcript: str, n: int) -> pd.DataFrame:
    return pd.DataFrame({"transcript_id": [transcript] * n, "turn": range(1, n + 1),
                         "role": ["participant"] * n})


# ---------------------------------------------------------------- the literature

def test_alpha_reproduces_krippendorffs_nominal_example_of_four_coders_and_missing_data():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
    # 4 observers x 12 units, values 1-5, missing data; nominal alpha = 0.743
    n = np.nan
    data = np.array([[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
                     [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
                     [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
                     [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]])
    assert round(_alpha(data, 6), 3) == 0.743


def test_agreement_reproduces_krippendorffs_binary_example_of_two_coders():
    # Krippendorff (2011), section A: two observers, ten units, binary; alpha = 0.095.
    # As codings: one code, coder A applies it to units 2 and 9, coder B to 1, 2, 3 and 6.
    a = _frame([("t", turn, "X", "enabler") for turn in (2, 9)])
    b = _frame([("t", turn, "X", "enabler") for turn in (1, 2, 3, 6)])
    report = agreement({"A": a, "B": b}, _units("t", 10), codes=["X"])
    row = report.per_code.iloc[0]
    assert round(row["alpha"], 3) == 0.095
    # kappa by hand: p_o = 6/10, p_e = .2 * .4 + .8 * .6 = .56 -> (.6 - .56) / .44
    assert row["kappa"] == pytest.approx(0.04 / 0.44, abs=1e-4)
    assert row["percent_agreement"] == 60.0


def test_agreement_reproduces_cohens_1960_kappa_example_on_the_polarity_variable():
    # Cohen (1960), "A coefficient of agreement for nominal scales": 200 units, three
    # categories, p_o = .70, p_c = .41, kappa = .49. Its agreement matrix (counts) rows =
    # judge A, columns = judge B; categories 1, 2, 3 become absent, enabler, barrier.
    table = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]
    value = {0: None, 1: "enabler", 2: "barrier"}
    a_rows, b_rows, turn = [], [], 0
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            for _ in range(count):
                turn += 1
                if value[i]:
                    a_rows.append(("t", turn, "X", value[i]))
                if value[j]:
                    b_rows.append(("t", turn, "X", value[j]))
    report = agreement({"A": _frame(a_rows), "B": _frame(b_rows)}, _units("t", 200),
                       codes=["X"])
    row = report.per_code.iloc[0]
    assert row["polarity_percent_agreement"] == 70.0
    assert row["polarity_kappa"] == pytest.approx((0.70 - 0.41) / (1 - 0.41), abs=1e-4)
    assert round(row["polarity_kappa"], 2) == 0.49


def test_kappa_reproduces_the_two_readers_grant_example():
    # the textbook 2x2 example: 50 proposals, both yes 20, A yes/B no 5, A no/B yes 10,
    # both no 15: p_o = .70, p_e = .50, kappa = 0.40
    a = np.array([1] * 20 + [1] * 5 + [0] * 10 + [0] * 15, dtype=float)
    b = np.array([1] * 20 + [0] * 5 + [1] * 10 + [0] * 15, dtype=float)
    assert _kappa(a, b, 2) == pytest.approx(0.4)


# ---------------------------------------------------------------- constructed codings

CODER_A = _frame([("t", 1, "X", "enabler"), ("t", 2, "X", "barrier"), ("t", 3, "Y", "enabler"),
                  ("t", 4, "X", "enabler")])
CODER_B = _frame([("t", 1, "X", "enabler"), ("t", 2, "X", "enabler"), ("t", 4, "X", "enabler"),
                  ("t", 5, "Y", "barrier")])


def test_per_code_figures_of_a_small_pair_match_hand_computation():
    report = agreement({"ana": CODER_A, "budi": CODER_B}, _units("t", 6), codes=["X", "Y"],
                       unit_source="transcripts")
    x, y = (report.per_code.set_index("code_id").loc[c] for c in ("X", "Y"))
    # X presence: identical (turns 1, 2, 4)
    assert (x["percent_agreement"], x["kappa"], x["alpha"]) == (100.0, 1.0, 1.0)
    assert (x["n:ana"], x["n:budi"], x["units"]) == (3, 3, 6)
    # X polarity: A = E B 0 E 0 0, B = E E 0 E 0 0: p_o 5/6, p_e 15/36 -> kappa 15/21;
    # alpha: 12 values (E 5, B 1, absent 6), one disagreeing pair -> 1 - (2/12)/(82/132)
    assert x["polarity_percent_agreement"] == pytest.approx(500 / 6, abs=0.01)
    assert x["polarity_kappa"] == pytest.approx(15 / 21, abs=1e-4)
    assert x["polarity_alpha"] == pytest.approx(60 / 82, abs=1e-4)
    # Y presence: A codes turn 3, B turn 5: p_o 4/6, p_e 26/36 -> kappa -0.2; alpha -0.1
    assert y["percent_agreement"] == pytest.approx(400 / 6, abs=0.01)
    assert y["kappa"] == pytest.approx(-0.2, abs=1e-4)
    assert y["alpha"] == pytest.approx(-0.1, abs=1e-4)
    # pooled over the 12 (turn, code) pairs: p_o 10/12, p_e 80/144 -> kappa 0.625
    assert report.overall["kappa"] == pytest.approx(0.625, abs=1e-4)
    assert report.overall["items"] == 12 and report.overall["units"] == 6
    assert report.pairwise.iloc[0]["kappa"] == pytest.approx(0.625, abs=1e-4)


def test_disagreements_list_each_turn_and_code_the_coders_read_differently():
    report = agreement({"ana": CODER_A, "budi": CODER_B}, _units("t", 6), codes=["X", "Y"])
    table = report.disagreements
    assert list(table.columns) == ["transcript_id", "turn", "code_id", "disagreement", "ana",
                                   "budi"]
    assert table.values.tolist() == [["t", 2, "X", "polarity", "barrier", "enabler"],
                                     ["t", 3, "Y", "presence", "enabler", "absent"],
                                     ["t", 5, "Y", "presence", "absent", "barrier"]]


def test_without_a_turn_list_only_coded_turns_are_units_and_the_note_says_so():
    report = agreement({"ana": CODER_A, "budi": CODER_B})
    assert report.unit_source == "coded" and report.units == 5
    assert "only the turns at least one coder coded" in report.notes[0]
    y = report.per_code.set_index("code_id").loc["Y"]
    assert y["percent_agreement"] == 60.0            # turns 1-5: Y differs on 3 and 5


def test_a_row_without_a_code_makes_its_turn_a_unit_seen_and_left_uncoded():
    seen = pd.concat([CODER_A, _frame([("t", 6, "", "")])], ignore_index=True)
    report = agreement({"ana": seen, "budi": CODER_B})
    assert report.units == 6
    y = report.per_code.set_index("code_id").loc["Y"]
    assert y["percent_agreement"] == pytest.approx(400 / 6, abs=0.01)
    assert "" not in set(report.per_code["code_id"])


def test_mixed_polarity_is_both_directions_or_neutral():
    a = _frame([("t", 1, "X", "enabler"), ("t", 1, "X", "barrier"), ("t", 2, "X", "neutral")])
    b = _frame([("t", 1, "X", "enabler"), ("t", 2, "X", "neutral")])
    report = agreement({"a": a, "b": b})
    assert report.disagreements[["turn", "a", "b"]].values.tolist() == [[1, "mixed", "enabler"]]


def test_a_coder_who_did_not_cover_a_transcript_is_missing_there():
    a = _frame([("t1", 1, "X", "enabler"), ("t2", 1, "X", "enabler"), ("t2", 2, "X", "barrier")])
    b = _frame([("t1", 1, "X", "enabler"), ("t1", 2, "X", "barrier")])
    units = pd.concat([_units("t1", 3), _units("t2", 3)], ignore_index=True)
    report = agreement({"a": a, "b": b}, units, codes=["X"])
    row = report.per_code.iloc[0]
    # only t1's three turns are coded by both: A 1 0 0, B 1 1 0
    assert row["units"] == 3
    assert row["percent_agreement"] == pytest.approx(200 / 3, abs=0.01)
    assert row["kappa"] == pytest.approx(_kappa(np.array([1., 0, 0]), np.array([1., 1, 0]), 2))
    assert report.disagreements["transcript_id"].tolist() == ["t1"]
    # a third coder covering only t2 makes t2 pairable for alpha; kappa needs two coders
    c = _frame([("t2", 1, "X", "enabler")])
    three = agreement({"a": a, "b": b, "c": c}, units, codes=["X"])
    assert three.per_code.iloc[0]["units"] == 6
    assert math.isnan(three.per_code.iloc[0]["kappa"])
    assert len(three.pairwise) == 3
    t2 = three.disagreements[three.disagreements["transcript_id"] == "t2"]
    assert t2[["turn", "a", "b", "c"]].values.tolist() == [[2, "barrier", "", "absent"]]


def test_a_code_nobody_applied_has_full_agreement_and_undefined_kappa_and_alpha():
    report = agreement({"ana": CODER_A, "budi": CODER_B}, _units("t", 6), codes=["X", "Y", "Z"])
    z = report.per_code.set_index("code_id").loc["Z"]
    assert z["percent_agreement"] == 100.0
    assert math.isnan(z["kappa"]) and math.isnan(z["alpha"])
    assert report.to_dict()["per_code"][2]["kappa"] is None


def test_kappa_per_code_for_evaluate_uses_every_participant_turn():
    per_code, pooled = kappa_per_code(CODER_A, CODER_B, _units("t", 6), ["X", "Y"])
    assert per_code == {"X": 1.0, "Y": pytest.approx(-0.2, abs=1e-4)}
    assert pooled == pytest.approx(0.625, abs=1e-4)


# ---------------------------------------------------------------- the command

TRANSCRIPT = """Moderator: Apa yang mendorong inovasi di kantor Bapak Ibu?
P1: Pimpinan kami selalu mendukung, Pak Kadis turun langsung.
P2: Anggarannya kecil, dipangkas terus tiap tahun.
Moderator: Terima kasih. Ada lagi?
P1: Regulasinya jelas, ada perwali.
"""


@pytest.fixture
def study(tmp_path):
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "fgd-a.txt").write_text(TRANSCRIPT, encoding="utf-8")
    ana = tmp_path / "ana.csv"
    ana.write_text("transcript_id,turn,code_id,polarity\nfgd-a,2,KEP,enabler\n"
                   "fgd-a,3,ANG,barrier\nfgd-a,5,REG,enabler\n", encoding="utf-8")
    budi = tmp_path / "budi.csv"
    budi.write_text("transcript_id,turn,code_id,polarity\nfgd-a,2,KEP,enabler\n"
                    "fgd-a,3,ANG,enabler\nfgd-a,2,REG,enabler\n", encoding="utf-8")
    return tmp_path


def test_agreement_command_writes_disagreements_with_speaker_and_text(study):
    out = study / "disagreements.csv"
    result = runner.invoke(app, ["agreement", str(study / "ana.csv"), str(study / "budi.csv"),
                                 "--transcripts", str(study / "transcripts"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "every participant turn" in result.output and "all codes (pooled)" in result.output
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == ["transcript_id", "turn", "code_id", "disagreement", "ana",
                                   "budi", "speaker", "text"]
    assert table[["turn", "code_id", "ana", "budi", "speaker"]].values.tolist() == [
        [2, "REG", "absent", "enabler", "P1"],
        [3, "ANG", "barrier", "enabler", "P2"],
        [5, "REG", "enabler", "absent", "P1"]]
    assert table.loc[1, "text"] == "Anggarannya kecil, dipangkas terus tiap tahun."


def test_agreement_command_prints_json(study):
    result = runner.invoke(app, ["agreement", str(study / "ana.csv"), str(study / "budi.csv"),
                                 "--transcripts", str(study / "transcripts"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["coders"] == ["ana", "budi"] and data["units"] == 3   # P1, P2, P1
    assert data["unit_source"] == "transcripts"
    kep = next(r for r in data["per_code"] if r["code_id"] == "KEP")
    assert kep["percent_agreement"] == 100.0 and kep["kappa"] == 1.0
    assert data["disagreements"] == 3


def test_agreement_with_the_results_folder_uses_its_turns_and_codebook(written_results,
                                                                       tmp_path):
    ana = tmp_path / "ana.csv"
    ana.write_text("transcript_id,turn,code_id,polarity\nfgd-dinkes-arjasari,9,KEP,enabler\n",
                   encoding="utf-8")
    budi = tmp_path / "budi.csv"
    budi.write_text("transcript_id,turn,code_id,polarity\nfgd-dinkes-arjasari,9,ANG,barrier\n",
                    encoding="utf-8")
    result = runner.invoke(app, ["agreement", str(ana), str(budi), "--results",
                                 str(written_results), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    passages = pd.read_csv(written_results / "passages.csv")
    participant = passages[(passages.transcript_id == "fgd-dinkes-arjasari")
                           & (passages.role == "participant")]["turn"].nunique()
    assert data["units"] == participant and data["unit_source"] == "results"
    assert len(data["per_code"]) == 13          # the codebook's codes, used or not


def _error(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Fix:" in result.output
    return result.output


def test_coders_with_different_codes_are_refused_unless_told_how(study):
    other = study / "citra.csv"
    other.write_text("transcript_id,turn,code_id,polarity\nfgd-a,2,PIMPINAN,enabler\n"
                     "fgd-a,3,ANG,barrier\n", encoding="utf-8")
    output = _error(runner.invoke(app, ["agreement", str(study / "ana.csv"), str(other)]))
    assert "different codes" in output and "PIMPINAN" in output and "KEP" in output
    assert "--common-codes" in output
    ok = runner.invoke(app, ["agreement", str(study / "ana.csv"), str(other), "--common-codes",
                             "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert [r["code_id"] for r in data["per_code"]] == ["ANG"]
    assert any("left out" in note and "PIMPINAN" in note for note in data["notes"])


def test_codes_outside_the_codebook_name_the_file(study):
    from tests.conftest import CODEBOOK

    other = study / "citra.csv"
    other.write_text("transcript_id,turn,code_id,polarity\nfgd-a,2,PIMPINAN,enabler\n",
                     encoding="utf-8")
    output = _error(runner.invoke(app, ["agreement", str(study / "ana.csv"), str(other),
                                        "--codebook", str(CODEBOOK)]))
    assert "citra.csv" in output and "PIMPINAN" in output


def test_unknown_transcripts_and_turns_name_the_file(study):
    stray = study / "citra.csv"
    stray.write_text("transcript_id,turn,code_id,polarity\nfgd-lain,2,KEP,enabler\n",
                     encoding="utf-8")
    output = _error(runner.invoke(app, ["agreement", str(study / "ana.csv"), str(stray),
                                        "--transcripts", str(study / "transcripts")]))
    assert "citra.csv" in output and "fgd-lain" in output
    stray.write_text("transcript_id,turn,code_id,polarity\nfgd-a,9,KEP,enabler\n",
                     encoding="utf-8")
    output = _error(runner.invoke(app, ["agreement", str(study / "ana.csv"), str(stray),
                                        "--transcripts", str(study / "transcripts")]))
    assert "citra.csv" in output and "turn 9" in output


@pytest.mark.parametrize("args, words", [
    (["ana.csv"], "at least two coders"),
    (["ana.csv", "missing.csv"], "missing.csv"),
    (["ana.csv", "budi.csv", "--results", "res", "--transcripts", "transcripts"],
     "give one of them"),
    (["ana.csv", "budi.csv", "--results", "res"], "not a results folder"),
])
def test_bad_arguments_are_one_line_errors(study, args, words):
    args = [a if a.startswith("--") else str(study / a) for a in args]
    assert words in _error(runner.invoke(app, ["agreement", *args]))


def test_unknown_polarity_names_the_file(study):
    odd = study / "citra.csv"
    odd.write_text("transcript_id,turn,code_id,polarity\nfgd-a,2,KEP,mungkin\n",
                   encoding="utf-8")
    output = _error(runner.invoke(app, ["agreement", str(study / "ana.csv"), str(odd),
                                        "--common-codes"]))
    assert "citra.csv" in output and "mungkin" in output
