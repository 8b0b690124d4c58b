"""Sentence boundaries by rule (fgd_toolkit.sentences): the rules, one example each."""
from __future__ import annotations

import pytest

from fgd_toolkit.sentences import LONG_CHUNK, sentence_spans, sentence_starts


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans([text])[0]]


@pytest.mark.parametrize("text, expected", [
    # a sentence mark on its own ends the sentence; punctuation after it stays with it
    ("Kami datang. Lalu pulang.", ["Kami datang.", "Lalu pulang."]),
    ("Kenapa?! Karena hujan.", ["Kenapa?!", "Karena hujan."]),
    ("Dia bilang \"selesai.\" Lalu pergi.", ["Dia bilang \"selesai.\"", "Lalu pergi."]),
    ("(Sudah.) Lanjut.", ["(Sudah.)", "Lanjut."]),
    # a dot between a lowercase letter and a capital, inside a word: a missing space
    ("Kami datang.Lalu pulang.", ["Kami datang.", "Lalu pulang."]),
    # no end: numbers, one capital, addresses, degrees, abbreviations
    ("Jam 10.30 kami rapat.", ["Jam 10.30 kami rapat."]),
    ("Biayanya Rp5.000 saja.", ["Biayanya Rp5.000 saja."]),
    ("Ibu A. datang terlambat.", ["Ibu A. datang terlambat."]),
    ("Lihat dinkes.go.id. Di sana ada.", ["Lihat dinkes.go.id.", "Di sana ada."]),
    ("Lihat www.Dinkes.go.id saja.", ["Lihat www.Dinkes.go.id saja."]),
    ("Pak Budi, S.Pd.I. mengajar.", ["Pak Budi, S.Pd.I. mengajar."]),
    ("Data a.n. warga, s.d. hari ini.", ["Data a.n. warga, s.d. hari ini."]),
    ("Opsi b. Saya pilih.", ["Opsi b. Saya pilih."]),
    ("Kantor di Kec.Sukamaju itu.", ["Kantor di Kec.Sukamaju itu."]),
    # two capitals before a dot end a sentence
    ("Sudah OK. Lanjut.", ["Sudah OK.", "Lanjut."]),
    # sentence-final abbreviations and ellipses end a sentence before a capital only
    ("Ada laptop dll. Semua rusak.", ["Ada laptop dll.", "Semua rusak."]),
    ("Ada laptop dll. semua rusak.", ["Ada laptop dll. semua rusak."]),
    ("Gimana ya... Anggarannya kurang.", ["Gimana ya...", "Anggarannya kurang."]),
    ("Gimana ya… anggarannya kurang.", ["Gimana ya… anggarannya kurang."]),
    ("Gimana ya.. Anggarannya kurang.", ["Gimana ya.. Anggarannya kurang."]),
    # white space other than one space is a token: it opens the next sentence...
    ("Selesai.\n\"Kemudian pulang.\"", ["Selesai.", "\"Kemudian pulang.\""]),
    ("Selesai. \"Kemudian pulang.\"", ["Selesai. \"", "Kemudian pulang.\""]),
    # ... and hides a capital from an ellipsis or dll. before it
    ("Ada laptop dll.\nSemua rusak.", ["Ada laptop dll.\nSemua rusak."]),
])
def test_sentence_rules(text, expected):
    assert _sentences(text) == expected


def test_spans_are_trimmed_offsets_into_the_text():
    text = "  Satu.   Dua?\n\nTiga  "
    spans = sentence_spans([text])[0]
    assert [text[a:b] for a, b in spans] == ["Satu.", "Dua?", "Tiga"]
    assert sentence_starts("Satu. Dua.") == [0, 6]
    assert sentence_spans(["", "   "]) == [[], []]


def test_a_long_run_without_white_space_is_one_word():
    run = "a.B" * (LONG_CHUNK // 3 + 1)
    assert _sentences(f"Mulai. {run} Selesai.") == ["Mulai.", f"{run} Selesai."]
