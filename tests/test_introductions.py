"""Self-introductions: detected from the speaker's name or an introduction phrase, cut into a
passage of their own, and left out of coding."""
from __future__ import annotations

import pytest

from fgd_toolkit.introductions import introduces_speaker, introduction_length, speaker_names
from fgd_toolkit.models import Transcript, Turn
from fgd_toolkit.segment import sentence_spans, to_passages


@pytest.mark.parametrize("label, names", [
    ("Bu Ratna", {"ratna"}),
    ("Pak Hendra (Dukcapil)", {"hendra"}),
    ("Dr. Yoga Pratama", {"yoga", "pratama"}),
    ("Pak Budi - Puskesmas Dinoyo", {"budi"}),
    ("Peserta 3", set()),
    ("P1", set()),
    ("Notulen", set()),
])
def test_speaker_names_drop_honorifics_roles_and_organisations(label, names):
    assert speaker_names(label) == names


@pytest.mark.parametrize("speaker, sentence", [
    ("Bu Ratna", "Saya Ratna, Kabid Pelayanan Kesehatan."),
    ("Mbak Vina", "Vina, dari subbag program, pranata komputer."),
    ("Siti Aminah", "Selamat pagi, Siti Aminah, Bappeda, Bidang Penelitian."),
    ("Rudi Hartono", "Waalaikumsalam, pagi semua, saya Rudi Hartono dari Diskominfo."),
    ("P1", "Saya dari Kecamatan Sumberjati, Mbak."),
    ("Informan 3", "Nama saya tidak usah disebut, saya staf kelurahan."),
    ("Peserta 2", "Kami dari Dinas Kesehatan."),
])
def test_introductions_are_recognised(speaker, sentence):
    assert introduces_speaker(sentence, speaker_names(speaker))


@pytest.mark.parametrize("speaker, sentence", [
    ("Pak Bagus", "Itu bagus, tapi anggarannya kurang."),        # a name that is also a word
    ("P1", "Saya setuju dengan Bu Ratna soal anggaran."),        # another speaker's name
    ("Bu Ratna", "Nggih, terima kasih."),                         # greeting only
    ("Bu Ratna", "Saya Ratna, dan menurut saya yang paling menghambat inovasi kami selama "
                 "tiga tahun ini adalah anggaran yang terus dipotong setiap tahun."),  # long
])
def test_content_is_not_an_introduction(speaker, sentence):
    assert not introduces_speaker(sentence, speaker_names(speaker))


BUDGET_STORY = ("Anggaran inovasi kami dipotong tahun ini, jadi layanan home visit berhenti. "
                "Padahal warga lansia di tiga kelurahan sudah terbiasa dikunjungi perawat tiap "
                "bulan, dan sekarang mereka harus datang sendiri ke puskesmas lagi.")


def test_introduction_may_follow_short_openers_only():
    text = "Maaf telat, Bapak Ibu. Agus Santoso, Bappeda, bidang perencanaan. " + BUDGET_STORY
    assert introduction_length(text, sentence_spans([text])[0], "Agus Santoso") == 2
    long_first = ("Anggaran inovasi kami tahun ini dipotong hampir separuh oleh tim anggaran "
                  "daerah tanpa penjelasan. Saya Agus dari Bappeda.")
    assert introduction_length(long_first, sentence_spans([long_first])[0], "Pak Agus") == 0


@pytest.mark.parametrize("rest, whole", [
    ("Sehari-hari ngurus keamanan informasi, sertifikat elektronik, gitu-gitu.", True),
    ("Sudah dua belas tahun jadi kader, Bu. [tertawa]", True),
    (BUDGET_STORY, False),
])
def test_a_short_remark_after_an_introduction_belongs_to_it(rest, whole):
    text = "Saya Laras, dari bidang persandian. " + rest
    spans = sentence_spans([text])[0]
    assert (introduction_length(text, spans, "Mbak Laras") == len(spans)) is whole


def _transcript() -> Transcript:
    return Transcript(id="fgd-uji", path=None, turns=[
        Turn(speaker="Moderator", role="moderator", text="Silakan perkenalan singkat dulu."),
        Turn(speaker="Bu Ratna", role="participant",
             text="Nggih, terima kasih. Saya Ratna, Kabid Pelayanan Kesehatan. " + BUDGET_STORY),
        Turn(speaker="Moderator", role="moderator", text="Bu Ratna, sebutkan nama lengkapnya?"),
        Turn(speaker="Pak Joko", role="participant", text="Saya Joko, kepala puskesmas."),
    ])


def test_the_introduction_is_a_passage_of_its_own_and_the_rest_of_the_turn_is_not():
    passages = to_passages([_transcript()])
    ratna = passages[passages["speaker"] == "Bu Ratna"]
    assert list(ratna["text"])[0] == "Nggih, terima kasih. Saya Ratna, Kabid Pelayanan Kesehatan."
    assert " ".join(list(ratna["text"])[1:]) == BUDGET_STORY
    assert list(ratna["introduction"]) == [True] + [False] * (len(ratna) - 1)
    assert list(passages.loc[passages["speaker"] == "Pak Joko", "introduction"]) == [True]
    # moderators are never flagged: their turns are not coded anyway
    assert not passages.loc[passages["role"] == "moderator", "introduction"].any()


def test_introductions_are_not_coded_unless_asked():
    from fgd_toolkit import CodeSettings, code

    from .conftest import CODEBOOK

    result = code([_transcript()], CODEBOOK, embedder="tfidf",
                  settings=CodeSettings(backend="tfidf", cluster=True))
    intro_ids = set(result.passages.loc[result.passages["introduction"], "passage_id"])
    assert len(intro_ids) == 2
    assert not intro_ids & set(result.codings["passage_id"])
    notes = result.passages.set_index("passage_id").loc[sorted(intro_ids), "cluster_note"]
    assert set(notes) == {"self-introduction"}
    # the budget sentence after the introduction is still coded
    assert "ANG" in set(result.codings["code_id"])
    asked = code([_transcript()], CODEBOOK, embedder="tfidf",
                 settings=CodeSettings(backend="tfidf", include_introductions=True))
    assert asked.manifest["settings"]["include_introductions"] is True
    # asked for, the introductions are coded passages like any other: no longer set aside
    asked_notes = asked.passages.set_index("passage_id").loc[sorted(intro_ids), "cluster_note"]
    assert "self-introduction" not in set(asked_notes)
