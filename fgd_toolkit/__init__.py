"""fgd-toolkit: turn Indonesian focus-group transcripts into coded evidence.

>>> from fgd_toolkit import read_transcripts, to_passages, load_codebook
>>> passages = to_passages(read_transcripts("transcripts/"))       # doctest: +SKIP
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fgd-toolkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

from .codebook import Codebook, Code, lint_codebook, load_codebook
from .embed import EmbeddingSession
from .errors import (BackendNotAvailable, CodebookError, FgdError, OutputError, RosterError,
                     TranscriptFormatError)
from .ingest import read_transcript, read_transcripts
from .models import Participant, Transcript, Turn
from .segment import SegmentOptions, to_passages

from .pipeline import code  # noqa: E402  (needs __version__)
from .result import CodingResult  # noqa: E402
from .settings import CodeSettings  # noqa: E402
from .export import load_results  # noqa: E402


__all__ = [
    "__version__", "code", "load_results", "CodingResult", "CodeSettings", "read_transcript", "read_transcripts", "to_passages", "SegmentOptions",
    "load_codebook", "lint_codebook", "Codebook", "Code", "Transcript", "Turn", "Participant",
    "FgdError", "TranscriptFormatError", "RosterError", "CodebookError", "BackendNotAvailable",
    "OutputError", "EmbeddingSession",
]
