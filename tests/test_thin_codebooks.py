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


def _generic_tagger():
    from fgd_toolkit.tagging.model import shipped_models

    return shipped_models().generic


def _random_features(tagger, rows: int, codes: int, seed: int) -> dict:
    import numpy as np

    names = {f for model in tagger.models_.values() for f in model.features}
    rng = np.random.default_rng(seed)
    return {name: rng.normal(size=(rows, codes)) for name in names}


def _starter_with(**changes):
    """The starter codebook with some codes changed (code id -> dict of fields)."""
    from dataclasses import replace

    from .conftest import CODEBOOK

    full = load_codebook(CODEBOOK)
    return replace(full, codes=[replace(c, **changes[c.id]) if c.id in changes else c
                                for c in full.codes])


def test_codes_without_keywords_use_the_semantic_model_on_the_main_threshold():
    tagger = _generic_tagger()
    cb = _starter_with(ANG={"keywords": []})
    j = cb.ids.index("ANG")
    feats = _random_features(tagger, 50, len(cb.ids), 0)
    prob, threshold = tagger.presence_probability(feats, cb)
    semantic = tagger.models_["semantic"].score(feats)[:, j]
    # the keyword-free column is decided by the semantic model at its own threshold ...
    assert ((prob[:, j] >= threshold) == (semantic >= tagger.thresholds_["semantic"])).all()
    # ... and the columns with keywords are left to the keyword-aware models
    plain, _ = tagger.presence_probability(feats, _starter_with())
    others = [k for k in range(len(cb.ids)) if k != j]
    assert (prob[:, others] == plain[:, others]).all()


#: Turn recall on the dev gold with every keyword list cut to three words: 0.65 with the lean
#: models, 0.49 when the full models (fitted with 20+ keywords per code) decide.
RECALL_SHORT_LISTS = 0.6


def test_codes_with_few_keywords_use_the_lean_models_on_the_main_threshold():
    import numpy as np

    from fgd_toolkit.tagging.model import _logit

    tagger = _generic_tagger()
    cb = _starter_with(KEP={"keywords": ["pimpinan", "kadis"]})
    j = cb.ids.index("KEP")
    feats = _random_features(tagger, 50, len(cb.ids), 1)
    prob, threshold = tagger.presence_probability(feats, cb)
    m = tagger.models_
    lean = (m["lean"].score(feats) + m["lean_thin"].score(feats))[:, j] / 2
    # the short-list column is the lean models' mean, moved so their threshold is the main one
    shift = _logit(threshold) - _logit(tagger.thresholds_["lean"])
    unclipped = (lean > 1e-6) & (lean < 1 - 1e-6)    # _logit clips at 1e-9
    assert unclipped.sum() > 40
    assert np.allclose(_logit(prob[unclipped, j]), _logit(lean[unclipped]) + shift)
    plain, _ = tagger.presence_probability(feats, _starter_with())
    assert np.allclose(np.delete(prob, j, axis=1), np.delete(plain, j, axis=1))


def test_short_keyword_lists_are_named_in_the_manifest_and_code_more_than_before(tmp_path):
    """A code with a short keyword list is not held to its few words: the lean models find
    passages about it that name none of them."""
    from dataclasses import replace

    from fgd_toolkit.evaluate import load_gold, score, turn_codings

    from .conftest import CODEBOOK, ROOT

    tagger = _generic_tagger()
    full = load_codebook(CODEBOOK)
    short = replace(full, codes=[replace(c, keywords=c.keywords[:3]) for c in full.codes])
    assert tagger.codes_with_few_keywords(full) == []
    assert tagger.codes_with_few_keywords(short) == short.ids
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

    tagger = _generic_tagger()
    few, main = tagger.models_["polarity_few_examples"], tagger.models_["polarity"]
    assert few.weights.tolist() != main.weights.tolist()
    cb = _starter_with(KEP={"examples": {"enabler": ["Pak Kadis turun langsung."],
                                         "barrier": ["Atasan tidak mau tanda tangan."]}})
    j = cb.ids.index("KEP")
    feats = {name: np.random.default_rng(2).normal(size=(40, len(cb.ids)))
             for name in main.features}
    prob = tagger.polarity_probability(feats, cb)
    assert np.allclose(prob[:, j], few.score(feats)[:, j])
    assert np.allclose(np.delete(prob, j, axis=1), np.delete(main.score(feats), j, axis=1))
    # a thin codebook keeps it
    path = tmp_path / "codebook.yaml"
    path.write_text(ONE_CODE, encoding="utf-8")
    thin = load_codebook(path)
    assert tagger.is_thin_codebook(thin) and tagger.variant(thin) == "thin codebook"
    one = {name: np.random.default_rng(3).normal(size=(10, 1)) for name in main.features}
    assert tagger.codes_with_few_examples(thin) == ["ANG"]
    assert np.allclose(tagger.polarity_probability(one, thin), few.score(one))


def test_codes_with_few_examples_are_named_in_the_manifest():
    from dataclasses import replace

    from .conftest import CODEBOOK

    codes_with_few_examples = _generic_tagger().codes_with_few_examples
    full = load_codebook(CODEBOOK)
    assert codes_with_few_examples(full) == []      # four of each polarity per code
    cut = replace(full, codes=[replace(c, examples={"enabler": c.examples_of("enabler"),
                                                     "barrier": c.examples_of("barrier")[:2]})
                               if c.id in ("KEP", "ANG") else c for c in full.codes])
    assert codes_with_few_examples(cut) == ["KEP", "ANG"]
    result = code(SAMPLES, cut, settings=CodeSettings(cluster=False))
    assert result.manifest["codebook"]["codes_with_few_examples"] == ["KEP", "ANG"]
