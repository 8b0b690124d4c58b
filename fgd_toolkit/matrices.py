"""Matrices derived from the passages and codings tables: each one join and one pivot.

Kinds: ``passage_code``, ``speaker_code``, ``transcript_code``, ``group_code``,
``cooccurrence``, ``framework``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .codebook import Codebook
from .models import POLARITIES

MATRIX_KINDS = ("passage_code", "speaker_code", "transcript_code", "group_code",
                "cooccurrence", "framework")
QUOTE_CHARS = 160


def _joined(passages: pd.DataFrame, codings: pd.DataFrame) -> pd.DataFrame:
    cols = ["passage_id", "transcript_id", "group", "turn", "speaker", "text"]
    return codings.merge(passages[cols], on="passage_id", how="inner", validate="many_to_one")


def passage_code(passages: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook
                 ) -> pd.DataFrame:
    """Passage × code, 1 when the passage has the code (any polarity), else 0."""
    flags = pd.crosstab(codings["passage_id"], codings["code_id"]).clip(upper=1)
    flags = flags.reindex(index=passages["passage_id"], columns=codebook.ids, fill_value=0)
    flags = flags.fillna(0).astype(int)
    flags.columns.name = None
    out = passages[["passage_id", "transcript_id", "turn", "speaker"]].reset_index(drop=True)
    return pd.concat([out, flags.reset_index(drop=True)], axis=1)


def speaker_code(passages: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook
                 ) -> pd.DataFrame:
    """(transcript, speaker) × code: number of that speaker's passages with the code."""
    joined = _joined(passages, codings).drop_duplicates(["passage_id", "code_id"])
    speakers = passages[passages["role"] == "participant"][["transcript_id", "speaker"]]
    speakers = speakers.drop_duplicates()
    table = joined.pivot_table(index=["transcript_id", "speaker"], columns="code_id",
                               values="passage_id", aggfunc="count", fill_value=0)
    table = table.reindex(columns=codebook.ids, fill_value=0)
    table = speakers.merge(table.reset_index(), on=["transcript_id", "speaker"], how="outer")
    table[codebook.ids] = table[codebook.ids].fillna(0).astype(int)
    table.columns.name = None
    return table.sort_values(["transcript_id", "speaker"], kind="stable").reset_index(drop=True)


def _polarity_split(passages: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook,
                    by: str) -> pd.DataFrame:
    joined = _joined(passages, codings)
    columns = [f"{c}:{p}" for c in codebook.ids for p in (*POLARITIES, "total")]
    index = sorted(passages[by].unique())
    if joined.empty:
        table = pd.DataFrame(0, index=index, columns=columns)
    else:
        joined["column"] = joined["code_id"] + ":" + joined["polarity"]
        counts = pd.crosstab(joined[by], joined["column"])
        totals = joined.drop_duplicates(["passage_id", "code_id"])
        totals = pd.crosstab(totals[by], totals["code_id"] + ":total")
        table = pd.concat([counts, totals], axis=1)
        table = table.reindex(index=index, columns=columns, fill_value=0).fillna(0).astype(int)
    table.index.name = by
    table.columns.name = None
    return table.reset_index()


def transcript_code(passages: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook
                    ) -> pd.DataFrame:
    """Transcript × code with polarity split: ``KEP:enabler``, ``KEP:barrier``,
    ``KEP:neutral``, ``KEP:total`` (coded passages)."""
    table = _polarity_split(passages, codings, codebook, "transcript_id")
    groups = passages.drop_duplicates("transcript_id").set_index("transcript_id")["group"]
    table.insert(1, "group", table["transcript_id"].map(groups))
    return table


def group_code(passages: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook
               ) -> pd.DataFrame:
    """Group × code with polarity split (groups from transcript metadata)."""
    return _polarity_split(passages, codings, codebook, "group")


def cooccurrence_counts(codings: pd.DataFrame, codebook: Codebook):
    """Code × code counts as a sparse matrix (rows and columns in codebook order).

    Computed from the passage × code incidence, so the work grows with the pairs of codes
    that passages share, not with the square of the number of codes.
    """
    from scipy import sparse

    index = {code_id: i for i, code_id in enumerate(codebook.ids)}
    pairs = codings[["passage_id", "code_id"]].drop_duplicates()
    columns = pairs["code_id"].map(index)
    pairs, columns = pairs[columns.notna()], columns[columns.notna()].astype(np.int64)
    rows, _passages = pd.factorize(pairs["passage_id"])
    flags = sparse.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, columns.to_numpy())),
                              shape=(len(_passages), len(index)))
    return (flags.T @ flags).tocsr()


def cooccurrence(passages: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook
                 ) -> pd.DataFrame:
    """Code × code: passages coded with both (the diagonal: passages with the code)."""
    counts = cooccurrence_counts(codings, codebook).toarray()
    matrix = pd.DataFrame(counts, index=pd.Index(codebook.ids, name="code_id"),
                          columns=codebook.ids)
    return matrix.astype(int).reset_index()


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 3].rstrip() + "..."


def framework(passages: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook,
              quotes_per_cell: int = 2) -> pd.DataFrame:
    """Transcript (case) × code; each cell holds the best quotes, one per polarity first.

    A quote reads ``[barrier] "..." (speaker, turn 12)``.
    """
    joined = _joined(passages, codings).sort_values(
        ["transcript_id", "code_id", "score", "passage_id"], ascending=[True, True, False, True],
        kind="stable")
    # best quote per polarity first, then the next best ones
    joined["_rank"] = joined.groupby(["transcript_id", "code_id", "polarity"]).cumcount()
    joined = joined.sort_values(["transcript_id", "code_id", "_rank", "score", "passage_id"],
                                ascending=[True, True, True, False, True], kind="stable")
    picked = joined.groupby(["transcript_id", "code_id"], sort=False).head(quotes_per_cell)
    quotes = ("[" + picked["polarity"] + "] \"" + picked["text"].map(_short) + "\" ("
              + picked["speaker"] + ", turn " + picked["turn"].astype(str) + ")")
    cells = quotes.groupby([picked["transcript_id"], picked["code_id"]], sort=False).agg(
        "\n".join).to_dict()
    tids = sorted(passages["transcript_id"].unique())
    rows = [{"transcript_id": t, **{c: cells.get((t, c), "") for c in codebook.ids}}
            for t in tids]
    return pd.DataFrame(rows, columns=["transcript_id", *codebook.ids])


_BUILDERS = {"passage_code": passage_code, "speaker_code": speaker_code,
             "transcript_code": transcript_code, "group_code": group_code,
             "cooccurrence": cooccurrence, "framework": framework}


def build_matrix(kind: str, passages: pd.DataFrame, codings: pd.DataFrame,
                 codebook: Codebook) -> pd.DataFrame:
    """One matrix by kind (see :data:`MATRIX_KINDS`)."""
    from .errors import UsageError

    if kind not in _BUILDERS:
        raise UsageError(f"unknown matrix kind '{kind}'.",
                         fix=f"use one of {', '.join(MATRIX_KINDS)}.")
    return _BUILDERS[kind](passages, codings, codebook)
