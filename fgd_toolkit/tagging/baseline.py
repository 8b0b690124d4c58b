"""Keyword-only baseline: a code applies when one of its keywords occurs (not ruled out by
``bukan``); polarity from cue words alone. The yardstick the full tagger must beat."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..models import CODING_COLUMNS
from ..normalize import normalize_tokens
from .keywords import KeywordMatcher
from .polarity import lexical_polarity


def keyword_codings(passages: pd.DataFrame, codebook: Codebook, eligible: np.ndarray
                    ) -> pd.DataFrame:
    """Codings from keyword hits only, for the eligible passages."""
    from .features import _topic_negated
    from .polarity import lexicon

    matcher = KeywordMatcher({c.id: c.keywords for c in codebook.codes})
    topic_negators = lexicon().topic_negators
    rows = []
    for i in np.flatnonzero(eligible):
        tokens = normalize_tokens(passages["text"].iat[i])
        for code_id, hits in matcher.find(tokens).items():
            hits = [h for h in hits if not _topic_negated(tokens, h, topic_negators)]
            if not hits:
                continue
            value, cues = lexical_polarity(tokens, focus=[(h.start, h.end) for h in hits])
            polarity = "enabler" if value > 0 else "barrier" if value < 0 else "neutral"
            rows.append({"passage_id": passages["passage_id"].iat[i], "code_id": code_id,
                         "polarity": polarity, "score": 1.0, "source": "keyword",
                         "evidence": "keywords: " + ", ".join(sorted({h.keyword for h in hits})),
                         "coder": "keyword-baseline", "run_id": ""})
    return pd.DataFrame(rows, columns=CODING_COLUMNS)
