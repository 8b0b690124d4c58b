"""``CodingResult``: what a coding run produced, and the views analysts read from it.

It sits beneath both the pipeline (which builds one) and the exporters (which write one), so
neither needs the other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .codebook import Codebook
from .errors import UsageError
from .matrices import build_matrix
from .models import POLARITIES, Transcript
from .settings import CodeSettings, eligible_mask


@dataclass
class CodingResult:
    """Everything a coding run produced; tables are pandas DataFrames.

    Attributes:
        passages: the passages table (+ ``cluster``, ``cluster_note``).
        codings: one row per passage × code (DESIGN §1 columns).
        clusters: one row per cluster (status ``covered``/``mixed``/``emergent``).
        codebook: the codebook used.
        manifest: versions, inputs, settings, timings (see :meth:`to_csv`).
        warnings: things the user should know (codes that never fired, ...).
        transcripts: the coded transcripts (``None`` for a result read back from CSV files);
            needed for the REFI-QDA project export.
        candidates: every eligible (passage, code) pair the coder weighed near or above its
            threshold (``candidates.csv``), coded or not; ``None`` when unknown.
    """

    passages: pd.DataFrame
    codings: pd.DataFrame
    clusters: pd.DataFrame
    codebook: Codebook
    manifest: dict
    warnings: list[str] = field(default_factory=list)
    transcripts: list[Transcript] | None = None
    candidates: pd.DataFrame | None = None

    def matrix(self, kind: str) -> pd.DataFrame:
        """A derived matrix: ``passage_code``, ``speaker_code``, ``transcript_code``,
        ``group_code``, ``cooccurrence`` or ``framework``."""
        return build_matrix(kind, self.passages, self.codings, self.codebook)

    def codings_for_reading(self) -> pd.DataFrame:
        """Codings joined with ``transcript_id, turn, speaker, text`` (what codings.csv holds)."""
        cols = ["passage_id", "transcript_id", "turn", "speaker", "text"]
        joined = self.codings.merge(self.passages[cols], on="passage_id", how="left")
        first = ["passage_id", "transcript_id", "turn", "speaker", "code_id", "polarity",
                 "score", "source", "evidence", "text", "coder", "run_id"]
        return joined[first]

    def quotes(self, code_id: str | None = None, polarity: str | None = None) -> pd.DataFrame:
        """Coded passages with their text, filtered by code and/or polarity, best first."""
        if code_id and code_id not in self.codebook.ids:
            raise UsageError(f"unknown code '{code_id}'.",
                             fix=f"use one of the codebook's codes: "
                                 f"{', '.join(self.codebook.ids)}.")
        if polarity and polarity not in POLARITIES:
            raise UsageError(f"unknown polarity '{polarity}'.",
                             fix=f"use one of {', '.join(POLARITIES)}.")
        table = self.codings_for_reading()
        if code_id:
            table = table[table["code_id"] == code_id]
        if polarity:
            table = table[table["polarity"] == polarity]
        return table.sort_values(["score", "passage_id"], ascending=[False, True]).reset_index(
            drop=True)

    @property
    def eligible_passages(self) -> int:
        """How many passages were eligible for coding (participants, no back-channels or
        self-introductions, unless the settings said otherwise)."""
        counted = self.manifest.get("counts", {}).get("eligible_passages")
        if counted is not None:
            return int(counted)
        settings = CodeSettings.from_manifest(self.manifest.get("settings") or {})
        return int(eligible_mask(self.passages, settings).sum())

    def summary(self) -> pd.DataFrame:
        """Per code: passages coded, by polarity."""
        counts = pd.crosstab(self.codings["code_id"], self.codings["polarity"]) \
            if len(self.codings) else pd.DataFrame()
        rows = []
        for c in self.codebook.codes:
            row = {"code_id": c.id, "label": c.label}
            for pol in ("enabler", "barrier", "neutral"):
                row[pol] = int(counts.at[c.id, pol]) if c.id in counts.index and \
                    pol in counts.columns else 0
            row["total"] = row["enabler"] + row["barrier"] + row["neutral"]
            rows.append(row)
        return pd.DataFrame(rows)

    def to_csv(self, folder: str | Path, progress=None) -> list[Path]:
        """Write every output file of DESIGN §6 into ``folder``, replacing it as a whole
        (see README "The output folder is replaced as a whole"); returns the paths.

        ``progress(done, total)``, if given, is called after each file."""
        from .export import write_all

        return write_all(self, Path(folder), progress)

    def to_qdpx(self, path: str | Path) -> Path:
        """Write the coded project as a REFI-QDA ``.qdpx`` for NVivo, ATLAS.ti, MAXQDA."""
        from .atomic import write_with
        from .export.refi_qda import write_qdpx

        return write_with(path, lambda tmp: write_qdpx(self, tmp))

    def to_excel(self, path: str | Path) -> Path:
        """Write all tables, the codebook and the manifest as sheets of one workbook."""
        from .export import write_excel

        return write_excel(self, Path(path))
