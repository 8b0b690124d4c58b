"""Self-introductions: the round of "Saya Ratna, Kabid Pelayanan Kesehatan." that opens an FGD.

Careful coders do not code a participant's name and position: a position ("pranata
komputer", "bagian jaringan") names a topic without saying it drives or holds back the
innovation. The opening sentences of a participant turn that introduce the speaker become a
passage of their own, flagged ``introduction`` and left out of coding; the rest of the turn
is coded as usual, unless it is short (at most ``MAX_REST_WORDS`` words: "Sehari-hari ngurus
keamanan informasi."), in which case the whole turn is the introduction: a remark about
one's job or how long one has held it belongs to the introduction round, not to the
discussion.

A sentence introduces its speaker when, after greetings and thanks, it starts with the
speaker's own name taken from the label ("Bu Ratna" -> "Saya Ratna, ...", "Ratna, dari ...")
or with an introduction phrase from ``lang/introductions.txt`` ("saya dari", "nama saya").
Greetings, thanks and forms of address are listed in ``lang/greetings.txt``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

from . import lang

#: An introduction is short; a longer sentence that starts with the name carries content.
MAX_WORDS = 16
#: It comes among the turn's first sentences, after at most two short ones
#: ("Selamat pagi.", "Maaf telat, Bapak Ibu, tadi rapat di DPRD molor.").
MAX_SENTENCE_INDEX = 2
MAX_WORDS_BEFORE = 12
#: The name must appear this early in the sentence (after greetings).
NAME_WITHIN = 3
#: After an introduction, a rest of the turn up to this many words (two short sentences)
#: still belongs to it; a longer rest is discussion and is coded.
MAX_REST_WORDS = 30

_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
    """Words that are never a name in a label, and the introduction phrases."""
    lists = lang.yaml_lists("speakers")
    entries = [e for key in ("honorifics", "moderator", "observer", "participant")
               for e in lists.get(key, ())]
    not_names = {word.strip(".").lower() for e in entries for word in e.split()}
    phrases = tuple(tuple(p.split()) for p in sorted(lang.word_list("introductions"),
                                                     key=lambda p: (-len(p), p)))
    return frozenset(not_names), phrases


@lru_cache(maxsize=4096)
def speaker_names(speaker: str) -> frozenset[str]:
    """Lowercased name words of a speaker label: "Pak Hendra (Dukcapil)" -> {"hendra"}.

    Honorifics, role words ("Peserta 3"), titles and anything after a bracket or a dash (the
    organisation) are dropped; so are words shorter than three letters.
    """
    label = re.split(r"[(\[]| - | – ", speaker, maxsplit=1)[0]
    not_names, _ = _vocabulary()
    return frozenset(w.lower() for w in _WORD.findall(label)
                     if len(w) >= 3 and w.lower() not in not_names)


def introduces_speaker(sentence: str, names: frozenset[str]) -> bool:
    """Whether a sentence is the speaker's self-introduction (see the module docstring)."""
    original = _WORD.findall(sentence)
    words = [w.lower() for w in original]
    if not words or len(words) > MAX_WORDS:
        return False
    start = 0
    greetings = lang.word_list("greetings")
    while start < len(words) and words[start] in greetings and words[start] not in names:
        start += 1
    if start and words[start - 1] == "saya":
        start -= 1                   # "Saya Ratna": keep the "saya" the greeting skip ate
    # the speaker's own name, written as a name (capitalised), opens the sentence
    if any(words[i] in names and original[i][0].isupper()
           for i in range(start, min(start + NAME_WITHIN, len(words)))):
        return True
    rest = tuple(words[start:])
    return bool(rest) and any(rest[:len(p)] == p for p in _phrases_by_first().get(rest[0], ()))


@lru_cache(maxsize=1)
def _phrases_by_first() -> dict[str, tuple[tuple[str, ...], ...]]:
    """The introduction phrases by their first word (longest first, as listed)."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for phrase in _vocabulary()[1]:
        by_first.setdefault(phrase[0], []).append(phrase)
    return {word: tuple(phrases) for word, phrases in by_first.items()}


def _more_words_than(text: str, limit: int) -> bool:
    """Whether ``text`` has more than ``limit`` words (reads no further than that)."""
    return next(islice(_WORD.finditer(text), limit, None), None) is not None


def introduction_length(text: str, spans: list[tuple[int, int]], speaker: str) -> int:
    """How many of a turn's leading sentences (``spans`` into ``text``) introduce the speaker
    (0 when none do; all of them when what follows the introduction is short)."""
    names = speaker_names(speaker)
    for k, (start, end) in enumerate(spans[:MAX_SENTENCE_INDEX + 1]):
        if introduces_speaker(text[start:end], names):
            rest = text[end:spans[-1][1]]
            return k + 1 if _more_words_than(rest, MAX_REST_WORDS) else len(spans)
        if _more_words_than(text[start:end], MAX_WORDS_BEFORE):
            return 0
    return 0
