"""Random and mutated transcripts and codebooks, shared by ``tests/test_fuzz.py`` (a few
hundred cases) and ``benchmarks/fuzz.py`` (10,000 and more).

A case is a transcript in one of the supported formats, built from random turns (Indonesian
words, markers, odd Unicode, control characters) and then, half of the time, mutated at the
byte level (bits flipped, bytes cut, inserted or repeated), plus a codebook that is either
well formed with random content or random YAML-ish text. :func:`run_case` feeds it through
ingest and through ``code()`` with the ``tfidf`` back-end; the only allowed outcomes are a
result or an :class:`~fgd_toolkit.errors.FgdError` (which the CLI prints as one line).
"""
from __future__ import annotations

import csv
import io
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import yaml
from hypothesis import strategies as st

from fgd_toolkit.errors import FgdError

FORMATS = (".txt", ".md", ".docx", ".vtt", ".srt", ".csv", ".tsv", ".xlsx", ".json")

WORDS = ("pimpinan", "anggaran", "aplikasi", "inovasi", "warga", "pelayanan", "nggak", "udah",
         "regulasi", "perbup", "sinyal", "pelatihan", "kolaborasi", "insentif", "mutasi",
         "Rp5.000", "10.30", "dinkes.go.id", "Kec.", "S.Pd.", "dll.", "...", "[tertawa]",
         "(tidak jelas)", "?", "!", ".", ",", ":", "-", "'", '"', "=1+1", "@x", "\u00a0",
         "\u200b", "\ufeff", "é", "\U0001f600", "\x0b", "\x1b[31m", "\r", "\t", "\n")
SPEAKERS = ("Moderator", "P1", "P2", "Bu Sari", "Pak Dedi", "Narasumber", "Notulen", "",
            "=cmd", "Ibu A.", "x" * 80, "P1 (Dinkes)", "\u200b", "Peserta 3")


@st.composite
def turns(draw) -> list[tuple[str, str]]:
    """Random turns: a speaker and a text of random words and characters."""
    # NUL bytes make any text file "binary" (refused as such): they come from the mutations
    chars = st.characters(exclude_characters="\x00")
    word = st.one_of(st.sampled_from(WORDS), st.text(chars, max_size=12))
    text = st.lists(word, max_size=25).map(" ".join)
    speaker = st.one_of(st.sampled_from(SPEAKERS), st.text(chars, max_size=15))
    return draw(st.lists(st.tuples(speaker, text), max_size=12))


@st.composite
def plain_turns(draw) -> list[tuple[str, str]]:
    """Turns a careful transcriber would write: printable words, plausible speakers."""
    printable = [w for w in WORDS if w.isprintable() and w.strip() and "\u200b" not in w
                 and "\ufeff" not in w]
    text = st.lists(st.sampled_from(printable), min_size=1, max_size=25).map(" ".join)
    speaker = st.sampled_from(["Moderator", "P1", "P2", "Bu Sari", "Pak Dedi", "Peserta 3"])
    return draw(st.lists(st.tuples(speaker, text), max_size=12))


def render(suffix: str, rows: list[tuple[str, str]], title: str = "") -> bytes:
    """``rows`` written as a transcript file of format ``suffix`` (however odd the text)."""
    if suffix in (".txt", ".md"):
        head = f"---\ntitle: {json.dumps(title)}\n---\n" if suffix == ".md" and title else ""
        return (head + "\n".join(f"{s}: {t}" for s, t in rows)).encode("utf-8", "surrogatepass")
    if suffix in (".csv", ".tsv"):
        out = io.StringIO()
        writer = csv.writer(out, delimiter="," if suffix == ".csv" else "\t")
        writer.writerow(["speaker", "text"])
        writer.writerows(rows)
        return out.getvalue().encode("utf-8", "surrogatepass")
    if suffix == ".json":
        return json.dumps({"title": title, "turns": [{"speaker": s, "text": t}
                                                      for s, t in rows]}).encode()
    if suffix == ".vtt":
        cues = [f"00:00:{k:02d}.000 --> 00:00:{k:02d}.900\n<v {s}>{t}" for k, (s, t)
                in enumerate(rows[:59])]
        return ("WEBVTT\n\n" + "\n\n".join(cues)).encode("utf-8", "surrogatepass")
    if suffix == ".srt":
        cues = [f"{k + 1}\n00:00:{k:02d},000 --> 00:00:{k:02d},900\n{s}: {t}" for k, (s, t)
                in enumerate(rows[:59])]
        return "\n\n".join(cues).encode("utf-8", "surrogatepass")
    if suffix == ".docx":
        return _docx(rows)
    if suffix == ".xlsx":
        return _xlsx(rows)
    raise ValueError(suffix)


def _xml_safe(text: str) -> str:
    """What python-docx and openpyxl can store (they refuse XML-illegal characters)."""
    return "".join(c for c in text if c in "\t\n\r" or (" " <= c and c not in "\ufffe\uffff"
                                                         and not "\ud800" <= c <= "\udfff"))


def _docx(rows) -> bytes:
    import docx

    document = docx.Document()
    for s, t in rows:
        document.add_paragraph(_xml_safe(f"{s}: {t}"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["speaker", "text"])
    for s, t in rows:
        sheet.append([_xml_safe(s), _xml_safe(t)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """``data`` with a few random byte-level edits (or unchanged).

    Every edit draws the same values whatever the data (positions as fractions of its
    length), so a case replays exactly even when the bytes differ between runs (the
    timestamps python-docx and openpyxl write into their zip files)."""
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):
        edit = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "truncate"]))
        where = draw(st.integers(0, 1 << 20)) / (1 << 20)
        bit, length, times = draw(st.integers(0, 7)), draw(st.integers(1, 200)), \
            draw(st.integers(2, 5))
        extra = draw(st.binary(min_size=1, max_size=32))
        if not data:
            data += extra
            continue
        at = min(int(where * len(data)), len(data) - 1)
        if edit == "flip":
            data[at] ^= 1 << bit
        elif edit == "cut":
            del data[at:at + length]
        elif edit == "insert":
            data[at:at] = extra
        elif edit == "repeat":
            data[at:at] = data[at:at + length] * times
        else:
            del data[at:]
    return bytes(data)


@st.composite
def transcript_files(draw) -> tuple[str, bytes]:
    """A transcript file: its suffix and bytes, mutated half of the time."""
    suffix = draw(st.sampled_from(FORMATS))
    data = render(suffix, draw(turns()), draw(st.sampled_from(["", "FGD Dinkes", "\x1b]0;x"])))
    if draw(st.booleans()):
        data = draw(mutated(data))
    return suffix, data


@st.composite
def codebooks(draw) -> str:
    """Codebook YAML: well formed with random content, or such a text mutated."""
    ident = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789-", min_size=0, max_size=6)
    free = st.one_of(st.sampled_from(WORDS), st.text(max_size=30))
    n_codes = draw(st.integers(0, 5))
    codes = []
    for _ in range(n_codes):
        code = {"id": draw(ident), "label": draw(free)}
        if draw(st.booleans()):
            code["definition"] = draw(free)
        if draw(st.booleans()):
            code["keywords"] = draw(st.lists(free, max_size=5))
        if draw(st.booleans()):
            code["examples"] = {"enabler": draw(st.lists(free, max_size=2)),
                                "barrier": draw(st.lists(free, max_size=2))}
        if draw(st.integers(0, 9)) == 0:
            code[draw(st.sampled_from(["thema", "polarity", "keyword", "include"]))] = \
                draw(st.one_of(free, st.integers(), st.none(), st.lists(st.integers())))
        codes.append(code)
    book = {"schema": draw(st.sampled_from(["fgd-codebook/1", "fgd-codebook/1",
                                            "fgd-codebook/0", ""])),
            "name": draw(free), "codes": codes}
    text = yaml.safe_dump(book, allow_unicode=True, sort_keys=False)
    if draw(st.integers(0, 3)) == 0:
        text = draw(mutated(text.encode("utf-8", "surrogatepass"))).decode("utf-8", "replace")
    return text


#: A case's codebook: the bundled one (None; so that random transcripts reach the coder)
#: or a random one.
case_codebooks = st.one_of(st.none(), codebooks())


@dataclass
class Outcome:
    """How one case ended: ``coded``, or the step that refused it with a one-line
    :class:`FgdError`: ``ingest-error``, ``codebook-error``, ``code-error``."""

    kind: str
    message: str = ""


BUNDLED_CODEBOOK = Path(__file__).resolve().parents[1] / "codebooks" / \
    "inovasi-pelayanan-publik.yaml"


def run_case(folder: Path, suffix: str, data: bytes, codebook_text: str | None) -> Outcome:
    """Write the case into ``folder`` and run it (``codebook_text`` None: the bundled
    codebook); anything that is not an FgdError propagates."""
    from fgd_toolkit import code
    from fgd_toolkit.codebook import load_codebook
    from fgd_toolkit.ingest import read_transcripts
    from fgd_toolkit.segment import to_passages
    from fgd_toolkit.settings import CodeSettings

    path = folder / f"fgd-fuzz{suffix}"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            transcripts = read_transcripts(path)
            to_passages(transcripts)
        except FgdError as exc:
            return Outcome("ingest-error", str(exc))
        book = folder / "codebook.yaml"
        if codebook_text is None:
            book = BUNDLED_CODEBOOK
        else:
            book.write_text(codebook_text, encoding="utf-8", errors="surrogatepass")
        try:
            codebook = load_codebook(book)
        except FgdError as exc:
            return Outcome("codebook-error", str(exc))
        try:
            code(transcripts, codebook, settings=CodeSettings(backend="tfidf", cluster=False),
                 use_cache=False)
        except FgdError as exc:
            return Outcome("code-error", str(exc))
    return Outcome("coded")
