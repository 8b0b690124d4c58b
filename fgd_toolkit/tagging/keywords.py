"""Affix-aware keyword matching on normalised Indonesian tokens.

A keyword (a word or phrase from the codebook, normalised like the text) matches a token
when they are equal, when the token adds clitics/suffixes/prefixes to it (``anggarannya``,
``penganggaran`` -> ``anggaran``), or when both share a Sastrawi stem of five letters or
more (``pemimpin`` ~ ``pimpinan``). Short keywords (``sk``, ``ac``) only take clitics, so
``sk`` never matches ``skema``. A keyword that is itself a ke-...-an noun (``keturunan``,
``kebijakan``) has a meaning of its own, so it is not found by its root (``penurunan``,
``bijak``), only by its own forms. The ke-...-an noun of a person or role (``kelurahan``,
``kecamatan``, ``kementerian``; ``lang/office_nouns.txt``) names an office or territory, so
it never stands for its root (``lurah``): only keywords written in that form find it.
A keyword inside the name of a body or legal instrument, after its head (``warga`` in ``rukun
warga``, the normalised ``RW``; ``lang/name_heads.txt``), is part of the name, not a mention.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .. import lang
from ..normalize import normalize_tokens

MIN_STEM = 5
SHORT = 3


@lru_cache(maxsize=1)
def _stemmer():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Sastrawi stem of a word (cached); words with digits pass through."""
    if not word.isalpha():
        return word
    return _stemmer().stem(word)


def strip_clitic(word: str) -> str:
    """Drop ``-nya`` (and hyphenated clitics); other clitics are left to the stemmer because
    many roots end in them (``sekolah``, ``masalah``, ``buku``)."""
    if word.endswith(("-nya", "-lah", "-pun", "-kah")):
        return word[:-4]
    if word.endswith("nya") and len(word) >= 5 and word not in lang.word_list("nya_roots"):
        return word[:-3]
    return word


def _office_noun(word: str) -> bool:
    """``kelurahan``, ``sekecamatan``: (se)ke- + a person/role root + -an, an office."""
    core = word[2:] if word.startswith("seke") else word
    return (core.startswith("ke") and core.endswith("an")
            and core[2:-2] in lang.word_list("office_nouns"))


def _ke_an_noun(word: str) -> bool:
    """``keturunan``, ``kebijakan``: a ke-...-an noun, lexicalised apart from its root."""
    return word.startswith("ke") and word.endswith("an") and len(word) >= 8


@lru_cache(maxsize=1)
def _affixes() -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
    """(suffixes, prefixes longest first, nasal prefix -> restored consonant) from
    ``lang/affixes.yaml``."""
    data = lang.yaml_lists("affixes")
    restore = dict(entry.split(">", 1) for entry in data["nasal_restore"])
    return data["suffixes"], data["prefixes"], restore


@lru_cache(maxsize=200_000)
def token_keys(token: str) -> frozenset[str]:
    """Every form a text token may stand for: itself, without clitics, suffixes, prefixes."""
    base = strip_clitic(token)
    keys = {token, base}
    if _office_noun(base):
        return frozenset(keys)
    root = stem(base)
    if len(base) <= SHORT or root == base:
        # a dictionary root (``pegawai``, ``kepala``) or an unknown word: no affixes to strip
        return frozenset(keys)
    cores = {base}
    suffixes, prefixes, nasal_restore = _affixes()
    for suffix in suffixes:
        if base.endswith(suffix) and len(base) - len(suffix) >= 3:
            cores.add(base[: -len(suffix)])
    for core in list(cores):
        for prefix in prefixes:
            if core.startswith(prefix) and len(core) - len(prefix) >= 3:
                rest = core[len(prefix):]
                cores.add(rest)
                if prefix in nasal_restore:
                    cores.add(nasal_restore[prefix] + rest)
    keys |= cores
    if len(root) >= MIN_STEM:
        keys.add("~" + root)
    return frozenset(keys)


@lru_cache(maxsize=50_000)
def keyword_keys(word: str) -> frozenset[str]:
    """Forms a keyword word is found by: itself, and its stem when long enough."""
    keys = {word}
    if len(word) > SHORT and not _ke_an_noun(word):
        root = stem(word)
        if len(root) >= MIN_STEM:
            keys.add("~" + root)
    return frozenset(keys)


@dataclass(frozen=True)
class KeywordHit:
    """A keyword found in a text: which keyword, the matched tokens, and their position."""

    keyword: str
    matched: str
    start: int   # index of the first token
    end: int     # index after the last token


class KeywordMatcher:
    """Finds codebook keywords in normalised token lists.

    >>> m = KeywordMatcher({"ANG": ["anggaran"], "KEP": ["pimpinan"]})
    >>> sorted(h.keyword for h in m.find(normalize_tokens("Anggarannya dipangkas pemimpin"))["ANG"])
    ['anggaran']
    """

    def __init__(self, keywords: dict[str, list[str]]) -> None:
        self.phrases: dict[str, list[tuple[str, list[frozenset[str]]]]] = {}
        self._first: dict[str, list[tuple[str, str, list[frozenset[str]]]]] = {}
        for code_id, words in keywords.items():
            for keyword in words:
                toks = [t for t in normalize_tokens(keyword) if t[0].isalnum()]
                if not toks:
                    continue
                pattern = [keyword_keys(t) for t in toks]
                self.phrases.setdefault(code_id, []).append((keyword, pattern))
                for key in pattern[0]:
                    self._first.setdefault(key, []).append((code_id, keyword, pattern))

    def find(self, tokens: list[str]) -> dict[str, list[KeywordHit]]:
        """Hits per code id, longest phrase first where two overlap."""
        words = list(tokens)
        keys = [token_keys(t) if t[0].isalnum() else frozenset() for t in words]
        hits: dict[str, list[KeywordHit]] = {}
        for i, token_key_set in enumerate(keys):
            candidates = {}
            for key in sorted(token_key_set):
                for code_id, keyword, pattern in self._first.get(key, ()):
                    candidates[(code_id, keyword)] = pattern
            for (code_id, keyword), pattern in candidates.items():
                n = len(pattern)
                if i + n <= len(keys) and all(keys[i + j] & pattern[j] for j in range(n)):
                    hits.setdefault(code_id, []).append(
                        KeywordHit(keyword, " ".join(words[i:i + n]), i, i + n))
        found = {}
        for code_id, code_hits in hits.items():
            kept = [h for h in code_hits if not _inside_name(words, h)]
            if kept:
                found[code_id] = _drop_nested(kept)
        return found


@lru_cache(maxsize=1)
def _name_words() -> dict[str, tuple[tuple[tuple[str, ...], int], ...]]:
    """Word -> (name, position) for every word after the head of a multi-word name the text
    normalisation writes out (``perwali`` -> ``peraturan wali kota``) whose head is in
    ``lang/name_heads.txt``."""
    heads = lang.word_list("name_heads")
    names = sorted({tuple(v.split()) for v in lang.slang_table().values()
                    if len(v.split()) >= 2 and v.split()[0] in heads})
    index: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for name in names:
        for position, word in enumerate(name[1:], start=1):
            index.setdefault(word, []).append((name, position))
    return {word: tuple(entries) for word, entries in index.items()}


def _inside_name(words: list[str], hit: KeywordHit) -> bool:
    """The hit lies within a name (:func:`_name_words`) and does not start at its head."""
    for name, position in _name_words().get(strip_clitic(words[hit.start]), ()):
        first = hit.start - position
        if (first >= 0 and hit.end <= first + len(name)
                and tuple(strip_clitic(w) for w in words[first:first + len(name)]) == name):
            return True
    return False


def _drop_nested(hits: list[KeywordHit]) -> list[KeywordHit]:
    """Keep the longest hit where hits of one code overlap (``kepala dinas`` over ``kepala``);
    among equally long ones an exact match first, then alphabetical (a fixed order)."""
    hits = sorted(hits, key=lambda h: (h.start, -(h.end - h.start), h.matched != h.keyword,
                                       h.keyword))
    kept: list[KeywordHit] = []
    for hit in hits:
        if kept and hit.start < kept[-1].end:
            continue
        kept.append(hit)
    return kept

