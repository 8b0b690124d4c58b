"""Indonesian language data (slang, fillers, stop words, cue words...) kept as data files.

Every list is read once and cached. Files are plain text: one entry per line, ``#`` starts a
comment; ``slang.tsv`` has ``informal<TAB>standard`` rows; ``*.yaml`` files hold named lists.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..safe_yaml import load_yaml


def _read(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _lines(name: str) -> list[str]:
    out = []
    for raw in _read(name).splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@lru_cache(maxsize=None)
def word_list(name: str) -> frozenset[str]:
    """A one-entry-per-line list, lowercased (``fillers``, ``markers``, ``backchannel``...)."""
    return frozenset(line.lower() for line in _lines(f"{name}.txt"))


@lru_cache(maxsize=None)
def slang_table() -> dict[str, str]:
    """Informal or abbreviated form -> standard Indonesian (``slang.tsv``)."""
    table: dict[str, str] = {}
    for line in _lines("slang.tsv"):
        informal, _, standard = line.partition("\t")
        if informal == "informal" and standard == "standard":
            continue  # header row
        if informal and standard:
            table[informal.strip().lower()] = standard.strip().lower()
    return table


@lru_cache(maxsize=None)
def abbreviations() -> tuple[frozenset[str], frozenset[str]]:
    """(abbreviations that never end a sentence, those that often do), as written."""
    inner: set[str] = set()
    final: set[str] = set()
    target = inner
    for raw in _read("abbreviations.txt").splitlines():
        line = raw.strip()
        if line.startswith("#"):
            if "sentence-final" in line:
                target = final
            continue
        if line:
            target.add(line)
    return frozenset(inner), frozenset(final)


@lru_cache(maxsize=None)
def yaml_lists(name: str) -> dict[str, tuple[str, ...]]:
    """Named lists from a YAML data file (``polarity``, ``speakers``)."""
    data = load_yaml(_read(f"{name}.yaml"), f"lang/{name}.yaml") or {}
    return {key: tuple(str(v).lower() for v in (values or [])) for key, values in data.items()}


@lru_cache(maxsize=None)
def stop_words() -> frozenset[str]:
    """spaCy's Indonesian stop words plus informal spoken forms and fillers."""
    extra = word_list("stopwords_informal") | word_list("fillers") | word_list("backchannel")
    return _spacy_stop_words() | frozenset(w for w in extra if " " not in w)


def _spacy_stop_words() -> frozenset[str]:
    """The stop word list of spaCy's Indonesian data, read from its one data file: importing
    ``spacy`` itself would load thinc and torch, seconds spent on a word list."""
    import importlib.util

    spec = importlib.util.find_spec("spacy")       # finds the package without importing it
    folders = list(spec.submodule_search_locations or []) if spec else []
    data = Path(folders[0]) / "lang" / "id" / "stop_words.py" if folders else None
    if data is not None and data.is_file():
        module_spec = importlib.util.spec_from_file_location("_fgd_spacy_id_stop_words", data)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return frozenset(module.STOP_WORDS)
    from spacy.lang.id.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)
