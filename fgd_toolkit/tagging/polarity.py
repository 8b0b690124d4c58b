"""Lexical polarity of a passage (or of the part about one code) from Indonesian cue words.

Cue words (``lang/polarity.yaml``) score +1 (enabler) or -1 (barrier). A negator within a
few tokens before a cue flips it at reduced strength (``tidak ada kendala`` is mildly
positive, ``kurang dukungan`` negative); intensifiers strengthen, hedges weaken. The
passage is cut into clauses at punctuation and contrast words: a clause opened by a contrast
word (``tapi``, ``namun``) outweighs the one before it, a concessive clause (``meskipun``)
weighs less. ``bukan A, tapi B`` moves the predicate to B.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from .. import lang

NEGATION_WINDOW = 3
NEGATED_WEIGHT = 0.6      # a negated cue counts for less than a plain one
MISSING = -1.0            # a code's keyword said to be missing ("tidak ada air panas")
CONTRAST_AFTER = 2.0      # weight of the clause after "tapi"
CONTRAST_BEFORE = 0.5     # weight of the clause before it
CONCESSIVE = 0.5          # weight of a "meskipun ..." clause
RESERVATION = 0.5         # "baik, tapi fokusnya beda": a cue-less "tapi" clause turns the tone
HEDGE = 0.6
INTENSIFIER = 1.5
_BREAKS = {".", ",", ";", "!", "?", ":"}


@dataclass(frozen=True)
class Lexicon:
    """Cue words as sets of token tuples (phrases allowed)."""

    enabler: dict[tuple[str, ...], float]
    negators: frozenset[str]
    topic_negators: frozenset[str]
    contrast: frozenset[tuple[str, ...]]
    concessive: frozenset[tuple[str, ...]]
    hedges: frozenset[tuple[str, ...]]
    intensifiers: frozenset[tuple[str, ...]]
    wishes: frozenset[tuple[str, ...]] = frozenset()
    max_len: int = 3
    #: single words of the missing-keyword and negation-scope rules (``absent``)
    existential: frozenset[str] = frozenset()
    particles: frozenset[str] = frozenset()
    having: frozenset[str] = frozenset()
    trailing: frozenset[str] = frozenset()
    arriving: frozenset[str] = frozenset()
    conditional: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The cue lexicon, normalised like passage text."""
    from ..normalize import normalize_tokens

    data = lang.yaml_lists("polarity")

    def phrases(key: str) -> frozenset[tuple[str, ...]]:
        out = set()
        for entry in data.get(key, ()):
            toks = tuple(t for t in normalize_tokens(entry) if t[0].isalnum())
            if toks:
                out.add(toks)
        return frozenset(out)

    scored: dict[tuple[str, ...], float] = {}
    for toks in phrases("barrier") | phrases("wishes"):
        scored[toks] = -1.0
    for toks in phrases("enabler"):
        scored.setdefault(toks, 1.0)
    negators = frozenset(w for p in phrases("negators") for w in p if len(p) == 1)

    def words(key: str) -> frozenset[str]:
        return frozenset(data.get(key, ()))

    particles = words("particles")
    return Lexicon(enabler=scored, negators=negators,
                   existential=words("existential"), particles=particles,
                   having=words("having"), trailing=particles | words("trailing"),
                   arriving=words("arriving"), conditional=words("conditional"),
                   topic_negators=frozenset(w for p in phrases("topic_negators") for w in p),
                   contrast=phrases("contrast"), concessive=phrases("concessive"),
                   hedges=phrases("hedges"), intensifiers=phrases("intensifiers"),
                   wishes=phrases("wishes"), max_len=max((len(k) for k in scored), default=1))


@dataclass
class Clause:
    """A stretch of tokens between breaks, with its weight and cue score."""

    start: int
    end: int
    weight: float = 1.0
    score: float = 0.0
    cues: list[str] = field(default_factory=list)
    topic_negated: bool = False


def _match_at(tokens: list[str], i: int, phrases: frozenset[tuple[str, ...]] | dict,
              max_len: int = 3) -> tuple[str, ...] | None:
    for n in range(min(max_len, len(tokens) - i), 0, -1):
        cand = tuple(tokens[i:i + n])
        if cand in phrases:
            return cand
    return None


def clauses(tokens: list[str]) -> list[Clause]:
    """Split tokens into weighted clauses (contrast and concessive words open a clause)."""
    lex = lexicon()
    out: list[Clause] = []
    start = 0
    opener: list[str] = []
    kinds: list[str] = []

    def close(end: int, kind: str) -> None:
        if end > start:
            out.append(Clause(start, end))
            kinds.append(kind)

    kind = "plain"
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in _BREAKS:
            close(i, kind)
            start, kind = i + 1, "plain"
        else:
            contrast = _match_at(tokens, i, lex.contrast)
            concessive = None if contrast else _match_at(tokens, i, lex.concessive)
            if (contrast or concessive) and i > start:
                close(i, kind)
                start = i
            if contrast:
                kind = "contrast"
                i += len(contrast)
                continue
            if concessive:
                kind = "concessive"
                i += len(concessive)
                continue
        i += 1
    close(len(tokens), kind)
    del opener
    for idx, clause in enumerate(out):
        if kinds[idx] == "contrast":
            clause.weight *= CONTRAST_AFTER
            if idx > 0:
                out[idx - 1].weight *= CONTRAST_BEFORE / 1.0
        elif kinds[idx] == "concessive":
            clause.weight *= CONCESSIVE
    return out


def score_clause(tokens: list[str], clause: Clause) -> None:
    """Fill ``clause.score`` and ``clause.cues`` from the cue words inside it.

    After a wish or request (``kalau bisa``, ``semoga``) what sounds good is only wished
    for: ``kalau bisa ada pelatihan rutin`` counts the wish, not ``rutin``."""
    lex = lexicon()
    hedged = False
    wished = False
    i = clause.start
    while i < clause.end:
        if _match_at(tokens, i, lex.hedges):
            hedged = True
        if tokens[i] in lex.topic_negators:
            clause.topic_negated = True
        cue = _match_at(tokens, i, lex.enabler, lex.max_len)
        if cue is None or (cue[0] in lex.negators and len(cue) == 1):
            i += 1
            continue
        value = lex.enabler[cue]
        window = tokens[max(clause.start, i - NEGATION_WINDOW):i]
        # two negators cancel: "bukan nggak support" is support
        negated = sum(w in lex.negators for w in window) % 2 == 1 or any(
            lex.enabler.get((w,), 0) < 0 and w in {"kurang", "minim", "tanpa"} for w in window)
        negated = negated or _negated_after(tokens, i + len(cue), clause.end, lex)
        if negated:
            value = -value * NEGATED_WEIGHT
        if any((w,) in lex.intensifiers for w in window):
            value *= INTENSIFIER
        if wished and value > 0:
            i += len(cue)
            continue
        wished = wished or cue in lex.wishes
        clause.score += value
        clause.cues.append(("tidak " if negated else "") + " ".join(cue))
        i += len(cue)
    if hedged:
        clause.score *= HEDGE


def _negated_after(tokens: list[str], start: int, end: int, lex: Lexicon) -> bool:
    """``dukungannya nggak ada``, ``kendala tidak``: a negator right after the cue (particles
    aside) that ends the clause or is followed by an existential verb. A negator after a
    conjunction or comparison (``buruk dan tidak ada sarapan``, ``kotor seperti tidak pernah
    dibersihkan``) belongs to the next predicate."""
    for k in range(start, min(start + 3, end)):
        if tokens[k] in lex.negators:
            return k + 1 >= end or tokens[k + 1] in lex.existential
        if tokens[k] not in lex.particles:
            return False
    return False


def absent(tokens: list[str], start: int, end: int, clause_end: int, lex: Lexicon) -> bool:
    """The words ``tokens[start:end]`` (a keyword) are said to be missing: ``tidak ada X``,
    ``tanpa X``, ``X-nya belum ada``, ``X tidak tersedia``, ``X belum keluar``; not in a
    supposition (``kalau nggak ada X``) and not when something else is missing (``X nggak
    ada gantinya``, ``belum ada peraturan X``)."""
    def supposed(k: int) -> bool:
        return any(t in lex.conditional for t in tokens[max(0, k - 3):k])

    k = start - 1
    while k >= 0 and tokens[k] in lex.particles:
        k -= 1
    if k >= 0 and tokens[k] == "tanpa":
        return not supposed(k)
    if k >= 1 and tokens[k] in lex.having and tokens[k - 1] in lex.negators:
        return not supposed(k - 1)
    k = end
    while k < clause_end and tokens[k] in lex.particles:
        k += 1
    if k >= clause_end or tokens[k] not in lex.negators:
        return False
    k += 1
    if k < clause_end and tokens[k] in lex.having | lex.existential | lex.arriving:
        k += 1
    rest = tokens[k:clause_end]
    return all(t in lex.trailing for t in rest) and not supposed(start)


@dataclass
class PolarityParts:
    """The clauses of a token list with their cue scores, ready to be weighted per code."""

    clauses: list[Clause]

    def score(self, focus: list[tuple[int, int]] | None = None,
              missing: list[tuple[int, str]] | None = None) -> tuple[float, list[str]]:
        """Polarity in [-1, 1] and its cues; ``focus`` spans (a code's keyword hits) make
        clauses holding them count double and the other clauses half. ``missing`` holds
        (token index, words) of a code's keywords said to be absent (``tidak ada air
        panas``): each counts as a barrier cue in its clause."""
        total = 0.0
        cues: list[str] = []
        for clause in self.clauses:
            weight = clause.weight
            if focus:
                inside = any(s < clause.end and e > clause.start for s, e in focus)
                weight *= 2.0 if inside else 0.5
            value = clause.score
            for index, words in missing or ():
                if clause.start <= index < clause.end:
                    value += MISSING
                    cues.append(f"tidak ada {words}")
            total += weight * value
            cues.extend(clause.cues)
        return _squash(total), cues


def polarity_parts(tokens: list[str], memo: dict | None = None) -> PolarityParts:
    """Split tokens into clauses and score their cue words (once per passage).

    ``memo`` (a dict the caller owns, e.g. an
    :class:`~fgd_toolkit.embed.EmbeddingSession`'s ``clauses``) keeps the result per token
    sequence: it is read-only and does not depend on the codebook, so re-coding after a
    codebook edit in the same session reuses it.
    """
    key = tuple(tokens)
    if memo is None:
        return _polarity_parts(key)
    parts = memo.get(key)
    if parts is None:
        parts = memo[key] = _polarity_parts(key)
    return parts


def _polarity_parts(tokens: tuple[str, ...]) -> PolarityParts:
    from .keywords import strip_clitic

    # dukungannya -> dukungan, but cue words written with their clitic stay whole
    # (sayangnya, seharusnya, sepertinya: the bare root means something else)
    keep = _clitic_cues()
    tokens = [t if t in keep else strip_clitic(t) for t in tokens]
    parts = clauses(tokens)
    for clause in parts:
        score_clause(tokens, clause)
    # "bukan A, tapi B": the predicate of A belongs to B
    for prev, nxt in zip(parts, parts[1:]):
        if prev.topic_negated and nxt.weight > 1 and nxt.score == 0 and prev.score != 0:
            nxt.score, nxt.cues = -prev.score / NEGATED_WEIGHT, prev.cues
            prev.score, prev.cues = 0.0, []
        # "Kadisnya baik, tapi fokusnya beda": the contrast itself says the tone turns
        elif nxt.weight > 1 and nxt.score == 0 and prev.score != 0 and not nxt.cues:
            nxt.score = -RESERVATION * (1.0 if prev.score > 0 else -1.0)
            nxt.cues = ["tapi ..."]
    return PolarityParts(parts)


@lru_cache(maxsize=1)
def _clitic_cues() -> frozenset[str]:
    """Words of the cue lexicon that end in a clitic (``sayangnya``, ``harusnya``)."""
    from .keywords import strip_clitic

    lex = lexicon()
    phrases = [*lex.enabler, *lex.contrast, *lex.concessive, *lex.hedges, *lex.intensifiers]
    return frozenset(w for p in phrases for w in p if strip_clitic(w) != w)


def lexical_polarity(tokens: list[str], focus: list[tuple[int, int]] | None = None
                     ) -> tuple[float, list[str]]:
    """Polarity in [-1, 1] of a token list and the cues behind it.

    ``focus`` (token spans of a code's keyword hits) makes clauses holding the code count
    double and distant clauses half, so two codes in one passage get their own polarity.
    """
    return polarity_parts(tokens).score(focus)


def _squash(value: float) -> float:
    return value / (1.0 + abs(value))
