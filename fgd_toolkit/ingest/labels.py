"""Speaker labels: find ``Label: text`` at the start of a line and decide whether it is a speaker.

Conventions handled: plain (``Moderator: ...``), bold (``**P1:** ...`` / ``**P1**: ...``), after a
time (``[00:12:34] Moderator: ...``, ``(12:34) ...``, ``00:12:34 ...``), with a time after the
label (``Moderator (00:12:34): ...``), ``Nama (Instansi)`` and ``Nama - Instansi``.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .. import lang
from ..models import Participant

_TIME = r"(?:\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?|\d{1,2}\.\d{2}\.\d{2})"
# a time or a time range ("00:01:02 - 00:01:10", "00:02:00 --> 00:02:10"), bare or bracketed;
# "00.01.15" (dots, hours-minutes-seconds) is a time too
_SPAN = rf"{_TIME}(?:\s*(?:-->|->|–|-|s/d|to)\s*{_TIME})?"
_TIME_TOKEN = rf"(?:\[\s*{_SPAN}\s*\]|\(\s*{_SPAN}\s*\)|{_SPAN})"
_LABEL_LINE = re.compile(
    rf"""^\s*
    (?:\d{{1,4}}[.)]\s+)?                          # optional line number ("12. P1: ...")
    (?:(?P<time1>{_TIME_TOKEN})\s*[-–]?\s*)?      # optional leading time
    (?P<open>\*\*|__)?\s*                          # optional bold
    (?P<label>[^\W\d_][^:\n*]{{0,70}}?)              # the label (starts with a letter)
    \s*(?:(?P<time2>{_TIME_TOKEN})\s*)?            # optional time after the label
    (?:(?P=open)\s*:|:\s*(?P=open)|:)              # colon, inside or outside the bold
    (?:\s+|$)(?P<text>.*)$""",
    re.VERBOSE,
)
_TIME_ONLY = re.compile(rf"^\s*{_TIME_TOKEN}\s*$")
# "Speaker 1  00:05" / "Bu Sari 0:12:03" alone on a line, text below (Otter, Word Transcribe)
_LABEL_THEN_TIME = re.compile(
    rf"^\s*(?:\*\*|__)?(?P<label>[^\W\d_][^:\n*]{{0,60}}?)(?:\*\*|__)?\s+"
    rf"(?P<time>{_TIME_TOKEN})\s*$")
# "00:00:05 Speaker 1" alone on a line, text below (Word's Transcribe, time first)
_TIME_THEN_LABEL = re.compile(
    rf"^\s*(?P<time>{_TIME_TOKEN})\s+(?:\*\*|__)?(?P<label>[^\W\d_][^:\n*]{{0,60}}?)"
    rf"(?:\*\*|__)?\s*$")
# "[Rina Marlina] 09:01:15" alone on a line, text below (Zoom's saved live transcript)
_BRACKET_LABEL_TIME = re.compile(
    rf"^\s*\[(?P<label>[^\W\d_][^\]\n]{{0,60}})\]\s*(?P<time>{_TIME_TOKEN})?\s*$")
_DIGIT = re.compile(r"\d")
#: Most characters other than white space in a label-and-time line ("[Rina Marlina]
#: 09:01:15"): a 61-character label, bold marks and a bracketed time range.
_MAX_ALONE = 100
_ORG_SUFFIX = re.compile(r"^(?P<name>.+?)\s*(?:\((?P<org1>[^()]+)\)|\s[-–—]\s(?P<org2>.+))$")
_CODE_LABEL = re.compile(r"^[A-Z]{1,3}[-\s.]?\d{1,3}[a-z]?$")
_NUMBERED = re.compile(r"^(?P<word>[^\d]+?)\s*[-#]?\s*\d{1,3}[a-z]?$")


@dataclass
class LabelMatch:
    """A ``Label: text`` line split into its parts (times in seconds)."""

    label: str
    text: str
    start: float | None


def parse_time(value: str | float | int | None) -> float | None:
    """Seconds from ``HH:MM:SS(.mmm)``, ``MM:SS``, ``[..]``/``(..)`` wrapped times or numbers."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return None if value != value else float(value)  # NaN check
    text = str(value).strip().strip("[]()").strip()
    if re.fullmatch(r"\d{1,2}\.\d{2}\.\d{2}", text):
        text = text.replace(".", ":")            # "00.01.15"
    text = text.replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    parts = text.split(":")
    if not 2 <= len(parts) <= 3:
        return None
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        return None
    seconds = 0.0
    for num in nums:
        seconds = seconds * 60 + num
    return round(seconds, 3)


#: Loose layouts, tried only when a file yields no turn otherwise: "P1 – text" (a dash or a
#: tab for the colon) and a label alone on its line without a colon ("MODERATOR", text below).
_DASH_LINE = re.compile(
    rf"^\s*(?:(?P<time>{_TIME_TOKEN})\s*)?(?:\*\*|__)?(?P<label>[^\W\d_][^:\n*–—]{{0,40}}?)"
    rf"(?:\*\*|__)?(?:\s+[-–—]\s+|\s*\t+\s*)(?P<text>\S.*)$")
_BARE_LABEL = re.compile(r"^\s*(?:\*\*|__)?(?P<label>[^\W\d_][\w .'()-]{0,40}?)(?:\*\*|__)?\s*$")
# "[P2] text", "(Moderator) text", "<P1> text": the label in brackets at the start of the line
_BRACKETED_INLINE = re.compile(
    rf"^\s*(?:(?P<time>{_TIME_TOKEN})\s*)?[\[(<](?P<label>[^\W\d_][^\])>\n:]{{0,40}}?)[\])>]"
    r"\s*:?\s*(?P<text>\S.*)$")


def split_loose_label_line(line: str) -> LabelMatch | None:
    """``P1 – text``, ``[P1] text`` or a bare ``MODERATOR`` line (see ``_DASH_LINE``); a
    bracketed stage direction (``[tertawa] Iya``) is no label."""
    m = _BRACKETED_INLINE.match(line)
    if m and not _is_marker(m.group("label")):
        return LabelMatch(label=" ".join(m.group("label").split()), text=m.group("text").strip(),
                          start=parse_time(_range_start(m.group("time"))))
    m = _DASH_LINE.match(line)
    if m:
        return LabelMatch(label=" ".join(m.group("label").split()), text=m.group("text").strip(),
                          start=parse_time(_range_start(m.group("time"))))
    m = _BARE_LABEL.match(line)
    if m and len(m.group("label").split()) <= 4:
        return LabelMatch(label=" ".join(m.group("label").split()), text="", start=None)
    return None


def is_header_line(line: str, match: LabelMatch | None, caps_headers: bool = True) -> bool:
    """A section line: ``SESI 2: DISKUSI``, ``=== SESI 2 ===``, ``Pertanyaan 1: ...``.

    An all-capital line counts only when ``caps_headers`` (not in a file typed in capitals)
    and when it is short and does not end like a sentence."""
    # cheap tests first: a long line (a turn's text) is never a header
    if caps_headers and len(line.split()) <= 8 and not line.lstrip().startswith(("[", "(")) \
            and not line.rstrip().endswith((".", "?", "!", ",", "…")):
        letters = [ch for ch in line if ch.isalpha()]
        if len(letters) >= 3 and not any(ch.islower() for ch in letters):
            return True
    if match:
        first = match.label.split()[0].lower().rstrip(".")
        return first in lang.yaml_lists("speakers")["headers"]
    return False


def split_label_line(line: str) -> LabelMatch | None:
    """Split a line into label, text and time if it has the shape of a labelled line."""
    # quick rejections first (a line of speech is neither): "Label: text" needs a colon, a
    # label alone with its time needs a digit and is short
    m = _LABEL_LINE.match(line) if ":" in line else None
    if not m:
        alone = None
        if _DIGIT.search(line) and (len(line) <= _MAX_ALONE or
                                    len("".join(line.split())) <= _MAX_ALONE):
            alone = (_LABEL_THEN_TIME.match(line) or _TIME_THEN_LABEL.match(line)
                     or _bracket_label(line))
        if alone:
            return LabelMatch(label=" ".join(alone.group("label").split()), text="",
                              start=parse_time(_range_start(alone.group("time"))))
        return None
    label = " ".join(m.group("label").split()).strip("*_ ").strip()
    if not label:
        return None
    time = m.group("time1") or m.group("time2")
    return LabelMatch(label=label, text=m.group("text").strip(),
                      start=parse_time(_range_start(time)))


def _bracket_label(line: str):
    """``[Rina Marlina] 09:01:15`` (a name, not a ``[tertawa]`` marker) alone on its line."""
    m = _BRACKET_LABEL_TIME.match(line)
    if m and m.group("time") and not _is_marker(m.group("label")):
        return m
    return None


def _is_marker(text: str) -> bool:
    key = text.strip().lower()
    return any(key == w or key.startswith(w + " ") for w in lang.word_list("markers"))


def mostly_capitals(lines: list[str]) -> bool:
    """Whether a file is typed in capitals (then an all-capital line is no section header)."""
    letters = capitals = 0
    for start in range(0, len(lines), _CAPITALS_BLOCK):
        block_letters, block_capitals = _letter_counts("".join(lines[start:start + _CAPITALS_BLOCK]))
        letters += block_letters
        capitals += block_capitals
    return bool(letters) and capitals > 0.5 * letters


#: Lines counted at once by :func:`mostly_capitals` (bounds its temporary memory).
_CAPITALS_BLOCK = 20_000


def _letter_counts(text: str) -> tuple[int, int]:
    """(letters, capital letters) in a text, counted per distinct character with numpy."""
    import numpy as np

    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    values, counts = np.unique(codes, return_counts=True)
    letters = capitals = 0
    for value, count in zip(values.tolist(), counts.tolist()):
        ch = chr(value)
        if ch.isalpha():
            letters += count
            if ch.isupper():
                capitals += count
    return letters, capitals


def is_time_only(line: str) -> bool:
    """A line holding only a time or time range ("00:05:00")."""
    return bool(_TIME_ONLY.match(line))


def _range_start(time: str | None) -> str | None:
    """``"[00:01:02 - 00:01:10]"`` -> ``"00:01:02"``; a single time passes through."""
    if not time:
        return time
    return re.split(r"\s*(?:-->|->|–|s/d|to|(?<=\d)\s*-\s*(?=\d))\s*",
                    time.strip("[]() "))[0]


#: A role word may be qualified by up to this many words ("Informan Kunci 1", "Peserta FGD 2").
MAX_ROLE_QUALIFIERS = 2
_ROLES = ("moderator", "observer", "participant")


@lru_cache(maxsize=65536)
def role_from_label(label: str) -> str | None:
    """Role implied by a label's words (``Moderator``, ``Notulen``, ``Peserta 3``,
    ``Informan Kunci 1``, ``Rina (Moderator)``) or None."""
    name, org = split_organisation(label)
    key = _base_word(name)
    role = _role_of(key)
    words = key.split()
    if role is None and 1 < len(words) <= 1 + MAX_ROLE_QUALIFIERS:
        role = _role_of(words[0])          # a role word and a qualifier: "informan kunci"
    if role is None and org:
        role = _role_of(_base_word(org))   # "Rina (Moderator)"
    return role


def role_in_brackets(label: str) -> bool:
    """``Rina Marlina (Moderator)``: the bracket names a role, not an organisation."""
    _name, org = split_organisation(label)
    return bool(org) and _role_of(_base_word(org)) is not None


def _role_of(words: str) -> str | None:
    vocab = lang.yaml_lists("speakers")
    return next((role for role in _ROLES if words in vocab[role]), None)


def _base_word(label: str) -> str:
    """Lowercased label without its number: "Peserta ke-4" -> "peserta ke"."""
    name = re.sub(r"[/]+", " ", label.lower())
    name = re.sub(r"\b(?:ke|no)\s*[-.]?\s*(?=\d)", "", name)   # "peserta ke-4", "no. 4"
    numbered = _NUMBERED.match(name.strip())
    return " ".join((numbered.group("word") if numbered else name).split()).strip(" .-#")


def split_organisation(label: str) -> tuple[str, str | None]:
    """``"Ibu Sari (Dinkes)"`` -> ``("Ibu Sari", "Dinkes")``; labels without one pass through."""
    m = _ORG_SUFFIX.match(label)
    if not m:
        return label, None
    org = (m.group("org1") or m.group("org2") or "").strip()
    return m.group("name").strip(), org or None


@lru_cache(maxsize=65536)
def is_plausible_speaker(label: str, recurring: bool = True) -> bool:
    """Whether a label looks like a speaker when no roster says who speaks.

    Accepts role words (optionally numbered), short codes (P1, R2), honorific + name and
    capitalised names (optionally with an organisation); rejects headers such as ``Catatan``,
    times and lowercase words. A lone capitalised word (``Budi:`` but also ``Masalahnya:``)
    is accepted only when ``recurring``, i.e. it starts at least two lines of the file.
    """
    vocab = lang.yaml_lists("speakers")
    if _TIME_ONLY.match(label) or len(label) > 60:
        return False
    name, _org = split_organisation(label)
    if _CODE_LABEL.match(label) or _CODE_LABEL.match(name):
        return True        # P1, R-2, I3, and "R2 (Perempuan, 45)"
    group = re.split(r"\s*(?:,|&|/|\bdan\b)\s*", label)
    if len(group) > 1 and all(_CODE_LABEL.match(part) for part in group):
        return True        # "P1, P2: Betul." (several participants at once)
    if role_from_label(label):
        return True
    words = name.split()
    if not words or len(words) > 5:
        return False
    first = words[0].lower()
    if first in vocab["not_speakers"] or first.rstrip(".") in vocab["not_speakers"]:
        return False
    if any(ch.isdigit() for ch in name):
        return False
    if first in vocab["honorifics"] and len(words) >= 2:
        return True
    if first in vocab["positions"] and len(words) <= 4:
        return True                 # "Camat:", "Kapus Dinoyo:" (may speak only once)
    if first in vocab["organisations"]:
        return recurring            # "Dinas Kesehatan: mereka bilang ..." is reported speech
    # Capitalised names: every word starts upper-case (particles like "bin" allowed).
    lower_ok = {"bin", "binti", "van", "de", "al", "el", "dan"}
    if not all(w[0].isupper() or w.lower() in lower_ok for w in words):
        return False
    return recurring or len(words) > 1 or _org is not None


def canonical(label: str) -> str:
    """Lowercase, single-spaced key for comparing labels."""
    return " ".join(label.lower().split())


def speaker_key(label: str) -> str:
    """Key under which spellings of one label meet: case and spacing aside, and a coded
    label's number without padding or separator (``P 1``, ``P.1``, ``P01`` -> ``p1``)."""
    key = canonical(label)
    coded = re.fullmatch(r"([a-z]{1,3})[-\s.]?0*(\d{1,3}[a-z]?)", key)
    return f"{coded.group(1)}{coded.group(2)}" if coded else key


class SpeakerResolver:
    """Decides which labels start turns and which role and attributes they carry.

    With a roster, only roster labels start turns (``Nama (Instansi)`` also matches a roster
    entry for ``Nama``); without one, :func:`is_plausible_speaker` decides.
    """

    def __init__(self, roster: dict[str, Participant] | None = None,
                 label_counts: dict[str, int] | None = None) -> None:
        self.roster = roster or {}
        self.label_counts = label_counts
        self._by_key = {canonical(label): p for label, p in self.roster.items()}
        self._spellings: dict[str, str] = {}
        self._resolved: dict[tuple[str, bool], tuple[str, str, dict[str, str]] | None] = {}

    def resolve(self, label: str, explicit: bool = False) -> tuple[str, str, dict[str, str]] | None:
        """(speaker, role, attributes) for a label, or None when it does not start a turn.

        ``explicit`` labels come from a speaker column or voice tag: without a roster any
        non-empty label is accepted. Each distinct label is decided once per file.
        """
        key = (label, explicit)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(label, explicit)
        resolved = self._resolved[key]
        if resolved is None:
            return None
        speaker, role, attributes = resolved
        return speaker, role, dict(attributes)

    def _resolve(self, label: str, explicit: bool) -> tuple[str, str, dict[str, str]] | None:
        if self.roster:
            participant = self._by_key.get(canonical(label))
            if participant is None:
                name, _org = split_organisation(label)
                participant = self._by_key.get(canonical(name))
            if participant is None:
                return None
            return participant.label, participant.role, dict(participant.attributes)
        recurring = self.label_counts is None or self.label_counts.get(canonical(label), 0) >= 2
        if not explicit and not is_plausible_speaker(label, recurring):
            return None
        attributes: dict[str, str] = {}
        _name, org = split_organisation(label)
        if org and not role_in_brackets(label):
            attributes["organisation"] = org
        # one speaker, however the transcriber spelled the label: MODERATOR = Moderator,
        # P 1 = P.1 = P01 = P1
        speaker = self._spellings.setdefault(speaker_key(label), label)
        return speaker, role_from_label(label) or "participant", attributes

    def require(self, label: str, where: str, path) -> tuple[str, str, dict[str, str]]:
        """:meth:`resolve` for an explicit label (speaker column, voice tag); a label missing
        from the roster is an error naming ``where`` (e.g. ``row 12``)."""
        resolved = self.resolve(label, explicit=True)
        if resolved is None:
            from ..errors import RosterError

            raise RosterError(f"speaker '{label}' ({where}) is not in the participants roster.",
                              path=path, fix="add it to 'participants' or correct the label.")
        return resolved


#: Readers report their progress through a file every this many lines.
PROGRESS_LINES = 20_000


def count_labels(lines: list[str], loose: bool = False,
                 label_of: Callable[[str], LabelMatch | None] | None = None,
                 progress: Callable[[float], None] | None = None) -> dict[str, int]:
    """How many lines start with each label candidate (for the recurrence rule).

    ``label_of`` replaces :func:`split_label_line` (a memoised one saves parsing twice);
    ``progress`` is told the share of lines done every :data:`PROGRESS_LINES` lines."""
    label_of = label_of or split_label_line
    counts: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if progress and number % PROGRESS_LINES == 0:
            progress(number / len(lines))
        match = label_of(line) or (split_loose_label_line(line) if loose else None)
        if match:
            key = canonical(match.label)
            counts[key] = counts.get(key, 0) + 1
    return counts
