"""Any sentence-transformers model by local path (or hub name, opt-in): ``sentence-transformers:<x>``.

Needs the ``st`` extra: ``pip install "fgd-toolkit[st]"`` (torch pinned to the CPU build).
Hub downloads only happen when ``allow_download=True``; by default the model must be a
local folder, so runs stay offline.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ..errors import BackendNotAvailable
from .base import l2_normalise

INSTALL_HINT = 'pip install "fgd-toolkit[st]"  (installs torch==2.13.0 CPU + sentence-transformers)'


class SentenceTransformerEmbedder:
    """Adapter for sentence-transformers models (local folder, or hub name if allowed)."""

    cacheable = True

    def __init__(self, model: str, allow_download: bool = False, batch_size: int = 32) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise BackendNotAvailable(
                "back-end 'sentence-transformers' needs the optional extra.",
                fix=INSTALL_HINT) from exc
        path = Path(model).expanduser()
        if not path.exists() and not allow_download:
            raise BackendNotAvailable(
                f"sentence-transformers model '{model}' is not a local folder and downloads "
                "are off.", fix="pass the path of a downloaded model folder, or allow hub "
                                "downloads with --allow-download.")
        try:
            self._model = SentenceTransformer(str(path) if path.exists() else model,
                                              device="cpu",
                                              local_files_only=not allow_download)
        except Exception as exc:
            raise BackendNotAvailable(f"cannot load sentence-transformers model '{model}' "
                                      f"({type(exc).__name__}: {exc}).",
                                      fix="check the model folder or name.") from None
        self.batch_size = batch_size
        self.name = f"sentence-transformers:{model}"
        self.model_id = f"st:{_fingerprint(path) if path.exists() else model}"

    @property
    def dim(self) -> int:
        get_dim = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        return int(get_dim())

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self.batch_size,
                                     show_progress_bar=False, convert_to_numpy=True,
                                     normalize_embeddings=True)
        return l2_normalise(vectors)


def _fingerprint(path: Path) -> str:
    """Model folder name plus a hash of its config and weight file sizes (cheap, stable)."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path).as_posix()}:{file.stat().st_size}".encode())
    return f"{path.name}-{digest.hexdigest()[:12]}"
