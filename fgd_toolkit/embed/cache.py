"""On-disk vector cache keyed by back-end model id and text hash.

Layout: ``<cache_dir>/<model_id>/<chunk>.npz`` with arrays ``keys`` (text hashes) and
``vectors``. New vectors are appended as a new chunk, written atomically, so a re-run after a
codebook edit only embeds what changed and an interrupted run never corrupts the cache. A
damaged chunk is warned about, removed and its texts embedded again.

What stays in memory between runs belongs to an :class:`EmbeddingSession` the caller owns;
there is no process-wide state.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..cachefiles import read_cache_file, write_cache_file


def default_cache_dir() -> Path:
    """``$FGD_CACHE_DIR``, else ``$XDG_CACHE_HOME/fgd-toolkit``, else ``~/.cache/fgd-toolkit``."""
    if os.environ.get("FGD_CACHE_DIR"):
        return Path(os.environ["FGD_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fgd-toolkit"


def text_key(text: str) -> str:
    """Stable hash of a text (the cache key within one model)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class VectorStore:
    """The vectors of one model's cache folder held in memory: those read from its chunk
    files and those embedded since, plus which chunk files were read already."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.vectors: dict[str, np.ndarray] = {}
        self._read: set[str] = set()

    def refresh(self, dim: int = 0) -> None:
        """Read the chunk files not read yet (a damaged one is warned about and removed:
        its texts are embedded again)."""
        if self.folder is None or not self.folder.is_dir():
            return
        for chunk in sorted(self.folder.glob("*.npz")):
            if chunk.name in self._read:
                continue
            data = read_cache_file(chunk, lambda path: _read_chunk(path, dim))
            if data is not None:
                self.vectors.update(zip(*data))
                self._read.add(chunk.name)

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        """Keep new vectors, and write them as one new chunk file when there is a folder."""
        self.vectors.update(zip(keys, vectors))
        if self.folder is None:
            return
        name = hashlib.sha256("".join(keys).encode()).hexdigest()[:16] + ".npz"

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as handle:
                np.savez(handle, keys=np.array(keys), vectors=vectors.astype(np.float32))

        if write_cache_file(self.folder / name, write):
            self._read.add(name)


def _read_chunk(path: Path, dim: int) -> tuple[list[str], np.ndarray]:
    """Keys and vectors of a chunk file, checked: text-hash keys, one finite float32 row
    of the model's size per key."""
    with np.load(path, allow_pickle=False) as data:
        keys, vectors = data["keys"], data["vectors"]
    if keys.ndim != 1 or keys.dtype.kind != "U" or vectors.dtype != np.float32 \
            or vectors.ndim != 2 or len(vectors) != len(keys) \
            or (dim and vectors.shape[1] != dim) or not np.isfinite(vectors).all():
        raise ValueError(f"unexpected content (keys {keys.dtype}{keys.shape}, vectors "
                         f"{vectors.dtype}{vectors.shape})")
    return [str(k) for k in keys], vectors


class EmbeddingSession:
    """What a caller keeps in memory between runs: the vectors of every cache folder used,
    the latest corpus fit of each fitted back-end (TF-IDF) and the clause polarity of every
    passage text.

    Pass one session to every ``code(..., session=session)`` of a notebook so that a re-run
    after a codebook edit reads nothing again; runs without a session share nothing.

    >>> session = EmbeddingSession()
    >>> result = code("transcripts/", "codebook.yaml", session=session)   # doctest: +SKIP
    """

    def __init__(self) -> None:
        self._stores: dict[str, VectorStore] = {}
        self._fits: dict[str, tuple[str, object]] = {}
        #: clause polarity per token sequence (``tagging.polarity.polarity_parts``)
        self.clauses: dict = {}
        #: codebook classifiers by a hash of their training vectors
        #: (``tagging.features.codebook_classifier.fitted``)
        self.classifiers: dict = {}

    def store(self, folder: Path | None) -> VectorStore:
        """The vectors of a model's cache folder (a fresh store when nothing is cached)."""
        if folder is None:
            return VectorStore(None)
        return self._stores.setdefault(str(Path(folder).resolve()), VectorStore(Path(folder)))

    def fit(self, kind: str, key: str):
        """The fit of back-end ``kind`` for corpus ``key`` kept by :meth:`keep_fit`, or None."""
        kept = self._fits.get(kind)
        return kept[1] if kept and kept[0] == key else None

    def keep_fit(self, kind: str, key: str, fit) -> None:
        """Remember the latest fit of back-end ``kind`` (one per kind: fits are large)."""
        self._fits[kind] = (key, fit)


class CachedEmbedder:
    """Wraps a back-end: looks vectors up in the cache, embeds only misses, in batches."""

    def __init__(self, backend, cache_dir: Path | None, batch_size: int = 64,
                 session: EmbeddingSession | None = None) -> None:
        self.backend = backend
        self.session = session or EmbeddingSession()
        # a back-end may ask for its own batch size (TF-IDF: one sparse product per call)
        self.batch_size = getattr(backend, "preferred_batch_size", batch_size)
        self.folder = None
        # a combination caches each of its model-based parts on its own
        self.parts = [CachedEmbedder(p, cache_dir, batch_size, self.session) for p in
                      getattr(backend, "parts", [])]
        if cache_dir is not None and backend.cacheable:
            safe = re.sub(r"[^A-Za-z0-9_.@+-]", "_", backend.model_id)
            self.folder = Path(cache_dir) / safe
        self._store: VectorStore | None = None
        self.hits = 0
        self.misses = 0

    cacheable = property(lambda self: self.backend.cacheable)

    @property
    def root(self) -> Path | None:
        """The cache folder in use (``None`` when nothing is cached)."""
        folders = [self.folder] + [p.folder for p in self.parts]
        return next((Path(f).parent for f in folders if f is not None), None)
    name = property(lambda self: self.backend.name)
    model_id = property(lambda self: self.backend.model_id)
    dim = property(lambda self: self.backend.dim)

    def _vectors(self) -> dict[str, np.ndarray]:
        """Vectors known so far: the session's for this folder, with chunk files written
        since (by another process) read in."""
        if self._store is None:
            self._store = self.session.store(self.folder)
            self._store.refresh(self.backend.dim)
        return self._store.vectors

    def embed(self, texts: list[str],
              progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Vectors for ``texts`` (cache first), reporting ``progress(done, total)``."""
        if self.parts:
            from .base import l2_normalise

            blocks = [w * (part.embed(texts, progress if k == 0 else None) if part.cacheable
                           else part.backend.embed(texts))
                      for k, (part, w) in enumerate(zip(self.parts, self.backend.weights))]
            # counted in texts, not part-vectors: a new text is one miss for the combination
            cached = [p for p in self.parts if p.backend.cacheable]
            self.misses = max((p.misses for p in cached), default=0)
            self.hits = min((p.hits for p in cached), default=0)
            if not texts:
                return np.zeros((0, self.backend.dim), dtype=np.float32)
            return l2_normalise(np.hstack(blocks))
        memory = self._vectors()
        keys = [text_key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in memory))
        missing_set = set(missing)
        self.hits += sum(1 for k in keys if k not in missing_set)
        by_key = dict(zip(keys, texts))
        todo = [by_key[k] for k in missing]
        self.misses += len(todo)
        new_keys: list[str] = []
        new_vecs: list[np.ndarray] = []
        step = self.batch_size
        if progress:
            progress(0, len(todo))
        for i in range(0, len(todo), step):
            batch = todo[i:i + step]
            vectors = self.backend.embed(batch)
            new_keys += missing[i:i + step]
            new_vecs += list(vectors)
            if progress:
                progress(min(i + step, len(todo)), len(todo))
        if new_keys:
            self._store.add(new_keys, np.vstack(new_vecs))   # into memory and a new chunk
        if not texts:
            return np.zeros((0, self.backend.dim), dtype=np.float32)
        return np.vstack([memory[k] for k in keys]).astype(np.float32)
