"""Model-free lexical back-end: TF-IDF over word and character n-grams, reduced with SVD."""
from __future__ import annotations

import hashlib

import numpy as np

from .base import l2_normalise

#: The most recent fit, keyed by (corpus hash, settings).
_FITTED: dict[tuple, tuple] = {}


class TfidfEmbedder:
    """Word (1-2) + character (3-5, within word boundaries) TF-IDF, then truncated SVD.

    The space is fitted on the corpus being coded (passages plus codebook prototypes), so
    vectors are not cached across runs. Deterministic for the same inputs (fixed seed).
    """

    name = "tfidf"
    cacheable = False
    model_id = "tfidf-word12-char35-svd@2"

    def __init__(self, n_components: int = 256, random_state: int = 0,
                 max_fit_texts: int = 1500) -> None:
        self.n_components = n_components
        self.max_fit_texts = max_fit_texts
        self.random_state = random_state
        self._pipeline = None
        self._dim = 0

    @property
    def dim(self) -> int:
        return self._dim

    def fit(self, texts: list[str]) -> "TfidfEmbedder":
        """Learn the vocabulary and the SVD basis from ``texts``.

        Large corpora are fitted on an evenly spaced sample of ``max_fit_texts`` texts (the
        basis hardly changes, the time drops several-fold); every text is still embedded.
        The last fit is remembered in memory per corpus, so re-coding the same passages in
        a notebook session after a codebook edit does not fit again.
        """
        key = (hashlib.sha256("\0".join(texts).encode("utf-8")).hexdigest(),
               self.n_components, self.random_state, self.max_fit_texts)
        if key in _FITTED:
            self._pipeline, self._dim = _FITTED[key]
            return self
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
        self._pipeline = make_pipeline(union, svd)
        self._dim = k
        _FITTED.clear()
        _FITTED[key] = (self._pipeline, self._dim)
        return self

    def embed(self, texts: list[str]) -> np.ndarray:
        if self._pipeline is None:
            self.fit(texts)
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return l2_normalise(self._pipeline.transform(list(texts)))
