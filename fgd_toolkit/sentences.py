"""Sentence boundaries by rule: linear in the text, no length limit, no model to load.

The rules reproduce what the toolkit used before, spaCy's ``sentencizer`` on its Indonesian
tokenizer with the toolkit's fixes, and give the same boundaries on every bundled, test and
benchmark transcript and on 2,854 IndoNLU hotel and 1,080 car reviews
(``benchmarks/sentences_check.py`` compares them):

- A sentence ends after ``.``, ``!`` or ``?`` (and their full-width forms) standing as a
  token of its own, and after the punctuation that follows them (``?!``, ``.)``, ``."``);
  the next sentence starts at the next word. A final ``.`` stands on its own after a
  lowercase letter, a digit or punctuation, or after two capitals (``OK.``); inside a word
  only between a lowercase letter and a capital (``selesai.Kemudian``). It does not end a
  sentence after one capital (``Bu A.``) nor inside numbers and addresses (``10.30``,
  ``Rp5.000``, ``dinkes.go.id``).
- Abbreviations (``lang/abbreviations.txt``: ``Kec.``, ``Jl.``, ``Bpk.``; degrees with dots
  such as ``S.Pd.I.``; dotted lowercase ``a.n.``; a single lowercase letter ``b.``) never
  end a sentence. The sentence-final ones (``dll.``, ``dsb.``, ``dst.``, ``dkk.``) and
  ellipses (``...``, ``…``; two dots end nothing) end one when a capital follows after a
  single space.
- White space other than a single space (a line break, two spaces) counts as a word, as
  spaCy's tokenizer made it one: after ``selesai.`` it starts the next sentence (so a quote
  or bracket after it opens the next sentence), and after ``dll.`` it hides the capital.
- A run of more than :data:`LONG_CHUNK` characters without white space is not prose: it is
  one word, whatever punctuation it holds.

Texts are cut into white-space separated chunks; a chunk is split into words and
punctuation (memoised per distinct chunk) only when it holds a sentence mark or follows
one, in steps that never copy more than a few characters, so the work grows linearly
with the text, whatever its length and however long its lines.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from . import lang

#: Characters that end a sentence when they stand as a token of their own.
SENTENCE_END = frozenset(".!?。？！．｡‼‽⁇⁈⁉؟۔।॥﹒﹖﹗")
_QUOTES = "'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉⟦⟧"
#: Punctuation split off the start of a chunk, one character at a time.
_PREFIX = frozenset(",:;!?¿؟¡()[]{}<>_*&。？！，、；：～·।،۔؛٪§%=—–/" + _QUOTES)
#: Punctuation split off the end of a chunk, one character at a time.
_SUFFIX = frozenset(",:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪—–-" + _QUOTES)
#: Characters after which a final ``.`` splits off (besides lowercase letters and digits).
_BEFORE_FINAL_DOT = frozenset("…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪%²-+" + _QUOTES)
_DASHES = "-–—~"

_CHUNKS = re.compile(r"\S+")
#: A chunk holding something that can end a sentence.
_MARKED_CHUNK = re.compile(r"(?<!\S)[^\s.!?。？！．｡‼‽⁇⁈⁉؟۔।॥﹒﹖﹗…]*[.!?。？！．｡‼‽⁇⁈⁉؟۔।॥﹒﹖﹗…]\S*")
_DOTS = re.compile(r"\.\.+")
#: Currency signs split off the start of a chunk (``Rp5.000``).
_CURRENCY = re.compile(r"Rp|USD|IDR|RMB|SGD|S\$|[$£€¥฿₹₽₩]")
#: A web or mail address: optional scheme and user, host labels, a lowercase top-level
#: domain, optional port and path.
_LABEL = "[A-Za-z0-9\u00a1-\uffff](?:[A-Za-z0-9\u00a1-\uffff_-]{0,62}[A-Za-z0-9\u00a1-\uffff])?"
_URL = re.compile(rf"(?:[\w+\-.]{{2,}}://)?(?:[^\s@]+@)?(?:{_LABEL}\.)+(?P<tld>[^\W\d_]{{2,63}})"
                  r"(?::\d{2,5})?(?:[/?#]\S*)?")
#: Longest chunk core tried as an address (longer ones are not addresses).
_MAX_URL = 500
#: Degrees with dots (``S.Pd.I.``, ``A.Md.Keb.``), dotted lowercase abbreviations (``a.n.``,
#: ``s.d.``) and a single lowercase letter (``b.``).
_DOTTED = re.compile(r"[A-Z]\.(?:[A-Z][A-Za-z]{0,3}\.)*[A-Z][A-Za-z]{0,3}\.?|(?:[a-z]\.){1,4}")
#: Longest abbreviation (with its dots) looked up.
_MAX_ABBREVIATION = 24
#: Chunks up to this length are memoised.
_MEMO_CHUNK = 64
#: A chunk longer than this (no white space in it) is not prose: it is one word.
LONG_CHUNK = 1000

WORD, PUNCT, END = 0, 1, 2


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[frozenset[str], frozenset[str]]:
    """(every abbreviation as it may be written, the sentence-final ones lowercased)."""
    inner, final = lang.abbreviations()
    written = {variant for abbr in inner | final
               for variant in (abbr, abbr.lower(), abbr[:1].upper() + abbr[1:])}
    return frozenset(written), frozenset(a.lower() for a in final)


def _is_abbreviation(chunk: str, start: int, end: int) -> bool:
    if not 0 < end - start <= _MAX_ABBREVIATION:
        return False
    return chunk[start:end] in _abbreviations()[0] or bool(_DOTTED.fullmatch(chunk, start, end))


def _is_url(chunk: str, start: int, end: int) -> bool:
    if end - start > _MAX_URL:
        return False
    match = _URL.fullmatch(chunk, start, end)
    return bool(match) and match.group("tld").islower()


def _is_punct(text: str) -> bool:
    return all(unicodedata.category(ch)[0] == "P" for ch in text)


def _icon(ch: str) -> bool:
    return unicodedata.category(ch) == "So"


def _prefix_length(chunk: str, start: int, end: int) -> int:
    """Length of the punctuation (or currency sign) split off at ``start``."""
    dots = _DOTS.match(chunk, start, end)
    if dots:
        return dots.end() - start
    first = chunk[start]
    if first == "…" or first in _PREFIX or _icon(first) \
            or first == "+" and not chunk[start + 1:start + 2].isdigit():
        return 1
    currency = _CURRENCY.match(chunk, start, end)
    return currency.end() - start if currency else 0


def _suffix_length(chunk: str, start: int, end: int) -> int:
    """Length of the punctuation split off before ``end``."""
    last = chunk[end - 1]
    if last == "." and end - start >= 2 and chunk[end - 2] == ".":
        first = end - 2
        while first > start and chunk[first - 1] == ".":
            first -= 1
        return end - first
    if last == "…" or last in _SUFFIX or _icon(last):
        return 1
    if last == "." and end - start >= 2:
        before = chunk[end - 2]
        if before.islower() or before.isdigit() or before in _BEFORE_FINAL_DOT:
            return 1
        if end - start >= 3 and (before.isupper() and chunk[end - 3].isupper()
                                 or before in "FfCcKk" and chunk[end - 3] == "°"):
            return 1
    return 0


def _strip_affixes(chunk: str) -> tuple[int, int]:
    """The (start, end) of a chunk's core once punctuation is split off both ends; each
    step splits one prefix and/or one suffix, and stops at an abbreviation."""
    start, end = 0, len(chunk)
    while start < end and not _is_abbreviation(chunk, start, end):
        pre = _prefix_length(chunk, start, end)
        suf = _suffix_length(chunk, start + pre, end) if start + pre < end else 0
        if pre and _is_abbreviation(chunk, start + pre, end):
            return start + pre, end
        if suf and _is_abbreviation(chunk, start, end - suf):
            return start, end - suf
        if not pre and not suf:
            break
        if pre and suf and pre + suf <= end - start:
            start, end = start + pre, end - suf
        elif pre:
            start += pre
        else:
            end -= suf
    return start, end


def _infix_cuts(chunk: str, start: int, end: int) -> list[int]:
    """Where a chunk's core (``start:end``) is cut into pieces: around ellipses, icons, a
    ``.`` between a lowercase letter and a capital (or quotes), a ``,`` between letters, a
    dash between a letter or digit and a letter, ``:`` or ``/`` before a letter. A mark at
    the very start of the core is not cut."""
    cuts: list[int] = []
    i = start + 1
    while i < end:
        ch, before = chunk[i], chunk[i - 1]
        after = chunk[i + 1] if i + 1 < end else ""
        if ch == "." and after == ".":
            j = i
            while j < end and chunk[j] == ".":
                j += 1
            cuts += [i, j]
            i = j + 1 if j < end and chunk[j] in _DASHES else j
            continue
        if ch == "…" or _icon(ch):
            cuts += [i, i + 1]
        elif ch == "." and after and (before.islower() or before in _QUOTES) \
                and (after.isupper() or after in _QUOTES):
            cuts += [i, i + 1]
            if i + 2 < end and after in "\"—" and chunk[i + 2].isalpha():
                cuts.append(i + 2)          # selesai."Kemudian: the quote on its own too
                i += 2
                continue
        elif ch in "\"—" and after.isalpha() and i - start >= 2 and before in ".,'" \
                and (chunk[i - 2].isalpha() or chunk[i - 2] == ")"):
            cuts += [i, i + 1]              # a quote after "kata," before a word
        elif after.isalpha() and (ch == "," and before.isalpha()
                                  or ch in _DASHES + ":<>=/"
                                  and (before.isalpha() or before.isdigit())):
            cuts += [i, i + 1]
        i += 1
    return cuts


def _merge_abbreviations(chunk: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join neighbouring pieces that spell an abbreviation (``Kec`` ``.`` -> ``Kec.``)."""
    out: list[tuple[int, int]] = []
    k = 0
    while k < len(pieces):
        # an abbreviation ends with a dot and is short: only such runs are looked up
        joined = next((m for m in range(min(len(pieces), k + 8), k + 1, -1)
                       if chunk[pieces[m - 1][1] - 1] == "."
                       and pieces[m - 1][1] - pieces[k][0] <= _MAX_ABBREVIATION
                       and _is_abbreviation(chunk, pieces[k][0], pieces[m - 1][1])), None)
        if joined:
            out.append((pieces[k][0], pieces[joined - 1][1]))
            k = joined
        else:
            out.append(pieces[k])
            k += 1
    return out


def _pieces(chunk: str) -> list[tuple[int, int]]:
    """(start, end) of the tokens of a white-space free chunk."""
    start, end = _strip_affixes(chunk)
    pieces: list[tuple[int, int]] = []
    pos = 0
    while pos < start:                  # prefixes, one token each (an ellipsis is one)
        size = _prefix_length(chunk, pos, start) or 1
        pieces.append((pos, pos + size))
        pos += size
    if start < end:
        if _is_abbreviation(chunk, start, end) or _is_url(chunk, start, end):
            pieces.append((start, end))
        else:
            bounds = [start] + [c for c in _infix_cuts(chunk, start, end)
                                if start < c < end] + [end]
            pieces += [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    suffixes: list[tuple[int, int]] = []
    pos = len(chunk)
    while pos > end:
        size = _suffix_length(chunk, end, pos) or 1
        suffixes.append((pos - size, pos))
        pos -= size
    pieces.extend(reversed(suffixes))
    return _merge_abbreviations(chunk, pieces) if len(pieces) > 1 else pieces


def chunk_tokens(chunk: str) -> tuple[tuple[int, int, bool, bool], ...]:
    """Tokens of one white-space free chunk as ``(offset, kind, ends, capital)``: kind is
    ``WORD``, ``PUNCT`` or ``END`` (a sentence mark on its own); ``ends`` marks a
    sentence-final abbreviation or an ellipsis, ``capital`` a token starting with one."""
    if len(chunk) <= _MEMO_CHUNK:
        return _memo_chunk_tokens(chunk)
    if len(chunk) > LONG_CHUNK:
        return ((0, WORD, False, chunk[0].isupper()),)
    return _chunk_tokens(chunk)


@lru_cache(maxsize=100_000)
def _memo_chunk_tokens(chunk: str) -> tuple[tuple[int, int, bool, bool], ...]:
    return _chunk_tokens(chunk)


def _chunk_tokens(chunk: str) -> tuple[tuple[int, int, bool, bool], ...]:
    final = _abbreviations()[1]
    out = []
    for a, b in _pieces(chunk):
        if b - a == 1 and chunk[a] in SENTENCE_END:
            kind = END
        else:
            kind = PUNCT if _is_punct(chunk[a:b]) else WORD
        short = chunk[a:b] if b - a <= _MAX_ABBREVIATION else ""
        dots = all(ch in ".…" for ch in (short or chunk[a:b]))
        ends = short.lower() in final or dots and (b - a >= 3 or chunk[a] == "…")
        out.append((a, kind, ends, chunk[a].isupper()))
    return tuple(out)


def sentence_starts(text: str) -> list[int]:
    """Character offsets where the sentences of ``text`` start (the first is 0)."""
    starts = [0]
    pending = False     # a sentence mark was seen: the next word starts a sentence
    ends = False        # the last token was an ellipsis or ``dll.``: a capital next starts one
    position = 0
    while True:
        if pending or ends:
            match = _CHUNKS.search(text, position)      # the very next chunk decides
            if match is None:
                break
            chunk_start = match.start()
            if chunk_start > position and (position == 0 or chunk_start - position > 1
                                           or text[position] != " "):
                # white space is a token of its own, except a single space after a token
                if pending:
                    starts.append(position + (position > 0 and text[position] == " "))
                    pending = False
                ends = False
        else:
            match = _MARKED_CHUNK.search(text, position)  # ordinary words change nothing
            if match is None:
                break
            chunk_start = match.start()
        position = match.end()
        for offset, kind, token_ends, capital in chunk_tokens(match.group()):
            at = chunk_start + offset
            if ends and capital and at != starts[-1]:
                starts.append(at)
            if pending and kind == WORD:
                if at != starts[-1]:
                    starts.append(at)
                pending = False
            elif kind == END:
                pending = True
            ends = token_ends
    return starts


def sentence_spans(texts: Iterable[str]) -> list[list[tuple[int, int]]]:
    """Per text, the (start, end) character spans of its sentences, white space trimmed.

    Give texts with their non-speech markers masked (:func:`fgd_toolkit.normalize.
    mask_markers`), so that ``[suara tidak jelas]`` is never cut.
    """
    out = []
    for text in texts:
        bounds = sentence_starts(text) + [len(text)]
        trimmed = (trim_span(text, a, b) for a, b in zip(bounds, bounds[1:]))
        out.append([span for span in trimmed if span])
    return out


def trim_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``(start, end)`` without the white space at either end; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
