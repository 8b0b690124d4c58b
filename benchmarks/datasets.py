"""Labelled data sets for quality benchmarks and calibration.

- ``dev``: the bundled sample transcripts with the project's gold codings (``benchmarks/gold``).
- ``dev (2nd coder)``: the same transcripts coded again, blind to the first gold.
- ``heldout/<name>``: FGD transcripts, codebook and blind gold codings in other domains
  (``benchmarks/heldout``), never used for calibration: quality on an unseen codebook.
- ``hoasa`` / ``casa``: IndoNLU aspect-sentiment reviews in ``../shared/data/indonlu`` — each
  review becomes a participant turn, each aspect a code, pos/neg -> enabler/barrier.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fgd_toolkit.evaluate import load_gold
from fgd_toolkit.ingest import read_transcripts
from fgd_toolkit.models import Transcript, Turn

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FGD_SHARED", ROOT.parent / "shared"))
INDONLU = SHARED / "data" / "indonlu"
POLARITY = {"pos": ["enabler"], "positive": ["enabler"], "neg": ["barrier"],
            "negative": ["barrier"], "neg_pos": ["enabler", "barrier"]}


@dataclass
class Dataset:
    """Transcripts, the codebook to code them with, and gold codings."""

    name: str
    transcripts: list[Transcript]
    codebook: Path
    gold: pd.DataFrame


def dev_set() -> Dataset:
    """The sample FGDs in ``transcripts/`` and their gold codings."""
    return Dataset("dev", read_transcripts(ROOT / "transcripts"),
                   ROOT / "codebooks" / "inovasi-pelayanan-publik.yaml",
                   load_gold(ROOT / "benchmarks" / "gold"))


def dev_second_coder() -> Dataset:
    """The sample FGDs with the independent second coding (``benchmarks/gold-second-coder``),
    made blind to ``benchmarks/gold``: how far two careful readings agree."""
    dev = dev_set()
    return Dataset("dev (2nd coder)", dev.transcripts, dev.codebook,
                   load_gold(ROOT / "benchmarks" / "gold-second-coder"))


HELDOUT = ROOT / "benchmarks" / "heldout"


def heldout_sets() -> list[Dataset]:
    """Every complete held-out set: ``<name>/codebook.yaml``, ``transcripts/`` and ``gold/``."""
    sets = []
    for folder in sorted(p for p in HELDOUT.glob("*") if p.is_dir()):
        if (folder / "codebook.yaml").is_file() and any((folder / "gold").glob("*.csv")):
            sets.append(Dataset(f"held-out {folder.name}",
                                read_transcripts(folder / "transcripts"),
                                folder / "codebook.yaml", load_gold(folder / "gold")))
    return sets


def indonlu_available() -> bool:
    return (INDONLU / "hoasa" / "test.csv").is_file()


def indonlu(name: str, split: str, limit: int | None = None) -> Dataset:
    """HoASA or CASA reviews of one split as a single transcript of participant turns."""
    frame = pd.read_csv(INDONLU / name / f"{split}.csv", dtype=str, keep_default_na=False)
    if limit:
        frame = frame.head(limit)
    text_col = frame.columns[0]
    aspects = list(frame.columns[1:])
    tid = f"{name}-{split}"
    turns = [Turn(speaker=f"R{i + 1}", role="participant", text=text.strip(), line=i + 2)
             for i, text in enumerate(frame[text_col])]
    rows = []
    for i, record in enumerate(frame.to_dict("records")):
        for aspect in aspects:
            for polarity in POLARITY.get(record[aspect], []):
                rows.append({"transcript_id": tid, "turn": i + 1, "code_id": aspect,
                             "polarity": polarity})
    gold = pd.DataFrame(rows, columns=["transcript_id", "turn", "code_id", "polarity"])
    transcript = Transcript(id=tid, path=None, turns=turns, group=name)
    return Dataset(tid, [transcript], ROOT / "benchmarks" / "codebooks" / f"{name}.yaml", gold)
