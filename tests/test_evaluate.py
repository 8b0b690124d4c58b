"""Turn-level scoring against gold codings."""
from __future__ import annotations

import pandas as pd
import pytest

from fgd_toolkit.evaluate import load_gold, score, turn_codings


def _frame(rows):
    return pd.DataFrame(rows, columns=["transcript_id", "turn", "code_id", "polarity"])


def test_score_counts_code_and_polarity_agreement():
    gold = _frame([("a", 1, "ANG", "barrier"), ("a", 2, "KEP", "enabler"),
                   ("a", 3, "SDM", "barrier")])
    pred = _frame([("a", 1, "ANG", "enabler"), ("a", 2, "KEP", "enabler"),
                   ("a", 4, "SDM", "barrier")])
    s = score(pred, gold)
    assert (s.micro.tp, s.micro.fp, s.micro.fn) == (2, 1, 1)
    assert s.micro.f1 == pytest.approx(2 / 3)
    assert (s.polarity_micro.tp, s.polarity_micro.fp, s.polarity_micro.fn) == (1, 2, 2)
    assert s.per_code["SDM"].f1 == 0
    assert s.macro_f1 == pytest.approx((1 + 1 + 0) / 3)


def test_turn_codings_lift_passages_to_turns():
    passages = pd.DataFrame({"passage_id": ["p1", "p2", "p3"], "transcript_id": ["a"] * 3,
                             "turn": [1, 1, 2]})
    codings = pd.DataFrame({"passage_id": ["p1", "p2", "p3"], "code_id": ["ANG"] * 3,
                            "polarity": ["barrier", "barrier", "enabler"]})
    lifted = turn_codings(passages, codings)
    assert sorted(map(tuple, lifted.to_numpy().tolist())) == [("a", 1, "ANG", "barrier"),
                                                             ("a", 2, "ANG", "enabler")]


def test_bundled_gold_files_load(tmp_path):
    from .conftest import ROOT

    gold = load_gold(ROOT / "benchmarks" / "gold")
    assert len(gold) > 200
    assert set(gold["polarity"]) <= {"enabler", "barrier", "neutral"}


def test_gold_file_without_required_columns_is_an_error(tmp_path):
    bad = tmp_path / "g.csv"
    bad.write_text("transcript_id,turn\na,1\n")
    with pytest.raises(Exception) as err:
        load_gold(bad)
    assert "code_id" in str(err.value)


GOLD_SETS = [("benchmarks/gold", "transcripts", "codebooks/inovasi-pelayanan-publik.yaml", 200),
             ("benchmarks/gold-second-coder", "transcripts",
              "codebooks/inovasi-pelayanan-publik.yaml", 200),
             ("benchmarks/heldout/stunting/gold", "benchmarks/heldout/stunting/transcripts",
              "benchmarks/heldout/stunting/codebook.yaml", 100),
             ("benchmarks/heldout/spbe/gold", "benchmarks/heldout/spbe/transcripts",
              "benchmarks/heldout/spbe/codebook.yaml", 100),
             ("benchmarks/heldout/umkm/gold", "benchmarks/heldout/umkm/transcripts",
              "benchmarks/heldout/umkm/codebook.yaml", 100),
             ("benchmarks/lockbox/banksampah/gold",
              "benchmarks/lockbox/banksampah/transcripts",
              "benchmarks/lockbox/banksampah/codebook.yaml", 100)]


@pytest.mark.parametrize("gold_dir,transcripts,codebook,min_rows", GOLD_SETS)
def test_bundled_gold_codings_point_at_participant_turns_they_quote(gold_dir, transcripts,
                                                                    codebook, min_rows):
    """Every gold row names a participant turn as the reader numbers it, its speaker, a code of
    the set's codebook, and quotes that turn verbatim."""
    from fgd_toolkit import load_codebook, read_transcripts

    from .conftest import ROOT

    turns = {(tr.id, n): t for tr in read_transcripts(ROOT / transcripts)
             for n, t in enumerate(tr.turns, 1)}
    codes = set(load_codebook(ROOT / codebook).ids)
    rows = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False)
                      for f in sorted((ROOT / gold_dir).glob("*.csv"))])
    assert len(rows) > min_rows
    for row in rows.itertuples():
        turn = turns[(row.transcript_id, int(row.turn))]
        assert turn.role == "participant", row
        assert turn.speaker == row.speaker, row
        assert row.code_id in codes, row
        assert row.polarity in {"enabler", "barrier", "neutral"}, row
        assert row.quote and row.quote in turn.text, row
