"""Normalisation of informal Indonesian for matching: slang, fillers, markers, idempotence."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fgd_toolkit import lang
from fgd_toolkit.normalize import clean_text, marker_spans, normalize, normalize_word
from fgd_toolkit.segment import to_passages
from fgd_toolkit.models import Transcript, Turn


def test_slang_table_has_at_least_400_entries():
    table = lang.slang_table()
    assert len(table) >= 400
    assert "informal" not in table
    assert all(k == k.strip().lower() and " " not in k and v for k, v in table.items())


@pytest.mark.parametrize("informal, standard", [
    ("nggak", "tidak"), ("gak", "tidak"), ("ga", "tidak"), ("enggak", "tidak"),
    ("udah", "sudah"), ("gimana", "bagaimana"), ("yg", "yang"), ("aja", "saja"),
    ("kalo", "kalau"),
])
def test_common_slang_maps_to_the_standard_word(informal, standard):
    assert normalize(informal) == standard
    assert normalize(informal.capitalize()) == standard
    assert normalize(f"Pokoknya {informal} begitu.") == f"pokoknya {standard} begitu."


def test_bgt_maps_to_a_standard_word():
    standard = lang.slang_table()["bgt"]
    assert standard != "bgt" and standard.isalpha()
    assert standard not in lang.slang_table()
    assert normalize("Mahal bgt") == f"mahal {standard}"
    assert normalize("banget") == normalize("bgt")


def test_fillers_are_dropped():
    assert normalize("Eh, em, anu, apa namanya, datanya belum masuk.") == "datanya belum masuk."
    assert normalize("Jadi eh kita udah coba tapi ehm gak jalan.") == \
        "jadi kita sudah coba tapi tidak jalan."


def test_markers_are_removed_from_normalised_text_but_kept_in_passage_text():
    text = "Anggarannya [tertawa] nggak ada (crosstalk) sama sekali [suara tidak jelas]."
    assert normalize(text) == "anggarannya tidak ada sama sekali."
    assert clean_text(text) == "Anggarannya nggak ada sama sekali ."
    assert [text[a:b] for a, b in marker_spans(text)] == [
        "[tertawa]", "(crosstalk)", "[suara tidak jelas]"]
    transcript = Transcript(id="t", path=None, turns=[Turn("P1", "participant", text)])
    row = to_passages([transcript]).iloc[0]
    assert row["text"] == text
    assert row["text_norm"] == "anggarannya tidak ada sama sekali."


def test_parentheses_without_a_marker_word_are_speech():
    text = "Programnya (inaudible) jalan di (Puskesmas Dinoyo)."
    assert [text[a:b] for a, b in marker_spans(text)] == ["(inaudible)"]
    assert "dinoyo" in normalize("Programnya (inaudible) jalan di (Puskesmas Dinoyo).")


def test_elongated_words_are_squeezed():
    assert normalize("bangettt") == normalize("banget")
    assert normalize("Nggakkk") == "tidak"
    assert normalize("udahhh") == "sudah"
    assert normalize_word("lamaaa") == "lama"


def test_number_reduplication_is_written_out():
    assert normalize("kuning2") == "kuning-kuning"
    assert normalize("Rumah2 warga") == "rumah-rumah warga"
    assert normalize_word("anak2") == "anak-anak"


@pytest.mark.parametrize("text", [
    "Eh, anggarannya nggak ada [tertawa], udah dipangkas bgt",
    "Kalo gitu yg penting aja dulu... gimana?",
    "Kami sudah ke Kec. Sukamaju, dll.",
    "Apa namanya itu, SEHATI, kuning2 logonya, bangettt deh.",
    "Emm… pelayanannya (crosstalk) lumayan lah, Bu.",
])
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert once and normalize(once) == once


def test_every_slang_entry_normalises_idempotently():
    for informal in lang.slang_table():
        once = normalize(informal)
        assert normalize(once) == once, informal


_VOCAB = sorted(lang.slang_table())[::9] + [
    "eh", "apa", "ya", "namanya", "[tertawa]", "(crosstalk)", "Kec.", "dll.", "...", "…", ",",
    "kuning2", "bangettt", "Nggakkk", "anggaran", "Puskesmas", "SEHATI"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=15),
       st.sampled_from([" ", "\n", ", "]))
def test_normalize_is_idempotent_on_generated_speech(words, sep):
    once = normalize(sep.join(words))
    assert normalize(once) == once


@pytest.mark.parametrize("filler", ["Eee", "Aaa", "Mmm"])
def test_long_hesitation_fillers_are_dropped(filler):
    assert normalize(f"{filler}, datanya belum masuk.") == "datanya belum masuk."


@pytest.mark.parametrize("filler", ["gimana ya namanya", "opo arane", "opo yo"])
def test_multi_word_fillers_with_slang_are_dropped(filler):
    assert normalize(f"{filler}, datanya belum masuk.") == "datanya belum masuk."


def test_normalize_does_not_depend_on_the_hash_seed():
    code = ("from fgd_toolkit.normalize import normalize;"
            "print(normalize('apa ya namanya, aplikasinya'))")
    outputs = set()
    for seed in range(6):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True)
        outputs.add(done.stdout.strip())
    assert outputs == {"aplikasinya"}
