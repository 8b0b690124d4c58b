"""Codebooks with one code or no examples still code sensibly (the thin-codebook model)."""
from __future__ import annotations

from fgd_toolkit import CodeSettings, code, load_codebook

from .conftest import SAMPLES

ONE_CODE = """schema: fgd-codebook/1
name: Satu kode
codes:
  - id: ANG
    label: Anggaran
    definition: Ketersediaan dana dan anggaran untuk inovasi.
    keywords: [anggaran, dana, apbd, refocusing]
"""

NO_EXAMPLES = """schema: fgd-codebook/1
name: Tanpa contoh
codes:
  - id: ANG
    label: Anggaran
    definition: Ketersediaan dana dan anggaran untuk menjalankan inovasi.
    keywords: [anggaran, dana, apbd]
  - id: SDM
    label: Sumber daya manusia
    definition: Jumlah, beban kerja dan kemampuan pegawai yang menjalankan inovasi.
    keywords: [pegawai, staf, pelatihan, beban kerja]
"""

DEFINITIONS_ONLY = """schema: fgd-codebook/1
name: Definisi saja
codes:
  - id: ANG
    label: Anggaran
    definition: Ketersediaan dana dan anggaran untuk menjalankan inovasi.
  - id: SDM
    label: Sumber daya manusia
    definition: Jumlah, beban kerja dan kemampuan pegawai yang menjalankan inovasi.
"""


def _run(tmp_path, text):
    path = tmp_path / "cb.yaml"
    path.write_text(text, encoding="utf-8")
    return code(SAMPLES, load_codebook(path), settings=CodeSettings(cluster=False))


def test_single_code_codebook_codes_only_budget_talk(tmp_path):
    result = _run(tmp_path, ONE_CODE)
    assert "thin codebook" in result.manifest["backend"]["calibration"]
    coded = result.passages[result.passages["passage_id"].isin(result.codings["passage_id"])]
    assert 5 <= len(coded) < 0.3 * (result.passages["role"] == "participant").sum()
    budget_words = ("anggar|dana|biaya|apbd|refocusing|dpa|rekening|juta|csr|belanja|uang|pagu|"
                    "potong|hibah|bayar|honor|lembur")
    assert coded["text_norm"].str.contains(budget_words).mean() >= 0.8


def test_codebook_without_examples_does_not_code_everything(tmp_path):
    result = _run(tmp_path, NO_EXAMPLES)
    participants = (result.passages["role"] == "participant").sum()
    coded = result.codings["passage_id"].nunique()
    assert set(result.codings["code_id"]) == {"ANG", "SDM"}
    assert 10 < coded < 0.5 * participants


def test_codebook_of_bare_definitions_says_why_little_is_coded(tmp_path):
    result = _run(tmp_path, DEFINITIONS_ONLY)
    fired = set(result.codings["code_id"])
    silent = {"ANG", "SDM"} - fired
    # definitions alone are weak evidence: whatever did not fire is named in a warning
    assert all(any(code in w for w in result.warnings) for code in silent)
    assert len(result.codings) < 0.5 * (result.passages["role"] == "participant").sum()


def test_codes_without_keywords_use_the_semantic_model_on_the_main_threshold():
    import numpy as np

    from fgd_toolkit.tagging.model import calibration_for

    cal = calibration_for("generic")
    assert cal.semantic_presence is not None
    feats = {name: np.random.default_rng(0).normal(size=(50, 2))
             for name in set(cal.presence.features) | set(cal.semantic_presence.features)
             | set(cal.thin_presence.features)}
    prob = cal.presence_probability(feats, np.array([False, True]))
    semantic = cal.semantic_presence.score(feats)[:, 1]
    # the keyword-free column is decided by the semantic model at its own threshold ...
    assert ((prob[:, 1] >= cal.threshold) == (semantic >= cal.semantic_threshold)).all()
    # ... and the column with keywords is left to the keyword-aware models
    assert np.allclose(prob[:, 0], cal.presence_probability(feats)[:, 0])


#: Turn recall on the dev gold with every keyword list cut to three words: 0.65 with the lean
#: models, 0.49 when the full models (fitted with 20+ keywords per code) decide.
RECALL_SHORT_LISTS = 0.6


def test_codes_with_few_keywords_use_the_lean_models_on_the_main_threshold():
    import numpy as np

    from fgd_toolkit.tagging.model import _logit, calibration_for

    cal = calibration_for("generic")
    assert cal.lean_presence is not None and cal.lean_thin_presence is not None
    feats = {name: np.random.default_rng(1).normal(size=(50, 2))
             for name in set(cal.presence.features) | set(cal.semantic_presence.features)
             | set(cal.thin_presence.features) | set(cal.lean_presence.features)
             | set(cal.lean_thin_presence.features)}
    prob = cal.presence_probability(feats, few_keywords=np.array([True, False]))
    lean = (cal.lean_presence.score(feats) + cal.lean_thin_presence.score(feats))[:, 0] / 2
    # the short-list column is the lean models' mean, moved so their threshold is the main one
    shift = _logit(cal.threshold) - _logit(cal.lean_threshold)
    unclipped = (lean > 1e-6) & (lean < 1 - 1e-6)    # _logit clips at 1e-9
    assert unclipped.sum() > 40
    assert np.allclose(_logit(prob[unclipped, 0]), _logit(lean[unclipped]) + shift)
    assert np.allclose(prob[:, 1], cal.presence_probability(feats)[:, 1])


def test_short_keyword_lists_are_named_in_the_manifest_and_code_more_than_before(tmp_path):
    """A code with a short keyword list is not held to its few words: the lean models find
    passages about it that name none of them."""
    from dataclasses import replace

    from fgd_toolkit.evaluate import load_gold, score, turn_codings
    from fgd_toolkit.pipeline import codes_with_few_keywords

    from .conftest import CODEBOOK, ROOT

    full = load_codebook(CODEBOOK)
    short = replace(full, codes=[replace(c, keywords=c.keywords[:3]) for c in full.codes])
    assert codes_with_few_keywords(full) == []
    assert codes_with_few_keywords(short) == short.ids
    result = code(SAMPLES, short, settings=CodeSettings(cluster=False))
    assert result.manifest["codebook"]["codes_with_few_keywords"] == short.ids
    named = [w for w in result.warnings if "short keyword lists" in w]
    assert len(named) == 1 and all(cid in named[0] for cid in short.ids)
    recall = score(turn_codings(result.passages, result.codings),
                   load_gold(ROOT / "benchmarks" / "gold")).micro.recall
    assert recall >= RECALL_SHORT_LISTS


def test_codebook_without_keywords_still_finds_most_coded_turns():
    """Stripping every keyword from the starter codebook leaves definitions and examples:
    the semantic model must still find a fair share of the turns the gold coder coded."""
    from dataclasses import replace

    from fgd_toolkit.evaluate import load_gold, score, turn_codings

    from .conftest import CODEBOOK, ROOT

    full = load_codebook(CODEBOOK)
    bare = replace(full, codes=[replace(c, keywords=[]) for c in full.codes])
    result = code(SAMPLES, bare, settings=CodeSettings(cluster=False))
    assert result.manifest["codebook"]["codes_without_keywords"] == full.ids
    scores = score(turn_codings(result.passages, result.codings),
                   load_gold(ROOT / "benchmarks" / "gold"))
    assert scores.micro.recall >= 0.5
    assert scores.micro.f1 >= 0.5


def test_codes_with_few_examples_take_the_few_examples_polarity_model(tmp_path):
    import numpy as np

    from fgd_toolkit.tagging.model import calibration_for

    cal = calibration_for("generic")
    assert cal.few_examples_polarity is not None
    assert cal.few_examples_polarity.weights.tolist() != cal.polarity.weights.tolist()
    feats = {name: np.random.default_rng(2).normal(size=(40, 2))
             for name in cal.polarity.features}
    prob = cal.polarity_probability(feats, few_examples=np.array([True, False]))
    assert np.allclose(prob[:, 0], cal.few_examples_polarity.score(feats)[:, 0])
    assert np.allclose(prob[:, 1], cal.polarity.score(feats)[:, 1])
    # a thin codebook's calibration keeps it
    path = tmp_path / "codebook.yaml"
    path.write_text(ONE_CODE, encoding="utf-8")
    thin = cal.for_codebook(load_codebook(path))
    assert thin.key.endswith("(thin codebook)")
    assert thin.few_examples_polarity is cal.few_examples_polarity


def test_codes_with_few_examples_are_named_in_the_manifest():
    from dataclasses import replace

    from fgd_toolkit.pipeline import codes_with_few_examples

    from .conftest import CODEBOOK

    full = load_codebook(CODEBOOK)
    assert codes_with_few_examples(full) == []      # four of each polarity per code
    cut = replace(full, codes=[replace(c, examples={"enabler": c.examples_of("enabler"),
                                                     "barrier": c.examples_of("barrier")[:2]})
                               if c.id in ("KEP", "ANG") else c for c in full.codes])
    assert codes_with_few_examples(cut) == ["KEP", "ANG"]
    result = code(SAMPLES, cut, settings=CodeSettings(cluster=False))
    assert result.manifest["codebook"]["codes_with_few_examples"] == ["KEP", "ANG"]
