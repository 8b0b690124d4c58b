"""The coding decision as one model: Tagger fit/predict/save/load, `fgd calibrate`, `--model`."""
from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from fgd_toolkit.cli import app
from fgd_toolkit.embed import get_embedder
from fgd_toolkit.labelled import LabelledSet, load_labelled_set
from fgd_toolkit.tagging.model import NotFittedError, ShippedModels, Tagger, shipped_models
from fgd_toolkit.tagging.training import best_threshold, training_data, turn_f1

from .conftest import CODEBOOK, ROOT

DEV = ROOT / "benchmarks" / "sets" / "dev.yaml"
TWO = ("fgd-dinkes-arjasari", "fgd-kominfo-bappeda")


@pytest.fixture(scope="module")
def small_set() -> LabelledSet:
    """Two dev transcripts and their gold codings (a small labelled set)."""
    dev = load_labelled_set(DEV)
    return LabelledSet("dev-two", [t for t in dev.transcripts if t.id in TWO], dev.codebook,
                       dev.gold[dev.gold["transcript_id"].isin(TWO)].reset_index(drop=True))


@pytest.fixture(scope="module")
def data(small_set, tmp_path_factory):
    return training_data([small_set], get_embedder("tfidf"),
                         cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def fitted(data) -> Tagger:
    return Tagger().fit(data)


def test_constructor_only_stores_parameters_and_an_unfitted_tagger_refuses_to_predict(data):
    tagger = Tagger(C=0.5, lean_keywords=4)
    assert tagger.get_params()["C"] == 0.5 and tagger.get_params()["lean_keywords"] == 4
    assert not tagger.is_fitted
    with pytest.raises(NotFittedError):
        tagger.presence_probability({}, load_labelled_set(DEV).codebook)
    assert repr(tagger) == "Tagger(C=0.5, lean_keywords=4)"


def test_fit_returns_the_fitted_tagger_with_every_variant(fitted, data):
    assert fitted.is_fitted
    assert set(fitted.models_) == {"full", "thin", "semantic", "lean", "lean_thin", "polarity",
                                   "polarity_few_examples"}
    assert set(fitted.thresholds_) == {"full", "thin", "semantic", "lean"}
    assert all(0.1 <= v <= 0.8 for v in fitted.thresholds_.values())
    # the threshold is the peak of the (smoothed) F1 curve of the training data itself
    table = data.main[0]
    m = fitted.models_
    prob = (m["full"].score(table.presence) + m["thin"].score(table.presence)) / 2
    assert fitted.thresholds_["full"] == best_threshold([table], [prob])
    assert turn_f1(table, prob, fitted.thresholds_["full"]) > 0.5
    # keywords speak for a code in the full model
    assert m["full"].weights[m["full"].features.index("kw_any")] > 0
    assert 0 <= fitted.neutral_band_ < 0.5


def test_a_saved_tagger_loads_back_and_predicts_the_same(fitted, small_set, tmp_path):
    from fgd_toolkit.pipeline import analyse
    from fgd_toolkit.segment import to_passages
    from fgd_toolkit.settings import CodeSettings

    path = fitted.save(tmp_path / "tagger.json")
    loaded = Tagger.load(path)
    assert loaded.get_params() == fitted.get_params()
    passages = to_passages(small_set.transcripts)
    analysis = analyse(passages, small_set.codebook, get_embedder("tfidf"),
                       CodeSettings(cluster=False), use_cache=False)
    a = fitted.predict(analysis.evidence, analysis.mask, small_set.codebook)
    b = loaded.predict(analysis.evidence, analysis.mask, small_set.codebook)
    assert np.allclose(a.presence, b.presence, atol=1e-5)
    assert np.allclose(a.enabler, b.enabler, atol=1e-5)
    assert a.threshold == b.threshold and a.variant == "full+thin"
    assert (a.presence[~analysis.mask] == 0).all()


def test_shipped_models_are_taggers_for_each_backend_and_a_generic_one():
    models = shipped_models()
    assert models.generic is not None and models.generic.generic
    assert "use-m3@0.2.1+tfidf-word12-char35-svd@2" in models.backends
    key, tagger = models.for_backend("some-other-model@1")
    assert key == "generic" and tagger is models.generic
    # the file round-trips through the same code that writes it
    again = ShippedModels.from_json(models.to_json())
    assert again.to_dict() == models.to_dict()


def test_calibrate_command_writes_a_file_that_code_can_use(small_set, tmp_path):
    folder = tmp_path / "labelled"
    (folder / "transcripts").mkdir(parents=True)
    (folder / "gold").mkdir()
    for name in ("fgd-dinkes-arjasari.txt", "fgd-kecamatan-inovator.md"):
        source = ROOT / "transcripts" / name
        (folder / "transcripts" / name).write_bytes(source.read_bytes())
        gold = ROOT / "benchmarks" / "gold" / f"{source.stem}.csv"
        (folder / "gold" / gold.name).write_bytes(gold.read_bytes())
    (folder / "codebook.yaml").write_bytes(CODEBOOK.read_bytes())
    out = tmp_path / "calibration.json"
    report = tmp_path / "held-out.csv"
    runner = CliRunner()
    result = runner.invoke(app, ["calibrate", str(folder), "--out", str(out), "--backend",
                                 "tfidf", "--cache-dir", str(tmp_path / "cache"),
                                 "--report", str(report)])
    assert result.exit_code == 0, result.output
    models = ShippedModels.from_json(out.read_text(encoding="utf-8"))
    assert list(models.backends) == ["tfidf-word12-char35-svd@2"]
    assert models.generic is not None
    assert "labelled" in json.loads(out.read_text())["about"]
    held = report.read_text()
    # each transcript held out in turn, fitted on the other
    assert "code_F1" in held and "fgd-dinkes-arjasari" in held and "fgd-kecamatan" in held

    results = tmp_path / "results"
    coded = runner.invoke(app, ["code", str(source), "-c", str(CODEBOOK), "-o", str(results),
                                "--backend", "tfidf", "--no-cluster", "--model", str(out),
                                "--cache-dir", str(tmp_path / "cache")])
    assert coded.exit_code == 0, coded.output
    manifest = json.loads((results / "manifest.json").read_text())
    assert manifest["backend"]["calibration_file"] == str(out)
    assert manifest["settings"]["model"] == str(out)


def test_a_bad_model_file_is_a_one_line_error_before_any_work(tmp_path):
    bad = tmp_path / "calibration.json"
    bad.write_text("{\"backends\": 3}", encoding="utf-8")
    result = CliRunner().invoke(app, ["code", str(ROOT / "transcripts"), "-c", str(CODEBOOK),
                                      "-o", str(tmp_path / "out"), "--model", str(bad)])
    assert result.exit_code == 2
    assert "not a calibration file" in result.output and "fgd calibrate" in result.output
    assert not (tmp_path / "out" / "manifest.json").exists()
