"""Model-free lexical back-end: TF-IDF over word and character n-grams, reduced with SVD."""
from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from .base import l2_normalise

#: The most recent fit, keyed by corpus-and-settings hash.
_FITTED: dict[str, tuple] = {}
#: Separates the model from the corpus fit in ``model_id`` (calibrations ignore the fit).
FIT_MARK = "/fit-"
#: Fits kept on disk (each is tens of MB for thousands of passages); oldest go first.
KEEP_FITS = 4


def _load(path: Path) -> tuple | None:
    """A fit stored by :func:`_store` (``None`` if absent or unreadable: fit again)."""
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:  # the toolkit's own cache file
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return None


def _store(path: Path, fitted: tuple) -> None:
    """Write a fit atomically and prune old ones; a read-only cache only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            pickle.dump(fitted, handle)
        _prune(path.parent, keep=KEEP_FITS)
    except OSError:
        pass


def _prune(folder: Path, keep: int) -> None:
    """Delete all but the ``keep`` most recently written fits in ``folder``."""
    fits = sorted(folder.glob("*.pkl"), key=lambda f: f.stat().st_mtime, reverse=True)
    for old in fits[keep:]:
        old.unlink(missing_ok=True)


class TfidfEmbedder:
    """Word (1-2) + character (3-5, within word boundaries) TF-IDF, then truncated SVD.

    The space is fitted on the passages being coded. Once fitted, ``model_id`` names the fit
    (``tfidf-...@2/fit-<corpus hash>``), so vectors can be cached like any model's; before a fit
    nothing is cacheable. Deterministic for the same inputs (fixed seed).
    """

    name = "tfidf"
    base_id = "tfidf-word12-char35-svd@2"
    #: Texts per call when embedding through the cache: each call pays the whole pipeline's
    #: overhead, so large batches halve the time of a first run's transform.
    preferred_batch_size = 4096

    def __init__(self, n_components: int = 256, random_state: int = 0,
                 max_fit_texts: int = 1500) -> None:
        self.n_components = n_components
        self.max_fit_texts = max_fit_texts
        self.random_state = random_state
        self._pipeline = None
        self._dim = 0
        self._fit_key = ""

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def model_id(self) -> str:
        return f"{self.base_id}{FIT_MARK}{self._fit_key}" if self._fit_key else self.base_id

    @property
    def cacheable(self) -> bool:
        return bool(self._fit_key)

    def fit(self, texts: list[str], cache_dir: str | Path | None = None) -> "TfidfEmbedder":
        """Learn the vocabulary and the SVD basis from ``texts``.

        Large corpora are fitted on an evenly spaced sample of ``max_fit_texts`` texts (the
        basis hardly changes, the time drops several-fold); every text is still embedded.
        The last fit is remembered in memory, and under ``cache_dir/tfidf-fits/`` when a
        cache folder is given, so re-coding the same passages after a codebook edit does
        not fit again.
        """
        import sklearn

        digest = hashlib.sha256("\0".join(texts).encode("utf-8"))
        digest.update(f"{self.n_components}/{self.random_state}/{self.max_fit_texts}/"
                      f"{sklearn.__version__}".encode())
        key = digest.hexdigest()[:20]
        self._fit_key = key
        stored = Path(cache_dir) / "tfidf-fits" / f"{key}.pkl" if cache_dir else None
        fitted = _FITTED.get(key) or (_load(stored) if stored is not None else None)
        if fitted is None:
            fitted = self._fit_new(texts)
        self._pipeline, self._dim = fitted
        _FITTED.clear()
        _FITTED[key] = fitted
        if stored is not None and not stored.is_file():
            _store(stored, fitted)
        return self

    def _fit_new(self, texts: list[str]) -> tuple:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline, make_union

        union = make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                            token_pattern=r"(?u)\b\w[\w-]*\b"),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1),
        )
        unique = list(dict.fromkeys(texts))
        step = max(1, -(-len(unique) // self.max_fit_texts))
        matrix = union.fit_transform(unique[::step])
        k = max(1, min(self.n_components, matrix.shape[0] - 1, matrix.shape[1] - 1))
        svd = TruncatedSVD(n_components=k, random_state=self.random_state,
                           algorithm="randomized", n_iter=4)
        svd.fit(matrix)
        return make_pipeline(union, svd), k

    def embed(self, texts: list[str]) -> np.ndarray:
        if self._pipeline is None:
            self.fit(texts)
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return l2_normalise(self._pipeline.transform(list(texts)))
