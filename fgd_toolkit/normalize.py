"""Indonesian text clean-up for analysis: non-speech markers, slang, fillers.

The original text is what users see; :func:`normalize` gives the text used for matching and
models (lowercase, standard forms, no fillers, no markers).
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain, filterfalse

from . import lang

_BRACKET = re.compile(r"\[[^\[\]\n]{0,80}\]")
_PAREN = re.compile(r"\(([^()\n]{1,60})\)")
_WORD = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*|[.,!?;:…]+")
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_NUMBER_REDUP = re.compile(r"^([a-z]{2,})2$")
_SPACES = re.compile(r"\s+")
_NOTE_LINE = re.compile(r"(?m)^[ \t]*(?P<label>[*_]{0,2}[^\W\d_][^:\n]{0,30}?)[*_]{0,2}\s*:.*$")


def marker_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of non-speech markers: any ``[...]``, ``(...)`` holding a marker word,
    and a transcriber's note on a line of its own (``Catatan: ...``, ``lang/note_labels.txt``).

    >>> marker_spans("Iya [tertawa] betul (crosstalk) (Dinkes)")
    [(4, 13), (20, 31)]
    """
    markers = lang.word_list("markers")
    spans = [(m.start(), m.end()) for m in _BRACKET.finditer(text)] if "[" in text else []
    for m in _NOTE_LINE.finditer(text) if ":" in text else ():   # "Catatan: ..." on its line
        if m.group("label").lower().strip("*_ ") in lang.word_list("note_labels"):
            spans.append((m.start(), m.end()))
    for m in _PAREN.finditer(text) if "(" in text else ():
        inner = m.group(1).strip().lower()
        if any(inner == w or inner.startswith(w + " ") or inner.startswith(w) and len(w) > 4
               for w in markers):
            spans.append((m.start(), m.end()))
    return sorted(spans)


def mask_markers(text: str) -> str:
    """Replace every marker by spaces of the same length, so offsets stay valid."""
    spans = marker_spans(text)
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def clean_text(text: str) -> str:
    """Text without non-speech markers, whitespace collapsed (for display of analysed text)."""
    return _SPACES.sub(" ", mask_markers(text)).strip()


@lru_cache(maxsize=200_000)
def normalize_word(word: str) -> str:
    """Standard form of one lowercase word (slang table, elongation, ``kata2`` reduplication)."""
    table = lang.slang_table()
    if word in table:
        return table[word]
    squeezed = _ELONGATED.sub(r"\1", word)
    if squeezed in table:
        return table[squeezed]
    for clitic in ("-nya", "nya"):
        base = squeezed[: -len(clitic)]
        if squeezed.endswith(clitic) and base in table:
            return table[base] + "nya"    # nunggunya -> menunggunya, kadisnya -> kepala dinasnya
    redup = _NUMBER_REDUP.match(squeezed)
    if redup:
        base = table.get(redup.group(1), redup.group(1))
        return f"{base}-{base}"
    return squeezed


def tokens(text: str) -> list[str]:
    """Lowercase word and punctuation tokens of a text (markers removed, no normalisation)."""
    return _WORD.findall(mask_markers(text).lower())


@lru_cache(maxsize=1)
def _fillers() -> tuple[frozenset[str], dict[str, tuple[tuple[str, ...], ...]]]:
    """Single-word fillers (raw and normalised) and multi-word fillers as normalised token
    tuples indexed by first word, longest first then alphabetical (a fixed order, whatever
    the hash seed)."""
    single: set[str] = set()
    multi: set[tuple[str, ...]] = set()
    for entry in lang.word_list("fillers"):
        words = [w for part in entry.split() for w in normalize_word(part).split()]
        if len(words) == 1:
            single.update({entry, words[0]})
        elif words:
            multi.add(tuple(words))
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted(multi, key=lambda p: (-len(p), p)):
        by_first.setdefault(phrase[0], []).append(phrase)
    return frozenset(single), {k: tuple(v) for k, v in by_first.items()}


def normalize_tokens(text: str) -> list[str]:
    """Normalised tokens: standard forms, fillers dropped (multi-word fillers too)."""
    return list(_normalize_tokens(text))


@lru_cache(maxsize=65536)
def _normalize_tokens(text: str) -> tuple[str, ...]:
    """Memoised core of :func:`normalize_tokens` (re-runs in a session normalise nothing)."""
    single, multi = _fillers()
    words = list(chain.from_iterable(map(_token_words, tokens(text))))
    if _multi_starts().isdisjoint(words):
        return tuple(filterfalse(single.__contains__, words))
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        starting = multi.get(word)
        if starting:
            phrase = next((p for p in starting if tuple(words[i:i + len(p)]) == p), None)
            if phrase:
                i += len(phrase)
                continue
        if word not in single:
            out.append(word)
        i += 1
    return tuple(out)


@lru_cache(maxsize=200_000)
def _token_words(token: str) -> tuple[str, ...]:
    """What one lowercase token becomes: its standard form as words (a slang entry may stand
    for two), nothing for a filler ("eee", "mmm", before elongations are squeezed), a
    punctuation token's first character (an ellipsis a full stop)."""
    first = token[0]
    if not first.isalnum():
        return ("." if first == "…" else first,)
    if token in _fillers()[0]:
        return ()
    return tuple(normalize_word(token).split())


@lru_cache(maxsize=1)
def _multi_starts() -> frozenset[str]:
    """First words of the multi-word fillers."""
    return frozenset(_fillers()[1])


def join_tokens(toks: list[str]) -> str:
    """Join tokens with spaces, punctuation attached to the word before it (and dropped where
    no word precedes it, e.g. after a removed filler)."""
    groups: list[str] = []      # a word with the punctuation attached to it
    open_word = False           # whether the text written so far ends with a letter or digit
    for tok in toks:
        if tok[0].isalnum():
            groups.append(tok)
        elif open_word:
            groups[-1] += tok
        else:
            continue
        open_word = tok[-1].isalnum()
    return " ".join(groups)


def normalize(text: str) -> str:
    """Text for matching and models: lowercase, standard spelling, no fillers or markers.

    >>> normalize("Eh, anggarannya nggak ada [tertawa], udah dipangkas bgt")
    'anggarannya tidak ada, sudah dipangkas banget'
    """
    return join_tokens(normalize_tokens(text))
