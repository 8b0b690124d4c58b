"""Embedding back-ends, chosen by name and registered in one place.

>>> from fgd_toolkit.embed import get_embedder, BACKENDS
>>> sorted(BACKENDS)                       # doctest: +SKIP
['e5-small', 'tfidf', 'use']
>>> get_embedder("use+tfidf")             # doctest: +SKIP
"""
from __future__ import annotations

from collections.abc import Callable

from ..errors import BackendNotAvailable
from .base import Embedder, fit_backend, l2_normalise
from .cache import CachedEmbedder, EmbeddingSession, default_cache_dir
from .combined import CombinedEmbedder

#: The back-end used when none is named (chosen by the measurements in the README).
DEFAULT_BACKEND = "use+tfidf"
ST_PREFIX = "sentence-transformers:"


def _use(**kw) -> Embedder:
    from .dense import UseEmbedder

    return UseEmbedder(**kw)


def _e5(**kw) -> Embedder:
    from .dense import E5Embedder

    return E5Embedder(**kw)


def _tfidf(**kw) -> Embedder:
    from .tfidf import TfidfEmbedder

    return TfidfEmbedder(**kw)


#: Registry of named back-ends: name -> factory.
BACKENDS: dict[str, Callable[..., Embedder]] = {"use": _use, "e5-small": _e5, "tfidf": _tfidf}


def known_backends() -> list[str]:
    """Names accepted by :func:`get_embedder` (``+`` joins several)."""
    return sorted(BACKENDS) + [f"{ST_PREFIX}<model folder>"]


def get_embedder(name: str | Embedder = DEFAULT_BACKEND, *, allow_download: bool = False
                 ) -> Embedder:
    """A back-end by name: ``use``, ``e5-small``, ``tfidf``, ``sentence-transformers:<path>``,
    or several joined with ``+`` (e.g. ``use+tfidf``). An object passes through unchanged."""
    if not isinstance(name, str):
        return name
    parts = [p.strip() for p in name.split("+")] if not name.startswith(ST_PREFIX) else [name]
    built = [_build(p, allow_download) for p in parts]
    return built[0] if len(built) == 1 else CombinedEmbedder(built)


def _build(name: str, allow_download: bool) -> Embedder:
    if name.startswith(ST_PREFIX):
        from .st import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(name[len(ST_PREFIX):], allow_download=allow_download)
    factory = BACKENDS.get(name)
    if factory is None:
        raise BackendNotAvailable(f"unknown embedding back-end '{name}'.",
                                  fix=f"use one of: {', '.join(known_backends())} "
                                      "(join several with '+').")
    return factory()


__all__ = ["Embedder", "BACKENDS", "DEFAULT_BACKEND", "get_embedder", "known_backends",
           "CachedEmbedder", "CombinedEmbedder", "EmbeddingSession", "default_cache_dir",
           "fit_backend", "l2_normalise"]
