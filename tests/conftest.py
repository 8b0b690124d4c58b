"""Shared fixtures. The vector cache goes to a temporary folder for the whole session."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "transcripts"
CODEBOOK = ROOT / "codebooks" / "inovasi-pelayanan-publik.yaml"
SHARED = Path(os.environ.get("FGD_SHARED", ROOT.parent / "shared"))

_CACHE = tempfile.mkdtemp(prefix="fgd-test-cache-")
os.environ["FGD_CACHE_DIR"] = _CACHE
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

pytest_plugins = ["tests.ingest_fixtures"]


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    return Path(_CACHE)


@pytest.fixture(scope="session")
def coded_result():
    """The bundled samples coded with the starter codebook and the default back-end."""
    from fgd_toolkit import code

    return code(SAMPLES, CODEBOOK)


@pytest.fixture(scope="session")
def written_results(coded_result, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("results")
    coded_result.to_csv(out)
    return out
