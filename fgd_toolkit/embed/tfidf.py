"""Model-free lexical back-end: TF-IDF over word and character n-grams, reduced with SVD.

A fit is kept as plain arrays (:class:`TfidfSpace`: vocabularies, idf weights, SVD basis),
stored in the cache folder as an ``.npz`` without object arrays and checked when read back:
nothing read from the cache can run code, and a damaged or foreign fit is refitted.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from ..cachefiles import read_cache_file, write_cache_file
from .base import l2_normalise

#: Separates the model from the corpus fit in ``model_id`` (calibrations ignore the fit).
FIT_MARK = "/fit-"
#: Fits kept on disk (each is tens of MB for thousands of passages); oldest go first.
KEEP_FITS = 4
#: Version of the stored fit layout (part of what is checked when a fit is read).
FIT_FORMAT = "fgd-tfidf-fit/1"
#: The two vectorizers (their settings are stored with a fit and must match to reuse it).
WORD_SETTINGS = {"analyzer": "word", "ngram_range": (1, 2), "sublinear_tf": True,
                 "min_df": 1, "token_pattern": r"(?u)\b\w[\w-]*\b"}
CHAR_SETTINGS = {"analyzer": "char_wb", "ngram_range": (3, 5), "sublinear_tf": True,
                 "min_df": 1}


def fit_pipeline(texts: list[str], n_components: int, random_state: int,
                 max_fit_texts: int):
    """``(pipeline, k)``: the scikit-learn TF-IDF union + truncated SVD fitted on ``texts``
    (an evenly spaced sample of at most ``max_fit_texts`` distinct texts), and its size."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union

    union = make_union(TfidfVectorizer(**WORD_SETTINGS), TfidfVectorizer(**CHAR_SETTINGS))
    unique = list(dict.fromkeys(texts))
    step = max(1, -(-len(unique) // max_fit_texts))
    matrix = union.fit_transform(unique[::step])
    k = max(1, min(n_components, matrix.shape[0] - 1, matrix.shape[1] - 1))
    svd = TruncatedSVD(n_components=k, random_state=random_state, algorithm="randomized",
                       n_iter=4)
    svd.fit(matrix)
    return make_pipeline(union, svd), k


@dataclass
class TfidfSpace:
    """A fitted TF-IDF + SVD space as plain data; ``transform`` gives exactly the vectors of
    the scikit-learn pipeline it was taken from (:func:`fit_pipeline`)."""

    word_terms: list[str]
    word_idf: np.ndarray
    char_terms: list[str]
    char_idf: np.ndarray
    components: np.ndarray          # (k, n_word + n_char) SVD basis, float64
    settings: dict = field(default_factory=dict)    # what the fit depends on (checked)
    _vectorizers: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def dim(self) -> int:
        return int(self.components.shape[0])

    @classmethod
    def from_pipeline(cls, pipeline, settings: dict | None = None) -> "TfidfSpace":
        union, svd = pipeline[0], pipeline[-1]
        (_, word), (_, char) = union.transformer_list
        space = cls(word_terms=_terms(word.vocabulary_),
                    word_idf=np.asarray(word.idf_, dtype=np.float64),
                    char_terms=_terms(char.vocabulary_),
                    char_idf=np.asarray(char.idf_, dtype=np.float64),
                    components=np.asarray(svd.components_, dtype=np.float64),
                    settings=settings or {})
        space._vectorizers = (word, char)
        return space

    def transform(self, texts: list[str]) -> np.ndarray:
        """The SVD coordinates of ``texts`` (not yet normalised), float64."""
        from scipy import sparse

        if self._vectorizers is None:
            self._vectorizers = (_vectorizer(WORD_SETTINGS, self.word_terms, self.word_idf),
                                 _vectorizer(CHAR_SETTINGS, self.char_terms, self.char_idf))
        word, char = self._vectorizers
        counts = sparse.hstack([word.transform(texts), char.transform(texts)]).tocsr()
        return np.asarray(counts @ self.components.T)

    def save(self, path: Path) -> None:
        """Write the space as an ``.npz`` of numbers and UTF-8 bytes (no objects)."""
        header = {"format": FIT_FORMAT, "settings": self.settings}
        with open(path, "wb") as handle:
            np.savez(handle, header=_as_bytes(header), word_terms=_as_bytes(self.word_terms),
                     word_idf=self.word_idf, char_terms=_as_bytes(self.char_terms),
                     char_idf=self.char_idf, components=self.components)

    @classmethod
    def load(cls, path: Path, settings: dict | None = None) -> "TfidfSpace":
        """Read a space written by :meth:`save`, checking every array; ``ValueError`` when
        anything differs from what a fit with ``settings`` holds."""
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in ("header", "word_terms", "word_idf",
                                                    "char_terms", "char_idf", "components")}
        header = _from_bytes(arrays["header"])
        expected = {"format": FIT_FORMAT, "settings": json.loads(json.dumps(settings or {}))}
        if header != expected:
            raise ValueError("stored for other settings")
        space = cls(word_terms=_from_bytes(arrays["word_terms"]), word_idf=arrays["word_idf"],
                    char_terms=_from_bytes(arrays["char_terms"]), char_idf=arrays["char_idf"],
                    components=arrays["components"], settings=settings or {})
        space._check()
        return space

    def _check(self) -> None:
        for terms, idf in ((self.word_terms, self.word_idf), (self.char_terms, self.char_idf)):
            if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms) \
                    or len(set(terms)) != len(terms):
                raise ValueError("a vocabulary is not a list of distinct terms")
            if idf.dtype != np.float64 or idf.shape != (len(terms),) \
                    or not np.isfinite(idf).all():
                raise ValueError("idf weights do not match the vocabulary")
        n_features = len(self.word_terms) + len(self.char_terms)
        if self.components.dtype != np.float64 or self.components.ndim != 2 \
                or self.components.shape[1] != n_features or self.components.shape[0] < 1 \
                or not np.isfinite(self.components).all():
            raise ValueError(f"SVD basis of shape {self.components.shape} does not match "
                             f"{n_features} terms")


def _terms(vocabulary: dict[str, int]) -> list[str]:
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    if [vocabulary[t] for t in terms] != list(range(len(terms))):
        raise ValueError("vocabulary indices are not 0..n-1")
    return terms


def _vectorizer(settings: dict, terms: list[str], idf: np.ndarray):
    """A TF-IDF vectorizer with a fixed vocabulary and idf weights (no fitting)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(**settings, vocabulary={t: i for i, t in enumerate(terms)})
    vectorizer.idf_ = idf
    return vectorizer


def _as_bytes(value) -> np.ndarray:
    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)


def _from_bytes(array: np.ndarray):
    if array.dtype != np.uint8 or array.ndim != 1:
        raise ValueError("text field is not UTF-8 bytes")
    return json.loads(array.tobytes().decode("utf-8"))


def _prune(folder: Path, keep: int) -> None:
    """Delete all but the ``keep`` most recently written fits in ``folder``, and any fit an
    older version stored as a pickle (never read)."""
    for legacy in folder.glob("*.pkl"):
        legacy.unlink(missing_ok=True)
    fits = sorted(folder.glob("*.npz"), key=lambda f: f.stat().st_mtime, reverse=True)
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
        self._space: TfidfSpace | None = None
        self._fit_key = ""

    @property
    def dim(self) -> int:
        return self._space.dim if self._space is not None else 0

    @property
    def model_id(self) -> str:
        return f"{self.base_id}{FIT_MARK}{self._fit_key}" if self._fit_key else self.base_id

    @property
    def cacheable(self) -> bool:
        return bool(self._fit_key)

    def _settings(self) -> dict:
        import sklearn

        return {"word": WORD_SETTINGS, "char": CHAR_SETTINGS,
                "n_components": self.n_components, "random_state": self.random_state,
                "max_fit_texts": self.max_fit_texts, "sklearn": sklearn.__version__}

    def fit(self, texts: list[str], cache_dir: str | Path | None = None,
            session=None) -> "TfidfEmbedder":
        """Learn the vocabulary and the SVD basis from ``texts``.

        Large corpora are fitted on an evenly spaced sample of ``max_fit_texts`` texts (the
        basis hardly changes, the time drops several-fold); every text is still embedded.
        A fit is reused from the ``session`` (an :class:`~fgd_toolkit.embed.EmbeddingSession`)
        or from ``cache_dir/tfidf-fits/`` when it holds one for the same texts and settings,
        so re-coding the same passages after a codebook edit does not fit again.
        """
        import sklearn

        settings = self._settings()
        digest = hashlib.sha256("\0".join(texts).encode("utf-8"))
        digest.update(f"{self.n_components}/{self.random_state}/{self.max_fit_texts}/"
                      f"{sklearn.__version__}".encode())
        key = digest.hexdigest()[:20]
        self._fit_key = key
        stored = Path(cache_dir) / "tfidf-fits" / f"{key}.npz" if cache_dir else None
        space = session.fit(self.name, key) if session is not None else None
        if space is None and stored is not None:
            space = read_cache_file(stored, partial(TfidfSpace.load, settings=settings))
        if space is None:
            pipeline, _k = fit_pipeline(texts, self.n_components, self.random_state,
                                        self.max_fit_texts)
            space = TfidfSpace.from_pipeline(pipeline, settings)
        self._space = space
        if session is not None:
            session.keep_fit(self.name, key, space)
        if stored is not None and not stored.is_file() \
                and write_cache_file(stored, space.save):
            _prune(stored.parent, keep=KEEP_FITS)
        return self

    def embed(self, texts: list[str]) -> np.ndarray:
        if self._space is None:
            self.fit(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(self._space.transform(list(texts)))
