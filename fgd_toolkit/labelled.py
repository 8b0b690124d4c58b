"""Labelled sets: transcripts, the codebook to code them with, and a person's codings of them.

What ``fgd calibrate`` fits the shipped models on and what the benchmarks score against. A
labelled set is given as one of:

- a folder with ``codebook.yaml``, ``transcripts/`` and ``gold/`` (hand codings in any format
  ``fgd evaluate --gold`` reads);
- a YAML file naming those parts by path (relative to the file)::

      name: dev
      codebook: ../../codebooks/inovasi-pelayanan-publik.yaml
      transcripts: ../../transcripts
      gold: ../gold

- a YAML file naming an *aspect-sentiment table* (one text per row, one column per code with
  ``pos``/``neg``/``neg_pos``/``neut``, as in IndoNLU's HoASA and CASA): each row becomes a
  participant turn of one transcript, each aspect a code, pos/neg enabler/barrier::

      name: hoasa-train
      codebook: hoasa.yaml
      aspects: ../../../shared/data/indonlu/hoasa/train.csv
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .codebook import Codebook, load_codebook
from .errors import FgdError
from .models import Transcript, Turn

#: Aspect labels of an aspect-sentiment table -> polarities of the codings they stand for.
ASPECT_POLARITY = {"pos": ["enabler"], "positive": ["enabler"], "neg": ["barrier"],
                   "negative": ["barrier"], "neg_pos": ["enabler", "barrier"]}
GOLD_COLUMNS = ["transcript_id", "turn", "code_id", "polarity"]


@dataclass
class LabelledSet:
    """Transcripts, their codebook and gold codings (columns ``transcript_id, turn, code_id,
    polarity``)."""

    name: str
    transcripts: list[Transcript]
    codebook: Codebook
    gold: pd.DataFrame


def load_labelled_set(path: str | Path, name: str | None = None) -> LabelledSet:
    """A labelled set from a folder or a YAML description (see the module docstring)."""
    path = Path(path)
    if path.is_dir():
        return _from_parts(name or path.name, path / "codebook.yaml", path / "transcripts",
                           path / "gold", source=path)
    if not path.is_file():
        raise FgdError("no such labelled set.", path=path,
                       fix="give a folder with codebook.yaml, transcripts/ and gold/, or a "
                           "YAML file naming them.")
    from .safe_yaml import load_yaml

    spec = load_yaml(path.read_text(encoding="utf-8"), path)
    if not isinstance(spec, dict) or "codebook" not in spec:
        raise FgdError("a labelled-set file needs the keys 'codebook' and either "
                       "'transcripts' + 'gold' or 'aspects'.", path=path,
                       fix="see `fgd calibrate --help` for the layout.")
    base = path.parent
    set_name = name or str(spec.get("name") or path.stem)
    if "aspects" in spec:
        return aspect_table_set(base / spec["aspects"], base / spec["codebook"], set_name)
    missing = [k for k in ("transcripts", "gold") if k not in spec]
    if missing:
        raise FgdError(f"the labelled-set file lacks {', '.join(missing)}.", path=path,
                       fix="name the transcripts folder and the gold codings.")
    return _from_parts(set_name, base / spec["codebook"], base / spec["transcripts"],
                       base / spec["gold"], source=path)


def _from_parts(name: str, codebook: Path, transcripts: Path, gold: Path,
                source: Path) -> LabelledSet:
    from .evaluate import load_gold
    from .ingest import read_transcripts

    for part in (codebook, transcripts, gold):
        if not part.exists():
            raise FgdError(f"labelled set '{name}' lacks {part.name}.", path=source,
                           fix="give it codebook.yaml, transcripts/ and gold/.")
    return LabelledSet(name, read_transcripts(transcripts), load_codebook(codebook),
                       load_gold(gold))


def aspect_table_set(table: str | Path, codebook: str | Path, name: str) -> LabelledSet:
    """An aspect-sentiment table (first column the text, then one column per aspect) as one
    transcript of participant turns with its gold codings."""
    table = Path(table)
    if not table.is_file():
        raise FgdError("the aspect table of a labelled set is missing.", path=table,
                       fix="check the 'aspects' path (relative to the labelled-set file).")
    frame = pd.read_csv(table, dtype=str, keep_default_na=False)
    text_col, aspects = frame.columns[0], list(frame.columns[1:])
    turns = [Turn(speaker=f"R{i + 1}", role="participant", text=text.strip(), line=i + 2)
             for i, text in enumerate(frame[text_col])]
    rows = [{"transcript_id": name, "turn": i + 1, "code_id": aspect, "polarity": polarity}
            for i, record in enumerate(frame.to_dict("records"))
            for aspect in aspects
            for polarity in ASPECT_POLARITY.get(record[aspect], [])]
    transcript = Transcript(id=name, path=table, turns=turns, group=name)
    return LabelledSet(name, [transcript], load_codebook(codebook),
                       pd.DataFrame(rows, columns=GOLD_COLUMNS))
