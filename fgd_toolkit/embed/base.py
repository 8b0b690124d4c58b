"""The embedding protocol every back-end follows."""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors.

    ``name`` is the registry name, ``model_id`` names the exact model and version (it keys the
    cache and goes into manifests), ``dim`` is the vector size (known after ``fit`` for
    corpus-fitted back-ends), ``cacheable`` says whether a text's vector depends only on the
    text (not on the rest of the corpus).
    """

    name: str
    model_id: str
    cacheable: bool

    @property
    def dim(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray: ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def fit_backend(backend, texts: list[str], cache_dir=None, session=None) -> None:
    """Fit a corpus-fitted back-end (one with a ``fit`` method) on ``texts``; the
    ``session`` goes along when its ``fit`` takes one (the toolkit's own back-ends do)."""
    fit = getattr(backend, "fit", None)
    if fit is None:
        return
    import inspect

    if "session" in inspect.signature(fit).parameters:
        fit(texts, cache_dir=cache_dir, session=session)
    else:
        fit(texts, cache_dir=cache_dir)
