"""Segmentation: turns -> passages of a few sentences, with offsets into the plain text.

Sentences come from the rules of :mod:`fgd_toolkit.sentences` (Indonesian abbreviations
such as ``Kec.``, ``Jl.``, ``Bpk.`` never end a sentence; sentence-final ``dll./dsb./dst./
dkk.`` and ellipses do when a capital follows), on the text with its non-speech markers
masked so ``[suara tidak jelas]`` is never cut. The work is linear in the text: a 50 MB
transcript, or a turn of several megabytes on one line, is segmented like a small one. A
"sentence" longer than :data:`MAX_SENTENCE_CHARS` (speech transcribed without punctuation,
or a run of characters with no space) is cut at the last space before that length.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from . import lang
from .introductions import introduction_length
from .models import PASSAGE_COLUMNS, Transcript
from .normalize import mask_markers, normalize, normalize_tokens
from .sentences import sentence_spans as _masked_sentence_spans

#: A sentence longer than this is cut at white space (at this length if it has none).
MAX_SENTENCE_CHARS = 2000
#: Progress is reported after this many turns (and at the end of every transcript).
PROGRESS_EVERY = 2000


@dataclass(frozen=True)
class SegmentOptions:
    """How turns are cut into passages."""

    max_sentences: int = 4       # at most this many sentences per passage
    max_chars: int = 600         # start a new passage before exceeding this length
    min_chars: int = 40          # a shorter tail is merged into the passage before it
    backchannel_words: int = 6   # turns this short made only of agreement words are flagged


def sentence_spans(texts: Iterable[str]) -> list[list[tuple[int, int]]]:
    """Per text, the (start, end) character spans of its sentences, whitespace-trimmed
    (markers masked first, long sentences cut; see the module docstring)."""
    out = []
    for text in texts:
        masked = mask_markers(text)
        out.append(cap_sentences(masked, _masked_sentence_spans([masked])[0]))
    return out


def cap_sentences(text: str, spans: list[tuple[int, int]],
                  limit: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """Cut every span longer than ``limit`` at the last white space that keeps a piece
    within it (at ``limit`` where a piece has no white space), pieces whitespace-trimmed."""
    if all(b - a <= limit for a, b in spans):
        return spans
    out: list[tuple[int, int]] = []
    for start, end in spans:
        while end - start > limit:
            cut = start + limit
            while cut > start and not text[cut].isspace():
                cut -= 1
            if cut == start:
                cut = start + limit                 # no white space: cut inside the run
            piece_end = cut
            while piece_end > start and text[piece_end - 1].isspace():
                piece_end -= 1
            out.append((start, piece_end))
            start = cut
            while start < end and text[start].isspace():
                start += 1
        if end > start:
            out.append((start, end))
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
    words = []
    for token in normalize_tokens(text):
        if token[0].isalnum():
            if len(words) == options.backchannel_words:
                return False            # too long to be a back-channel
            words.append(token)
    if not words:
        return True
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


def to_passages(transcripts: Iterable[Transcript], options: SegmentOptions | None = None,
                progress: Callable[[int, int, str], None] | None = None) -> pd.DataFrame:
    """The passages table (DESIGN §1) of the given transcripts.

    Columns: :data:`~fgd_toolkit.models.PASSAGE_COLUMNS`, then roster attributes (e.g.
    ``organisation``), ``backchannel`` (bool: short agreement turn, skipped by coding),
    ``introduction`` (bool: the speaker's self-introduction, a passage of its own, skipped
    by coding; see :mod:`fgd_toolkit.introductions`) and ``text_norm`` (normalised text used
    for matching and models).
    ``plain_text[char_start:char_end] == text`` holds for every row.

    ``progress(done, total, transcript_id)`` counts turns: it is called every
    :data:`PROGRESS_EVERY` turns and after each transcript.
    """
    options = options or SegmentOptions()
    transcripts = list(transcripts)
    total = sum(len(t.turns) for t in transcripts)
    columns: dict[str, list] = {name: [] for name in PASSAGE_COLUMNS}
    (passage_id, transcript_id, group, turn_number, speaker, role, start_time, end_time,
     char_start, char_end, text_column) = columns.values()
    backchannels: list[bool] = []
    introductions: list[bool] = []
    norms: list[str] = []
    attributes: dict[str, list[str]] = {}     # roster attributes, in order of appearance
    done = 0
    for transcript in transcripts:
        _plain, offsets = transcript.plain_text_and_offsets()
        tid, tgroup = transcript.id, transcript.group or transcript.id
        for number, (turn, base) in enumerate(zip(transcript.turns, offsets), start=1):
            for k, (start, end, backchannel, intro) in enumerate(
                    turn_passages(turn.text, turn.speaker, turn.role, options), start=1):
                text = turn.text[start:end]
                row = len(norms)
                passage_id.append(f"{tid}-t{number:03d}-p{k}")
                transcript_id.append(tid)
                group.append(tgroup)
                turn_number.append(number)
                speaker.append(turn.speaker)
                role.append(turn.role)
                start_time.append(turn.start)
                end_time.append(turn.end)
                char_start.append(base + start)
                char_end.append(base + end)
                text_column.append(text)
                for key, value in turn.attributes.items():
                    if key not in columns and key not in _FLAG_COLUMNS:
                        attributes.setdefault(key, [""] * row).append(value)
                for values in attributes.values():
                    if len(values) == row:
                        values.append("")
                backchannels.append(backchannel)
                introductions.append(intro)
                norms.append(normalize(text))
            done += 1
            if progress and done % PROGRESS_EVERY == 0:
                progress(done, total, transcript.id)
        if progress:
            progress(done, total, transcript.id)
    flags = dict(zip(_FLAG_COLUMNS, (backchannels, introductions, norms)))
    return pd.DataFrame({**columns, **attributes, **flags},
                        columns=PASSAGE_COLUMNS + list(attributes) + list(_FLAG_COLUMNS))


_FLAG_COLUMNS = ("backchannel", "introduction", "text_norm")


def turn_passages(text: str, speaker: str, role: str, options: SegmentOptions
                  ) -> list[tuple[int, int, bool, bool]]:
    """A turn's passages as ``(start, end, backchannel, introduction)`` offsets into its
    text: the self-introduction first (a passage of its own), then sentences grouped."""
    spans = sentence_spans([text])[0]
    backchannel = is_backchannel(text, options)
    intro = introduction_length(text, spans, speaker) \
        if role == "participant" and not backchannel else 0
    passages = ([(spans[0][0], spans[intro - 1][1])] if intro else []) \
        + group_sentences(spans[intro:], options)
    passages = passages or [(0, len(text))]
    return [(start, end, backchannel, bool(intro) and k == 0)
            for k, (start, end) in enumerate(passages)]
