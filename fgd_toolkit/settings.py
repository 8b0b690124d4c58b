"""The settings of a coding run and which passages they make eligible for coding.

:class:`CodeSettings` is the single source of truth of a run: the pipeline reads it, the
manifest records it, and the run id hashes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .clustering import ClusterOptions
from .embed import DEFAULT_BACKEND
from .segment import SegmentOptions


@dataclass(frozen=True)
class CodeSettings:
    """Settings of a coding run (all of them go into the manifest)."""

    backend: str = DEFAULT_BACKEND
    #: a calibration file written by ``fgd calibrate`` ("": the models shipped with the toolkit)
    model: str = ""
    #: refit the tagger on reviewed turns for the rest of the study (reviewed turns keep the
    #: researcher's codes either way)
    refit: bool = True
    include_moderator: bool = False
    include_backchannel: bool = False
    include_introductions: bool = False
    max_codes_per_passage: int = 4
    cluster: bool = True
    cluster_reinforce: bool = True
    segment: SegmentOptions = field(default_factory=SegmentOptions)
    clustering: ClusterOptions = field(default_factory=ClusterOptions)

    @classmethod
    def from_manifest(cls, settings: dict) -> "CodeSettings":
        """The eligibility-relevant settings recorded in a manifest (other fields default)."""
        return cls(include_moderator=bool(settings.get("include_moderator")),
                   include_backchannel=bool(settings.get("include_backchannel")),
                   include_introductions=bool(settings.get("include_introductions")))


def ineligible_reasons(passages: pd.DataFrame, settings: CodeSettings) -> np.ndarray:
    """Per passage, why it is not coded (``""`` for a passage that is): moderator/observer
    turns (unless ``include_moderator``), back-channels, self-introductions (unless asked)."""
    roles = {"participant"} | ({"moderator", "observer"} if settings.include_moderator else set())
    n = len(passages)
    back = passages["backchannel"].to_numpy(dtype=bool) if "backchannel" in passages \
        else np.zeros(n, dtype=bool)
    intro = passages["introduction"].to_numpy(dtype=bool) if "introduction" in passages \
        else np.zeros(n, dtype=bool)
    reasons = np.full(n, "", dtype=object)
    for i, role in enumerate(passages["role"].tolist()):
        if back[i] and not settings.include_backchannel:
            reasons[i] = "back-channel"
        elif intro[i] and not settings.include_introductions:
            reasons[i] = "self-introduction"
        elif role not in roles:
            reasons[i] = f"{role} turn (not coded)"
    return reasons


def eligible_mask(passages: pd.DataFrame, settings: CodeSettings) -> np.ndarray:
    """Which passages are coded (see :func:`ineligible_reasons`)."""
    return ineligible_reasons(passages, settings) == ""
