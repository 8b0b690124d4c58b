"""Labelled data sets for quality benchmarks and calibration (read by the package's
:mod:`fgd_toolkit.labelled`; the set descriptions live in ``benchmarks/sets/``).

- ``dev``: the bundled sample transcripts with the project's gold codings (``benchmarks/gold``).
- ``dev (2nd coder)``: the same transcripts coded again, blind to the first gold.
- ``held-out <name>``: FGD transcripts, codebook and blind gold codings in other domains
  (``benchmarks/heldout``), never used for calibration: quality on an unseen codebook.
- ``lockbox <name>``: FGD sets kept out of every fit and every choice (``benchmarks/lockbox``),
  measured only for final reports.
- ``hoasa-<split>`` / ``casa-<split>``: IndoNLU aspect-sentiment reviews in
  ``../shared/data/indonlu`` — each review becomes a participant turn, each aspect a code,
  pos/neg -> enabler/barrier.
"""
from __future__ import annotations

import os
from pathlib import Path

from fgd_toolkit.labelled import LabelledSet, aspect_table_set, load_labelled_set

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FGD_SHARED", ROOT.parent / "shared"))
INDONLU = SHARED / "data" / "indonlu"
SETS = ROOT / "benchmarks" / "sets"
HELDOUT = ROOT / "benchmarks" / "heldout"
LOCKBOX = ROOT / "benchmarks" / "lockbox"



def dev_set() -> LabelledSet:
    """The sample FGDs in ``transcripts/`` and their gold codings."""
    return load_labelled_set(SETS / "dev.yaml")


def dev_second_coder() -> LabelledSet:
    """The sample FGDs with the independent second coding (``benchmarks/gold-second-coder``),
    made blind to ``benchmarks/gold``: how far two careful readings agree."""
    return load_labelled_set(SETS / "dev-second-coder.yaml")


def _folder_sets(root: Path, prefix: str) -> list[LabelledSet]:
    return [load_labelled_set(folder, name=f"{prefix} {folder.name}")
            for folder in sorted(p for p in root.glob("*") if p.is_dir())
            if (folder / "codebook.yaml").is_file() and any((folder / "gold").glob("*.csv"))]


def heldout_sets() -> list[LabelledSet]:
    """Every complete held-out set: ``<name>/codebook.yaml``, ``transcripts/`` and ``gold/``."""
    return _folder_sets(HELDOUT, "held-out")


def lockbox_sets() -> list[LabelledSet]:
    """The sets kept out of every fit and choice; read them only for a final report."""
    return _folder_sets(LOCKBOX, "lockbox")


def indonlu_available() -> bool:
    return (INDONLU / "hoasa" / "test.csv").is_file()


def indonlu(name: str, split: str) -> LabelledSet:
    """HoASA or CASA reviews of one split as a single transcript of participant turns."""
    return aspect_table_set(INDONLU / name / f"{split}.csv",
                            ROOT / "benchmarks" / "codebooks" / f"{name}.yaml",
                            f"{name}-{split}")
