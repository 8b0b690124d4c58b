"""The coding decision as one model: :class:`Tagger` owns the features, the choice of variant,
``fit``, ``predict``, ``save`` and ``load``.

Evidence (:mod:`.features`) becomes feature matrices [n_passages, n_codes]; small logistic
models turn them into the probability that a code applies and that its polarity is
``enabler``. A fitted tagger holds several variants of the presence model, chosen per code by
what the codebook gives it:

- ``full`` and ``thin`` (their mean decides): the full model reads a code against the others
  and its examples, the thin one trusts keywords more; a *thin codebook* (few codes or few
  examples) takes the thin model alone;
- ``semantic``: for codes without keywords, fitted on the training data coded with every
  keyword removed;
- ``lean`` and ``lean_thin``: for codes with short keyword lists, fitted with every list cut
  to its first ``lean_keywords`` entries;
- ``polarity`` and ``polarity_few_examples`` (codes with at most ``few_examples`` examples of
  a polarity).

The shipped weights (``calibration.json``: one tagger per embedding back-end plus a
``generic`` one over scale-free features) are fitted by this same code through
``fgd calibrate`` (:mod:`.training`). Scikit-learn style: the constructor only stores
parameters, :meth:`Tagger.fit` returns the fitted tagger, an unfitted tagger refuses to
predict. :meth:`Tagger.adapt` refits a fitted tagger for one study from a researcher's
reviewed turns (:mod:`.study`).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .features import Evidence

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook import Codebook
    from .training import TrainingData

PRESENCE_FEATURES = ("kw_any", "kw_count", "z_desc", "z_example", "rel_desc", "rel_example",
                     "sim_desc", "sim_example", "counter_margin", "top1", "kw_x_z", "n_hits_row",
                     "clf", "clf_top1", "q_kw", "q_z", "prev_kw", "prev_z", "kw_agree", "log_len",
                     "kw_x_len")
GENERIC_PRESENCE = ("kw_any", "kw_count", "z_desc", "z_example", "top1", "kw_x_z", "n_hits_row",
                    "clf", "clf_top1", "q_kw", "q_z", "prev_kw", "prev_z")
#: For thin codebooks (few codes or few examples): no feature that compares a code with the
#: other codes or learns from examples, only keywords, similarity to the definition, context.
THIN_PRESENCE = ("kw_any", "kw_count", "sim_desc", "q_kw", "prev_kw", "log_len", "kw_x_len")
GENERIC_THIN = ("kw_any", "kw_count", "q_kw", "prev_kw", "log_len", "kw_x_len")
#: For codes without keywords: semantic and context evidence only.
SEMANTIC_PRESENCE = ("z_desc", "z_example", "rel_desc", "rel_example", "sim_desc",
                     "sim_example", "counter_margin", "top1", "clf", "clf_top1", "q_z", "prev_z",
                     "log_len")
GENERIC_SEMANTIC = ("z_desc", "z_example", "top1", "clf", "clf_top1", "q_z", "prev_z", "log_len")
POLARITY_FEATURES = ("lex", "sem", "sem_z", "lex_x_kw")

#: Feature sets of a tagger fitted for one back-end, and of the generic one.
SPECIFIC = {"full": PRESENCE_FEATURES, "thin": THIN_PRESENCE, "semantic": SEMANTIC_PRESENCE,
            "polarity": POLARITY_FEATURES}
GENERIC = {"full": GENERIC_PRESENCE, "thin": GENERIC_THIN, "semantic": GENERIC_SEMANTIC,
           "polarity": POLARITY_FEATURES}


def _zscore_columns(x: np.ndarray, mask: np.ndarray, min_rows: int) -> np.ndarray:
    """Standardise each column using the rows in ``mask`` (all rows when too few)."""
    rows = x[mask] if mask.sum() >= min_rows else x
    mu = rows.mean(axis=0, keepdims=True)
    sd = rows.std(axis=0, keepdims=True)
    sd[sd < 1e-6] = 1e-6
    return (x - mu) / sd


def presence_features(ev: Evidence, mask: np.ndarray, min_rows: int = 20
                      ) -> dict[str, np.ndarray]:
    """Feature matrices [n_passages, n_codes] for the presence models.

    ``mask`` marks the passages being coded (participants); corpus statistics use them only
    (all passages when fewer than ``min_rows``).
    """
    rel_desc = ev.sim_desc - ev.sim_desc.mean(axis=1, keepdims=True)
    rel_example = ev.sim_example - ev.sim_example.mean(axis=1, keepdims=True)
    z_desc = _zscore_columns(rel_desc, mask, min_rows)
    z_example = _zscore_columns(rel_example, mask, min_rows)
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


def polarity_features(ev: Evidence, mask: np.ndarray, min_rows: int = 20
                      ) -> dict[str, np.ndarray]:
    """Feature matrices [n_passages, n_codes] for the enabler-vs-barrier models."""
    sem_z = _zscore_columns(ev.sem_polarity, mask, min_rows)
    return {"lex": ev.lex_polarity, "sem": ev.sem_polarity, "sem_z": sem_z,
            "lex_x_kw": ev.lex_polarity * (ev.kw_count > 0)}


@dataclass
class LogisticModel:
    """Weights and bias of a fitted logistic model over named features."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float

    def logit(self, feats: dict[str, np.ndarray]) -> np.ndarray:
        z = np.full_like(feats[self.features[0]], self.bias, dtype=np.float64)
        for name, w in zip(self.features, self.weights):
            z = z + w * feats[name]
        return z

    def score(self, feats: dict[str, np.ndarray]) -> np.ndarray:
        return _sigmoid(self.logit(feats))

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, features: tuple[str, ...],
            sample_weight: np.ndarray | None = None, C: float = 1.0) -> "LogisticModel":
        """A scikit-learn logistic regression (L2, lbfgs), kept as plain numbers."""
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=C, max_iter=2000).fit(X, y, sample_weight=sample_weight)
        return cls(tuple(features), np.round(model.coef_[0].astype(np.float64), 6),
                   round(float(model.intercept_[0]), 6))

    def to_dict(self) -> dict:
        return {"features": list(self.features),
                "weights": [round(float(w), 6) for w in self.weights],
                "bias": round(float(self.bias), 6)}

    @classmethod
    def from_dict(cls, data: dict) -> "LogisticModel":
        return cls(tuple(data["features"]), np.asarray(data["weights"], dtype=np.float64),
                   float(data["bias"]))


@dataclass
class TagScores:
    """Probabilities behind the codings, kept for clustering, review sampling and diagnosis."""

    presence: np.ndarray      # [n_passages, n_codes] probability the code applies
    enabler: np.ndarray       # [n_passages, n_codes] probability its polarity is enabler
    coded: np.ndarray         # [n_passages] bool: passage was eligible for coding
    threshold: float
    neutral_band: float
    weak_fraction: float
    variant: str = ""         # which presence variant decided ("full+thin", "thin codebook")

    @property
    def weak_threshold(self) -> float:
        """Presence above which a cluster may reinforce a code."""
        return self.threshold * self.weak_fraction


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _logit(p):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


class NotFittedError(RuntimeError):
    """A :class:`Tagger` was asked to predict before it was fitted."""


#: Parameter names of :class:`Tagger` (saved with the fitted models).
PARAMS = ("generic", "C", "smooth", "lean_keywords", "lean_max_keywords", "few_examples",
          "thin_max_codes", "thin_max_examples", "min_corpus_for_stats", "weak_fraction",
          "max_codes")


class Tagger:
    """The coding decision: presence and polarity models over the evidence of every pair.

    Args:
        generic: use the scale-free feature sets (for back-ends without their own fit).
        C: inverse L2 strength of the logistic models.
        smooth: half-width (in 0.01 steps) over which the F1-by-threshold curve is averaged
            before its peak is taken.
        lean_keywords: keyword-list length the lean models are fitted with.
        lean_max_keywords: codes with at most this many keywords take the lean models.
        few_examples: codes with at most this many examples of a polarity take the polarity
            model fitted with that few.
        thin_max_codes, thin_max_examples: a codebook with at most this many codes, or this
            median of examples per code, is *thin*.
        min_corpus_for_stats: fewer eligible passages than this standardise over all.
        weak_fraction: presence, relative to the threshold, above which a cluster may
            reinforce a code.
        max_codes: codes per passage from similarity alone (0: no cap).
    """

    def __init__(self, *, generic: bool = False, C: float = 1.0, smooth: int = 3,
                 lean_keywords: int = 6, lean_max_keywords: int = 12, few_examples: int = 2,
                 thin_max_codes: int = 4, thin_max_examples: int = 1,
                 min_corpus_for_stats: int = 20, weak_fraction: float = 0.6,
                 max_codes: int = 4) -> None:
        self.generic = generic
        self.C = C
        self.smooth = smooth
        self.lean_keywords = lean_keywords
        self.lean_max_keywords = lean_max_keywords
        self.few_examples = few_examples
        self.thin_max_codes = thin_max_codes
        self.thin_max_examples = thin_max_examples
        self.min_corpus_for_stats = min_corpus_for_stats
        self.weak_fraction = weak_fraction
        self.max_codes = max_codes

    # -- parameters -------------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PARAMS}

    def set_params(self, **params) -> "Tagger":
        for name, value in params.items():
            if name not in PARAMS:
                raise ValueError(f"unknown Tagger parameter {name!r}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.get_params().items()
                   if v != Tagger().get_params()[k]}
        return f"Tagger({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    @property
    def feature_sets(self) -> dict[str, tuple[str, ...]]:
        return GENERIC if self.generic else SPECIFIC

    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "models_")

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError("this Tagger is not fitted yet: call fit() or load() first.")

    # -- fitting ----------------------------------------------------------------------
    def fit(self, data: "TrainingData") -> "Tagger":
        """Fit every variant from labelled feature tables (see :mod:`.training`)."""
        from .training import best_threshold, fit_polarity, neutral_band_for

        sets = self.feature_sets
        models: dict[str, LogisticModel] = {}
        thresholds: dict[str, float] = {}
        models["full"], models["thin"], thresholds["full"], thresholds["thin"] = \
            self._fit_pair(data.main, sets["full"], sets["thin"])
        if data.lean:
            models["lean"], models["lean_thin"], thresholds["lean"], _ = \
                self._fit_pair(data.lean, sets["full"], sets["thin"])
        if data.no_keywords:
            models["semantic"] = self._fit_presence(data.no_keywords, sets["semantic"])
            thresholds["semantic"] = best_threshold(
                data.no_keywords, [models["semantic"].score(t.presence)
                                   for t in data.no_keywords], self.smooth)
        models["polarity"] = fit_polarity(data.main, sets["polarity"], self.C)
        if data.few_examples:
            models["polarity_few_examples"] = fit_polarity(data.few_examples, sets["polarity"],
                                                           self.C)
        self.models_ = models
        self.thresholds_ = thresholds
        self.neutral_band_ = neutral_band_for(data.main, models["polarity"],
                                              data.neutral_share)
        self.source_ = data.description
        self.adjustments_ = None
        return self

    def _fit_presence(self, tables, names) -> LogisticModel:
        from .training import stack_presence

        X, y, w = stack_presence(tables, names)
        return LogisticModel.fit(X, y, names, w, self.C)

    def _fit_pair(self, tables, full_names, thin_names):
        """The full and thin presence models, the threshold of their mean and the thin one's."""
        from .training import best_threshold

        full = self._fit_presence(tables, full_names)
        thin = self._fit_presence(tables, thin_names)
        thin_th = best_threshold(tables, [thin.score(t.presence) for t in tables], self.smooth)
        mean = [(full.score(t.presence) + thin.score(t.presence)) / 2 for t in tables]
        return full, thin, best_threshold(tables, mean, self.smooth), thin_th

    # -- variants ---------------------------------------------------------------------
    def is_thin_codebook(self, codebook: "Codebook") -> bool:
        examples = sorted(len(c.all_examples) for c in codebook.codes)
        median = examples[len(examples) // 2] if examples else 0
        return len(codebook.codes) <= self.thin_max_codes or median <= self.thin_max_examples

    def codes_with_few_keywords(self, codebook: "Codebook") -> list[str]:
        """Codes with a short keyword list (1 to ``lean_max_keywords``): the lean models
        decide them, since a passage without one of their few keywords may well still be
        about them."""
        return [c.id for c in codebook.codes if 0 < len(c.keywords) <= self.lean_max_keywords]

    def codes_with_few_examples(self, codebook: "Codebook") -> list[str]:
        """Codes with at most ``few_examples`` enabler or barrier examples: their polarity
        takes the model fitted for few examples, which leans less on example similarity."""
        return [c.id for c in codebook.codes
                if min(len(c.examples_of("enabler")),
                       len(c.examples_of("barrier"))) <= self.few_examples]

    @staticmethod
    def codes_without_keywords(codebook: "Codebook") -> list[str]:
        """Codes with examples but no keywords: the semantic model decides them."""
        return [c.id for c in codebook.codes if not c.keywords and c.all_examples]

    def variant(self, codebook: "Codebook") -> str:
        """Which presence variant decides this codebook (recorded in the manifest)."""
        self._check_fitted()
        return "thin codebook" if self.is_thin_codebook(codebook) else "full+thin"

    @property
    def threshold(self) -> float:
        """The decision threshold of the main (full+thin) presence model."""
        self._check_fitted()
        return float(self.thresholds_["full"])

    # -- prediction -------------------------------------------------------------------
    def presence_probability(self, feats: dict[str, np.ndarray], codebook: "Codebook"
                             ) -> tuple[np.ndarray, float]:
        """P(code applies) for every pair, and the threshold that decides it.

        The full and thin models' mean decides (the thin model alone for a thin codebook).
        Codes without keywords take the semantic model and codes with short keyword lists
        the lean models, each shifted in log-odds so its own threshold falls on the main one.
        """
        self._check_fitted()
        m = self.models_
        if self.is_thin_codebook(codebook):
            return m["thin"].score(feats), float(self.thresholds_["thin"])
        threshold = float(self.thresholds_["full"])
        prob = (m["full"].score(feats) + m["thin"].score(feats)) / 2
        few_keywords = np.isin(codebook.ids, self.codes_with_few_keywords(codebook))
        if few_keywords.any() and "lean" in m:
            lean = (m["lean"].score(feats) + m["lean_thin"].score(feats)) / 2
            lean = _shift(lean, self.thresholds_["lean"], threshold)
            prob = np.where(few_keywords[None, :], lean, prob)
        keyword_free = np.isin(codebook.ids, self.codes_without_keywords(codebook))
        if keyword_free.any() and "semantic" in m:
            semantic = _shift(m["semantic"].score(feats), self.thresholds_["semantic"],
                              threshold)
            prob = np.where(keyword_free[None, :], semantic, prob)
        return prob, threshold

    def polarity_probability(self, feats: dict[str, np.ndarray], codebook: "Codebook"
                             ) -> np.ndarray:
        """P(enabler) for every pair; codes with few examples of a polarity take the model
        fitted for few examples."""
        self._check_fitted()
        pol = self.models_["polarity"].score(feats)
        few = np.isin(codebook.ids, self.codes_with_few_examples(codebook))
        if few.any() and "polarity_few_examples" in self.models_:
            pol = np.where(few[None, :], self.models_["polarity_few_examples"].score(feats), pol)
        return pol

    def predict(self, ev: Evidence, coded: np.ndarray, codebook: "Codebook") -> TagScores:
        """Presence and polarity probabilities for every pair (zero for passages not coded),
        with the study's adjustments when the tagger was adapted (:meth:`adapt`)."""
        self._check_fitted()
        pres, threshold = self.presence_probability(
            presence_features(ev, coded, self.min_corpus_for_stats), codebook)
        pol = self.polarity_probability(
            polarity_features(ev, coded, self.min_corpus_for_stats), codebook)
        if self.adjustments_ is not None:
            pres, pol = self.adjustments_.apply(pres, pol, ev, codebook)
        pres = np.where(coded[:, None], pres, 0.0)
        pres = cap_codes(pres, ev.kw_count > 0, self.max_codes, threshold)
        return TagScores(presence=pres, enabler=pol, coded=coded, threshold=threshold,
                         neutral_band=float(self.neutral_band_),
                         weak_fraction=self.weak_fraction, variant=self.variant(codebook))

    def adapt(self, ev: Evidence, coded: np.ndarray, codebook: "Codebook", reviewed
              ) -> "Tagger":
        """A copy of this fitted tagger refitted for one study from its reviewed turns
        (a list of :class:`.study.ReviewedTurn`; see :func:`.study.fit_adjustments`). The
        copy predicts for the same passages; the shipped tagger is left unchanged."""
        from .study import fit_adjustments

        self._check_fitted()
        adapted = Tagger(**self.get_params())
        adapted.models_, adapted.thresholds_ = self.models_, self.thresholds_
        adapted.neutral_band_, adapted.source_ = self.neutral_band_, self.source_
        adapted.adjustments_ = None
        base = adapted.predict(ev, coded, codebook)
        semantic = None
        if "semantic" in self.models_ and not self.is_thin_codebook(codebook):
            feats = presence_features(ev, coded, self.min_corpus_for_stats)
            semantic = _shift(self.models_["semantic"].score(feats),
                              self.thresholds_["semantic"], base.threshold)
        adapted.adjustments_ = fit_adjustments(base, ev, codebook, reviewed, semantic)
        return adapted

    # -- persistence ------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The fitted tagger as plain JSON-able data (parameters and weights)."""
        self._check_fitted()
        return {"params": self.get_params(),
                "models": {k: v.to_dict() for k, v in self.models_.items()},
                "thresholds": {k: round(float(v), 4) for k, v in self.thresholds_.items()},
                "neutral_band": round(float(self.neutral_band_), 4),
                "source": self.source_}

    @classmethod
    def from_dict(cls, data: dict) -> "Tagger":
        tagger = cls(**{k: v for k, v in data.get("params", {}).items() if k in PARAMS})
        tagger.models_ = {k: LogisticModel.from_dict(v) for k, v in data["models"].items()}
        tagger.thresholds_ = {k: float(v) for k, v in data["thresholds"].items()}
        tagger.neutral_band_ = float(data["neutral_band"])
        tagger.source_ = data.get("source", "")
        tagger.adjustments_ = None
        return tagger

    def save(self, path: str | Path) -> Path:
        """Write the fitted tagger as JSON (atomically)."""
        from ..atomic import write_text

        return write_text(path, json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "Tagger":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _shift(prob: np.ndarray, own_threshold: float, threshold: float) -> np.ndarray:
    """Shift probabilities in log-odds so that ``own_threshold`` lands on ``threshold``."""
    return _sigmoid(_logit(prob) + _logit(threshold) - _logit(own_threshold))


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


# -- the shipped models --------------------------------------------------------------------

@dataclass
class ShippedModels:
    """Every fitted tagger of a calibration file: one per back-end, plus ``generic``."""

    backends: dict[str, Tagger]
    generic: Tagger | None
    about: str = ""
    text: str = field(default="", repr=False)

    def for_backend(self, model_id: str) -> tuple[str, Tagger]:
        """(key, tagger) fitted for this back-end, else the generic one.

        A corpus-fitted model's id names its fit (``tfidf-...@2/fit-<hash>``); its tagger is
        the model's, whatever the corpus.
        """
        model_id = re.sub(r"/fit-[0-9a-f]+", "", model_id)
        if model_id in self.backends:
            return model_id, self.backends[model_id]
        if self.generic is None:
            from ..errors import BackendNotAvailable

            raise BackendNotAvailable("the calibration file of the installed toolkit has no "
                                      "generic model.",
                                      fix="reinstall fgd-toolkit, or refit it with "
                                          "`fgd calibrate`.")
        return "generic", self.generic

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"about": self.about,
                               "backends": {k: t.to_dict() for k, t in self.backends.items()}}
        if self.generic is not None:
            out["generic"] = self.generic.to_dict()
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "ShippedModels":
        data = json.loads(text)
        return cls(backends={k: Tagger.from_dict(v) for k, v in data.get("backends", {}).items()},
                   generic=Tagger.from_dict(data["generic"]) if data.get("generic") else None,
                   about=data.get("about", ""), text=text)


@lru_cache(maxsize=1)
def _shipped_text() -> str:
    try:
        return resources.files(__package__).joinpath("calibration.json").read_text("utf-8")
    except FileNotFoundError:
        return ""


def shipped_models() -> ShippedModels:
    """The taggers shipped with the toolkit (``tagging/calibration.json``)."""
    text = _shipped_text()
    if not text:
        from ..errors import BackendNotAvailable

        raise BackendNotAvailable("the calibration file of the installed toolkit is missing.",
                                  fix="reinstall fgd-toolkit (pip install -e . from the "
                                      "repository).")
    return ShippedModels.from_json(text)


def load_models(path: str | Path | None = None) -> ShippedModels:
    """The taggers of a calibration file written by ``fgd calibrate`` (``None`` or ``""``:
    the shipped ones)."""
    if not path:
        return shipped_models()
    from ..errors import FgdError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        models = ShippedModels.from_json(text)
    except FileNotFoundError:
        raise FgdError("no such calibration file.", path=path,
                       fix="give a file written by `fgd calibrate`, or leave out --model.") \
            from None
    except RecursionError:
        raise FgdError("not a calibration file (JSON nested too deeply).", path=path,
                       fix="give a file written by `fgd calibrate`.") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise FgdError(f"not a calibration file ({type(exc).__name__}: {exc}).", path=path,
                       fix="give a file written by `fgd calibrate`.") from None
    return models


def calibration_sha256(path: str | Path | None = None) -> str:
    """SHA-256 of the calibration file behind every decision (the shipped one by default;
    refitted between releases, so the manifest and run id record it)."""
    text = _shipped_text() if not path else Path(path).read_text(encoding="utf-8")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def tagger_for(model_id: str, path: str | Path | None = None) -> tuple[str, Tagger]:
    """(calibration key, tagger) for a back-end's model id, from the shipped models or the
    calibration file at ``path``."""
    return load_models(path).for_backend(model_id)
