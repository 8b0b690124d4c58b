"""Evidence for every (passage, code) pair: keyword hits, semantic similarity, polarity cues.

All numbers here are raw evidence; :mod:`.model` turns them into calibrated decisions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..codebook import Codebook
from ..normalize import normalize
from ..normalize import tokens as word_tokens
from .keywords import KeywordHit, KeywordMatcher, strip_clitic
from .polarity import Lexicon, PolarityParts, absent, lexicon, polarity_parts

POLARITY_EXAMPLES = ("enabler", "barrier")


@dataclass
class Prototypes:
    """Embedded prototype texts of a codebook: description, examples (with the include note),
    counter-examples."""

    codes: list[str]
    description: np.ndarray                 # [n_codes, d]
    examples: list[np.ndarray]              # per code: [n_examples, d]
    example_texts: list[list[str]]
    example_polarity: list[list[str]]       # per code, per example: enabler/barrier/neutral/include
    counter: list[np.ndarray]               # per code: [n_counter, d] (may be empty)


def description_text(code) -> str:
    """The text standing for a code's meaning: label, English label and definition."""
    label = code.label + (f" ({code.label_en})" if code.label_en else "")
    return f"{label}. {code.definition}"


#: Polarity marker of the prototype made from a code's ``include`` note (when to apply it).
INCLUDE_NOTE = "include"


def example_items(code) -> list[tuple[str, str]]:
    """(text, polarity) of a code's example prototypes: its examples, then its ``include``
    note, which describes the passages the code is for (marked :data:`INCLUDE_NOTE`; it
    carries no polarity). The note adds most where examples are few."""
    items = [(e, pol) for pol in ("enabler", "barrier", "neutral") for e in code.examples_of(pol)]
    return items + ([(code.include, INCLUDE_NOTE)] if code.include else [])


def prototype_texts(codebook: Codebook) -> list[str]:
    """Every normalised prototype text of the codebook, in a fixed order (for embedding)."""
    texts: list[str] = []
    for code in codebook.codes:
        texts.append(normalize(description_text(code)))
        texts.extend(normalize(e) for e, _ in example_items(code))
        texts.extend(normalize(e) for e in code.counter_examples)
    return texts


def build_prototypes(codebook: Codebook, vectors: np.ndarray) -> Prototypes:
    """Split the embedded :func:`prototype_texts` back into per-code arrays."""
    pos = 0
    desc, examples, ex_texts, ex_pol, counter = [], [], [], [], []
    dim = vectors.shape[1]
    for code in codebook.codes:
        desc.append(vectors[pos])
        pos += 1
        items = example_items(code)
        n_ex = len(items)
        examples.append(vectors[pos:pos + n_ex])
        ex_texts.append([e for e, _ in items])
        ex_pol.append([pol for _, pol in items])
        pos += n_ex
        n_ct = len(code.counter_examples)
        counter.append(vectors[pos:pos + n_ct] if n_ct else np.zeros((0, dim), np.float32))
        pos += n_ct
    return Prototypes(codes=codebook.ids, description=np.vstack(desc), examples=examples,
                      example_texts=ex_texts, example_polarity=ex_pol, counter=counter)


@dataclass
class Evidence:
    """Per-pair evidence matrices, shape [n_passages, n_codes] unless noted."""

    kw_count: np.ndarray
    kw_negated: np.ndarray
    sim_desc: np.ndarray
    sim_example: np.ndarray       # mean of the two most similar examples
    sim_counter: np.ndarray       # most similar counter-example (0 when none)
    nearest_example: np.ndarray   # index into the code's examples (-1 when none)
    sem_polarity: np.ndarray      # (enabler-like - barrier-like) example similarity
    lex_polarity: np.ndarray      # cue-word polarity focused on the code's mentions
    clf_prob: np.ndarray          # probability from a classifier trained on the codebook text
    context: dict[str, list[tuple[int, ...]]]  # conversation context rows (see pipeline)
    hits: list[dict[str, list[KeywordHit]]]
    cues: list[dict[str, list[str]]]
    tokens: list[list[str]]


def _top_mean(sims: np.ndarray, k: int = 2) -> np.ndarray:
    if sims.shape[1] == 0:
        return np.zeros(sims.shape[0], dtype=np.float32)
    k = min(k, sims.shape[1])
    return np.sort(sims, axis=1)[:, -k:].mean(axis=1)


def gather_evidence(texts: list[str], passage_vectors: np.ndarray, codebook: Codebook,
                    protos: Prototypes,
                    context: dict[str, list[tuple[int, ...]]] | None = None,
                    clause_memo: dict | None = None,
                    classifier_memo: dict | None = None) -> Evidence:
    """Keyword, similarity and polarity evidence of every passage for every code
    (``clause_memo``: a caller-owned memo of clause polarity per passage text;
    ``classifier_memo``: of codebook classifiers fitted on the same codebook vectors)."""
    n, m = len(texts), len(codebook.codes)
    matcher = KeywordMatcher({c.id: c.keywords for c in codebook.codes})
    tokens = [word_tokens(t) for t in texts]   # texts are normalised already
    kw_count = np.zeros((n, m), dtype=np.float32)
    kw_negated = np.zeros((n, m), dtype=np.float32)
    hits_all: list[dict[str, list[KeywordHit]]] = []
    index = {cid: j for j, cid in enumerate(codebook.ids)}
    topic_neg = lexicon().topic_negators
    for i, toks in enumerate(tokens):
        found = matcher.find(toks)
        kept: dict[str, list[KeywordHit]] = {}
        for cid, hits in found.items():
            good = [h for h in hits if not _topic_negated(toks, h, topic_neg)]
            kw_negated[i, index[cid]] = len(hits) - len(good)
            if good:
                kept[cid] = good
                kw_count[i, index[cid]] = len({h.keyword for h in good})
        hits_all.append(kept)

    sim_desc = passage_vectors @ protos.description.T
    sim_example = np.zeros((n, m), dtype=np.float32)
    sim_counter = np.zeros((n, m), dtype=np.float32)
    nearest = np.full((n, m), -1, dtype=np.int32)
    sem_pol = np.zeros((n, m), dtype=np.float32)
    for j in range(m):
        ex = protos.examples[j]
        if len(ex):
            sims = passage_vectors @ ex.T
            sim_example[:, j] = _top_mean(sims)
            nearest[:, j] = sims.argmax(axis=1)
            pols = np.array(protos.example_polarity[j])
            en, ba = sims[:, pols == "enabler"], sims[:, pols == "barrier"]
            if en.shape[1] and ba.shape[1]:
                sem_pol[:, j] = _top_mean(en) - _top_mean(ba)
        else:
            sim_example[:, j] = sim_desc[:, j]
        if len(protos.counter[j]):
            sim_counter[:, j] = (passage_vectors @ protos.counter[j].T).max(axis=1)

    lex_pol = np.zeros((n, m), dtype=np.float32)
    lex = lexicon()
    cues: list[dict[str, list[str]]] = []
    for i, toks in enumerate(tokens):
        parts = polarity_parts(toks, clause_memo)
        base, base_cues = parts.score()
        row_cues: dict[str, list[str]] = {}
        for j, cid in enumerate(codebook.ids):
            hits = hits_all[i].get(cid)
            if hits:
                value, found = parts.score([(h.start, h.end) for h in hits],
                                           _missing(toks, parts, hits, lex))
            else:
                value, found = base, base_cues
            lex_pol[i, j] = value
            row_cues[cid] = found
        cues.append(row_cues)
    return Evidence(kw_count=kw_count, kw_negated=kw_negated, sim_desc=sim_desc,
                    sim_example=sim_example, sim_counter=sim_counter, nearest_example=nearest,
                    sem_polarity=sem_pol, lex_polarity=lex_pol,
                    clf_prob=codebook_classifier.fitted(protos, classifier_memo
                                                        ).predict(passage_vectors),
                    hits=hits_all, cues=cues, tokens=tokens,
                    context=context or {})


def _missing(tokens: list[str], parts: PolarityParts, hits: list[KeywordHit],
             lex: Lexicon) -> list[tuple[int, str]]:
    """The hits said to be absent (``tidak ada air panas``), unless the keyword is itself a
    cue word, whose negation the cue lexicon already handles (``tidak ada kendala``)."""
    out = []
    for hit in hits:
        words = tuple(tokens[hit.start:hit.end])
        if (tuple(strip_clitic(w) for w in words) in lex.enabler
                or tuple(hit.keyword.split()) in lex.enabler):
            continue
        clause_end = next((c.end for c in parts.clauses if c.start <= hit.start < c.end),
                          len(tokens))
        if absent(tokens, hit.start, hit.end, clause_end, lex):
            out.append((hit.start, " ".join(words)))
    return out


class codebook_classifier:
    """Multinomial logistic regression over a codebook's own texts (descriptions, examples).

    Classes are the codes plus "other", learnt from counter-examples; it gives, for each
    passage, how clearly it belongs to one code rather than the others.
    """

    C = 10.0
    #: Classifiers a memo keeps (a notebook session editing one codebook needs a few).
    MEMO_SIZE = 8

    @classmethod
    def fitted(cls, protos: Prototypes, memo: dict | None = None) -> "codebook_classifier":
        """The classifier for these prototypes, taken from ``memo`` when the same codebook
        vectors were fitted before (a same-session re-run; the fit is deterministic)."""
        if memo is None:
            return cls(protos)
        import hashlib

        digest = hashlib.sha256(repr(cls.C).encode())
        for j in range(len(protos.codes)):
            for block in (protos.description[j][None, :], *protos.examples[j],
                          *protos.counter[j]):
                digest.update(np.ascontiguousarray(block, dtype=np.float32).tobytes())
            digest.update(f"|{j}:{len(protos.examples[j])}:{len(protos.counter[j])}".encode())
        key = digest.hexdigest()
        if key not in memo:
            while len(memo) >= cls.MEMO_SIZE:
                memo.pop(next(iter(memo)))
            memo[key] = cls(protos)
        return memo[key]

    def __init__(self, protos: Prototypes) -> None:
        from sklearn.linear_model import LogisticRegression

        X, y = [], []
        m = len(protos.codes)
        for j in range(m):
            X.append(protos.description[j])
            y.append(j)
            X.extend(protos.examples[j])
            y.extend([j] * len(protos.examples[j]))
            X.extend(protos.counter[j])
            y.extend([m] * len(protos.counter[j]))
        self.m = m
        self.model = None
        if len(set(y)) >= 2:      # one code and no counter-example: nothing to tell apart
            self.model = LogisticRegression(C=self.C, max_iter=5000).fit(np.vstack(X),
                                                                          np.array(y))

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        if self.model is None:
            return np.full((len(vectors), self.m), 1.0 / (self.m + 1), dtype=np.float32)
        prob = self.model.predict_proba(vectors)
        out = np.zeros((len(vectors), self.m), dtype=np.float32)
        for k, cls in enumerate(self.model.classes_):
            if cls < self.m:
                out[:, cls] = prob[:, k]
        return out


def _topic_negated(tokens: list[str], hit: KeywordHit, topic_negators: frozenset[str]) -> bool:
    """``bukan (masalah|soal) anggaran``: the keyword is named only to be ruled out."""
    window = tokens[max(0, hit.start - 3):hit.start]
    return any(w in topic_negators for w in window) and not any(w in {".", ",", ";"}
                                                                  for w in window)
