"""Codebook suggestions from a coded study: proposals a facilitator can accept by copying.

From a results folder (and, when given, hand codings of some of its transcripts) it proposes:

- **new codes** from emergent clusters (and mixed clusters mostly left uncoded): label terms,
  a definition draft, keywords and examples taken from the cluster's passages;
- **keywords to add**: words and two-word phrases frequent in a code's reference turns and
  rare elsewhere; the reference is the hand codings (``gold``) where they exist, otherwise the
  machine's high-confidence codings. Terms are compared in normalised form (the slang table
  maps informal and Javanese forms to standard ones, and keywords are matched on normalised
  text too), and the forms participants actually said are listed beside each term;
- **keywords to replace with phrases**: keywords that fire on passing mentions (hand codings
  reject most turns they occur in, or, without hand codings, they occur in at least 15 % of
  the passages), with the rejected passages and candidate phrases (frequent two-word
  phrases around the keyword in accepted passages);
- **confused pairs of codes**: often coded together, or swapped against the hand codings,
  with their prototype similarity (TF-IDF over the codebook texts) and the turns that show it;
- **codes that never fired**, with what the hand codings say about them.

Every suggestion carries its evidence (passage ids) and, where the codebook schema can say
it, a ``code:`` block to copy over the code of the same id. :meth:`Suggestions.apply` applies
the keyword suggestions (add and replace) to a codebook; new codes, confused pairs and silent
codes need a person's judgement and are never applied automatically.
"""
from __future__ import annotations

import copy
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import lang
from .codebook import Code, Codebook
from .normalize import normalize_tokens, normalize_word, tokens
from .result import CodingResult
from .settings import CodeSettings, eligible_mask
from .tagging.keywords import KeywordMatcher, strip_clitic

SCHEMA = "fgd-codebook-suggestions/1"
KINDS = ("new_codes", "add_keywords", "replace_keywords", "confused_codes", "never_fired")
_WORD = re.compile(r"^[^\W\d_][\w-]*$")


@dataclass(frozen=True)
class SuggestOptions:
    """Thresholds of the rules (general rules, the same for every study)."""

    #: machine codings at least this probable stand for a code where no hand coding exists
    high_confidence: float = 0.8
    #: a term to add must occur in at least this many of the code's reference turns ...
    min_support: int = 3
    #: ... and its precision there, shrunk towards the code's base rate by ``prior_turns``
    #: pseudo-turns (a term seen in 2 of the code's turns and nowhere else is weak
    #: evidence), must reach this
    min_precision: float = 0.5
    prior_turns: float = 4.0
    #: outside the reference, this share of the turns holding a new term must carry the code
    min_corroboration: float = 0.5
    #: terms proposed per code at most
    max_terms: int = 5
    #: a term found in this share of all eligible turns or more is too common to be a keyword
    max_term_share: float = 0.15
    #: a keyword is replaced when the hand codings reject at least this many of its turns ...
    min_rejected: int = 2
    #: ... and its precision, shrunk towards 0.5 (about what keywords reach on FGD text) by
    #: ``prior_turns`` pseudo-turns, is below this; at or below half of it, with no phrase to
    #: keep, it is removed
    max_keyword_precision: float = 0.5
    #: without hand codings: keywords in at least this share (and count) of the passages
    common_share: float = 0.15
    common_min: int = 10
    #: a phrase replacing a keyword must occur in this many accepted turns
    min_phrase_support: int = 2
    #: co-occurrence: passages coded with both codes / passages of the rarer one
    min_cooccurrence_share: float = 0.4
    min_cooccurrence: int = 3
    #: swapped codes against the hand codings: at least this many turns
    min_confusions: int = 2
    #: mixed clusters with less than this share of coded members may hold a new code too
    mixed_coded_share: float = 0.5
    #: examples and evidence passages shown per suggestion
    max_examples: int = 3
    max_evidence: int = 12


@dataclass
class Suggestion:
    """One proposal: its kind, the code(s) concerned, why, evidence and a codebook block."""

    kind: str
    codes: list[str]
    why: str
    evidence: dict
    code: dict | list[dict] | None = None   # codebook ``codes:`` entries to copy (changed fields)
    change: dict = field(default_factory=dict)   # machine-readable change (keyword kinds)

    def to_dict(self) -> dict:
        out = {"codes": self.codes, "why": self.why, "evidence": self.evidence}
        if self.change:
            out.update(self.change)
        if self.code:
            out["code"] = self.code
        return out


@dataclass
class Suggestions:
    """All proposals for one results folder (see the module docstring)."""

    items: list[Suggestion]
    source: dict

    def of_kind(self, kind: str) -> list[Suggestion]:
        """The suggestions of one kind (see :data:`KINDS`)."""
        return [s for s in self.items if s.kind == kind]

    def counts(self) -> dict[str, int]:
        """How many suggestions of each kind."""
        return {kind: len(self.of_kind(kind)) for kind in KINDS}

    def passage_ids(self) -> set[str]:
        """Every passage id cited as evidence."""
        out: set[str] = set()

        def walk(value) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    if key in ("passages", "rejected", "accepted", "both") and \
                            isinstance(item, list):
                        out.update(str(p) for p in item)
                    else:
                        walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        for s in self.items:
            walk(s.evidence)
        return out

    def to_dict(self) -> dict:
        data = {"schema": SCHEMA, **self.source, "counts": self.counts()}
        for kind in KINDS:
            data[kind] = [s.to_dict() for s in self.of_kind(kind)]
        return data

    def to_yaml(self) -> str:
        """The suggestions as YAML, with a header saying how to accept them."""
        header = ("# Codebook suggestions (fgd codebook suggest). To accept one, copy its `code:`\n"
                  "# block over the code of the same id in your codebook (a new code: under\n"
                  "# `codes:`), then run `fgd codebook lint` and code again. Evidence lists\n"
                  "# passage ids of passages.csv. Keyword suggestions can be applied with\n"
                  "# fgd_toolkit.suggest.Suggestions.apply; the others need your judgement.\n")
        return header + yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False,
                                       width=100)

    def apply(self, codebook: Codebook) -> Codebook:
        """A copy of ``codebook`` with the keyword suggestions applied: terms added, keywords
        replaced by their phrases (or removed where the suggestion says so). New codes,
        confused pairs and silent codes are left to a person."""
        cb = copy.deepcopy(codebook)
        for s in self.of_kind("add_keywords") + self.of_kind("replace_keywords"):
            code = cb.code(s.codes[0])
            words = [k for k in code.keywords if k not in s.change.get("remove", [])]
            for word in s.change.get("add", []):
                if word.lower() not in {k.lower() for k in words}:
                    words.append(word)
            code.keywords = words
        return cb


# ---------------------------------------------------------------- the study, turn by turn

@dataclass
class _Study:
    """Eligible passages with tokens, the machine's codings and the reference labels."""

    passages: pd.DataFrame            # eligible passages, with ``unit`` and ``tokens``
    machine: dict[str, set[str]]      # code -> passage ids the machine coded
    confident: dict[str, set]         # code -> units coded with high confidence (machine)
    gold: dict[str, set] | None       # code -> units the hand codings give the code
    gold_polarity: dict[tuple, str]   # (code, unit) -> polarity in the hand codings
    covered: set                      # units the hand codings cover (their transcripts)
    units: list                       # every eligible unit (transcript_id, turn)

    def machine_units(self) -> dict[str, set]:
        """code -> units the machine coded with it (any score)."""
        unit_of = dict(zip(self.passages["passage_id"], self.passages["unit"]))
        return {c: {unit_of[p] for p in ps if p in unit_of} for c, ps in self.machine.items()}

    def reference(self, code: str) -> tuple[set, set]:
        """(positive, negative) units of a code: the hand codings in the transcripts they
        cover; elsewhere (without hand codings) the machine's confident codings against
        turns the machine did not code with it at all."""
        if self.gold is not None:
            positive = self.gold.get(code, set())
            return positive, self.covered - positive
        positive = self.confident.get(code, set())
        coded = set(self.passages.loc[self.passages["passage_id"].isin(
            self.machine.get(code, set())), "unit"])
        return positive, set(self.units) - coded


def _study(result: CodingResult, gold: pd.DataFrame | None, options: SuggestOptions) -> _Study:
    settings = CodeSettings.from_manifest(result.manifest.get("settings") or {})
    passages = result.passages[eligible_mask(result.passages, settings)].copy()
    passages["unit"] = list(zip(passages["transcript_id"], passages["turn"].astype(int)))
    passages["tokens"] = [normalize_tokens(str(t)) for t in passages["text"]]
    codings = result.codings.merge(passages[["passage_id", "unit"]], on="passage_id")
    machine = {c: set(g["passage_id"]) for c, g in codings.groupby("code_id")}
    confident = {c: set(g.loc[g["score"].astype(float) >= options.high_confidence, "unit"])
                 for c, g in codings.groupby("code_id")}
    gold_units, covered, polarity = None, set(), {}
    if gold is not None:
        coded = gold[gold["code_id"].astype(str) != ""]
        gold_units = defaultdict(set)
        for tid, turn, code, pol in zip(coded["transcript_id"], coded["turn"].astype(int),
                                        coded["code_id"], coded["polarity"]):
            gold_units[code].add((tid, turn))
            key = (code, (tid, turn))
            polarity[key] = pol if polarity.get(key, pol) == pol else "neutral"
        transcripts = set(gold["transcript_id"])
        covered = {u for u in passages["unit"] if u[0] in transcripts}
        covered |= {u for units in gold_units.values() for u in units}
    units = list(dict.fromkeys(passages["unit"]))
    return _Study(passages=passages, machine=machine, confident=confident, gold=gold_units,
                  gold_polarity=polarity, covered=covered, units=units)


def _check_gold(result: CodingResult, gold: pd.DataFrame) -> None:
    from .evaluate import check_gold

    check_gold(result, gold)


# ---------------------------------------------------------------- terms

def _terms(toks: list[str], stop: frozenset[str]) -> set[str]:
    """Words (3+ letters, not stop words) and two-word phrases of content words, within
    punctuation-free stretches."""
    out: set[str] = set()
    run: list[str] = []
    for tok in toks + ["."]:
        if _WORD.match(tok):
            run.append(strip_clitic(tok))     # "anggarannya" counts as "anggaran"
            continue
        for i, word in enumerate(run):
            if word in stop or len(word) < 3:
                continue
            out.add(word)
            if i + 1 < len(run) and run[i + 1] not in stop and len(run[i + 1]) >= 3:
                out.add(f"{word} {run[i + 1]}")
        run = []
    return out


def _unit_terms(study: _Study) -> dict[tuple, set[str]]:
    stop = lang.stop_words()
    by_unit: dict[tuple, set[str]] = defaultdict(set)
    for unit, toks in zip(study.passages["unit"], study.passages["tokens"]):
        by_unit[unit] |= _terms(toks, stop)
    return by_unit


def _spoken_forms(texts: list[str]) -> dict[str, set[str]]:
    """Standard form -> the informal/Javanese forms participants said for it."""
    forms: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        for raw in tokens(text):
            if not raw[0].isalnum():
                continue
            std = normalize_word(raw)
            if std != raw:
                forms[std].add(raw)
    return forms


def _matcher(codebook: Codebook, only: str | None = None) -> KeywordMatcher:
    return KeywordMatcher({c.id: c.keywords for c in codebook.codes
                           if only is None or c.id == only})


def _passages_of(study: _Study, units: set, limit: int, code: str | None = None,
                 term: str | None = None) -> list[str]:
    """Passage ids of some units (those holding ``term`` when given), in table order."""
    rows = study.passages[study.passages["unit"].isin(units)]
    if term is not None:
        stop = lang.stop_words()
        rows = rows[[term in _terms(t, stop) for t in rows["tokens"]]]
    return rows["passage_id"].head(limit).tolist()


# ---------------------------------------------------------------- the rules

def _add_keywords(study: _Study, cb: Codebook, options: SuggestOptions) -> list[Suggestion]:
    """Terms frequent in a code's reference turns, rare in its other turns, and checked
    against the rest of the study: the code's own codebook texts use the term, or the turns
    outside the reference that hold it are mostly ones the machine coded with the code (a
    term that is precise in one transcript by chance, ``rapat``, ``minggu``, is not)."""
    unit_terms = _unit_terms(study)
    df = Counter(t for terms in unit_terms.values() for t in terms)
    n_units = max(len(unit_terms), 1)
    every = _matcher(cb)
    names = _proper_names(study.passages["text"].tolist())
    machine_units = study.machine_units()
    out = []
    for code in cb.codes:
        positive, negative = study.reference(code.id)
        if not positive:
            continue
        outside = set(unit_terms) - positive - negative
        own_text = normalize_tokens(_code_text(code))
        pos = Counter(t for u in positive for t in unit_terms.get(u, ()))
        neg = Counter(t for u in negative for t in unit_terms.get(u, ()))
        elsewhere = Counter(t for u in outside for t in unit_terms.get(u, ()))
        elsewhere_coded = Counter(t for u in outside & machine_units.get(code.id, set())
                                  for t in unit_terms.get(u, ()))
        # with hand codings, a new keyword must reach a turn the machine missed
        missed = Counter(t for u in positive - machine_units.get(code.id, set())
                         for t in unit_terms.get(u, ())) if study.gold is not None else None
        base = len(positive) / max(len(positive | negative), 1)
        ranked = []
        for term, n_pos in pos.items():
            n_neg = neg.get(term, 0)
            precision = (n_pos + options.prior_turns * base) / \
                (n_pos + n_neg + options.prior_turns)
            if n_pos < options.min_support or precision < options.min_precision:
                continue
            if missed is not None and not missed.get(term):
                continue
            if df[term] / n_units >= options.max_term_share or set(term.split()) & names:
                continue
            if every.find(normalize_tokens(term)):
                continue        # already a keyword (or a form of one) of this or another code
            in_definition = bool(KeywordMatcher({code.id: [term]}).find(own_text))
            n_out = elsewhere.get(term, 0)
            corroborated = n_out >= options.min_support and \
                elsewhere_coded.get(term, 0) / n_out >= options.min_corroboration
            if not (in_definition or corroborated):
                continue
            check = "in the code's definition" if in_definition else \
                f"{elsewhere_coded.get(term, 0)} of {n_out} other turns holding it coded " \
                f"{code.id} by the machine"
            ranked.append((-n_pos, -precision, len(term.split()), term, n_neg, check))
        chosen: list[tuple] = []
        for item in sorted(ranked):
            words = set(item[3].split())
            if any(words & set(c[3].split()) for c in chosen):
                continue        # "kadis" and "kadis turun" say the same
            chosen.append(item)
            if len(chosen) == options.max_terms:
                break
        if not chosen:
            continue
        source = "hand codings" if study.gold is not None else \
            f"machine codings with score >= {options.high_confidence}"
        texts = study.passages.loc[study.passages["unit"].isin(positive), "text"].tolist()
        forms = _spoken_forms(texts)
        evidence = []
        for n_pos, _p, _n, term, n_neg, check in chosen:
            said = sorted(set().union(*(forms.get(w, set()) for w in [term] + term.split())))
            entry = {"keyword": term, "in_code_turns": -n_pos, "other_turns": n_neg,
                     "checked": check}
            if said:
                entry["seen_as"] = said
            entry["passages"] = _passages_of(study, positive, options.max_evidence, term=term)
            evidence.append(entry)
        terms = [c[3] for c in chosen]
        out.append(Suggestion(
            kind="add_keywords", codes=[code.id],
            why=f"frequent in the turns the {source} give {code.id}, rare in its other turns, "
                "and checked against the rest of the study; keywords are matched on "
                "normalised text, so a standard form also finds the informal forms listed "
                "under seen_as.",
            evidence={"terms": evidence}, change={"add": terms},
            code={"id": code.id, "keywords": code.keywords + terms}))
    return out


def _code_text(code: Code) -> str:
    """What the codebook says a code means (label, definition, include note; the examples
    are left out: their everyday words, ``biar``, ``pagi``, do not define the code)."""
    return " . ".join([code.label, code.definition, code.include])


def _proper_names(texts: list[str]) -> set[str]:
    """Normalised words always written with a capital initial (not in capitals), never at a
    turn's start: names of people and places, which do not carry over to other studies."""
    seen: dict[str, bool] = {}
    for text in texts:
        for k, match in enumerate(re.finditer(r"[^\W\d_]+", str(text))):
            word = match.group()
            std = normalize_word(word.lower())
            titled = word[0].isupper() and not word.isupper() and k > 0 and \
                not str(text)[:match.start()].rstrip().endswith((".", "!", "?", ":"))
            seen[std] = seen.get(std, True) and titled
    return {w for w, always in seen.items() if always}


def _keyword_hits(study: _Study, code: Code) -> dict[str, dict[tuple, list[int]]]:
    """keyword -> unit -> indices (into study.passages) of the passages it occurs in."""
    matcher = KeywordMatcher({code.id: code.keywords})
    hits: dict[str, dict[tuple, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, (unit, toks) in enumerate(zip(study.passages["unit"], study.passages["tokens"])):
        for hit in matcher.find(toks).get(code.id, []):
            hits[hit.keyword][unit].append(i)
    return hits


def _phrases(study: _Study, keyword: str, code: Code, accepted: set, rejected: set,
             options: SuggestOptions) -> list[str]:
    """Two-word phrases holding the keyword, frequent in accepted turns, rarer in rejected."""
    stop = lang.stop_words()
    matcher = KeywordMatcher({code.id: [keyword]})
    acc: Counter = Counter()
    rej: Counter = Counter()
    for unit in accepted | rejected:
        found: set[str] = set()
        for toks in study.passages.loc[study.passages["unit"] == unit, "tokens"]:
            for hit in matcher.find(toks).get(code.id, []):
                for lo, hi in ((hit.start - 1, hit.end), (hit.start, hit.end + 1)):
                    if lo < 0 or hi > len(toks):
                        continue
                    span = toks[lo:hi]
                    if all(_WORD.match(w) for w in span) and not \
                            (set(span) - set(toks[hit.start:hit.end])) <= stop:
                        found.add(" ".join(span))
        (acc if unit in accepted else rej).update(found)
    ranked = sorted((-(acc[p] - rej[p]), p) for p in acc
                    if acc[p] >= options.min_phrase_support and acc[p] > 2 * rej[p])
    return [p for _score, p in ranked[:3]]


def _replace_keywords(study: _Study, cb: Codebook, options: SuggestOptions
                      ) -> list[Suggestion]:
    out = []
    n_passages = max(len(study.passages), 1)
    pids = study.passages["passage_id"].tolist()
    for code in cb.codes:
        positive, negative = study.reference(code.id)
        for keyword, units in sorted(_keyword_hits(study, code).items()):
            if study.gold is not None:
                hit_units = set(units) & study.covered
                accepted, rejected = hit_units & positive, hit_units - positive
                precision = (len(accepted) + options.prior_turns / 2) / \
                    (len(hit_units) + options.prior_turns)
                if len(rejected) < options.min_rejected or \
                        precision >= options.max_keyword_precision:
                    continue
                why = (f"the hand codings reject {len(rejected)} of the {len(hit_units)} "
                       f"turns where '{keyword}' occurs: it fires on passing mentions.")
            else:
                n_hits = sum(len(v) for v in units.values())
                if n_hits < options.common_min or n_hits < options.common_share * n_passages:
                    continue
                accepted = set(units) & positive
                rejected = set(units) - accepted
                precision = None
                why = (f"'{keyword}' occurs in {n_hits} of {n_passages} participant passages "
                       f"({n_hits / n_passages:.0%}): a word this common marks passing "
                       "mentions too.")
            phrases = [p for p in _phrases(study, keyword, code, accepted, rejected, options)
                       if p not in code.keywords]
            remove = [keyword]
            if phrases:
                action = f"replace '{keyword}' with the phrase(s) {', '.join(phrases)}."
            elif precision is not None and precision <= options.max_keyword_precision / 2:
                action = (f"remove '{keyword}': no phrase around it recurs in accepted turns, "
                          "and its hits are mostly rejected.")
            else:
                action = (f"narrow '{keyword}' (no recurring phrase found): add a "
                          "counter-example from the rejected passages, or a phrase of your own.")
                remove = []
            evidence = {"keyword": keyword,
                        "rejected": [pids[i] for u in sorted(rejected) for i in units[u]]
                        [:options.max_evidence],
                        "accepted": [pids[i] for u in sorted(accepted) for i in units[u]]
                        [:options.max_evidence]}
            if precision is not None:
                evidence["keyword_precision"] = round(len(accepted) / len(accepted | rejected),
                                                      3)
            change = {"remove": remove, "add": phrases} if remove else {}
            new_keywords = [k for k in code.keywords if k not in remove] + phrases
            out.append(Suggestion(kind="replace_keywords", codes=[code.id],
                                  why=f"{why} Proposal: {action}", evidence=evidence,
                                  change=change,
                                  code={"id": code.id, "keywords": new_keywords} if remove
                                  else None))
    return out


def _prototype_similarity(result: CodingResult) -> np.ndarray:
    """Cosine similarity of the codes' codebook texts (label, definition, include note,
    examples) as TF-IDF vectors of words and word pairs, weighted over the study's passages
    (the sparse TF-IDF the ``tfidf`` back-end starts from, without its SVD)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from .normalize import normalize
    from .tagging.features import description_text, example_items

    texts = [normalize(" ".join([description_text(c)] + [e for e, _ in example_items(c)]))
             for c in result.codebook.codes]
    corpus = [normalize(str(t)) for t in result.passages["text"]]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
                                 stop_words=sorted(lang.stop_words()),
                                 token_pattern=r"(?u)\b[^\W\d_][\w-]+\b")
    vectorizer.fit(corpus + texts)
    vectors = vectorizer.transform(texts)
    return (vectors @ vectors.T).toarray()


def _confused_codes(study: _Study, result: CodingResult, options: SuggestOptions
                    ) -> list[Suggestion]:
    cb = result.codebook
    ids = cb.ids
    sims = _prototype_similarity(result) if len(ids) > 1 else np.zeros((len(ids), len(ids)))
    off = sims[~np.eye(len(ids), dtype=bool)]
    pid_unit = dict(zip(study.passages["passage_id"], study.passages["unit"]))
    swaps: dict[tuple[str, str], list] = defaultdict(list)
    if study.gold is not None:
        machine_units = {c: {pid_unit[p] for p in ps if p in pid_unit}
                         for c, ps in study.machine.items()}
        for unit in sorted(study.covered):
            wrong = [c for c in ids if unit in machine_units.get(c, ()) and
                     unit not in study.gold.get(c, ())]
            missed = [c for c in ids if unit in study.gold.get(c, ()) and
                      unit not in machine_units.get(c, ())]
            for a in wrong:
                for b in missed:
                    swaps[tuple(sorted((a, b)))].append((unit, a, b))
    out = []
    for i, a in enumerate(ids):
        for j in range(i + 1, len(ids)):
            b = ids[j]
            both = sorted(study.machine.get(a, set()) & study.machine.get(b, set()))
            rarer = min(len(study.machine.get(a, ())), len(study.machine.get(b, ()))) or 1
            share = len(both) / rarer
            swapped = swaps.get((a, b), [])
            often = len(both) >= options.min_cooccurrence and \
                share >= options.min_cooccurrence_share
            if not often and len(swapped) < options.min_confusions:
                continue
            reasons = []
            if often:
                reasons.append(f"coded together on {len(both)} passages ({share:.0%} of the "
                               f"rarer code's)")
            if len(swapped) >= options.min_confusions:
                reasons.append(f"swapped on {len(swapped)} hand-coded turns (the machine gave "
                               "one where the hand codings have the other)")
            rank = int((off > sims[i, j]).sum() // 2) + 1 if len(off) else 1
            evidence: dict = {"prototype_similarity": round(float(sims[i, j]), 3),
                              "similarity_rank": f"{rank} of {len(off) // 2} code pairs"}
            if both:
                evidence["both"] = both[:options.max_evidence]
            if swapped:
                evidence["swapped"] = [
                    {"transcript_id": u[0], "turn": u[1], "machine": m, "hand": h,
                     "passages": _passages_of(study, {u}, 3)}
                    for u, m, h in swapped[:options.max_evidence]]
            label_a, label_b = cb.code(a).label, cb.code(b).label
            out.append(Suggestion(
                kind="confused_codes", codes=[a, b],
                why="; ".join(reasons) + ". Proposal: say in each code's exclude note when "
                    "to use the other, and add a passage from the evidence as a "
                    "counter-example of the code it does not belong to.",
                evidence=evidence,
                code=[_with_exclude(cb.code(a), f"Bila tentang {label_b.lower()}, gunakan {b}."),
                      _with_exclude(cb.code(b), f"Bila tentang {label_a.lower()}, gunakan {a}.")]))
    return out


def _with_exclude(code: Code, sentence: str) -> dict:
    """The code's ``exclude`` note with one more sentence (a ``codes:`` entry to copy)."""
    note = code.exclude if sentence in code.exclude else f"{code.exclude} {sentence}".strip()
    return {"id": code.id, "exclude": note}


def _polarity_of(text: str) -> str:
    from .tagging.polarity import lexical_polarity

    value, _cues = lexical_polarity(normalize_tokens(text))
    return "enabler" if value > 0 else "barrier" if value < 0 else "neutral"


def _examples(texts: list[str], limit: int, polarities: list[str] | None = None
              ) -> dict[str, list[str]]:
    """Example sentences by polarity (given, e.g. by the hand codings, or read from the cue
    words), at most ``limit`` each."""
    out: dict[str, list[str]] = {}
    for k, text in enumerate(texts):
        pol = polarities[k] if polarities and polarities[k] in ("enabler", "barrier") else \
            "neutral" if polarities else _polarity_of(text)
        if len(out.setdefault(pol, [])) < limit:
            out[pol].append(" ".join(str(text).split()))
    return {k: out[k] for k in ("enabler", "barrier", "neutral") if out.get(k)}


def _new_codes(study: _Study, result: CodingResult, options: SuggestOptions
               ) -> list[Suggestion]:
    clusters = result.clusters
    if clusters is None or not len(clusters) or "cluster" not in result.passages:
        return []
    every = _matcher(result.codebook)
    eligible = set(study.passages["passage_id"])
    out = []
    for row in clusters.sort_values("cluster").to_dict("records"):
        status, coded = str(row["status"]), float(row["coded_share"])
        if status != "emergent" and not (status == "mixed" and
                                         coded < options.mixed_coded_share):
            continue
        members = result.passages[(result.passages["cluster"].astype(int) == int(row["cluster"]))
                                  & result.passages["passage_id"].isin(eligible)]
        if members.empty:
            continue
        terms = [t.strip() for t in str(row["top_terms"]).split(",") if t.strip()]
        keywords = [t for t in terms if not every.find(normalize_tokens(t))]
        uncoded = members[~members["passage_id"].isin(set().union(*study.machine.values())
                                                       if study.machine else set())]
        rep = str(row.get("representative_passage", ""))
        ordered = pd.concat([members[members["passage_id"] == rep],
                             uncoded[uncoded["passage_id"] != rep],
                             members[~members["passage_id"].isin(set(uncoded["passage_id"])
                                                                 | {rep})]])
        label = " / ".join(terms[:3]) or f"cluster {row['cluster']}"
        code = {"id": f"BARU{int(row['cluster'])}",
                "label": f"(Draf) {label}",
                "definition": f"DRAF, tulis ulang: peserta membicarakan {', '.join(terms[:4])} "
                              "sebagai hal yang mendorong atau menghambat inovasi. (Draft, "
                              f"rewrite: participants talk about {', '.join(terms[:4])}.)",
                "keywords": keywords,
                "examples": _examples(ordered["text"].tolist(), options.max_examples)}
        out.append(Suggestion(
            kind="new_codes", codes=[code["id"]],
            why=f"cluster {row['cluster']} ({row['size']} passages, {status}): "
                f"{coded:.0%} of its passages carry a code; its terms: {', '.join(terms)}.",
            evidence={"cluster": int(row["cluster"]), "status": status,
                      "passages": members["passage_id"].head(options.max_evidence).tolist()},
            code=code))
    return out


def _never_fired(study: _Study, cb: Codebook, add: list[Suggestion], options: SuggestOptions
                 ) -> list[Suggestion]:
    out = []
    proposed = {s.codes[0]: s.change.get("add", []) for s in add}
    for code in cb.codes:
        if study.machine.get(code.id):
            continue
        hits = _keyword_hits(study, code)
        said = sum(len(u) for u in hits.values())
        reasons = [f"{code.id} coded no passage" +
                   (f"; its keywords occur in {said} passages, all decided against it"
                    if said else "; none of its keywords occurs in the transcripts")]
        evidence: dict = {"keyword_hits": said}
        snippet = None
        gold_units = study.gold.get(code.id, set()) if study.gold is not None else set()
        if gold_units:
            reasons.append(f"the hand codings give it to {len(gold_units)} turns")
            passages = _passages_of(study, gold_units, options.max_evidence)
            evidence["passages"] = passages
            rows = study.passages.set_index("passage_id").loc[passages]
            pols = [study.gold_polarity.get((code.id, u), "neutral") for u in rows["unit"]]
            snippet = {"id": code.id,
                       "examples": _examples(rows["text"].tolist(), options.max_examples, pols)}
            if proposed.get(code.id):
                snippet["keywords"] = code.keywords + proposed[code.id]
        proposal = ("add the words participants use for it as keywords, and examples from "
                    "the hand-coded turns" if gold_units else
                    "add the words participants use for it as keywords and examples, or drop "
                    "it if the study does not touch it")
        out.append(Suggestion(kind="never_fired", codes=[code.id],
                              why="; ".join(reasons) + f". Proposal: {proposal}.",
                              evidence=evidence, code=snippet))
    return out


# ---------------------------------------------------------------- entry point

def suggest(result: CodingResult, gold: pd.DataFrame | None = None,
            options: SuggestOptions | None = None, source: dict | None = None) -> Suggestions:
    """Codebook suggestions from a coding result and, optionally, hand codings of some of its
    transcripts (columns ``transcript_id, turn, code_id, polarity``).

    Raises:
        FgdError: the hand codings name transcripts or codes the result does not have.
    """
    options = options or SuggestOptions()
    if gold is not None:
        _check_gold(result, gold)
    study = _study(result, gold, options)
    cb = result.codebook
    add = _add_keywords(study, cb, options)
    items = (_new_codes(study, result, options) + add + _replace_keywords(study, cb, options)
             + _confused_codes(study, result, options) + _never_fired(study, cb, add, options))
    meta = {"codebook": {"name": cb.name, "version": cb.version},
            "run_id": result.manifest.get("run_id", ""),
            "reference": "hand codings" if gold is not None else
                         f"machine codings with score >= {options.high_confidence}",
            **(source or {})}
    return Suggestions(items=items, source=meta)


def suggest_from_folder(results: str | Path, gold_paths=None,
                        options: SuggestOptions | None = None) -> Suggestions:
    """:func:`suggest` for a results folder and hand-coding files: what ``fgd codebook
    suggest`` runs."""
    from .evaluate import load_gold
    from .export import load_results

    result = load_results(results)
    gold = load_gold(list(gold_paths)) if gold_paths else None
    source = {"results": str(results),
              "gold": [str(p) for p in gold_paths] if gold_paths else []}
    return suggest(result, gold, options, source=source)


__all__ = ["suggest", "suggest_from_folder", "Suggestions", "Suggestion", "SuggestOptions",
           "KINDS"]
