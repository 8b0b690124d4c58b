"""Calibrated decisions: turn evidence into code presence and polarity.

Small logistic models (full, thin and semantic presence, polarity), fitted by
``benchmarks/calibrate.py`` on labelled Indonesian data (the development transcripts and the
IndoNLU train splits) and shipped as ``calibration.json``: one entry per embedding back-end
plus a ``generic`` entry of scale-free features for any other back-end. Thresholds and the
neutral band live there too, not in code.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .features import Evidence

PRESENCE_FEATURES = ("kw_any", "kw_count", "z_desc", "z_example", "rel_desc", "rel_example",
                     "sim_desc", "sim_example", "counter_margin", "top1", "kw_x_z", "n_hits_row",
                     "clf", "clf_top1", "q_kw", "q_z", "prev_kw", "prev_z", "kw_agree", "log_len",
                     "kw_x_len")
GENERIC_PRESENCE = ("kw_any", "kw_count", "z_desc", "z_example", "top1", "kw_x_z", "n_hits_row",
                    "clf", "clf_top1", "q_kw", "q_z", "prev_kw", "prev_z")
#: For thin codebooks (few codes or few examples): no feature that compares a code with the
#: other codes or learns from examples, only keywords, similarity to the definition, context.
THIN_PRESENCE = ("kw_any", "kw_count", "sim_desc", "q_kw", "prev_kw", "log_len", "kw_x_len")
#: For codes without keywords: semantic and context evidence only, fitted on the training data
#: with every keyword removed (a keyword-trusting model misses most passages of such a code).
SEMANTIC_PRESENCE = ("z_desc", "z_example", "rel_desc", "rel_example", "sim_desc",
                     "sim_example", "counter_margin", "top1", "clf", "clf_top1", "q_z", "prev_z",
                     "log_len")
GENERIC_SEMANTIC = ("z_desc", "z_example", "top1", "clf", "clf_top1", "q_z", "prev_z", "log_len")
POLARITY_FEATURES = ("lex", "sem", "sem_z", "lex_x_kw")
#: The "lean" presence models are fitted on the training data with each code's keyword list cut
#: to its first ``LEAN_KEYWORDS`` entries; they decide codes with at most
#: ``LEAN_MAX_KEYWORDS`` keywords, whose missing keyword is weaker evidence against the code.
LEAN_KEYWORDS = 6
LEAN_MAX_KEYWORDS = 2 * LEAN_KEYWORDS
#: A code with at most this many enabler or barrier examples takes the polarity model fitted
#: with every code's examples cut to this many per polarity: the similarity to one or two
#: examples is a weaker polarity signal than the similarity to four.
FEW_EXAMPLES = 2
#: A codebook with fewer codes, or fewer examples per code (median), is "thin".
THIN_MAX_CODES = 4
THIN_MAX_EXAMPLES = 1
MIN_CORPUS_FOR_STATS = 20


def _zscore_columns(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Standardise each column using the rows in ``mask`` (all rows when too few)."""
    rows = x[mask] if mask.sum() >= MIN_CORPUS_FOR_STATS else x
    mu = rows.mean(axis=0, keepdims=True)
    sd = rows.std(axis=0, keepdims=True)
    sd[sd < 1e-6] = 1e-6
    return (x - mu) / sd


def presence_features(ev: Evidence, mask: np.ndarray) -> dict[str, np.ndarray]:
    """Feature matrices [n_passages, n_codes] for the presence model.

    ``mask`` marks the passages being coded (participants); corpus statistics use them only.
    """
    rel_desc = ev.sim_desc - ev.sim_desc.mean(axis=1, keepdims=True)
    rel_example = ev.sim_example - ev.sim_example.mean(axis=1, keepdims=True)
    z_desc = _zscore_columns(rel_desc, mask)
    z_example = _zscore_columns(rel_example, mask)
    combined = rel_desc + rel_example
    top1 = (combined == combined.max(axis=1, keepdims=True)).astype(np.float32)
    kw_any = (ev.kw_count > 0).astype(np.float32)
    has_counter = ev.sim_counter != 0
    margin = np.where(has_counter, ev.sim_example - ev.sim_counter, 0.0)
    n_hits_row = np.repeat((ev.kw_count > 0).sum(axis=1, keepdims=True), ev.kw_count.shape[1],
                           axis=1).astype(np.float32)
    # how far this codebook's keywords agree with the semantic evidence in this corpus:
    # mean semantic z of the passages a code's keywords hit (0 for codes without hits)
    z_sem = (z_desc + z_example) / 2
    hits = (kw_any > 0) & mask[:, None]
    agreement = np.where(hits.sum(axis=0) > 0,
                         (z_sem * hits).sum(axis=0) / np.maximum(hits.sum(axis=0), 1), 0.0)
    words = np.array([sum(1 for w in toks if w[0].isalnum()) for toks in ev.tokens],
                     dtype=np.float32)
    log_len = np.repeat(np.log1p(words)[:, None], kw_any.shape[1], axis=1)
    return {
        "kw_any": kw_any, "kw_count": np.minimum(ev.kw_count, 3.0),
        "z_desc": z_desc, "z_example": z_example, "rel_desc": rel_desc,
        "rel_example": rel_example, "sim_desc": ev.sim_desc, "sim_example": ev.sim_example,
        "counter_margin": margin, "top1": top1, "kw_x_z": kw_any * z_sem,
        "n_hits_row": np.minimum(n_hits_row, 4.0),
        "clf": ev.clf_prob,
        "clf_top1": (ev.clf_prob == ev.clf_prob.max(axis=1, keepdims=True)).astype(np.float32),
        **_context_features(ev, kw_any, z_sem),
        "kw_agree": kw_any * np.clip(agreement, -1.0, 3.0)[None, :],
        "log_len": log_len, "kw_x_len": kw_any * log_len,
    }


def _context_features(ev: Evidence, kw_any: np.ndarray, z: np.ndarray
                      ) -> dict[str, np.ndarray]:
    """Evidence from the conversation around a passage: the moderator's question and the turn
    before (zeros where there is no such context)."""
    out = {}
    for name, prefix in (("question", "q"), ("previous", "prev")):
        kw = np.zeros_like(kw_any)
        zz = np.zeros_like(z)
        for i, rows in enumerate(ev.context.get(name, ())):
            if rows:
                idx = list(rows)
                kw[i] = kw_any[idx].max(axis=0)
                zz[i] = np.maximum(z[idx].max(axis=0), 0)
        out[f"{prefix}_kw"] = kw
        out[f"{prefix}_z"] = zz
    return out


def polarity_features(ev: Evidence, mask: np.ndarray) -> dict[str, np.ndarray]:
    """Feature matrices [n_passages, n_codes] for the enabler-vs-barrier model."""
    sem_z = _zscore_columns(ev.sem_polarity, mask)
    return {"lex": ev.lex_polarity, "sem": ev.sem_polarity, "sem_z": sem_z,
            "lex_x_kw": ev.lex_polarity * (ev.kw_count > 0)}


@dataclass
class LogisticModel:
    """Weights and bias of a fitted logistic model over named features."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float

    def score(self, feats: dict[str, np.ndarray]) -> np.ndarray:
        z = np.full_like(next(iter(feats.values())), self.bias, dtype=np.float64)
        for name, w in zip(self.features, self.weights):
            z = z + w * feats[name]
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def from_json(cls, data: dict) -> "LogisticModel":
        return cls(tuple(data["features"]), np.asarray(data["weights"], dtype=np.float64),
                   float(data["bias"]))


@dataclass
class Calibration:
    """Presence and polarity models with their thresholds, for one back-end."""

    key: str
    presence: LogisticModel
    threshold: float
    polarity: LogisticModel
    neutral_band: float
    source: str = ""
    thin_presence: LogisticModel | None = None
    thin_threshold: float | None = None
    semantic_presence: LogisticModel | None = None
    semantic_threshold: float | None = None
    lean_presence: LogisticModel | None = None
    lean_thin_presence: LogisticModel | None = None
    lean_threshold: float | None = None
    few_examples_polarity: LogisticModel | None = None

    @classmethod
    def from_json(cls, key: str, data: dict) -> "Calibration":
        def model(name: str) -> LogisticModel | None:
            return LogisticModel.from_json(data[name]) if data.get(name) else None

        return cls(key=key, presence=LogisticModel.from_json(data["presence"]),
                   threshold=float(data["threshold"]),
                   polarity=LogisticModel.from_json(data["polarity"]),
                   neutral_band=float(data["neutral_band"]), source=data.get("source", ""),
                   thin_presence=model("presence_thin"),
                   thin_threshold=data.get("threshold_thin"),
                   semantic_presence=model("presence_semantic"),
                   semantic_threshold=data.get("threshold_semantic"),
                   lean_presence=model("presence_lean"),
                   lean_thin_presence=model("presence_lean_thin"),
                   lean_threshold=data.get("threshold_lean"),
                   few_examples_polarity=model("polarity_few_examples"))

    def presence_probability(self, feats: dict[str, np.ndarray],
                             keyword_free: np.ndarray | None = None,
                             few_keywords: np.ndarray | None = None) -> np.ndarray:
        """P(code applies): the mean of the full and the thin model (the thin one alone once
        :meth:`for_codebook` chose it). The full model reads a code against the others and
        its examples; the thin one trusts keywords more; their mean held up best across FGD
        and review data.

        Columns flagged in ``keyword_free`` (codes without keywords but with examples) take
        the semantic model instead, shifted in log-odds so that its own threshold falls on
        :attr:`threshold`. Columns flagged in ``few_keywords`` (at most
        :data:`LEAN_MAX_KEYWORDS` keywords) take the lean models, fitted with short keyword
        lists, shifted the same way. A thin codebook's calibration has neither: compared with
        few other codes and few examples, semantic evidence alone is not reliable.
        """
        full = self.presence.score(feats)
        if self.thin_presence is not None:
            full = (full + self.thin_presence.score(feats)) / 2
        if few_keywords is not None and few_keywords.any() and self.lean_presence is not None:
            lean = self.lean_presence.score(feats)
            if self.lean_thin_presence is not None:
                lean = (lean + self.lean_thin_presence.score(feats)) / 2
            lean = self._on_main_threshold(lean, float(self.lean_threshold))
            full = np.where(few_keywords[None, :], lean, full)
        if keyword_free is None or not keyword_free.any() or self.semantic_presence is None:
            return full
        semantic = self._on_main_threshold(self.semantic_presence.score(feats),
                                           float(self.semantic_threshold))
        return np.where(keyword_free[None, :], semantic, full)

    def polarity_probability(self, feats: dict[str, np.ndarray],
                             few_examples: np.ndarray | None = None) -> np.ndarray:
        """P(enabler) for every pair; columns flagged in ``few_examples`` (codes with at most
        :data:`FEW_EXAMPLES` examples of a polarity) take the model fitted for few examples."""
        pol = self.polarity.score(feats)
        if few_examples is None or not few_examples.any() or self.few_examples_polarity is None:
            return pol
        return np.where(few_examples[None, :], self.few_examples_polarity.score(feats), pol)

    def _on_main_threshold(self, prob: np.ndarray, own_threshold: float) -> np.ndarray:
        """Shift probabilities in log-odds so that ``own_threshold`` lands on
        :attr:`threshold` (one threshold decides every code)."""
        shift = _logit(self.threshold) - _logit(own_threshold)
        return 1.0 / (1.0 + np.exp(-(_logit(prob) + shift)))

    def for_codebook(self, codebook) -> "Calibration":
        """This calibration, with the thin-codebook presence model when the codebook has few
        codes or few examples (the full model compares codes and learns from examples)."""
        examples = sorted(len(c.all_examples) for c in codebook.codes)
        median = examples[len(examples) // 2] if examples else 0
        thin = len(codebook.codes) <= THIN_MAX_CODES or median <= THIN_MAX_EXAMPLES
        if not thin or self.thin_presence is None:
            return self
        return Calibration(key=f"{self.key} (thin codebook)", presence=self.thin_presence,
                           threshold=float(self.thin_threshold), polarity=self.polarity,
                           neutral_band=self.neutral_band, source=self.source,
                           few_examples_polarity=self.few_examples_polarity)


def _logit(p):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


@lru_cache(maxsize=1)
def _shipped_text() -> str:
    try:
        return resources.files(__package__).joinpath("calibration.json").read_text("utf-8")
    except FileNotFoundError:
        return ""


@lru_cache(maxsize=1)
def _shipped() -> dict:
    text = _shipped_text()
    return json.loads(text) if text else {}


def calibration_sha256() -> str:
    """SHA-256 of the shipped ``calibration.json``: the fitted models behind every decision
    (refitted between releases, so the manifest and run id record it)."""
    return hashlib.sha256(_shipped_text().encode("utf-8")).hexdigest()


def calibration_for(model_id: str) -> Calibration:
    """The calibration fitted for this back-end, else the generic (scale-free) one.

    A corpus-fitted model's id names its fit (``tfidf-...@2/fit-<hash>``); its calibration
    is the model's, whatever the corpus.
    """
    model_id = re.sub(r"/fit-[0-9a-f]+", "", model_id)
    shipped = _shipped()
    backends = shipped.get("backends", {})
    if model_id in backends:
        return Calibration.from_json(model_id, backends[model_id])
    if "generic" not in shipped:
        from ..errors import BackendNotAvailable

        raise BackendNotAvailable("the calibration file of the installed toolkit is missing.",
                                  fix="reinstall fgd-toolkit (pip install -e . from the "
                                      "repository).")
    return Calibration.from_json("generic", shipped["generic"])
