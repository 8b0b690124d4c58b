"""Learning from the researcher: reviewed turns are truth and refit the tagger for the study."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from fgd_toolkit.cli import app
from fgd_toolkit.tagging.keywords import KeywordHit
from fgd_toolkit.tagging.study import (CV_MARGIN, MIN_TURNS, ReviewedTurn, distrusted_only,
                                       fit_adjustments, keyword_trust)

from .conftest import CODEBOOK, ROOT, SAMPLES

CODES = ["ANG", "PAR"]


def _evidence(hits_per_row: list[dict[str, list[str]]]):
    """Evidence with only keyword hits (what keyword trust reads)."""
    hits = [{cid: [KeywordHit(kw, kw, 0, 1) for kw in kws] for cid, kws in row.items()}
            for row in hits_per_row]
    kw_count = np.array([[len(row.get(cid, [])) for cid in CODES] for row in hits_per_row],
                        dtype=float)
    return SimpleNamespace(hits=hits, kw_count=kw_count)


def test_a_keyword_whose_reviewed_hits_were_rejected_is_distrusted():
    # 'warga' hits PAR in three reviewed turns, the researcher kept PAR in none of them;
    # 'musrenbang' hits PAR twice and was kept both times
    ev = _evidence([{"PAR": ["warga"]}, {"PAR": ["warga"]}, {"PAR": ["warga", "musrenbang"]},
                    {"PAR": ["musrenbang"]}, {"ANG": ["dana"]}])
    turns = [ReviewedTurn(("t", 1), [0], {}), ReviewedTurn(("t", 2), [1], {"ANG": {"barrier"}}),
             ReviewedTurn(("t", 3), [2], {"PAR": {"enabler"}}),
             ReviewedTurn(("t", 4), [3], {"PAR": {"enabler"}}),
             ReviewedTurn(("t", 5), [4], {"ANG": {"barrier"}})]
    # warga: kept once (turn 3) out of three, a third: still trusted
    assert keyword_trust(ev, CODES, turns) == {}
    turns[2] = ReviewedTurn(("t", 3), [2], {})
    # now warga was kept in none of its three turns; musrenbang in one of two (not distrusted)
    assert keyword_trust(ev, CODES, turns) == {"PAR": ["warga"]}
    distrusted = {"PAR": ["warga"]}
    codebook = SimpleNamespace(ids=CODES)
    only = distrusted_only(ev, codebook, distrusted)
    # a passage named by 'warga' alone loses its keyword; one also naming 'musrenbang' keeps it
    assert only[:, 1].tolist() == [True, True, False, False, False]
    assert not only[:, 0].any()


def _base(n: int, m: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return SimpleNamespace(presence=rng.uniform(0.05, 0.95, (n, m)),
                           enabler=rng.uniform(0.05, 0.95, (n, m)), threshold=0.45)


def test_too_few_or_single_transcript_reviews_refit_nothing():
    n = 60
    ev = _evidence([{} for _ in range(n)])
    codebook = SimpleNamespace(ids=CODES)
    few = [ReviewedTurn(("a", k), [k], {}) for k in range(MIN_TURNS - 1)]
    adj = fit_adjustments(_base(n, 2), ev, codebook, few)
    assert adj.report["kept"] == [] and "fewer than" in adj.report["note"]
    one = [ReviewedTurn(("a", k), [k], {"ANG": {"barrier"}} if k % 2 else {})
           for k in range(40)]
    adj = fit_adjustments(_base(n, 2), ev, codebook, one)
    assert adj.report["kept"] == [] and "fewer than two transcripts" in adj.report["note"]
    presence, enabler = adj.apply(_base(n, 2).presence, _base(n, 2).enabler, ev, codebook)
    assert np.allclose(presence, _base(n, 2).presence)


def test_an_offset_is_kept_only_when_it_helps_held_out_transcripts():
    """Two transcripts where the shipped model systematically misses ANG (its presence sits
    just below the threshold on every turn the researcher coded ANG): an ANG offset learnt
    on one transcript helps the other, so cross-validation keeps it; when the two transcripts
    disagree, nothing is kept."""
    n = 80
    ev = _evidence([{} for _ in range(n)])
    codebook = SimpleNamespace(ids=CODES)
    has_ang = np.arange(n) % 3 == 0
    base = _base(n, 2, 4)
    base.presence[:, 0] = np.where(has_ang, 0.35, 0.05)
    turns = [ReviewedTurn((("a" if k < n // 2 else "b"), k), [k],
                          {"ANG": {"barrier"}} if has_ang[k] else {}) for k in range(n)]
    adj = fit_adjustments(base, ev, codebook, turns)
    assert "presence offsets" in adj.report["kept"]
    assert adj.report["tried"]["presence offsets"] >= adj.report["tried"]["none"] + CV_MARGIN
    presence, _ = adj.apply(base.presence, base.enabler, ev, codebook)
    assert (presence[has_ang, 0] >= base.threshold).all()
    assert (presence[~has_ang, 0] < base.threshold).all()

    # transcript a uses ANG where the model hesitates, transcript b does not: what a teaches
    # would code b's hesitant turns wrongly, so held out by transcript nothing is kept
    clash = [ReviewedTurn(t.key, t.rows, t.codes if t.key[0] == "a" else {}) for t in turns]
    adj = fit_adjustments(base, ev, codebook, clash)
    assert "presence offsets" not in adj.report["kept"]


# -- end to end: fgd code --reviewed -----------------------------------------------------------

TID = "fgd-dinkes-arjasari"


def _review_file(tmp_path, coder: str = "ana") -> tuple[object, set[int]]:
    """The gold of one sample transcript as a researcher's review (every participant turn)."""
    from fgd_toolkit import read_transcripts

    gold = pd.read_csv(ROOT / "benchmarks" / "gold" / f"{TID}.csv", dtype=str)
    transcript = next(t for t in read_transcripts(SAMPLES) if t.id == TID)
    rows, turns = [], set()
    for n, turn in enumerate(transcript.turns, 1):
        if turn.role != "participant":
            continue
        turns.add(n)
        mine = gold[gold["turn"].astype(int) == n]
        rows += [{"transcript_id": TID, "turn": n, "code_id": r.code_id,
                  "polarity": r.polarity, "coder": coder} for r in mine.itertuples()] or \
            [{"transcript_id": TID, "turn": n, "code_id": "", "polarity": "", "coder": coder}]
    path = tmp_path / "review.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path, turns


@pytest.fixture(scope="module")
def reviewed_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reviewed")
    path, turns = _review_file(tmp)
    out = tmp / "out"
    result = CliRunner().invoke(app, ["code", str(SAMPLES), "-c", str(CODEBOOK), "-o",
                                      str(out), "--backend", "tfidf", "--reviewed", str(path)])
    assert result.exit_code == 0, result.output
    return out, path, turns, result.output


def test_reviewed_turns_keep_the_researchers_codes_and_nothing_else(reviewed_run):
    from fgd_toolkit import load_results

    out, path, turns, output = reviewed_run
    result = load_results(out)
    codings = result.codings.merge(result.passages[["passage_id", "transcript_id", "turn"]],
                                   on="passage_id")
    mine = codings[(codings["transcript_id"] == TID) & codings["turn"].isin(turns)]
    assert len(mine) and (mine["source"] == "human").all() and (mine["coder"] == "ana").all()
    gold = pd.read_csv(ROOT / "benchmarks" / "gold" / f"{TID}.csv", dtype=str)
    expected = set(zip(gold["turn"].astype(int), gold["code_id"], gold["polarity"]))
    assert set(zip(mine["turn"], mine["code_id"], mine["polarity"])) == expected
    # the rest of the study is still the machine's
    others = codings[codings["transcript_id"] != TID]
    assert len(others) and (others["source"] != "human").all()
    assert "reviewed turns from 1 file(s)" in output


def test_the_manifest_records_the_reviews_and_the_refit(reviewed_run):
    import hashlib

    out, path, turns, _ = reviewed_run
    manifest = json.loads((out / "manifest.json").read_text())
    block = manifest["reviewed"]
    assert block["files"][0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert block["turns"] == len(turns)
    assert block["decisions_per_code"]["KEP"]["accepted"] >= 1
    # one transcript reviewed: the refit records why it kept nothing
    assert block["refit"]["kept"] == [] and "fewer than two transcripts" in block["refit"]["note"]


def test_a_review_changes_the_run_id_and_no_refit_is_recorded(reviewed_run, tmp_path):
    out, path, _, _ = reviewed_run
    plain = tmp_path / "plain"
    again = tmp_path / "again"
    runner = CliRunner()
    assert runner.invoke(app, ["code", str(SAMPLES), "-c", str(CODEBOOK), "-o", str(plain),
                               "--backend", "tfidf"]).exit_code == 0
    assert runner.invoke(app, ["code", str(SAMPLES), "-c", str(CODEBOOK), "-o", str(again),
                               "--backend", "tfidf", "--reviewed", str(path),
                               "--no-refit"]).exit_code == 0
    ids = {json.loads((f / "manifest.json").read_text())["run_id"] for f in (out, plain, again)}
    assert len(ids) == 3
    assert json.loads((again / "manifest.json").read_text())["settings"]["refit"] is False


def test_a_review_naming_an_unknown_turn_is_one_line_and_leaves_results_alone(reviewed_run,
                                                                            tmp_path):
    out, _, _, _ = reviewed_run
    before = (out / "codings.csv").read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"transcript_id,turn,code_id,polarity\n{TID},999,KEP,enabler\n")
    result = CliRunner().invoke(app, ["code", str(SAMPLES), "-c", str(CODEBOOK), "-o", str(out),
                                      "--backend", "tfidf", "--reviewed", str(bad)])
    assert result.exit_code == 2
    assert "bad.csv" in result.output and "999" in result.output
    assert (out / "codings.csv").read_bytes() == before
