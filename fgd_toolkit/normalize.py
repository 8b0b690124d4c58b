"""Indonesian text clean-up for analysis: non-speech markers, slang, fillers.

The original text is what users see; :func:`normalize` gives the text used for matching and
models (lowercase, standard forms, no fillers, no markers).
"""
from __future__ import annotations

import re
from functools import lru_cache

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
    spans = [(m.start(), m.end()) for m in _BRACKET.finditer(text)]
    for m in _NOTE_LINE.finditer(text):      # "Catatan: ..." on a line of its own
        if m.group("label").lower().strip("*_ ") in lang.word_list("note_labels"):
            spans.append((m.start(), m.end()))
    for m in _PAREN.finditer(text):
        inner = m.group(1).strip().lower()
        if any(inner == w or inner.startswith(w + " ") or inner.startswith(w) and len(w) > 4
               for w in markers):
            spans.append((m.start(), m.end()))
    return sorted(spans)


def mask_markers(text: str) -> str:
    """Replace every marker by spaces of the same length, so offsets stay valid."""
    chars = list(text)
    for start, end in marker_spans(text):
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
    words: list[str] = []
    for tok in tokens(text):
        if tok[0].isalnum():
            if tok in single:       # "eee", "mmm" before elongations are squeezed
                continue
            words.extend(normalize_word(tok).split())
        else:
            words.append(tok[0] if tok[0] != "…" else ".")
    out: list[str] = []
    i = 0
    while i < len(words):
        phrase = next((p for p in multi.get(words[i], ()) if tuple(words[i:i + len(p)]) == p),
                      None)
        if phrase:
            i += len(phrase)
            continue
        if words[i] not in single:
            out.append(words[i])
        i += 1
    return tuple(out)


def join_tokens(toks: list[str]) -> str:
    """Join tokens with spaces, punctuation attached to the word before it (and dropped where
    no word precedes it, e.g. after a removed filler)."""
    out = ""
    for tok in toks:
        if not tok[0].isalnum():
            if out and out[-1].isalnum():
                out += tok
        else:
            out += (" " if out else "") + tok
    return out


def normalize(text: str) -> str:
    """Text for matching and models: lowercase, standard spelling, no fillers or markers.

    >>> normalize("Eh, anggarannya nggak ada [tertawa], udah dipangkas bgt")
    'anggarannya tidak ada, sudah dipangkas banget'
    """
    return join_tokens(normalize_tokens(text))
