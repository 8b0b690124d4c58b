"""Concatenation of back-ends (``use+tfidf``): each part L2-normalised, weighted, joined."""
from __future__ import annotations

import numpy as np

from .base import fit_backend, l2_normalise


class CombinedEmbedder:
    """Joins the vectors of several back-ends so cosine similarity averages theirs.

    With weights w_i, cos(a, b) = sum(w_i^2 cos_i(a, b)) / sum(w_i^2).
    """

    def __init__(self, parts: list, weights: list[float] | None = None) -> None:
        self.parts = parts
        self.weights = weights or [1.0] * len(parts)
        self.name = "+".join(p.name for p in parts)
        self.cacheable = False  # parts cache themselves

    @property
    def model_id(self) -> str:
        return "+".join(p.model_id for p in self.parts)

    @property
    def dim(self) -> int:
        return sum(p.dim for p in self.parts)

    def fit(self, texts: list[str], cache_dir=None, session=None) -> "CombinedEmbedder":
        for part in self.parts:
            fit_backend(part, texts, cache_dir, session)
        return self

    def embed(self, texts: list[str]) -> np.ndarray:
        blocks = [w * p.embed(texts) for p, w in zip(self.parts, self.weights)]
        return l2_normalise(np.hstack(blocks))
