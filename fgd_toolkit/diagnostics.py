"""Warnings a coding run gives about its inputs and codebook (stored in the manifest and
printed by the CLI)."""
from __future__ import annotations

import numpy as np

from .codebook import Codebook
from .tagging.model import Tagger


def run_warnings(passages, codings, cb: Codebook, mask: np.ndarray, tagger: Tagger,
                 evidence) -> list[str]:
    """Every warning of a run, in a fixed order."""
    return (_coverage_warnings(passages, codings, cb, mask) + _short_list_warnings(cb, tagger)
            + _common_keyword_warnings(evidence, mask))


def _coverage_warnings(passages, codings, cb: Codebook, mask) -> list[str]:
    """No participant passages at all; codes that never fired."""
    out = []
    if not mask.any():
        out.append("no participant passages to code: every turn is a moderator/observer turn "
                   "or a back-channel (use --include-moderator to code moderator turns).")
        return out
    fired = set(codings["code_id"]) if len(codings) else set()
    silent = [c for c in cb.ids if c not in fired]
    if silent and len(silent) == len(cb.ids):
        out.append(f"no code fired on any passage ({', '.join(silent)}): check that the "
                   "codebook's language and keywords match the transcripts; codes with only a "
                   "definition need keywords or examples.")
    elif silent:
        out.append(f"codes that never fired: {', '.join(silent)} (check their keywords and "
                   "examples with `fgd codebook lint`).")
    return out


def _short_list_warnings(cb: Codebook, tagger: Tagger) -> list[str]:
    """Name the codes the lean models decide: their codings rest more on similarity, so
    results differ from a codebook with full keyword lists, and longer lists sharpen them."""
    short = tagger.codes_with_few_keywords(cb)
    if not short:
        return []
    return [f"codes with short keyword lists (at most {tagger.lean_max_keywords}): "
            f"{', '.join(short)}; they are decided by models fitted for short lists, which "
            "also code passages without a keyword: add synonyms and informal forms to their "
            "keywords to sharpen them."]


#: A keyword found in at least this share of the coded passages (and in at least
#: ``COMMON_KEYWORD_MIN`` of them) is named in a warning: it codes passing mentions.
COMMON_KEYWORD_SHARE = 0.15
COMMON_KEYWORD_MIN = 10


def _common_keyword_warnings(evidence, mask: np.ndarray) -> list[str]:
    """Keywords the conversation uses everywhere (``warga`` in an FGD about citizens' use of
    apps): they were the main source of false positives on held-out FGDs."""
    rows = np.flatnonzero(mask)
    counts: dict[tuple[str, str], int] = {}
    for i in rows:
        for code_id, hits in evidence.hits[i].items():
            for keyword in {h.keyword for h in hits}:
                counts[(code_id, keyword)] = counts.get((code_id, keyword), 0) + 1
    out = []
    for (code_id, keyword), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if n >= COMMON_KEYWORD_MIN and n >= COMMON_KEYWORD_SHARE * len(rows):
            out.append(f"keyword '{keyword}' of {code_id} occurs in {n} of {len(rows)} "
                       f"participant passages ({n / len(rows):.0%}): a word this common marks "
                       "passing mentions too; consider a more specific phrase in the codebook.")
    return out
