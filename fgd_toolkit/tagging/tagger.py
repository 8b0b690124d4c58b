"""From decisions to tables: the codings and candidates tables, and the evidence text of a
coding. The decisions themselves come from :class:`.model.Tagger`."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..models import CANDIDATE_COLUMNS, CODING_COLUMNS
from .features import INCLUDE_NOTE, Evidence, Prototypes
from .model import TagScores


def polarity_label(p_enabler: float, band: float) -> str:
    """``enabler``/``barrier`` outside the neutral band around 0.5, else ``neutral``."""
    if p_enabler >= 0.5 + band:
        return "enabler"
    if p_enabler <= 0.5 - band:
        return "barrier"
    return "neutral"


def evidence_text(ev: Evidence, protos: Prototypes, i: int, j: int, code_id: str,
                  sem_strength: float) -> str:
    """Human-readable reasons for one coding: keywords, nearest example, polarity cues."""
    parts = []
    hits = ev.hits[i].get(code_id, [])
    if hits:
        terms = sorted({h.matched if h.matched == h.keyword else f"{h.matched}~{h.keyword}"
                        for h in hits})
        parts.append("keywords: " + ", ".join(terms))
    k = int(ev.nearest_example[i, j])
    if k >= 0:
        text = protos.example_texts[j][k]
        short = text if len(text) <= 90 else text[:87].rstrip() + "..."
        kind = protos.example_polarity[j][k]
        what = "the code's include note" if kind == INCLUDE_NOTE else f"{kind} example"
        parts.append(f"nearest {what} (sim {ev.sim_example[i, j]:.2f}): \"{short}\"")
    else:
        parts.append(f"similar to definition (sim {ev.sim_desc[i, j]:.2f})")
    cues = ev.cues[i].get(code_id) or []
    if cues:
        parts.append("cues: " + ", ".join(dict.fromkeys(cues)))
    return "; ".join(parts)


def codings_table(passage_ids: list[str], codebook: Codebook, ev: Evidence, protos: Prototypes,
                  scores: TagScores, coder: str, run_id: str) -> pd.DataFrame:
    """The long codings table (DESIGN §1) from the decisions above threshold."""
    threshold = scores.threshold
    band = scores.neutral_band
    rows = []
    ids = codebook.ids          # once: the property builds the list (10,000 codes: 10,000 items)
    idx_i, idx_j = np.nonzero(scores.presence >= threshold)
    for i, j in zip(idx_i.tolist(), idx_j.tolist()):
        code_id = ids[j]
        kw = ev.kw_count[i, j] > 0
        semantic = float(ev.sim_example[i, j])
        source = "keyword" if kw else "semantic"
        rows.append({
            "passage_id": passage_ids[i], "code_id": code_id,
            "polarity": polarity_label(float(scores.enabler[i, j]), band),
            "score": round(float(scores.presence[i, j]), 4), "source": source,
            "evidence": evidence_text(ev, protos, i, j, code_id, semantic),
            "coder": coder, "run_id": run_id,
        })
    frame = pd.DataFrame(rows, columns=CODING_COLUMNS)
    order = {cid: k for k, cid in enumerate(codebook.ids)}
    if len(frame):
        frame["_o"] = frame["code_id"].map(order)
        frame = frame.sort_values(["passage_id", "_o"], kind="stable").drop(columns="_o")
    return frame.reset_index(drop=True)


#: Pairs whose presence reaches this fraction of the threshold are candidates.
CANDIDATE_FRACTION = 1 / 3


def candidates_table(passage_ids: list[str], codebook: Codebook, ev: Evidence,
                     scores: TagScores) -> pd.DataFrame:
    """Every eligible pair near or above its threshold, or named by a keyword
    (:data:`~fgd_toolkit.models.CANDIDATE_COLUMNS`), in passage then codebook order."""
    threshold = scores.threshold
    named = ev.kw_count > 0
    near = (scores.presence >= threshold * CANDIDATE_FRACTION) | named
    near &= scores.coded[:, None]
    rel = ev.sim_example - ev.sim_example.mean(axis=1, keepdims=True)
    rows = rel[scores.coded] if scores.coded.sum() > 1 else rel
    semantic_z = (rel - rows.mean(axis=0)) / np.maximum(rows.std(axis=0), 1e-6)
    idx_i, idx_j = np.nonzero(near)
    ids = codebook.ids
    frame = pd.DataFrame({
        "passage_id": [passage_ids[i] for i in idx_i.tolist()],
        "code_id": [ids[j] for j in idx_j.tolist()],
        "presence": np.round(scores.presence[idx_i, idx_j], 4),
        "threshold": threshold,
        "p_enabler": np.round(scores.enabler[idx_i, idx_j], 4),
        "keyword": named[idx_i, idx_j],
        "semantic_z": np.round(semantic_z[idx_i, idx_j], 3),
        "coded": scores.presence[idx_i, idx_j] >= threshold,
    }, columns=CANDIDATE_COLUMNS)
    return frame.reset_index(drop=True)
