"""Reading transcripts of every supported format into turns (DESIGN §2).

Each file in ``tests/data/transcripts/`` has an expectation file ``<file name>.expected.yaml``:

    id: ...            # optional: expected transcript id
    group: ...         # optional: expected group
    encoding: ...      # optional: expected encoding
    warnings: [...]    # optional: substrings of expected warnings (none expected when absent)
    turns:             # every turn, in order
      - speaker: ...   # exact speaker
        role: ...      # moderator / observer / participant
        starts_with:   # first words of the turn text
        start: ...     # seconds or null
        end: ...       # optional: seconds or null
        line: ...      # optional: source line / row / cue number
        text: ...      # optional: the exact turn text
        contains: []   # optional: substrings of the turn text
        attributes: {} # optional: the exact participant attributes
"""
from __future__ import annotations

import datetime
import json
import shutil
from collections import Counter

import pandas as pd
import pytest
import yaml

from fgd_toolkit import read_transcript, read_transcripts
from fgd_toolkit.errors import TranscriptFormatError
from fgd_toolkit.ingest import discover

from .ingest_fixtures import ROSTER_FOLDER, TRANSCRIPT_DATA

EXPECTATION_SUFFIX = ".expected.yaml"
EXPECTATIONS = sorted(TRANSCRIPT_DATA.glob(f"*{EXPECTATION_SUFFIX}"))

def _source_of(expectation):
    return expectation.with_name(expectation.name[:-len(EXPECTATION_SUFFIX)])


def _expectation_params():
    for expectation in EXPECTATIONS:
        name = _source_of(expectation).name
        yield pytest.param(expectation, id=name)


def assert_turns(transcript, expected_turns, where=""):
    """Compare turns with expectations: count, speaker, role, text prefix, times and extras."""
    got = [(t.speaker, t.role) for t in transcript.turns]
    want = [(e["speaker"], e["role"]) for e in expected_turns]
    assert got == want, f"{where}: speakers/roles differ"
    for number, (turn, exp) in enumerate(zip(transcript.turns, expected_turns), 1):
        label = f"{where} turn {number} ({turn.speaker})"
        assert turn.text.startswith(exp["starts_with"]), f"{label}: {turn.text[:80]!r}"
        assert turn.text == turn.text.strip() and turn.text, label
        assert "\r" not in turn.text and "\ufeff" not in turn.text + turn.speaker, label
        if exp.get("start") is None:
            assert turn.start is None, label
        else:
            assert turn.start == pytest.approx(exp["start"]), label
        if "end" in exp:
            if exp["end"] is None:
                assert turn.end is None, label
            else:
                assert turn.end == pytest.approx(exp["end"]), label
        if "line" in exp:
            assert turn.line == exp["line"], label
        if "text" in exp:
            assert turn.text == exp["text"], label
        for part in exp.get("contains", []):
            assert part in turn.text, f"{label}: {part!r} not in {turn.text!r}"
        if "attributes" in exp:
            assert turn.attributes == exp["attributes"], label


def assert_transcript(transcript, expected, where=""):
    assert_turns(transcript, expected["turns"], where)
    if "id" in expected:
        assert transcript.id == expected["id"]
    if "group" in expected:
        assert transcript.group == expected["group"]
    if "encoding" in expected:
        assert transcript.encoding == expected["encoding"]
    if "warnings" in expected:
        for part in expected["warnings"]:
            assert any(part in w for w in transcript.warnings), transcript.warnings
    else:
        assert transcript.warnings == []


# ------------------------------------------------------------------ committed sample files

def test_sample_set_covers_every_text_format():
    sources = [_source_of(e) for e in EXPECTATIONS]
    assert 10 <= len(sources) <= 14
    assert all(s.is_file() for s in sources)
    assert {s.suffix for s in sources} == {".txt", ".md", ".csv", ".json", ".srt", ".vtt"}
    for expectation in EXPECTATIONS:
        data = yaml.safe_load(expectation.read_text(encoding="utf-8"))
        assert 4 <= len(data["turns"]) <= 10, expectation.name


def test_sample_files_really_have_the_line_endings_and_encodings_they_claim():
    crlf = (TRANSCRIPT_DATA / "crlf-windows.txt").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n") > 0
    assert (TRANSCRIPT_DATA / "bom-utf8.txt").read_bytes().startswith(b"\xef\xbb\xbf---\n")
    legacy = (TRANSCRIPT_DATA / "legacy-cp1252.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        legacy.decode("utf-8")
    assert "José" in legacy.decode("cp1252")


@pytest.mark.parametrize("expectation", list(_expectation_params()))
def test_reader_produces_the_expected_turns(expectation):
    expected = yaml.safe_load(expectation.read_text(encoding="utf-8"))
    source = _source_of(expectation)
    transcript = read_transcript(source)
    assert_transcript(transcript, expected, where=source.name)
    assert transcript.path == source


def test_legacy_encoding_is_read_with_a_warning_naming_the_file():
    transcript = read_transcript(TRANSCRIPT_DATA / "legacy-cp1252.txt")
    assert transcript.encoding not in ("utf-8", "utf-8-sig")
    assert len(transcript.warnings) == 1
    assert "legacy-cp1252.txt: not UTF-8" in transcript.warnings[0]
    assert [t.role for t in transcript.turns] == ["moderator", "participant", "moderator",
                                                 "participant", "participant"]


def test_front_matter_metadata_and_roster_become_transcript_fields():
    transcript = read_transcript(TRANSCRIPT_DATA / "front-matter-roster.txt")
    assert transcript.title == "FGD Layanan Sekolah Inklusi"
    assert transcript.date == "2026-02-10"
    assert transcript.location == "Aula SLB Negeri Arjasari"
    assert list(transcript.participants) == ["Bu Laras", "Mas Yoga", "Bu Wulan", "Pak Hadi"]
    assert transcript.participants["Mas Yoga"].role == "observer"
    assert transcript.participants["Bu Laras"].role == "moderator"


def test_reading_the_sample_folder_gives_every_file_once_in_name_order():
    transcripts = read_transcripts(TRANSCRIPT_DATA)
    names = [t.path.name for t in transcripts]
    assert names == sorted(_source_of(e).name for e in EXPECTATIONS)
    assert len({t.id for t in transcripts}) == len(transcripts)


# ------------------------------------------------------------------ focused text-reader rules

def test_txt_reader_keeps_continuation_lines_and_blank_line_paragraphs(make_file):
    path = make_file("lanjut.txt", "Moderator: Bagaimana layanan rapor?\n"
                                   "Bu Ani: Paragraf pertama.\nMasih paragraf pertama.\n\n\n"
                                   "Paragraf kedua.\n")
    turns = read_transcript(path).turns
    assert turns[1].text == "Paragraf pertama.\nMasih paragraf pertama.\n\nParagraf kedua."


def test_txt_reader_starts_a_turn_from_a_label_alone_on_its_line(make_file):
    path = make_file("sendiri.txt", "Fasilitator:\n\nSilakan dimulai.\nPeserta 3:\nBaik, Bu.\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.text) for t in turns] == [("Fasilitator", "Silakan dimulai."),
                                                    ("Peserta 3", "Baik, Bu.")]


def test_txt_reader_drops_a_label_without_words(make_file):
    path = make_file("kosong.txt", "Moderator: Ada tanggapan?\nP1:\nP2: Saya setuju.\n")
    assert [t.speaker for t in read_transcript(path).turns] == ["Moderator", "P2"]


@pytest.mark.parametrize("line", [
    "Catatan: peserta datang terlambat.",
    "Keterangan: rekaman kedua.",
    "10:30 sudah ramai di loket.",
    "Jam 10:30: sudah ramai di loket.",
    "menurut saya: anggarannya kurang.",
])
def test_txt_reader_does_not_start_turns_at_notes_and_times(make_file, line):
    path = make_file("catatan.txt",
                     f"Moderator: Pertanyaan berikutnya.\nP1: Jawaban saya.\n{line}\n")
    turns = read_transcript(path).turns
    assert [t.speaker for t in turns] == ["Moderator", "P1"]
    assert turns[1].text == f"Jawaban saya.\n{line}"


@pytest.mark.parametrize("header", ["Pertanyaan 2: apa kendala utama?", "SESI 2: DISKUSI",
                                    "=== SESI 2 ===", "PEMBUKAAN"])
def test_section_header_lines_end_a_turn_and_are_not_speech(make_file, header):
    path = make_file("sesi.txt", f"Moderator: Pertanyaan berikutnya.\nP1: Jawaban saya.\n{header}\n"
                                 "Moderator: Silakan.\nP2: Anggaran kurang.\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.text) for t in turns] == [
        ("Moderator", "Pertanyaan berikutnya."), ("P1", "Jawaban saya."),
        ("Moderator", "Silakan."), ("P2", "Anggaran kurang.")]


@pytest.mark.parametrize("text", [
    "Moderator – Selamat siang.\nP1 – Siang, Bu.\nP2 - Saya dari kecamatan.\n",
    "MODERATOR\nSelamat siang.\n\nPESERTA 1\nSiang, Bu.\n\nPESERTA 2\nSaya dari kecamatan.\n",
    "[Moderator] Selamat siang.\n[P1] Siang, Bu.\n[P2] Saya dari kecamatan.\n",
    "(Moderator) Selamat siang.\n(P1) Siang, Bu.\n(P2) Saya dari kecamatan.\n",
])
def test_file_without_colon_labels_is_read_with_dashes_or_label_lines(make_file, text):
    turns = read_transcript(make_file("longgar.txt", text)).turns
    assert [t.role for t in turns] == ["moderator", "participant", "participant"]
    assert [t.text for t in turns] == ["Selamat siang.", "Siang, Bu.", "Saya dari kecamatan."]


def test_bracketed_stage_direction_is_not_a_speaker(make_file):
    text = ("[Moderator] Apa kendalanya?\n[P1] Anggaran, Bu.\n[tertawa] Tapi ya jalan terus.\n"
            "[P2] Setuju.\n")
    turns = read_transcript(make_file("kurung.txt", text)).turns
    assert [t.speaker for t in turns] == ["Moderator", "P1", "P2"]
    assert "jalan terus" in turns[1].text


@pytest.mark.parametrize("text, speakers", [
    ("[00.00.05] Moderator: Pagi.\n[00.01.15] P1: Pagi, Bu.\n", ["Moderator", "P1"]),
    ("1. Moderator: Pagi.\n2. P1: Pagi, Bu.\n", ["Moderator", "P1"]),
    ("MODERATOR: Pagi.\nP 1: Pagi, Bu.\nModerator: Lanjut.\nP01: Siap.\n",
     ["MODERATOR", "P 1", "MODERATOR", "P 1"]),
    ("Moderator: Pagi.\nInforman Kunci 1: Pagi.\nPeserta FGD 2: Siang.\nCamat: Hadir.\n",
     ["Moderator", "Informan Kunci 1", "Peserta FGD 2", "Camat"]),
])
def test_common_label_variants_start_turns(make_file, text, speakers):
    turns = read_transcript(make_file("varian.txt", text)).turns
    assert [t.speaker for t in turns] == speakers
    if text.startswith("[00.00.05]"):
        assert [t.start for t in turns] == [5.0, 75.0]


def test_role_in_brackets_after_a_name_is_the_role(make_file):
    path = make_file("peran.txt", "Rina Marlina (Moderator): Pagi.\nAndi (Notulen): Hadir.\n"
                                  "Budi (Dinkes): Pagi, Bu.\n")
    turns = read_transcript(path).turns
    assert [(t.role, t.attributes.get("organisation")) for t in turns] == [
        ("moderator", None), ("observer", None), ("participant", "Dinkes")]


def test_markdown_heading_ends_a_turn_and_never_starts_one(make_file):
    path = make_file("judul.md", "# FGD Sekolah\n**Moderator:** Selamat pagi.\n"
                                 "## Sesi 2: Anggaran\nP1: Anggarannya kurang.\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.text) for t in turns] == [("Moderator", "Selamat pagi."),
                                                    ("P1", "Anggarannya kurang.")]


@pytest.mark.parametrize("label, role", [
    ("Moderator", "moderator"), ("Fasilitator", "moderator"), ("Peneliti", "moderator"),
    ("Notulen", "observer"), ("Narasumber", "participant"), ("Informan 2", "participant"),
    ("Responden 4", "participant"), ("Peserta 3", "participant"), ("P1", "participant"),
    ("R2", "participant"), ("I1", "participant"), ("Bu Ratih", "participant"),
    ("Mod", "moderator"), ("Fas", "moderator"), ("I-3", "participant"),
    ("R2 (Perempuan, 45 th)", "participant"),
])
def test_role_is_inferred_from_the_label_without_a_roster(make_file, label, role):
    path = make_file("peran.txt", f"{label}: Selamat pagi, Bapak Ibu.\n")
    turn = read_transcript(path).turns[0]
    assert (turn.speaker, turn.role) == (label, role)


def test_roster_entry_matches_a_label_with_an_organisation(make_file):
    path = make_file("roster.txt", "---\nparticipants:\n  - {label: Moderator, role: moderator}\n"
                                   "  - {label: Bu Ani, role: participant, jabatan: Guru}\n---\n"
                                   "Moderator: Silakan.\nBu Ani (SDN 1): Terima kasih.\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.attributes) for t in turns] == [("Moderator", {}),
                                                          ("Bu Ani", {"jabatan": "Guru"})]


def test_roster_entry_without_role_keeps_the_role_its_label_implies(make_file):
    path = make_file("roster-tanpa-peran.txt",
                     "---\nparticipants:\n  - Moderator\n  - Notulen\n  - Bu Ani\n---\n"
                     "Moderator: Silakan.\nNotulen: Izin.\nBu Ani: Terima kasih.\n")
    assert [t.role for t in read_transcript(path).turns] == ["moderator", "observer",
                                                             "participant"]


# ------------------------------------------------------------------ Word and Excel (generated)

DOCX_CASES = {
    "labelled-paragraphs": (
        ["Transkrip FGD Guru SD Negeri 5", "Moderator: Selamat pagi, Bapak Ibu guru.",
         "Peserta 1: Pagi, Bu. Saya guru kelas lima.", "Notulen: Izin, rekaman dimulai.",
         "(03:15) Peserta 2: Saya guru olahraga, lapangan kami becek kalau hujan."],
        [{"speaker": "Moderator", "role": "moderator", "starts_with": "Selamat pagi",
          "start": None},
         {"speaker": "Peserta 1", "role": "participant", "starts_with": "Pagi, Bu.", "start": None},
         {"speaker": "Notulen", "role": "observer", "starts_with": "Izin, rekaman", "start": None},
         {"speaker": "Peserta 2", "role": "participant", "starts_with": "Saya guru olahraga",
          "start": 195}]),
    "bold-label-without-colon": (
        [("bold", "Moderator", " Selamat pagi, mari kita mulai."),
         ("bold", "Bu Ratih", " Pagi, Bu. Sekolah kami kekurangan ruang kelas."),
         ("bold", "Pak Anwar", " Di sekolah kami juga sama, rombelnya terlalu besar.")],
        [{"speaker": "Moderator", "role": "moderator", "start": None,
          "text": "Selamat pagi, mari kita mulai."},
         {"speaker": "Bu Ratih", "role": "participant", "start": None,
          "text": "Pagi, Bu. Sekolah kami kekurangan ruang kelas."},
         {"speaker": "Pak Anwar", "role": "participant", "start": None,
          "starts_with": "Di sekolah kami juga sama"}]),
    "continuation-paragraphs": (
        ["Fasilitator: Apa kendala utama layanan sekolah?", "Informan 2: Kendalanya dua.",
         "Pertama, guru honorer belum diangkat.", "", "Kedua, atap kelas bocor.",
         "Catatan: informan menunjukkan foto atap.", "Fasilitator: Terima kasih, Bu."],
        [{"speaker": "Fasilitator", "role": "moderator", "starts_with": "Apa kendala",
          "start": None},
         {"speaker": "Informan 2", "role": "participant", "start": None,
          "text": "Kendalanya dua.\nPertama, guru honorer belum diangkat.\n\nKedua, atap kelas "
                  "bocor.\nCatatan: informan menunjukkan foto atap."},
         {"speaker": "Fasilitator", "role": "moderator", "starts_with": "Terima kasih",
          "start": None}]),
    "two-column-table": (
        ["Moderator: Kita mulai dengan layanan UKS.",
         ("table", [["Moderator", "Bagaimana layanan UKS di sekolah Ibu?"],
                    ["Bu Ratih", "UKS kami aktif setiap Senin, ada dokter kecil juga."],
                    ["", "Obat-obatannya dikirim dari puskesmas."],
                    ["Notulen", "Izin, Bu, saya catat."]]),
         "Peneliti: Terima kasih atas jawabannya."],
        [{"speaker": "Moderator", "role": "moderator", "starts_with": "Kita mulai", "start": None},
         {"speaker": "Moderator", "role": "moderator", "starts_with": "Bagaimana layanan UKS",
          "start": None},
         {"speaker": "Bu Ratih", "role": "participant", "start": None,
          "text": "UKS kami aktif setiap Senin, ada dokter kecil juga.\n"
                  "Obat-obatannya dikirim dari puskesmas."},
         {"speaker": "Notulen", "role": "observer", "starts_with": "Izin, Bu", "start": None},
         {"speaker": "Peneliti", "role": "moderator", "starts_with": "Terima kasih atas",
          "start": None}]),
    "table-with-number-column-and-role-column": (
        [("table", [["No", "Penutur", "Peran", "Isi Pembicaraan"],
                    ["1", "Rina:", "Pemandu", "Selamat pagi, kita mulai."],
                    ["2", "Ahmad", "Informan", "Pagi, Bu. Anggaran kami kurang."]])],
        [{"speaker": "Rina", "role": "moderator", "text": "Selamat pagi, kita mulai.",
          "start": None},
         {"speaker": "Ahmad", "role": "participant", "text": "Pagi, Bu. Anggaran kami kurang.",
          "start": None}]),
    "soft-line-breaks": (
        ["Moderator: Selamat pagi.\nP1: Pagi, Bu.\nP2: Saya dari kecamatan."],
        [{"speaker": "Moderator", "role": "moderator", "text": "Selamat pagi.", "start": None},
         {"speaker": "P1", "role": "participant", "text": "Pagi, Bu.", "start": None},
         {"speaker": "P2", "role": "participant", "text": "Saya dari kecamatan.",
          "start": None}]),
    "word-transcribe-time-first": (
        ["Rekaman FGD.m4a", "00:00:05 Speaker 1", "Selamat pagi.", "00:00:20 Speaker 2",
         "Pagi, Bu."],
        [{"speaker": "Speaker 1", "role": "participant", "text": "Selamat pagi.", "start": 5},
         {"speaker": "Speaker 2", "role": "participant", "text": "Pagi, Bu.", "start": 20}]),
    "label-tab-text": (
        ["Moderator\tSelamat pagi.", "P1\tPagi, Bu."],
        [{"speaker": "Moderator", "role": "moderator", "text": "Selamat pagi.", "start": None},
         {"speaker": "P1", "role": "participant", "text": "Pagi, Bu.", "start": None}]),
    "header-row-table": (
        [("table", [["Pembicara", "Waktu", "Teks"],
                    ["Fasilitator", "00:10:00", "Pertanyaan terakhir, apa harapan Bapak Ibu?"],
                    ["Pak Anwar", "00:10:20", "Semoga sarana sekolah diperbaiki tahun depan."],
                    ["Notulen", "00:11:05", "Izin, rekaman saya hentikan."]])],
        [{"speaker": "Fasilitator", "role": "moderator", "starts_with": "Pertanyaan terakhir",
          "start": 600},
         {"speaker": "Pak Anwar", "role": "participant", "starts_with": "Semoga sarana",
          "start": 620},
         {"speaker": "Notulen", "role": "observer", "starts_with": "Izin, rekaman", "start": 665}]),
}


@pytest.mark.parametrize("case", list(DOCX_CASES))
def test_docx_reader_produces_the_expected_turns(make_docx, case):
    blocks, expected = DOCX_CASES[case]
    for exp in expected:
        exp.setdefault("starts_with", exp.get("text", ""))
    transcript = read_transcript(make_docx(f"{case}.docx", blocks))
    assert_turns(transcript, expected, where=case)
    assert transcript.id == case


def test_xlsx_reader_reads_pembicara_and_teks_columns(make_xlsx):
    path = make_xlsx("fgd-kantin.xlsx", [
        ["No", "Pembicara", "Teks", "Mulai"],
        [1, "Moderator", "Selamat datang di FGD layanan kantin sekolah.", datetime.time(0, 0, 5)],
        [2, "Peserta 2", "Kantin sehat sangat membantu orang tua.", "00:01:10"],
        [3, None, "Anak-anak tidak jajan sembarangan lagi.", None],
        [4, "Notulen", "Izin, saya catat usulannya.", 75],
    ])
    transcript = read_transcript(path)
    assert_turns(transcript, [
        {"speaker": "Moderator", "role": "moderator", "starts_with": "Selamat datang", "start": 5,
         "line": 2},
        {"speaker": "Peserta 2", "role": "participant", "start": 70, "line": 3,
         "starts_with": "Kantin sehat",
         "text": "Kantin sehat sangat membantu orang tua.\n"
                 "Anak-anak tidak jajan sembarangan lagi."},
        {"speaker": "Notulen", "role": "observer", "starts_with": "Izin, saya", "start": 75,
         "line": 5},
    ], where="xlsx")
    assert transcript.id == "fgd-kantin"


# ------------------------------------------------------------------ folders and rosters

def test_folder_is_read_recursively_in_stable_order_skipping_hidden_files(tmp_path):
    root = tmp_path / "fgd"
    files = {
        "b-sesi/fgd-b.txt": "Moderator: Sesi B dimulai.\nBu Ani: Layanan PPDB lancar.\n",
        "a-sesi/fgd-a.txt": "Moderator: Sesi A dimulai.\nPak Edi: Gedung sekolah rusak.\n",
        "a-sesi/nested/fgd-c.csv": "pembicara,teks\nModerator,Sesi C dimulai.\nBu Ani,Setuju.\n",
        ".draft/fgd-hidden.txt": "Moderator: Tersembunyi.\n",
        "a-sesi/.fgd-hidden2.txt": "Moderator: Tersembunyi.\n",
        "~$fgd-lock.txt": "Moderator: File kunci Word.\n",
        "notulen-rapat.pdf": "%PDF-1.4\n",
        "participants.csv": "label,organisation,jabatan\nBu Ani,SD Negeri 1,Guru\n"
                            "Pak Edi,SMP Negeri 2,Kepala Sekolah\n",
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content, encoding="utf-8")
    transcripts = read_transcripts(root)
    assert [t.id for t in transcripts] == ["fgd-a", "fgd-c", "fgd-b"]
    assert [t.id for t in read_transcripts(root)] == ["fgd-a", "fgd-c", "fgd-b"]
    files_found, rosters = discover(root)
    assert [p.relative_to(root).as_posix() for p in files_found] == [
        "a-sesi/fgd-a.txt", "a-sesi/nested/fgd-c.csv", "b-sesi/fgd-b.txt"]
    assert rosters == [root / "participants.csv"]
    by_id = {t.id: t for t in transcripts}
    assert by_id["fgd-a"].turns[1].attributes == {"organisation": "SMP Negeri 2",
                                                  "jabatan": "Kepala Sekolah"}
    assert by_id["fgd-c"].turns[1].attributes == {"organisation": "SD Negeri 1", "jabatan": "Guru"}
    assert by_id["fgd-a"].turns[0].attributes == {}


def test_participants_table_in_a_folder_adds_attributes_and_roles():
    transcripts = read_transcripts(ROSTER_FOLDER)
    assert [t.id for t in transcripts] == ["fgd-guru-honorer"]
    transcript = transcripts[0]
    assert [(t.speaker, t.role, t.attributes) for t in transcript.turns] == [
        ("Moderator", "moderator", {"organisation": "Tim Peneliti Universitas"}),
        ("Bu Tati", "participant", {"organisation": "SD Negeri 3 Arjasari",
                                    "jabatan": "Guru Kelas (honorer)"}),
        ("Pak Yanto", "participant", {"organisation": "Dinas Pendidikan",
                                      "jabatan": "Kepala Bidang GTK"}),
        ("Mas Dani", "observer", {"organisation": "Tim Peneliti Universitas",
                                  "jabatan": "Asisten Peneliti"}),
        ("Bu Tati", "participant", {"organisation": "SD Negeri 3 Arjasari",
                                    "jabatan": "Guru Kelas (honorer)"}),
        ("Moderator", "moderator", {"organisation": "Tim Peneliti Universitas"}),
    ]
    assert transcript.participants["Mas Dani"].role == "observer"
    assert transcript.participants["Pak Yanto"].attributes["jabatan"] == "Kepala Bidang GTK"


def test_participants_table_is_only_used_when_its_folder_or_roster_is_given():
    alone = read_transcript(ROSTER_FOLDER / "fgd-guru-honorer.txt")
    assert all(t.attributes == {} for t in alone.turns)
    assert alone.turns[3].role == "participant"
    explicit = read_transcripts(ROSTER_FOLDER / "fgd-guru-honorer.txt",
                                roster=ROSTER_FOLDER / "participants.csv")[0]
    assert explicit.turns[3].role == "observer"
    assert explicit.turns[2].attributes["organisation"] == "Dinas Pendidikan"


@pytest.mark.parametrize("stem, suffix", [("zoom-export-en", ".csv"), ("teams-voices", ".vtt")])
def test_sidecar_yaml_gives_metadata_to_non_text_formats(tmp_path, stem, suffix):
    with_sidecar = read_transcript(TRANSCRIPT_DATA / f"{stem}{suffix}")
    assert with_sidecar.id.startswith("fgd-") and with_sidecar.group
    copy = tmp_path / f"{stem}{suffix}"
    shutil.copy(TRANSCRIPT_DATA / f"{stem}{suffix}", copy)
    without = read_transcript(copy)
    assert (without.id, without.group) == (stem, "")
    assert all(t.attributes == {} for t in without.turns)
    assert [t.text for t in without.turns] == [t.text for t in with_sidecar.turns]
    shutil.copy(TRANSCRIPT_DATA / f"{stem}.yaml", tmp_path / f"{stem}.yaml")
    again = read_transcript(copy)
    assert (again.id, again.group) == (with_sidecar.id, with_sidecar.group)


def test_sidecar_metadata_of_csv_has_title_and_date():
    transcript = read_transcript(TRANSCRIPT_DATA / "zoom-export-en.csv")
    assert transcript.title == "FGD Orang Tua Murid tentang PPDB Online"
    assert transcript.date == "2025-07-01"


def test_tsv_is_split_at_tabs_only(make_file):
    path = make_file("ekspor.tsv", "Pembicara\tUcapan\nModerator\tSilakan, Bu, apa kendalanya?\n"
                                   "Bu Tini\tAnggaran, SDM, dan jaringan.\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.text) for t in turns] == [
        ("Moderator", "Silakan, Bu, apa kendalanya?"), ("Bu Tini", "Anggaran, SDM, dan jaringan.")]


# ------------------------------------------------------------------ column overrides

AMBIGUOUS_CSV = ("speaker,Nama,text,Ucapan\n"
                 "S1,Moderator,Good morning.,Selamat pagi Bapak Ibu.\n"
                 "S2,Bu Tini,Our library is quiet.,Perpustakaan kami sepi pengunjung.\n")


def test_column_overrides_choose_the_speaker_and_text_columns(make_file):
    path = make_file("terjemahan.csv", AMBIGUOUS_CSV)
    default = read_transcripts(path)[0]
    assert [(t.speaker, t.text) for t in default.turns] == [
        ("S1", "Good morning."), ("S2", "Our library is quiet.")]
    chosen = read_transcripts(path, columns={"speaker": "Nama", "text": "Ucapan"})[0]
    assert [(t.speaker, t.role, t.text) for t in chosen.turns] == [
        ("Moderator", "moderator", "Selamat pagi Bapak Ibu."),
        ("Bu Tini", "participant", "Perpustakaan kami sepi pengunjung.")]


def test_column_overrides_make_unknown_column_names_readable(make_file):
    path = make_file("asing.csv", "Penutur Asli,Kalimat,Menit\nModerator,Silakan.,1:05\n"
                                  "Bu Tini,Perpustakaan sepi.,1:30\n")
    with pytest.raises(TranscriptFormatError, match="--column"):
        read_transcripts(path)
    transcript = read_transcripts(path, columns={"speaker": "Penutur Asli", "text": "Kalimat",
                                                 "start": "Menit"})[0]
    assert [(t.speaker, t.text, t.start) for t in transcript.turns] == [
        ("Moderator", "Silakan.", 65.0), ("Bu Tini", "Perpustakaan sepi.", 90.0)]


def test_cli_column_option_reaches_the_reader(make_file, cli, tmp_path):
    path = make_file("terjemahan.csv", AMBIGUOUS_CSV)
    out = tmp_path / "passages.csv"
    result = cli("ingest", path, "--column", "speaker=Nama", "--column", "text=Ucapan",
                 "--out", out)
    assert result.exit_code == 0, result.output
    passages = pd.read_csv(out)
    assert list(passages["speaker"]) == ["Moderator", "Bu Tini"]
    assert list(passages["text"]) == ["Selamat pagi Bapak Ibu.",
                                      "Perpustakaan kami sepi pengunjung."]


# ------------------------------------------------------------------ bundled samples

BUNDLED = {
    "fgd-dinkes-arjasari": (55, ".txt"),
    "fgd-dpmptsp-arjasari": (51, ".csv"),
    "fgd-dukcapil-arjasari": (48, ".docx"),
    "fgd-kecamatan-inovator": (48, ".md"),
    "fgd-kominfo-bappeda": (54, ".vtt"),
}


def test_bundled_transcripts_are_all_read(bundled_transcripts):
    assert list(bundled_transcripts) == sorted(BUNDLED)


@pytest.mark.parametrize("transcript_id", list(BUNDLED))
def test_bundled_transcript_has_the_expected_turns_and_roles(bundled_transcripts,
                                                            transcript_id):
    transcript = bundled_transcripts[transcript_id]
    count, suffix = BUNDLED[transcript_id]
    assert transcript.path.suffix == suffix
    assert len(transcript.turns) == count
    assert transcript.warnings == []
    roles = {}
    for turn in transcript.turns:
        roles.setdefault(turn.speaker, set()).add(turn.role)
    assert roles.pop("Moderator") == {"moderator"}
    assert roles.pop("Notulen") == {"observer"}
    assert roles and all(r == {"participant"} for r in roles.values()), roles
    counts = Counter(t.role for t in transcript.turns)
    assert counts["participant"] > counts["moderator"] >= 10
    assert transcript.turns[0].role == "moderator"
    assert all(t.text.strip() == t.text and t.text for t in transcript.turns)


def test_bundled_transcripts_carry_metadata_and_roster_attributes(bundled_transcripts):
    bundled = bundled_transcripts
    dinkes = bundled["fgd-dinkes-arjasari"]
    assert dinkes.group == "OPD pelayanan dasar"
    assert dinkes.turns[0].start == 12.0
    assert dinkes.turns[1].attributes["organisation"] == "Dinkes"
    dukcapil = bundled["fgd-dukcapil-arjasari"]
    assert dukcapil.group == "OPD administrasi"
    assert dukcapil.turns[1].speaker == "Pak Hendra (Dukcapil)"
    kecamatan = bundled["fgd-kecamatan-inovator"]
    assert {"P1", "P2", "Informan 3", "Ibu Sari (Kelurahan Tlogomas Baru)",
            "Pak Budi - Puskesmas Dinoyo Baru"} <= set(kecamatan.speakers)
    budi = next(t for t in kecamatan.turns if t.speaker.startswith("Pak Budi"))
    assert budi.attributes == {"organisation": "Puskesmas Dinoyo Baru"}
    vtt = bundled["fgd-kominfo-bappeda"]
    assert vtt.turns[0].start == pytest.approx(5.12)
    assert vtt.turns[0].end > vtt.turns[0].start


def test_time_ranges_before_a_label_start_a_turn_at_the_range_start(tmp_path):
    path = tmp_path / "ranges.txt"
    path.write_text("[00:01:02 - 00:01:10] Moderator: Baik, lanjut.\n"
                    "00:02:00 --> 00:02:10 P1: Regulasinya belum ada.\n", encoding="utf-8")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.start, t.text) for t in turns] == [
        ("Moderator", 62.0, "Baik, lanjut."), ("P1", 120.0, "Regulasinya belum ada.")]


def test_markdown_pipe_table_is_read_as_speaker_and_text(tmp_path):
    path = tmp_path / "tabel.md"
    path.write_text("# FGD\n\n| Pembicara | Teks |\n|---|---|\n| Moderator | Selamat pagi. |\n"
                    "| P1 | Anggaran kami dipangkas. |\n|  | Jadi kegiatan berhenti. |\n",
                    encoding="utf-8")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.role, t.text) for t in turns] == [
        ("Moderator", "moderator", "Selamat pagi."),
        ("P1", "participant", "Anggaran kami dipangkas.\nJadi kegiatan berhenti.")]


def test_label_and_time_alone_on_a_line_start_a_turn_below(tmp_path):
    # the layout of Otter and Word "Transcribe" exports
    path = tmp_path / "otter.txt"
    path.write_text("Speaker 1  0:05\nSelamat pagi semuanya.\n\nSpeaker 2  0:12\n"
                    "Anggaran kami dipangkas.\nJadi kegiatannya berhenti.\n\n"
                    "Jam 10:30\nmasih lanjutan Speaker 2.\n", encoding="utf-8")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.start) for t in turns] == [("Speaker 1", 5.0), ("Speaker 2", 12.0)]
    assert turns[1].text.endswith("masih lanjutan Speaker 2.")


def test_workbook_sheets_with_turns_are_read_in_order_below_title_rows(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    info = workbook.active
    info.title = "Info"
    info.append(["Judul", "FGD Dinkes"])
    for title, rows in (("Sesi 1", [["Moderator", "Selamat pagi."], ["P1", "Pagi, Bu."]]),
                        ("Sesi 2", [["Moderator", "Apa hambatannya?"],
                                    ["P1", "Anggaran kurang."]])):
        sheet = workbook.create_sheet(title)
        sheet.append([f"TRANSKRIP FGD DINKES, {title.upper()}"])
        sheet.append([])
        sheet.append(["Nama", "Ucapan"])
        for row in rows:
            sheet.append(row)
    path = tmp_path / "sesi.xlsx"
    workbook.save(path)
    turns = read_transcript(path).turns
    assert [(t.speaker, t.text) for t in turns] == [
        ("Moderator", "Selamat pagi."), ("P1", "Pagi, Bu."),
        ("Moderator", "Apa hambatannya?"), ("P1", "Anggaran kurang.")]
    assert [t.line for t in turns] == [4, 5, 4, 5]


def test_title_block_fills_metadata_and_its_role_lines_are_not_turns(make_file):
    path = make_file("judul.txt", "TRANSKRIP FGD INOVASI\nHari/Tanggal: Selasa, 12 Maret 2026\n"
                                  "Tempat: Aula Dinkes\nModerator: Dr. Rina Marlina\n"
                                  "Peserta: 8 orang\nTopik: Inovasi Pelayanan\n\n"
                                  "Moderator: Selamat pagi.\nP1: Pagi, Bu.\n")
    transcript = read_transcript(path)
    assert [(t.speaker, t.text) for t in transcript.turns] == [("Moderator", "Selamat pagi."),
                                                               ("P1", "Pagi, Bu.")]
    assert (transcript.date, transcript.location, transcript.title) == (
        "Selasa, 12 Maret 2026", "Aula Dinkes", "Inovasi Pelayanan")


@pytest.mark.parametrize("text", [
    "Tanggal: 12 Maret 2026\nTempat: Aula Dinkes\n"
    "Moderator: Selamat pagi Bapak Ibu, mari kita mulai.\nP1: Pagi, Bu.\n",
    "Tanggal: 12 Maret 2026\nTempat: Aula Dinkes\nModerator: Selamat pagi.\nP1: Pagi, Bu.\n"
    "\nModerator: Lanjut.\n",
    "Moderator: Selamat pagi.\nTanggal: 12 Maret 2026\nTempat: Aula\nP1: Pagi, Bu.\n",
])
def test_opening_lines_with_speech_are_not_a_title_block(make_file, text):
    speakers = [t.speaker for t in read_transcript(make_file("bukan-judul.txt", text)).turns]
    assert speakers[:2] == ["Moderator", "P1"]


@pytest.mark.parametrize("name, text", [
    ("dua.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:05.000\nModerator: Setuju semua?\n"
                "P1: Setuju, Bu.\n\n00:00:05.500 --> 00:00:09.000\nP2: Saya juga.\n"),
    ("dua.srt", "1\n00:00:01,000 --> 00:00:05,000\n- Moderator: Setuju semua?\n"
                "- P1: Setuju, Bu.\n\n2\n00:00:05,500 --> 00:00:09,000\n"
                "<i>P2:</i> Saya juga.\n"),
])
def test_subtitle_cue_with_two_speakers_gives_two_turns(make_file, name, text):
    turns = read_transcript(make_file(name, text)).turns
    assert [(t.speaker, t.text, t.start) for t in turns] == [
        ("Moderator", "Setuju semua?", 1.0), ("P1", "Setuju, Bu.", 1.0),
        ("P2", "Saya juga.", 5.5)]


def test_an_agency_quoted_inside_a_turn_does_not_start_one(make_file):
    path = make_file("kutip.txt", "Moderator: Bagaimana koordinasinya?\n"
                                  "P1: Kami sudah kirim surat.\n"
                                  "Dinas Kesehatan: mereka bilang datanya belum siap.\n"
                                  "Jadi kami tunggu.\nModerator: Baik.\n")
    turns = read_transcript(path).turns
    assert [t.speaker for t in turns] == ["Moderator", "P1", "Moderator"]
    assert "Dinas Kesehatan: mereka bilang" in turns[1].text


def test_zoom_live_transcript_names_in_brackets_above_the_text(make_file):
    path = make_file("zoom.txt", "[Rina Marlina] 09:01:15\nSelamat pagi, kita mulai.\n\n"
                                 "[Ahmad Fauzi] 09:01:40\nPagi, Bu. [tertawa]\n\n"
                                 "[Rina Marlina] 09:02:05\nApa hambatannya?\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.start) for t in turns] == [
        ("Rina Marlina", 32475.0), ("Ahmad Fauzi", 32500.0), ("Rina Marlina", 32525.0)]
    assert turns[1].text == "Pagi, Bu. [tertawa]"


def test_a_time_alone_on_a_line_dates_the_next_turn_and_is_not_speech(make_file):
    path = make_file("meet.txt", "00:00:00\nModerator: Selamat pagi.\nP1: Pagi, Bu.\n"
                                 "00:05:00\nP2: Server kami sering down.\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.text, t.start) for t in turns] == [
        ("Moderator", "Selamat pagi.", 0.0), ("P1", "Pagi, Bu.", None),
        ("P2", "Server kami sering down.", 300.0)]


def test_several_participants_answering_at_once_start_a_turn(make_file):
    path = make_file("bersama.txt", "Moderator: Setuju semua?\nP1, P2: Betul.\n"
                                    "Semua peserta: Setuju!\nModerator: Baik.\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.role) for t in turns] == [
        ("Moderator", "moderator"), ("P1, P2", "participant"),
        ("Semua peserta", "participant"), ("Moderator", "moderator")]


def test_a_transcript_typed_in_capitals_keeps_its_continuation_lines(make_file):
    path = make_file("kapital.txt", "MODERATOR: APA HAMBATANNYA?\nP1: ANGGARAN KURANG.\n"
                                    "SDM JUGA TERBATAS\nMODERATOR: BAIK.\n")
    turns = read_transcript(path).turns
    assert [(t.speaker, t.text) for t in turns] == [
        ("MODERATOR", "APA HAMBATANNYA?"), ("P1", "ANGGARAN KURANG.\nSDM JUGA TERBATAS"),
        ("MODERATOR", "BAIK.")]


def test_a_capitalised_marker_line_inside_a_turn_does_not_end_it(make_file):
    path = make_file("jeda.txt", "Moderator: Lanjut.\nP3: Saya mau tambahkan.\n[JEDA 5 MENIT]\n"
                                 "Soal anggaran tadi.\nModerator: Baik.\n")
    turns = read_transcript(path).turns
    assert turns[1].text == "Saya mau tambahkan.\n[JEDA 5 MENIT]\nSoal anggaran tadi."


def test_metadata_keys_may_be_written_in_indonesian(make_file):
    path = make_file("indo.txt", "---\njudul: FGD Dinkes\ntanggal: 2026-03-12\nlokasi: Aula\n"
                                 "kelompok: OPD\n---\nModerator: Selamat pagi.\nP1: Pagi, Bu.\n")
    transcript = read_transcript(path)
    assert (transcript.title, transcript.date, transcript.location, transcript.group) == (
        "FGD Dinkes", "2026-03-12", "Aula", "OPD")
    data = {"judul": "FGD Dinkes", "transkrip": [{"nama": "Moderator", "ucapan": "Pagi."},
                                                  {"nama": "P1", "ucapan": "Pagi, Bu."}]}
    json_path = make_file("indo.json", json.dumps(data))
    transcript = read_transcript(json_path)
    assert transcript.title == "FGD Dinkes"
    assert [t.speaker for t in transcript.turns] == ["Moderator", "P1"]


# ------------------------------------------------------------------ big inputs

def test_reading_reports_progress_in_bytes_also_inside_a_big_text_file(make_files,
                                                                       monkeypatch):
    from fgd_toolkit.ingest import labels, text

    monkeypatch.setattr(labels, "PROGRESS_LINES", 4)
    monkeypatch.setattr(text, "PROGRESS_LINES", 4)
    turns = "".join(f"P{i % 3 + 1}: Anggaran kurang, kata peserta {i}.\n" for i in range(20))
    folder = make_files({"a-besar.txt": "Moderator: Mulai.\n" + turns,
                         "b-kecil.txt": "Moderator: Mulai.\nP1: Setuju.\n"})
    sizes = [(folder / name).stat().st_size for name in ("a-besar.txt", "b-kecil.txt")]
    calls = []
    read_transcripts(folder, progress=lambda done, total, name: calls.append((done, total, name)))
    assert {total for _, total, _ in calls} == {sum(sizes)}
    inside = [done for done, _, name in calls if name == "a-besar.txt" and done < sizes[0]]
    assert len(inside) >= 4                         # reported while the big file was read
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)
    assert calls[-1] == (sum(sizes), sum(sizes), "b-kecil.txt")


@pytest.mark.parametrize("block", [2, 20_000])
def test_capital_share_counts_every_letter_of_the_file(monkeypatch, block):
    from fgd_toolkit.ingest import labels

    monkeypatch.setattr(labels, "_CAPITALS_BLOCK", block)
    lines = ["ÉÉÉ ÖÖ ÇA", "p1: 12 ab", "İİ ŞŞ ãé", "—— 2024 ——"]
    letters = [ch for line in lines for ch in line if ch.isalpha()]
    share = sum(ch.isupper() for ch in letters) / len(letters)
    assert labels.mostly_capitals(lines) == (share > 0.5)
    assert labels._letter_counts("".join(lines)) == (len(letters),
                                                     sum(ch.isupper() for ch in letters))
    assert labels.mostly_capitals(lines[:1]) and not labels.mostly_capitals(lines[1:2])
    assert not labels.mostly_capitals([]) and not labels.mostly_capitals(["2024 --"])


def test_a_speaker_decided_once_per_file_gets_its_own_attributes_per_turn(make_file):
    path = make_file("org.txt", "Moderator: Mulai.\nBu Sari (Dinkes): Satu.\n"
                                "Bu Sari (Dinkes): Dua.\n")
    turns = read_transcript(path).turns
    assert turns[1].attributes == turns[2].attributes == {"organisation": "Dinkes"}
    turns[1].attributes["organisation"] = "diubah"
    assert turns[2].attributes == {"organisation": "Dinkes"}
