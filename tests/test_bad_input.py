"""Bad input: every problem is an FgdError naming the file (and line) with a fix; the CLI prints
one ``Error:`` line, exits non-zero, shows no traceback and writes no output (DESIGN §2)."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

import pytest

from fgd_toolkit import read_transcripts
from fgd_toolkit.errors import FgdError, RosterError, TranscriptFormatError


def _png() -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data  # noqa: E731
                                + struct.pack(">I", zlib.crc32(kind + data)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _zip_without_word_parts() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("catatan.txt", "Moderator: ini arsip zip, bukan dokumen Word.")
    return buffer.getvalue()


ROSTER_HEAD = "---\nid: fgd-sekolah\nparticipants:\n  - {label: Moderator, role: moderator}\n"


@dataclass
class BadCase:
    files: dict[str, str | bytes]
    target: str                      # file or folder passed to the reader / CLI
    error: type[FgdError]
    culprit: str                     # the file the message must name
    line: int | tuple[int, ...] | None = None   # the line the message names (or allowed lines)
    says: list[str] = field(default_factory=list)   # further words the message must contain


BAD_CASES = {
    "unknown-suffix": BadCase(
        {"notulen-fgd.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"}, "notulen-fgd.pdf",
        TranscriptFormatError, "notulen-fgd.pdf", says=[".pdf", ".docx"]),
    "empty-file": BadCase(
        {"kosong.txt": b""}, "kosong.txt", TranscriptFormatError, "kosong.txt", says=["empty"]),
    "whitespace-only-file": BadCase(
        {"spasi.md": "\n   \n\t\n"}, "spasi.md", TranscriptFormatError, "spasi.md",
        says=["empty"]),
    "png-renamed-txt": BadCase(
        {"foto-papan-tulis.txt": _png()}, "foto-papan-tulis.txt", TranscriptFormatError,
        "foto-papan-tulis.txt", says=["binary"]),
    "text-renamed-docx": BadCase(
        {"transkrip.docx": "Moderator: Selamat pagi.\nP1: Pagi, Bu.\n"}, "transkrip.docx",
        TranscriptFormatError, "transkrip.docx", says=["not a .docx"]),
    "zip-that-is-not-docx": BadCase(
        {"arsip.docx": _zip_without_word_parts()}, "arsip.docx", TranscriptFormatError,
        "arsip.docx", says=["cannot be opened"]),
    "text-renamed-xlsx": BadCase(
        {"rekap.xlsx": "pembicara,teks\nModerator,halo\n"}, "rekap.xlsx",
        TranscriptFormatError, "rekap.xlsx", says=["not a .xlsx"]),
    "no-recognisable-turns": BadCase(
        {"ringkasan.txt": "Ringkasan rapat komite sekolah\nCatatan: rapat ditunda.\n"
                          "semua peserta pulang lebih awal.\n"},
        "ringkasan.txt", TranscriptFormatError, "ringkasan.txt", says=["no speaker turns"]),
    "malformed-front-matter": BadCase(
        {"yaml-rusak.txt": "---\nid: fgd-x\ntitle: \"FGD: Sekolah\"\nparticipants:\n"
                           "  - label: Moderator\n   role: moderator\n---\nModerator: Halo.\n"},
        "yaml-rusak.txt", TranscriptFormatError, "yaml-rusak.txt", line=6, says=["YAML"]),
    "front-matter-never-closed": BadCase(
        {"tanpa-penutup.txt": "---\nid: fgd-x\ntitle: FGD Sekolah\nModerator: Halo semua.\n"},
        "tanpa-penutup.txt", TranscriptFormatError, "tanpa-penutup.txt", line=1,
        says=["never closed"]),
    "roster-label-never-used": BadCase(
        {"roster.txt": ROSTER_HEAD + "  - {label: Bu Ani}\n  - {label: Pak Edi}\n---\n"
                                     "Moderator: Halo semua.\nBu Ani: Halo juga.\n"},
        "roster.txt", RosterError, "roster.txt", says=["Pak Edi", "never speak"]),
    "duplicate-transcript-ids": BadCase(
        {"fgd/sesi-1.txt": "---\nid: fgd-sekolah\n---\nModerator: Sesi pertama.\n",
         "fgd/sesi-2.txt": "---\nid: fgd-sekolah\n---\nModerator: Sesi kedua.\n"},
        "fgd", TranscriptFormatError, "sesi-2.txt", says=["fgd-sekolah", "sesi-1.txt"]),
    "unknown-metadata-key": BadCase(
        {"kunci.txt": "---\nid: fgd-x\ntgl_rekam: 2026-01-01\n---\nModerator: Halo semua.\n"},
        "kunci.txt", TranscriptFormatError, "kunci.txt", line=(2, 3), says=["tgl_rekam", "date"]),
    "unknown-metadata-key-in-sidecar": BadCase(
        {"rekap.csv": "pembicara,teks\nModerator,Halo.\n", "rekap.yaml": "id: x\nsesi: A\n"},
        "rekap.csv", TranscriptFormatError, "rekap.yaml", line=(1, 2), says=["sesi"]),
    "unknown-role-in-roster": BadCase(
        {"peran.txt": ROSTER_HEAD + "  - {label: Bu Ani, role: kepala sekolah}\n---\n"
                                    "Moderator: Halo semua.\nBu Ani: Halo juga.\n"},
        "peran.txt", RosterError, "peran.txt", says=["kepala sekolah", "moderator"]),
    "unknown-role-in-participants-table": BadCase(
        {"fgd/a.txt": "Moderator: Halo.\nBu Ani: Halo juga.\n",
         "fgd/participants.csv": "label,role\nBu Ani,guru\n"},
        "fgd", RosterError, "participants.csv", says=["guru"]),
    "participants-table-row-never-used": BadCase(
        {"fgd/a.txt": "Moderator: Halo.\nBu Ani: Halo juga.\n",
         "fgd/participants.csv": "label,transcript_id,organisation\nBu Ana,a,SDN 1\n"},
        "fgd", RosterError, "participants.csv", says=["bu ana", "never speaks"]),
    "csv-without-text-column": BadCase(
        {"tanpa-teks.csv": "pembicara,keterangan\nModerator,halo\n"}, "tanpa-teks.csv",
        TranscriptFormatError, "tanpa-teks.csv", says=["text column", "--column text="]),
    "invalid-json": BadCase(
        {"rusak.json": '[\n  {"speaker": "Moderator", "text": "Halo"},\n'
                       '  {"speaker": "P1" "text": "Hai"}\n]\n'},
        "rusak.json", TranscriptFormatError, "rusak.json", line=3, says=["JSON"]),
    "json-of-the-wrong-shape": BadCase(
        {"bentuk.json": '{"id": "x", "turns": "Moderator: halo"}'}, "bentuk.json",
        TranscriptFormatError, "bentuk.json", says=["turns"]),
    "vtt-that-is-not-webvtt": BadCase(
        {"rapat.vtt": "Moderator: ini bukan WebVTT.\n00:00:01 halo semua\n"}, "rapat.vtt",
        TranscriptFormatError, "rapat.vtt", says=["WebVTT"]),
    "srt-that-is-not-srt": BadCase(
        {"rapat.srt": "Moderator: ini bukan subtitle.\nP1: betul.\n"}, "rapat.srt",
        TranscriptFormatError, "rapat.srt", says=["SRT"]),
    "vtt-voice-not-in-sidecar-roster": BadCase(
        {"zoom.vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Moderator>Halo.</v>\n\n"
                     "00:00:04.000 --> 00:00:06.000\n<v Tamu>Halo juga.</v>\n",
         "zoom.yaml": "participants:\n  - {label: Moderator, role: moderator}\n"},
        "zoom.vtt", RosterError, "zoom.yaml", says=["Tamu"]),
}


@pytest.mark.parametrize("name", list(BAD_CASES))
def test_bad_input_raises_an_error_naming_the_file_and_the_fix(make_files, tmp_path, name):
    case = BAD_CASES[name]
    target = make_files(case.files) / case.target
    with pytest.raises(FgdError) as caught:
        read_transcripts(target)
    exc = caught.value
    assert type(exc) is case.error, f"{type(exc).__name__}: {exc}"
    message = str(exc)
    culprit = next(p for p in tmp_path.rglob(case.culprit.split("/")[-1]))
    assert exc.path == str(culprit)
    lines = case.line if isinstance(case.line, tuple) else (case.line,)
    assert exc.line in lines
    prefix = f"{culprit}:{exc.line}: " if exc.line else f"{culprit}: "
    assert message.startswith(prefix), message
    assert " Fix: " in message and message.split(" Fix: ", 1)[1].strip()
    for word in case.says:
        assert word.lower() in message.lower(), message
    assert "\n" not in message


@pytest.mark.parametrize("name", list(BAD_CASES))
def test_cli_ingest_reports_bad_input_in_one_line_without_traceback(make_files, cli, tmp_path,
                                                                    name):
    case = BAD_CASES[name]
    target = make_files(case.files) / case.target
    out = tmp_path / "hasil" / "passages.csv"
    result = cli("ingest", target, "--out", out)
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert case.culprit.split("/")[-1] in lines[0] and "Fix:" in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_cli_reports_a_missing_path_without_traceback(cli, tmp_path):
    result = cli("ingest", tmp_path / "tidak-ada.txt")
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("Error: ") and "tidak-ada.txt" in result.stderr
    assert "Fix:" in result.stderr


def test_cli_rejects_a_malformed_column_option(cli, make_file):
    path = make_file("a.csv", "pembicara,teks\nModerator,Halo.\n")
    result = cli("ingest", path, "--column", "pembicara")
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("Error: ") and "--column" in result.stderr


def test_cli_ingest_succeeds_on_good_input_and_writes_passages(cli, make_file, tmp_path):
    path = make_file("baik.txt", "Moderator: Selamat pagi.\nP1: Anggarannya kurang.\n")
    out = tmp_path / "passages.csv"
    result = cli("ingest", path, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("passage_id,transcript_id")


@pytest.mark.parametrize("folder, name", [
    ("", "transkrip [final].pdf"),
    ("arsip[/lama]", "transkrip.pdf"),
])
def test_cli_error_keeps_square_brackets_in_file_names(cli, tmp_path, folder, name):
    path = tmp_path / folder / name if folder else tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(TranscriptFormatError, match="unsupported"):
        read_transcripts(path)
    result = cli("ingest", path)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert str(path) in result.stderr


def test_unknown_metadata_key_error_names_the_line_of_the_key(make_file):
    path = make_file("kunci.txt", "---\nid: fgd-x\ntitle: FGD Sekolah\ntgl_rekam: 2026-01-01\n---\n"
                                  "Moderator: Halo semua.\n")
    with pytest.raises(TranscriptFormatError) as caught:
        read_transcripts(path)
    assert str(caught.value).startswith(f"{path}:4: ")


@pytest.mark.parametrize("data", [
    b"\xff\xfe" + "P1: Anggaran kurang.\n".encode("utf-16-le") + b"\x0a",   # odd byte count
    b"\xef\xbb\xbfP1: Anggaran kurang. \xff\xfe\n",                          # BOM, then not UTF-8
])
def test_a_byte_order_mark_over_invalid_text_is_one_error_line(tmp_path, data):
    # Found by benchmarks/fuzz.py: these raised UnicodeDecodeError (a traceback in the CLI).
    path = tmp_path / "fgd-bom.txt"
    path.write_bytes(data)
    with pytest.raises(TranscriptFormatError, match="byte-order mark but is not valid.*UTF-8"):
        read_transcripts(path)
