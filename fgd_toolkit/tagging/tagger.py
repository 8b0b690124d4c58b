"""Deductive tagging: decide, per passage and code, whether the code applies and its polarity."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..models import CODING_COLUMNS
from .features import INCLUDE_NOTE, Evidence, Prototypes
from .model import Calibration, polarity_features, presence_features

#: Presence probability, relative to the threshold, above which a cluster may reinforce a code.
WEAK_FRACTION = 0.6


@dataclass
class TagScores:
    """Probabilities behind the codings, kept for clustering and diagnostics."""

    presence: np.ndarray      # [n_passages, n_codes] probability the code applies
    enabler: np.ndarray       # [n_passages, n_codes] probability its polarity is enabler
    coded: np.ndarray         # [n_passages] bool: passage was eligible for coding
    calibration: Calibration

    @property
    def weak_threshold(self) -> float:
        return self.calibration.threshold * WEAK_FRACTION


def polarity_label(p_enabler: float, band: float) -> str:
    """``enabler``/``barrier`` outside the neutral band around 0.5, else ``neutral``."""
    if p_enabler >= 0.5 + band:
        return "enabler"
    if p_enabler <= 0.5 - band:
        return "barrier"
    return "neutral"


def decide(ev: Evidence, coded: np.ndarray, calibration: Calibration,
           max_codes: int, keyword_free: np.ndarray | None = None,
           few_keywords: np.ndarray | None = None,
           few_examples: np.ndarray | None = None) -> TagScores:
    """Presence and polarity probabilities for every pair (zero for passages not coded).

    ``keyword_free`` flags the codes without keywords: they are decided by the semantic model;
    ``few_keywords`` the codes with short keyword lists: they are decided by the lean models;
    ``few_examples`` the codes with few examples of a polarity: their polarity model is the
    one fitted for few examples.
    """
    pres = calibration.presence_probability(presence_features(ev, coded), keyword_free,
                                            few_keywords)
    pol = calibration.polarity_probability(polarity_features(ev, coded), few_examples)
    pres[~coded] = 0.0
    pres = cap_codes(pres, ev.kw_count > 0, max_codes, calibration.threshold)
    return TagScores(presence=pres, enabler=pol, coded=coded, calibration=calibration)


def cap_codes(presence: np.ndarray, named: np.ndarray, max_codes: int,
              threshold: float) -> np.ndarray:
    """Keep at most ``max_codes`` codes per passage above ``threshold`` (0: no cap).

    The cap stops similarity alone from spraying codes over a passage; a code ``named`` by
    its own keywords is never pushed out (a review may name six aspects in one breath).
    """
    if not max_codes or presence.shape[1] <= max_codes:
        return presence
    kth = -np.sort(-presence, axis=1)[:, max_codes - 1:max_codes]
    keep = (presence >= kth) | named
    return np.where(keep, presence, np.minimum(presence, threshold * 0.999))


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
    threshold = scores.calibration.threshold
    band = scores.calibration.neutral_band
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
