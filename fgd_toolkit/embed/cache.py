"""On-disk vector cache keyed by back-end model id and text hash.

Layout: ``<cache_dir>/<model_id>/<chunk>.npz`` with arrays ``keys`` (text hashes) and
``vectors``. New vectors are appended as a new chunk, written atomically, so a re-run after a
codebook edit only embeds what changed and an interrupted run never corrupts the cache.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..atomic import atomic_path


def default_cache_dir() -> Path:
    """``$FGD_CACHE_DIR``, else ``$XDG_CACHE_HOME/fgd-toolkit``, else ``~/.cache/fgd-toolkit``."""
    if os.environ.get("FGD_CACHE_DIR"):
        return Path(os.environ["FGD_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fgd-toolkit"


def text_key(text: str) -> str:
    """Stable hash of a text (the cache key within one model)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


#: Per cache folder, the vectors this process has read or written and the chunk files read.
_SESSION: dict[str, tuple[dict[str, np.ndarray], set[str]]] = {}


class CachedEmbedder:
    """Wraps a back-end: looks vectors up in the cache, embeds only misses, in batches."""

    def __init__(self, backend, cache_dir: Path | None, batch_size: int = 64) -> None:
        self.backend = backend
        # a back-end may ask for its own batch size (TF-IDF: one sparse product per call)
        self.batch_size = getattr(backend, "preferred_batch_size", batch_size)
        self.folder = None
        # a combination caches each of its model-based parts on its own
        self.parts = [CachedEmbedder(p, cache_dir, batch_size) for p in
                      getattr(backend, "parts", [])]
        if cache_dir is not None and backend.cacheable:
            safe = re.sub(r"[^A-Za-z0-9_.@+-]", "_", backend.model_id)
            self.folder = Path(cache_dir) / safe
        self._memory: dict[str, np.ndarray] = {}
        self._loaded = False
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

    def _load(self) -> None:
        """Read the cache folder's chunks into memory; chunks already read by this process
        (an earlier run in the same session) are not read again."""
        if self._loaded or self.folder is None:
            self._loaded = True
            return
        self._memory, seen = _SESSION.setdefault(str(self.folder.resolve()), ({}, set()))
        if self.folder.is_dir():
            for chunk in sorted(self.folder.glob("*.npz")):
                if chunk.name in seen:
                    continue
                try:
                    with np.load(chunk, allow_pickle=False) as data:
                        for key, vec in zip(data["keys"], data["vectors"]):
                            self._memory[str(key)] = vec
                    seen.add(chunk.name)
                except (OSError, ValueError, KeyError):
                    continue  # an unreadable chunk is ignored; its texts are embedded again
        self._loaded = True

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
        self._load()
        keys = [text_key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._memory))
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
            for key, vec in zip(missing[i:i + step], vectors):
                self._memory[key] = vec
                new_keys.append(key)
                new_vecs.append(vec)
            if progress:
                progress(min(i + step, len(todo)), len(todo))
        if new_keys and self.folder is not None:
            self._store(new_keys, np.vstack(new_vecs))
        if not texts:
            return np.zeros((0, self.backend.dim), dtype=np.float32)
        return np.vstack([self._memory[k] for k in keys]).astype(np.float32)

    def _store(self, keys: list[str], vectors: np.ndarray) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
            with atomic_path(self.folder / f"{name}.npz") as tmp:
                with open(tmp, "wb") as handle:
                    np.savez(handle, keys=np.array(keys), vectors=vectors.astype(np.float32))
            _SESSION.get(str(self.folder.resolve()), ({}, set()))[1].add(f"{name}.npz")
        except OSError:
            pass  # a read-only cache folder only costs speed, never the run
