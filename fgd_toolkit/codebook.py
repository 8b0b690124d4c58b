"""Codebooks (``schema: fgd-codebook/1``): load, validate every problem at once, CSV round-trip.

>>> cb = load_codebook("codebooks/inovasi-pelayanan-publik.yaml")      # doctest: +SKIP
>>> [c.id for c in cb.codes][:3]                                       # doctest: +SKIP
['KEP', 'REG', 'AUD']
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from .csv_safety import escape_cell, unescape_cell
from .errors import CodebookError, CodebookProblem, UnsafeInputError
from .safe_yaml import compose_yaml

SCHEMA = "fgd-codebook/1"
TOP_KEYS = ("schema", "name", "version", "language", "description", "polarity", "themes", "codes")
CODE_KEYS = ("id", "label", "label_en", "theme", "definition", "include", "exclude", "keywords",
             "examples", "counter_examples")
THEME_KEYS = ("id", "label", "label_en", "description")
EXAMPLE_KEYS = ("enabler", "barrier", "neutral")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
#: CSV columns (one row per code); list fields are joined with " | ".
CSV_COLUMNS = ["id", "label", "label_en", "theme", "theme_label", "theme_label_en", "definition",
               "include",
               "exclude", "keywords", "examples_enabler", "examples_barrier",
               "examples_neutral", "counter_examples"]
LIST_SEPARATOR = " | "


@dataclass
class Theme:
    """A group of codes."""

    id: str
    label: str
    label_en: str = ""
    description: str = ""


@dataclass
class Code:
    """One code of the codebook."""

    id: str
    label: str
    definition: str
    label_en: str = ""
    theme: str = ""
    include: str = ""
    exclude: str = ""
    keywords: list[str] = field(default_factory=list)
    examples: dict[str, list[str]] = field(default_factory=dict)
    counter_examples: list[str] = field(default_factory=list)

    def examples_of(self, polarity: str) -> list[str]:
        """Example sentences for ``enabler``, ``barrier`` or ``neutral``."""
        return list(self.examples.get(polarity, []))

    @property
    def all_examples(self) -> list[str]:
        """Every example sentence, whatever its polarity."""
        return [e for pol in EXAMPLE_KEYS for e in self.examples.get(pol, [])]


@dataclass
class Codebook:
    """A validated codebook. ``sha256`` identifies its content (key order and layout aside)."""

    name: str
    codes: list[Code]
    version: str = ""
    language: str = "id"
    description: str = ""
    polarity: dict[str, dict[str, str]] = field(default_factory=dict)
    themes: list[Theme] = field(default_factory=list)
    path: Path | None = None

    @property
    def ids(self) -> list[str]:
        """Code ids in codebook order."""
        return [c.id for c in self.codes]

    def code(self, code_id: str) -> Code:
        """The code with this id (KeyError if absent)."""
        return self._by_id(self.codes)[code_id]

    def theme_of(self, code_id: str) -> Theme | None:
        """The theme a code belongs to, if any."""
        return self._by_id(self.themes).get(self.code(code_id).theme)

    def _by_id(self, items: list) -> dict:
        """Items by id, kept while the list is unchanged (lookups in loops stay linear)."""
        cache = self.__dict__.setdefault("_index_cache", {})
        key = (id(items), len(items))
        if key not in cache:
            if len(cache) > 4:
                cache.clear()
            cache[key] = {}
            for item in items:
                cache[key].setdefault(item.id, item)
        return cache[key]

    def to_dict(self) -> dict:
        """Plain data in the YAML schema's shape (empty optional fields left out)."""
        def clean(d: dict) -> dict:
            return {k: v for k, v in d.items() if v not in ("", [], {}, None)}
        return clean({
            "schema": SCHEMA, "name": self.name, "version": self.version,
            "language": self.language, "description": self.description,
            "polarity": self.polarity, "themes": [clean(asdict(t)) for t in self.themes],
            "codes": [clean(asdict(c)) for c in self.codes],
        })

    @property
    def sha256(self) -> str:
        """Hash of the codebook's content, used in manifests and caches."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_frame(self):
        """One row per code with the CSV columns (a pandas DataFrame)."""
        import pandas as pd

        return pd.DataFrame(_csv_rows(self), columns=CSV_COLUMNS)

    def to_yaml(self) -> str:
        """The codebook as ``fgd-codebook/1`` YAML text."""
        # libyaml's emitter when PyYAML has it: same text, a hundred times faster
        return yaml.dump(self.to_dict(), Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                         allow_unicode=True, sort_keys=False, width=100)


@dataclass
class LintReport:
    """Result of checking a codebook: errors block loading, warnings do not."""

    path: str
    errors: list[CodebookProblem]
    warnings: list[CodebookProblem]
    codebook: Codebook | None

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors


# ---------------------------------------------------------------- loading and validation

def load_codebook(path: str | Path) -> Codebook:
    """Load and validate a YAML (or CSV) codebook; raises :class:`CodebookError` listing all
    problems, each naming the file, code id, field and the fix."""
    report = lint_codebook(path)
    if report.errors:
        raise CodebookError(report.errors, path=path)
    assert report.codebook is not None
    return report.codebook


def lint_codebook(path: str | Path) -> LintReport:
    """Check a codebook and report every problem (errors and warnings) without raising;
    only a file refused outright (YAML aliases, nesting too deep) raises
    :class:`CodebookError`."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        problem = CodebookProblem(name, "no such file.", "check the path.")
        return LintReport(name, [problem], [], None)
    if path.suffix.lower() == ".csv":
        try:
            data = _data_from_csv(path)
        except csv.Error as exc:      # e.g. a field over the csv module's 128 KB limit
            problem = CodebookProblem(name, f"the CSV cannot be parsed ({exc}).",
                                      "save it as UTF-8 CSV with one row per code.")
            return LintReport(name, [problem], [], None)
        return _lint_data(data, name, lines={})
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        data, node = compose_yaml(text, name)
    except UnsafeInputError as exc:     # aliases, nesting: refused outright, not linted
        raise CodebookError([CodebookProblem(name, exc.reason, exc.fix or "",
                                             line=exc.line)], path=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = CodebookProblem(
            name, f"invalid YAML ({getattr(exc, 'problem', None) or exc}).",
            "check indentation, and quote text containing ': ' or '#'.",
            line=mark.line + 1 if mark else None)
        return LintReport(name, [problem], [], None)
    return _lint_data(data, name, lines=_line_index(node))


def _line_index(node) -> dict[tuple, int]:
    """Line numbers of YAML nodes, keyed like ('codes', 3, 'keywords')."""
    lines: dict[tuple, int] = {}

    def walk(n, key: tuple) -> None:
        lines[key] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                lines[key + (k.value,)] = k.start_mark.line + 1
                walk(v, key + (k.value,))
                lines[key + (k.value,)] = k.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, key + (i,))

    if node is not None:
        walk(node, ())
    return lines


def _suggest(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    return f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}."


def _text(value) -> str:
    return "" if value is None else " ".join(str(value).split())


def _lint_data(data, name: str, lines: dict[tuple, int]) -> LintReport:
    errors: list[CodebookProblem] = []
    warnings: list[CodebookProblem] = []

    def err(msg, fix, code=None, fld=None, key=()):
        errors.append(CodebookProblem(name, msg, fix, code, fld, lines.get(key)))

    def warn(msg, fix, code=None, fld=None, key=()):
        warnings.append(CodebookProblem(name, msg, fix, code, fld, lines.get(key)))

    if not isinstance(data, dict):
        err("the codebook must be a YAML mapping with 'schema' and 'codes'.",
            f"start the file with 'schema: {SCHEMA}' and a 'codes:' list.")
        return LintReport(name, errors, warnings, None)
    for key in data:
        if key not in TOP_KEYS:
            err(f"unknown top-level key '{key}'.", _suggest(str(key), TOP_KEYS), fld=str(key),
                key=(key,))
    if data.get("schema") != SCHEMA:
        err(f"schema is {data.get('schema')!r}, expected '{SCHEMA}'.",
            f"add 'schema: {SCHEMA}' at the top.", fld="schema", key=("schema",))
    if not _text(data.get("name")):
        warn("the codebook has no name.", "add 'name: ...' (shown in reports).", fld="name")

    themes: list[Theme] = []
    raw_themes = data.get("themes") or []
    if not isinstance(raw_themes, list):
        err("'themes' must be a list.", "write '- {id: ..., label: ...}' per theme.",
            fld="themes", key=("themes",))
        raw_themes = []
    for i, raw in enumerate(raw_themes):
        if not isinstance(raw, dict) or not _text(raw.get("id")):
            err(f"theme #{i + 1} has no id.", "give every theme an 'id' and a 'label'.",
                fld="themes", key=("themes", i))
            continue
        for key in raw:
            if key not in THEME_KEYS:
                err(f"unknown key '{key}' in theme '{raw['id']}'.", _suggest(str(key), THEME_KEYS),
                    fld=f"themes.{key}", key=("themes", i, key))
        themes.append(Theme(id=_text(raw["id"]), label=_text(raw.get("label")) or _text(raw["id"]),
                            label_en=_text(raw.get("label_en")),
                            description=_text(raw.get("description"))))
    theme_ids = [t.id for t in themes]
    known_themes = set(theme_ids)
    for tid in {t for t, n in Counter(theme_ids).items() if n > 1}:
        err(f"theme id '{tid}' is used twice.", "give every theme a unique id.", fld="themes")

    raw_codes = data.get("codes")
    if not isinstance(raw_codes, list) or not raw_codes:
        err("the codebook has no codes.", "add a 'codes:' list with at least one code.",
            fld="codes", key=("codes",))
        raw_codes = []
    codes: list[Code] = []
    seen: dict[str, int] = {}
    keyword_owner: dict[str, str] = {}
    for i, raw in enumerate(raw_codes):
        at = ("codes", i)
        if not isinstance(raw, dict):
            err(f"code #{i + 1} is not a mapping.", "write each code as 'id: ..., label: ...'.",
                key=at)
            continue
        cid = _text(raw.get("id"))
        ref = cid or f"#{i + 1}"
        for key in raw:
            if key not in CODE_KEYS:
                err(f"unknown key '{key}'.", _suggest(str(key), CODE_KEYS), ref, str(key),
                    at + (key,))
        if not cid:
            err("missing id.", "add a short unique 'id' such as KEP.", ref, "id", at)
        elif not _ID.match(cid):
            err(f"id '{cid}' has spaces or symbols.",
                "use letters, digits, '_', '-' or '.' only.", ref, "id", at + ("id",))
        elif cid in seen:
            err(f"duplicate id '{cid}' (also code #{seen[cid] + 1}).",
                "give every code a unique id.", ref, "id", at + ("id",))
        else:
            seen[cid] = i
        label = _text(raw.get("label"))
        if not label:
            err("missing label.", "add a 'label' (Indonesian name of the code).", ref, "label",
                at)
        definition = _text(raw.get("definition"))
        if not definition:
            err("missing definition.", "add a 'definition' saying what the code means.", ref,
                "definition", at)
        theme = _text(raw.get("theme"))
        if theme and theme not in known_themes:
            err(f"unknown theme '{theme}'.",
                f"use one of: {', '.join(theme_ids)}." if theme_ids
                else "declare it under 'themes:' or remove 'theme'.", ref, "theme",
                at + ("theme",))
        keywords = _string_list(raw.get("keywords"), ref, "keywords", at, err)
        for k, kw in enumerate(raw.get("keywords") or []):
            if isinstance(raw.get("keywords"), list) and not _text(kw):
                err(f"keyword #{k + 1} is empty.", "delete the empty entry.", ref, "keywords",
                    at + ("keywords",))
        lowered = [k.lower() for k in keywords]
        for dup in sorted(k for k, n in Counter(lowered).items() if n > 1):
            warn(f"keyword '{dup}' is listed twice.", "keep one.", ref, "keywords",
                 at + ("keywords",))
        for kw in dict.fromkeys(lowered):
            if kw in keyword_owner and keyword_owner[kw] != ref:
                warn(f"keyword '{kw}' is also a keyword of {keyword_owner[kw]}.",
                     "keep each keyword in one code, or accept both codes firing.", ref,
                     "keywords", at + ("keywords",))
            keyword_owner.setdefault(kw, ref)
        examples: dict[str, list[str]] = {}
        raw_examples = raw.get("examples")
        if raw_examples is not None and not isinstance(raw_examples, dict):
            err("'examples' must map enabler/barrier to lists of sentences.",
                "write 'examples: {enabler: [...], barrier: [...]}'.", ref, "examples",
                at + ("examples",))
        elif raw_examples:
            for pol, sentences in raw_examples.items():
                if pol not in EXAMPLE_KEYS:
                    err(f"unknown polarity '{pol}' under examples.",
                        _suggest(str(pol), EXAMPLE_KEYS), ref, f"examples.{pol}",
                        at + ("examples", pol))
                    continue
                examples[pol] = _string_list(sentences, ref, f"examples.{pol}",
                                             at + ("examples", pol), err)
        counter = _string_list(raw.get("counter_examples"), ref, "counter_examples", at, err)
        if not keywords and not examples:
            basis = "the definition and the include note" if _text(raw.get("include")) \
                else "the definition"
            warn(f"no keywords and no examples: only {basis} can make it fire.",
                 "add keywords and a few example sentences.", ref, "keywords", at)
        for pol in ("enabler", "barrier"):
            if examples and len(examples.get(pol, [])) < 2:
                warn(f"fewer than 2 {pol} examples: polarity will lean on cue words.",
                     f"add {pol} example sentences.", ref, f"examples.{pol}", at)
        codes.append(Code(id=cid, label=label, definition=definition,
                          label_en=_text(raw.get("label_en")), theme=theme,
                          include=_text(raw.get("include")), exclude=_text(raw.get("exclude")),
                          keywords=list(dict.fromkeys(_text(k) for k in keywords)),
                          examples=examples, counter_examples=counter))
    codebook = None
    if not errors:
        polarity = data.get("polarity") or {}
        codebook = Codebook(
            name=_text(data.get("name")) or Path(name).stem, codes=codes,
            version=_text(data.get("version")), language=_text(data.get("language")) or "id",
            description=_text(data.get("description")),
            polarity={str(k): {str(a): _text(b) for a, b in (v or {}).items()}
                      for k, v in polarity.items()} if isinstance(polarity, dict) else {},
            themes=themes, path=Path(name))
    return LintReport(name, errors, warnings, codebook)


def _string_list(value, ref: str, fld: str, at: tuple, err) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        err(f"'{fld}' must be a list of strings.", f"write '{fld}: [..., ...]'.", ref, fld,
            at + (fld,))
        return []
    return [_text(v) for v in value if _text(v)]


# ---------------------------------------------------------------- CSV round trip

def _csv_rows(codebook: Codebook) -> list[dict[str, str]]:
    labels = {t.id: t.label for t in codebook.themes}
    labels_en = {t.id: t.label_en for t in codebook.themes}
    rows = []
    for c in codebook.codes:
        rows.append({
            "id": c.id, "label": c.label, "label_en": c.label_en, "theme": c.theme,
            "theme_label": labels.get(c.theme, ""),
            "theme_label_en": labels_en.get(c.theme, ""), "definition": c.definition,
            "include": c.include, "exclude": c.exclude,
            "keywords": LIST_SEPARATOR.join(c.keywords),
            "examples_enabler": LIST_SEPARATOR.join(c.examples_of("enabler")),
            "examples_barrier": LIST_SEPARATOR.join(c.examples_of("barrier")),
            "examples_neutral": LIST_SEPARATOR.join(c.examples_of("neutral")),
            "counter_examples": LIST_SEPARATOR.join(c.counter_examples),
        })
    return rows


def codebook_to_csv(codebook: Codebook) -> str:
    """The codebook as CSV text, one row per code (lists joined with ``" | "``).

    Codes and themes round-trip; codebook-level fields (name, version, description, polarity
    labels) have no place in a one-row-per-code table: importing a CSV names the codebook
    after the file and leaves the others empty. Themes without codes are not kept.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: escape_cell(v) for k, v in row.items()} for row in _csv_rows(codebook))
    return buffer.getvalue()


def _data_from_csv(path: Path) -> dict:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    themes: dict[str, dict[str, str]] = {}
    codes = []
    for row in reader:
        row = {k.strip().lower(): unescape_cell(v or "").strip() for k, v in row.items() if k}

        def split(key: str) -> list[str]:
            return [p.strip() for p in row.get(key, "").split("|") if p.strip()]

        if row.get("theme"):
            theme = {"id": row["theme"], "label": row.get("theme_label") or row["theme"]}
            if row.get("theme_label_en"):
                theme["label_en"] = row["theme_label_en"]
            themes.setdefault(row["theme"], theme)
        code = {k: row[k] for k in ("id", "label", "label_en", "theme", "definition",
                                    "include", "exclude") if row.get(k)}
        if split("keywords"):
            code["keywords"] = split("keywords")
        examples = {pol: split(f"examples_{pol}") for pol in EXAMPLE_KEYS if split(f"examples_{pol}")}
        if examples:
            code["examples"] = examples
        if split("counter_examples"):
            code["counter_examples"] = split("counter_examples")
        codes.append(code)
    return {"schema": SCHEMA, "name": path.stem, "themes": list(themes.values()),
            "codes": codes}
