"""Segmentation: turns -> passages of a few sentences, with offsets into the plain text.

Sentences come from spaCy ``blank("id")`` + ``sentencizer`` with fixes for Indonesian
abbreviations (``Kec.``, ``Jl.``, ``Bpk.``... never end a sentence), sentence-final
``dll./dsb./dst./dkk.`` and ellipses (a new sentence starts when a capital follows), and
non-speech markers (masked so ``[suara tidak jelas]`` is never cut).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import lang
from .cachefiles import read_cache_file, write_cache_file
from .introductions import introduction_length
from .models import PASSAGE_COLUMNS, Transcript
from .normalize import mask_markers, normalize, normalize_tokens


@dataclass(frozen=True)
class SegmentOptions:
    """How turns are cut into passages."""

    max_sentences: int = 4       # at most this many sentences per passage
    max_chars: int = 600         # start a new passage before exceeding this length
    min_chars: int = 40          # a shorter tail is merged into the passage before it
    backchannel_words: int = 6   # turns this short made only of agreement words are flagged


@lru_cache(maxsize=1)
def sentence_pipeline():
    """The spaCy pipeline used for sentence boundaries (built once per process)."""
    import spacy
    from spacy.attrs import ORTH
    from spacy.language import Language

    nlp = spacy.blank("id")
    inner, final = lang.abbreviations()
    for abbr in inner | final:
        for variant in {abbr, abbr.lower(), abbr[:1].upper() + abbr[1:]}:
            nlp.tokenizer.add_special_case(variant, [{ORTH: variant}])
    nlp.add_pipe("sentencizer")
    final_lower = {a.lower() for a in final}

    if not Language.has_factory("fgd_sentence_fixes"):
        @Language.component("fgd_sentence_fixes")
        def _fixes(doc):  # noqa: ANN001 - spaCy component signature
            for i, token in enumerate(doc[:-1]):
                nxt = doc[i + 1]
                ends = token.text.lower() in final_lower or set(token.text) <= {".", "…"} \
                    and ("…" in token.text or len(token.text) >= 3)
                if ends and nxt.text[:1].isupper():
                    nxt.is_sent_start = True
            return doc

    nlp.add_pipe("fgd_sentence_fixes", after="sentencizer")
    return nlp


def sentence_spans(texts: Iterable[str]) -> list[list[tuple[int, int]]]:
    """Per text, the (start, end) character spans of its sentences, whitespace-trimmed."""
    nlp = sentence_pipeline()
    out: list[list[tuple[int, int]]] = []
    masked = [mask_markers(t) for t in texts]
    for text, doc in zip(masked, nlp.pipe(masked, batch_size=256)):
        spans = []
        for sent in doc.sents:
            start, end = sent.start_char, sent.end_char
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((start, end))
        out.append(spans)
    return out


def group_sentences(spans: list[tuple[int, int]], options: SegmentOptions
                    ) -> list[tuple[int, int]]:
    """Greedily join sentence spans into passages of at most ``max_sentences``/``max_chars``."""
    groups: list[list[tuple[int, int]]] = []
    for span in spans:
        if groups:
            current = groups[-1]
            length = span[1] - current[0][0]
            if len(current) < options.max_sentences and length <= options.max_chars:
                current.append(span)
                continue
        groups.append([span])
    if (len(groups) > 1 and groups[-1][-1][1] - groups[-1][0][0] < options.min_chars
            and len(groups[-2]) + len(groups[-1]) <= options.max_sentences):
        tail = groups.pop()
        groups[-1].extend(tail)
    return [(g[0][0], g[-1][1]) for g in groups]


def is_backchannel(text: str, options: SegmentOptions = SegmentOptions()) -> bool:
    """A short turn made only of agreement, filler and function words ("Iya, setuju.")."""
    words = [t for t in normalize_tokens(text) if t[0].isalnum()]
    if not words:
        return True
    if len(words) > options.backchannel_words:
        return False
    phrases, single = backchannel_vocabulary()
    joined = f" {' '.join(words)} "
    for phrase in phrases:  # "terima kasih", "matur nuwun"
        joined = joined.replace(f" {phrase} ", " ")
    allowed = single | lang.stop_words()
    return all(w in allowed for w in joined.split())


@lru_cache(maxsize=1)
def backchannel_vocabulary() -> tuple[tuple[str, ...], frozenset[str]]:
    """Back-channel phrases (normalised, longest first) and single words."""
    phrases, single = set(), set()
    for entry in lang.word_list("backchannel"):
        norm = " ".join(t for t in normalize_tokens(entry) if t[0].isalnum())
        (phrases if " " in norm else single).add(norm)
        single.add(entry)
    return tuple(sorted(phrases, key=lambda p: (-len(p), p))), frozenset(single)


SEGMENTER_VERSION = "1"


def cached_sentence_spans(texts: list[str], cache_dir: Path | None
                          ) -> list[list[tuple[int, int]]]:
    """:func:`sentence_spans`, remembered on disk per list of texts (JSON, keyed by hash).

    A re-run on the same transcripts then needs neither spaCy nor its start-up time.
    """
    if cache_dir is None:
        return sentence_spans(texts)
    digest = hashlib.sha256(SEGMENTER_VERSION.encode())
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    target = Path(cache_dir) / "segments" / f"{digest.hexdigest()[:32]}.json"
    spans = read_cache_file(target, lambda path: _read_spans(path, texts))
    if spans is None:
        spans = sentence_spans(texts)
        write_cache_file(target, lambda tmp: tmp.write_text(json.dumps(spans),
                                                             encoding="utf-8"))
    return spans


def _read_spans(path: Path, texts: list[str]) -> list[list[tuple[int, int]]]:
    """Spans stored by :func:`cached_sentence_spans`, checked against the texts."""
    data = json.loads(path.read_text(encoding="utf-8"))
    spans = [[(int(a), int(b)) for a, b in cuts] for cuts in data]
    if len(spans) != len(texts) or any(not 0 <= a <= b <= len(text)
                                       for cuts, text in zip(spans, texts) for a, b in cuts):
        raise ValueError("spans do not fit the texts")
    return spans


def to_passages(transcripts: Iterable[Transcript], options: SegmentOptions | None = None,
                progress: Callable[[int, int, str], None] | None = None,
                cache_dir: str | Path | None = None) -> pd.DataFrame:
    """The passages table (DESIGN §1) of the given transcripts.

    Columns: :data:`~fgd_toolkit.models.PASSAGE_COLUMNS`, then roster attributes (e.g.
    ``organisation``), ``backchannel`` (bool: short agreement turn, skipped by coding),
    ``introduction`` (bool: the speaker's self-introduction, a passage of its own, skipped
    by coding; see :mod:`fgd_toolkit.introductions`) and ``text_norm`` (normalised text used
    for matching and models).
    ``plain_text[char_start:char_end] == text`` holds for every row.
    """
    options = options or SegmentOptions()
    transcripts = list(transcripts)
    rows: list[dict] = []
    attribute_names: list[str] = []
    for done, transcript in enumerate(transcripts, 1):
        _plain, offsets = transcript.plain_text_and_offsets()
        all_spans = cached_sentence_spans([t.text for t in transcript.turns],
                                          Path(cache_dir) if cache_dir else None)
        for number, (turn, base, spans) in enumerate(
                zip(transcript.turns, offsets, all_spans), start=1):
            backchannel = is_backchannel(turn.text, options)
            intro = introduction_length(turn.text, spans, turn.speaker) \
                if turn.role == "participant" and not backchannel else 0
            passages = ([(spans[0][0], spans[intro - 1][1])] if intro else []) \
                + group_sentences(spans[intro:], options)
            passages = passages or [(0, len(turn.text))]
            for k, (start, end) in enumerate(passages, start=1):
                text = turn.text[start:end]
                row = {
                    "passage_id": f"{transcript.id}-t{number:03d}-p{k}",
                    "transcript_id": transcript.id,
                    "group": transcript.group or transcript.id,
                    "turn": number,
                    "speaker": turn.speaker,
                    "role": turn.role,
                    "start": turn.start,
                    "end": turn.end,
                    "char_start": base + start,
                    "char_end": base + end,
                    "text": text,
                }
                for key, value in turn.attributes.items():
                    if key not in row:
                        row[key] = value
                        if key not in attribute_names:
                            attribute_names.append(key)
                row["backchannel"] = backchannel
                row["introduction"] = bool(intro) and k == 1
                row["text_norm"] = normalize(text)
                rows.append(row)
        if progress:
            progress(done, len(transcripts), transcript.id)
    columns = PASSAGE_COLUMNS + attribute_names + ["backchannel", "introduction", "text_norm"]
    frame = pd.DataFrame(rows, columns=columns)
    for key in attribute_names:
        frame[key] = frame[key].fillna("")
    return frame
