"""Segmentation of turns into passages: the passages table, offsets, sentence rules."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fgd_toolkit import read_transcript, read_transcripts
from fgd_toolkit.models import PASSAGE_COLUMNS, Transcript, Turn
from fgd_toolkit.normalize import marker_spans, normalize
from fgd_toolkit import segment
from fgd_toolkit.segment import (MAX_SENTENCE_CHARS, SegmentOptions, cap_sentences, is_backchannel,
                                 sentence_spans, to_passages)

from .ingest_fixtures import BUNDLED_TRANSCRIPTS, TRANSCRIPT_DATA


def _transcript(*texts: str, tid: str = "fgd-uji", roles: tuple[str, ...] = ()) -> Transcript:
    """A transcript of the given turn texts; roles default to participant."""
    turns = []
    for i, text in enumerate(texts):
        role = roles[i] if i < len(roles) else "participant"
        speaker = "Moderator" if role == "moderator" else f"P{i + 1}"
        turns.append(Turn(speaker=speaker, role=role, text=text))
    return Transcript(id=tid, path=None, turns=turns)


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans([text])[0]]


def assert_offsets(transcript: Transcript, passages: pd.DataFrame) -> None:
    """Offsets index the plain text; passages of a turn are in order, disjoint and inside it,
    no marker is cut and no speech outside markers is left out of every passage."""
    plain, starts = transcript.plain_text_and_offsets()
    assert list(passages["turn"].unique()) == list(range(1, len(transcript.turns) + 1))
    for number, turn in enumerate(transcript.turns, 1):
        rows = passages[passages["turn"] == number]
        base, end_of_turn = starts[number - 1], starts[number - 1] + len(turn.text)
        assert plain[base:end_of_turn] == turn.text
        previous_end = base
        covered: set[int] = set()
        for row in rows.itertuples():
            assert plain[row.char_start:row.char_end] == row.text
            assert previous_end <= row.char_start < row.char_end <= end_of_turn
            previous_end = row.char_end
            covered.update(range(row.char_start - base, row.char_end - base))
        markers = marker_spans(turn.text)
        for row in rows.itertuples():
            for a, b in markers:
                a, b = a + base, b + base
                assert b <= row.char_start or a >= row.char_end or \
                    row.char_start <= a < b <= row.char_end, f"marker cut: {row.text!r}"
        in_markers = {i for a, b in markers for i in range(a, b)}
        lost = [i for i, ch in enumerate(turn.text)
                if not ch.isspace() and i not in in_markers and i not in covered]
        assert not lost, f"turn {number}: text outside every passage: {turn.text!r}"
        assert list(rows["passage_id"]) == [f"{transcript.id}-t{number:03d}-p{k}"
                                            for k in range(1, len(rows) + 1)]


# ------------------------------------------------------------------ the passages table

def test_passage_columns_are_the_contract_then_attributes_then_flags():
    transcript = read_transcript(TRANSCRIPT_DATA / "front-matter-roster.txt")
    passages = to_passages([transcript])
    assert list(passages.columns) == PASSAGE_COLUMNS + ["organisation", "jabatan",
                                                        "backchannel", "introduction", "text_norm"]
    yoga = passages[passages["speaker"] == "Mas Yoga"].iloc[0]
    assert (yoga["organisation"], yoga["jabatan"]) == ("", "")
    assert set(passages["group"]) == {"Dinas Pendidikan"}
    assert passages["backchannel"].dtype == bool and passages["introduction"].dtype == bool
    assert list(passages["text_norm"]) == [normalize(t) for t in passages["text"]]


def test_passages_without_attributes_have_exactly_the_contract_columns():
    passages = to_passages([read_transcript(TRANSCRIPT_DATA / "timestamps.txt")])
    assert list(passages.columns) == PASSAGE_COLUMNS + ["backchannel", "introduction",
                                                        "text_norm"]
    assert set(passages["group"]) == {"timestamps"}
    assert list(passages["start"][:3]) == [5.0, 72.0, 160.0]


def test_passage_ids_are_stable_and_name_transcript_turn_and_passage():
    transcript = read_transcript(TRANSCRIPT_DATA / "plain-labels.txt")
    first, second = to_passages([transcript]), to_passages([transcript])
    pd.testing.assert_frame_equal(first, second)
    assert "plain-labels-t003-p1" in set(first["passage_id"])
    assert first["passage_id"].is_unique
    assert all(re.fullmatch(r"plain-labels-t\d{3}-p\d+", pid) for pid in first["passage_id"])
    row = first[first["passage_id"] == "plain-labels-t003-p1"].iloc[0]
    assert (row["turn"], row["speaker"]) == (3, "R2")


def test_bundled_passages_index_the_plain_text():
    transcripts = read_transcripts(BUNDLED_TRANSCRIPTS)
    passages = to_passages(transcripts)
    assert passages["passage_id"].is_unique
    for transcript in transcripts:
        assert_offsets(transcript, passages[passages["transcript_id"] == transcript.id])
    dinkes = passages[passages["transcript_id"] == "fgd-dinkes-arjasari"]
    assert dinkes["turn"].max() == 55
    assert "fgd-dinkes-arjasari-t003-p1" in set(dinkes["passage_id"])


def test_moderator_and_observer_turns_keep_their_roles():
    passages = to_passages([read_transcript(TRANSCRIPT_DATA / "timestamps.txt")])
    roles = dict(zip(passages["speaker"], passages["role"]))
    assert roles == {"Fasilitator": "moderator", "Informan 2": "participant",
                     "Responden 4": "participant", "Narasumber": "participant",
                     "Peserta 3": "participant", "Notulen": "observer"}


# ------------------------------------------------------------------ property: offsets hold

_WORDS = ["anggaran", "inovasi", "pelayanan", "warga", "puskesmas", "kami", "nggak", "udah",
          "aplikasinya", "datanya", "kecamatan", "Bu", "Pak", "Kadis", "SEHATI", "2023", "e-KTP",
          "sih", "kok", "Jl.", "Kec.", "Bpk.", "Yth.", "Tgl.", "dll.", "dsb.", "No.", "Rp.",
          "[tertawa]", "[suara tidak jelas]", "(crosstalk)", "[jeda]", "(inaudible)",
          "[tidak jelas. Putus]", "(Dinkes)", ",", "\"", "10:30", "3.500", "…", "...", "-"]
_ENDS = [".", "?", "!", "...", "…", "", ".\n", "\n\n", " [tertawa]"]


@st.composite
def _sentence(draw):
    words = draw(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=14))
    first = words[0][:1].upper() + words[0][1:]
    return " ".join([first, *words[1:]]) + draw(st.sampled_from(_ENDS))


@st.composite
def _turn_text(draw):
    sentences = draw(st.lists(_sentence(), min_size=1, max_size=12))
    seps = draw(st.lists(st.sampled_from([" ", "\n", "\n\n", "  "]), min_size=len(sentences),
                         max_size=len(sentences)))
    text = "".join(s + sep for s, sep in zip(sentences, seps)).strip()
    return text or "Iya."


_ROLES = st.sampled_from(["moderator", "observer", "participant"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(_turn_text(), min_size=1, max_size=6), roles=st.lists(_ROLES, max_size=6),
       max_sentences=st.integers(1, 4))
def test_passages_slice_the_plain_text_and_stay_inside_their_turn(texts, roles, max_sentences):
    transcript = _transcript(*texts, roles=tuple(roles))
    passages = to_passages([transcript], SegmentOptions(max_sentences=max_sentences))
    assert_offsets(transcript, passages)
    assert list(passages["role"]) == [transcript.turns[t - 1].role for t in passages["turn"]]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.text(min_size=1, max_size=120).map(str.strip).filter(bool),
                      min_size=1, max_size=4))
def test_passages_slice_the_plain_text_for_arbitrary_unicode(texts):
    transcript = _transcript(*texts)
    assert_offsets(transcript, to_passages([transcript]))


# ------------------------------------------------------------------ sentence rules

@pytest.mark.parametrize("text, first", [
    ("Kantornya di Kec. Sukamaju dekat pasar. Kami ke sana besok.",
     "Kantornya di Kec. Sukamaju dekat pasar."),
    ("Balai warga ada di Jl. Merdeka nomor lima. Kami ke sana besok.",
     "Balai warga ada di Jl. Merdeka nomor lima."),
    ("Surat ditandatangani Bpk. Camat langsung. Kami ke sana besok.",
     "Surat ditandatangani Bpk. Camat langsung."),
    ("Undangannya untuk Yth. Kepala Dinas Pendidikan. Kami ke sana besok.",
     "Undangannya untuk Yth. Kepala Dinas Pendidikan."),
    ("Rapatnya Tgl. Lima Maret di aula. Kami ke sana besok.",
     "Rapatnya Tgl. Lima Maret di aula."),
])
def test_abbreviations_do_not_end_sentences(text, first):
    assert _sentences(text) == [first, "Kami ke sana besok."]


def test_dll_followed_by_a_capital_ends_the_sentence():
    assert _sentences("Kami butuh laptop, printer, dll. Semuanya belum ada.") == [
        "Kami butuh laptop, printer, dll.", "Semuanya belum ada."]
    assert _sentences("Kami butuh laptop, printer, dll. dan juga kertas.") == [
        "Kami butuh laptop, printer, dll. dan juga kertas."]


@pytest.mark.parametrize("dots", ["...", "…"])
def test_ellipsis_followed_by_a_capital_splits(dots):
    assert _sentences(f"Jadi gimana ya{dots} Anggarannya memang kurang.") == [
        f"Jadi gimana ya{dots}", "Anggarannya memang kurang."]
    assert _sentences(f"Jadi gimana ya{dots} anggarannya memang kurang.") == [
        f"Jadi gimana ya{dots} anggarannya memang kurang."]


@pytest.mark.parametrize("marker", ["[suara tidak jelas]", "[suara tidak jelas. Putus. Lalu]",
                                    "(crosstalk)", "[tertawa]"])
def test_markers_are_never_cut(marker):
    text = (f"Waktu itu kami ke kantor {marker} lalu pulang lagi. Besoknya datang lagi. "
            f"Petugasnya bilang {marker} Sistemnya sedang gangguan. Kami menunggu.")
    transcript = _transcript(text)
    passages = to_passages([transcript], SegmentOptions(max_sentences=1, min_chars=0))
    assert list(passages["text"]) == [
        f"Waktu itu kami ke kantor {marker} lalu pulang lagi.", "Besoknya datang lagi.",
        f"Petugasnya bilang {marker} Sistemnya sedang gangguan.", "Kami menunggu."]
    assert_offsets(transcript, passages)


_LONG_SENTENCES = [
    "Anggaran inovasi kami dipotong hampir separuh tahun ini.",
    "Tim teknologi informasinya tinggal dua orang saja sekarang.",
    "Servernya sering mati pada jam sibuk pelayanan pagi hari.",
    "Akibatnya warga kembali mengantre panjang di loket kantor.",
    "Kepala dinas sebenarnya sudah tahu persis masalah tersebut.",
    "Tetapi sampai sekarang belum ada keputusan tertulis apa pun.",
    "Kami sudah mengusulkan tambahan pegawai lewat jalur resmi.",
    "Usulan itu masih menunggu persetujuan dari badan kepegawaian.",
]


def test_long_turns_split_into_passages_of_at_most_three_sentences():
    text = " ".join(_LONG_SENTENCES)
    passages = to_passages([_transcript(text)], SegmentOptions(max_sentences=3, max_chars=400))
    assert list(passages["text"]) == [" ".join(_LONG_SENTENCES[0:3]),
                                      " ".join(_LONG_SENTENCES[3:6]),
                                      " ".join(_LONG_SENTENCES[6:8])]
    assert all(len(_sentences(t)) <= 3 for t in passages["text"])
    assert list(passages["passage_id"]) == ["fgd-uji-t001-p1", "fgd-uji-t001-p2",
                                            "fgd-uji-t001-p3"]


def test_passages_respect_max_chars():
    long = ("Kami sudah berkali-kali mengajukan perbaikan jaringan internet ke dinas terkait, "
            "tetapi jawabannya selalu menunggu anggaran perubahan tahun depan.")
    passages = to_passages([_transcript(" ".join([long] * 5))],
                           SegmentOptions(max_sentences=3, max_chars=400))
    assert len(passages) == 3
    assert all(len(t) <= 400 for t in passages["text"])
    default = to_passages([_transcript(" ".join([long] * 5))])
    assert all(len(t) <= SegmentOptions().max_chars for t in default["text"])


def test_short_tail_does_not_push_a_passage_over_three_sentences():
    text = " ".join(_LONG_SENTENCES[:6] + ["Sudah."])
    passages = to_passages([_transcript(text)], SegmentOptions(max_sentences=3, max_chars=400))
    assert all(len(_sentences(t)) <= 3 for t in passages["text"])


# ------------------------------------------------------------------ back-channels

@pytest.mark.parametrize("text", ["Iya, setuju.", "Nggih.", "Betul, Bu.", "Oke, siap.",
                                  "Iya [tertawa].", "Hmm... iya.", "Nggih leres."])
def test_short_agreement_turns_are_backchannels(text):
    assert is_backchannel(text)


@pytest.mark.parametrize("text", ["Anggarannya kurang.", "Setuju, tapi SDM-nya kurang.",
                                  "Iya, servernya sering mati.", "Betul, regulasinya belum ada."])
def test_content_turns_are_not_backchannels(text):
    assert not is_backchannel(text)


def test_backchannel_column_flags_only_the_agreement_turns():
    transcript = _transcript("Bagaimana pendapat Bapak Ibu?", "Iya, setuju.",
                             "Anggarannya kurang.", "Nggih.", "Betul, Bu.",
                             roles=("moderator",))
    passages = to_passages([transcript])
    assert list(passages["backchannel"]) == [False, True, False, True, True]
    assert passages.loc[0, "role"] == "moderator"


@pytest.mark.parametrize("text", ["Terima kasih, Pak.", "Matur nuwun, Bu.", "Makasih."])
def test_thanks_are_backchannels(text):
    assert is_backchannel(text)


# ------------------------------------------------------------------ long texts, any length

def test_a_turn_longer_than_spacys_max_length_is_segmented_with_exact_offsets():
    # spaCy refused texts over 1,000,000 characters (E088): one such line used to crash.
    sentence = "Anggaran inovasi kami dipotong lagi tahun ini, Bu. "
    text = (sentence * (1_000_001 // len(sentence) + 1)).strip()
    assert len(text) > 1_000_000
    transcript = _transcript("Selamat pagi.", text, roles=("moderator",))
    passages = to_passages([transcript])
    plain, _ = transcript.plain_text_and_offsets()
    long_turn = passages[passages["turn"] == 2]
    assert len(long_turn) == len(text) // (4 * len(sentence)) + 1
    assert all(plain[a:b] == t for a, b, t in
               zip(long_turn["char_start"], long_turn["char_end"], long_turn["text"]))
    assert long_turn["char_end"].iloc[-1] == plain.index(text) + len(text)


def test_speech_without_punctuation_is_cut_at_white_space_below_the_limit():
    words = ["anggaran", "kami", "dipotong", "jadi", "servernya", "sering", "mati", "warga"]
    text = " ".join(words[i % len(words)] for i in range(1200))     # no sentence ends
    transcript = _transcript(text)
    passages = to_passages([transcript])
    assert len(passages) > 1
    assert all(len(t) <= MAX_SENTENCE_CHARS for t in passages["text"])
    assert all(not t[0].isspace() and not t[-1].isspace() for t in passages["text"])
    joined = " ".join(passages["text"])
    assert joined == text                   # cut only at spaces, no word split
    assert_offsets(transcript, passages)


def test_a_run_without_white_space_is_cut_at_the_limit():
    text = "Awal. " + "x" * (2 * MAX_SENTENCE_CHARS + 10) + " akhir."
    transcript = _transcript(text)
    passages = to_passages([transcript], SegmentOptions(max_sentences=1, min_chars=0))
    assert [len(t) for t in passages["text"]] == [5, MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS,
                                                  10 + len(" akhir.")]
    assert_offsets(transcript, passages)


def test_cap_sentences_keeps_short_spans_and_trims_pieces():
    text = "aa bb  cc dd"
    assert cap_sentences(text, [(0, 12)], limit=20) == [(0, 12)]
    assert cap_sentences(text, [(0, 12)], limit=5) == [(0, 5), (7, 12)]
    assert cap_sentences(text, [(0, 12)], limit=3) == [(0, 2), (3, 5), (7, 9), (10, 12)]


def test_segmenting_reports_progress_in_turns(monkeypatch):
    monkeypatch.setattr(segment, "PROGRESS_EVERY", 2)
    first = _transcript("Satu.", "Dua.", "Tiga.", tid="fgd-a")
    second = _transcript("Empat.", "Lima.", tid="fgd-b")
    calls = []
    to_passages([first, second], progress=lambda done, total, name: calls.append((done, total,
                                                                                  name)))
    assert calls == [(2, 5, "fgd-a"), (3, 5, "fgd-a"), (4, 5, "fgd-b"), (5, 5, "fgd-b")]
