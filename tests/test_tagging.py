"""Keyword matching, polarity cues and the tagger on small, readable inputs."""
from __future__ import annotations

import pytest

from fgd_toolkit import CodeSettings, code
from fgd_toolkit.models import Transcript, Turn
from fgd_toolkit.normalize import normalize_tokens
from fgd_toolkit.tagging.keywords import KeywordMatcher
from fgd_toolkit.tagging.polarity import lexical_polarity

from .conftest import CODEBOOK


def _found(keywords: dict[str, list[str]], text: str) -> dict[str, list[str]]:
    hits = KeywordMatcher(keywords).find(normalize_tokens(text))
    return {code: [h.keyword for h in found] for code, found in hits.items()}


@pytest.mark.parametrize("text", ["anggarannya kurang", "penganggaran inovasi",
                                  "dianggarkan tahun depan", "Anggaran-nya habis"])
def test_keyword_matches_affixed_forms(text):
    assert _found({"ANG": ["anggaran"]}, text) == {"ANG": ["anggaran"]}


def test_keyword_matches_shared_stem():
    assert _found({"KEP": ["pimpinan"]}, "pemimpin kami turun langsung") == {"KEP": ["pimpinan"]}


@pytest.mark.parametrize("text", ["skema baru", "pegawai baru", "datang terlambat"])
def test_keyword_does_not_match_unrelated_words(text):
    assert _found({"REG": ["sk"], "DIG": ["gawai"], "DAT": ["data"]}, text) == {}


@pytest.mark.parametrize("text", ["kantor kelurahan", "warga kecamatannya", "dari kementerian"])
def test_person_keyword_does_not_match_the_office_named_after_it(text):
    # "lurah" is the official; "kelurahan" is his office (lang/office_nouns.txt)
    assert _found({"KEP": ["lurah", "camat", "menteri"]}, text) == {}


@pytest.mark.parametrize("keyword, text, found", [
    ("keturunan", "penurunan stunting", False),       # ke-an noun: not found by its root
    ("keturunan", "faktor keturunannya", True),
    ("lurah", "ada lima RW sekelurahan", False),
])
def test_ke_an_nouns_keep_their_own_meaning(keyword, text, found):
    assert bool(_found({"X": [keyword]}, text)) is found


def test_office_keyword_still_matches_itself_and_the_person_keyword_the_person():
    keywords = {"KEP": ["lurah"], "ADM": ["kelurahan"]}
    assert _found(keywords, "Bu Lurahnya datang ke kelurahannya") == {"KEP": ["lurah"],
                                                                     "ADM": ["kelurahan"]}


@pytest.mark.parametrize("text", ["Snacknya dari kas RW itu", "Perwali-nya belum keluar",
                                  "nunggu BPKAD dulu", "ditolak Badan Kepegawaian Daerah"])
def test_keyword_inside_the_name_of_a_body_is_not_a_mention(text):
    # RW = rukun warga, perwali = peraturan wali kota, BPKAD = badan pengelolaan keuangan...
    keywords = {"LIT": ["warga"], "LIN": ["wali kota"], "ANG": ["keuangan"],
                "SDM": ["kepegawaian"]}
    assert _found(keywords, text) == {}


def test_keyword_naming_a_whole_body_or_its_head_still_matches():
    keywords = {"LIT": ["warga"], "LIN": ["wali kota"], "REG": ["perwali", "peraturan"],
                "ORG": ["rw"]}
    assert _found(keywords, "warga di RW kami nunggu perwali dari wali kota") == {
        "LIT": ["warga"], "ORG": ["rw"], "REG": ["perwali"], "LIN": ["wali kota"]}


def test_keyword_phrase_matches_normalised_slang():
    # "kadis" is expanded by the slang table; the keyword is normalised the same way
    assert _found({"KEP": ["kadis"]}, "Pak Kadis-nya mendukung") == {"KEP": ["kadis"]}


def _polarity(text: str) -> float:
    return lexical_polarity(normalize_tokens(text))[0]


@pytest.mark.parametrize("text,sign", [
    ("Anggarannya terbatas sekali.", -1),
    ("Pimpinan sangat mendukung.", 1),
    ("Tidak ada kendala soal jaringan.", 1),
    ("Kurang dukungan dari atasan.", -1),
    ("Dukungannya nggak ada.", -1),
    ("Programnya bagus, tapi anggarannya dipangkas.", -1),
    ("Meskipun dananya kecil, timnya solid dan kompak.", 1),
    ("Bukan masalah anggaran, tapi SDM-nya.", -1),
    # a negator after "dan"/"seperti" opens the next predicate; it does not flip the cue
    ("Pelayanan buruk dan tidak ada sarapan.", -1),
    ("Kamar kotor seperti tidak pernah dibersihkan.", -1),
    ("Kendalanya sih nggak ada.", 1),
    # asking for improvement says the thing falls short
    ("Koordinasinya perlu ditingkatkan lagi.", -1),
    ("Harap di tingkatkan kebersihannya.", -1),
    ("Tidak perlu diperbaiki, sudah bagus.", 1),
    # a "tapi" clause without cue words still turns the tone of the clause before it
    ("Kadisnya baik, tapi ya fokusnya beda.", -1),
    ("Anggarannya terbatas, tapi kami jalan terus.", 1),
    # two negators cancel
    ("Beliau bukan nggak mendukung.", 1),
    # "padahal" / "seharusnya": what should be, against what is
    ("Padahal harusnya cukup satu berkas.", -1),
    ("Seharusnya datanya dikirim tiap bulan.", -1),
    # a wish or a request names what is lacking
    ("Kalau bisa pelatihannya tatap muka, Bu.", -1),
    ("Mohon servernya ditambah.", -1),
    ("Semoga tahun depan ada formasi.", -1),
    # ... and what sounds good after it in its clause is only wished for
    ("Kalau bisa ada pelatihan rutin dari dinas.", -1),
    ("Semoga ke depan pelayanannya lebih cepat dan lancar.", -1),
])
def test_polarity_cues_respect_negation_and_contrast(text, sign):
    value = _polarity(text)
    assert value * sign > 0, (text, value)


def test_cue_words_written_with_a_clitic_match_whole():
    # "sayangnya" opens a contrast clause, "kelihatannya" hedges: both are lexicon entries
    # with -nya, which used to be stripped from the passage before matching and never fired
    contrast = lexical_polarity(normalize_tokens("Aplikasinya bagus, sayangnya lambat."))
    plain = lexical_polarity(normalize_tokens("Aplikasinya bagus, lambat."))
    assert contrast[0] < plain[0] < 0.5
    hedged = _polarity("Kelihatannya pimpinan mendukung.")
    assert 0 < hedged < _polarity("Pimpinan mendukung.")
    # the bare root of a clitic cue is no cue: "seperti" is not the hedge "sepertinya"
    assert _polarity("Seperti aplikasi lain, cepat.") == _polarity("Aplikasi lain, cepat.")
    # ordinary words still lose their clitic: "dukungannya" is the cue "dukungan"
    assert _polarity("Dukungannya besar.") > 0


def _code_polarity(keywords: dict[str, list[str]], text: str) -> dict[str, tuple[float, list]]:
    """Lexical polarity and cues per code of one passage, as the tagger computes them."""
    import numpy as np

    from fgd_toolkit.codebook import Code, Codebook
    from fgd_toolkit.normalize import normalize
    from fgd_toolkit.tagging.features import build_prototypes, gather_evidence, prototype_texts

    cb = Codebook(name="t", codes=[Code(id=c, label=c, definition=c, keywords=kws)
                                   for c, kws in keywords.items()])
    protos = build_prototypes(cb, np.ones((len(prototype_texts(cb)), 2), np.float32))
    ev = gather_evidence([normalize(text)], np.ones((1, 2), np.float32), cb, protos)
    return {c: (float(ev.lex_polarity[0, j]), ev.cues[0][c]) for j, c in enumerate(cb.ids)}


@pytest.mark.parametrize("text", ["Tidak ada anggaran khusus untuk inovasi.",
                                  "Anggarannya belum ada sampai sekarang.",
                                  "Kami jalan tanpa anggaran.",
                                  "Pelayanannya ramah, hanya anggaran tidak tersedia.",
                                  # not issued / disbursed / ready yet
                                  "Anggarannya juga belum cair, Pak.",
                                  "Pelayanannya jalan, tapi anggarannya belum turun."])
def test_a_code_said_to_be_missing_is_a_barrier_for_that_code(text):
    found = _code_polarity({"ANG": ["anggaran"], "PEL": ["pelayanan"]}, text)
    value, cues = found["ANG"]
    assert value < 0, (text, found)
    assert any(c.startswith("tidak ada ") for c in cues)


def test_missing_rule_leaves_problem_keywords_to_the_negation_of_cues():
    # "kendala" is itself a barrier cue: "tidak ada kendala" is good news, not a missing thing
    value, cues = _code_polarity({"HAM": ["kendala"]}, "Tidak ada kendala sama sekali.")["HAM"]
    assert value > 0 and not any(c.startswith("tidak ada ") for c in cues)


def test_only_the_missing_code_turns_barrier():
    found = _code_polarity({"ANG": ["anggaran"], "KEP": ["pimpinan"]},
                           "Pimpinan sangat mendukung, tapi anggaran tidak ada.")
    assert found["ANG"][0] < 0
    assert not any(c.startswith("tidak ada ") for c in found["KEP"][1])


@pytest.mark.parametrize("text", ["Kalau nggak ada anggaran, ya kegiatannya berhenti.",
                                  "Yang pensiun nggak ada gantinya.",
                                  "Karena belum ada peraturan soal pensiun.",
                                  "Tidak ada yang protes soal anggaran."])
def test_supposed_or_other_missing_things_are_not_the_keyword_missing(text):
    found = _code_polarity({"ANG": ["anggaran"], "MUT": ["pensiun"]}, text)
    assert not any(c.startswith("tidak ada ") for _value, cues in found.values()
                   for c in cues), found


def test_polarity_is_zero_without_cues():
    assert _polarity("Kami rapat setiap hari Senin di aula.") == 0


def _code_one(text: str):
    transcript = Transcript(id="t", path=None, turns=[
        Turn("Moderator", "moderator", "Silakan, Bu."), Turn("Bu Sari", "participant", text)])
    result = code([transcript], CODEBOOK, settings=CodeSettings(cluster=False))
    return {row.code_id: row.polarity for row in result.codings.itertuples()}, result


def test_tagger_codes_a_clear_budget_barrier():
    codes, result = _code_one("Anggaran kami tahun ini dipangkas habis karena refocusing, "
                              "jadi pengembangan aplikasinya berhenti total.")
    assert codes.get("ANG") == "barrier"
    row = result.codings[result.codings.code_id == "ANG"].iloc[0]
    assert "anggaran" in row.evidence


def test_tagger_codes_a_clear_leadership_enabler():
    codes, _ = _code_one("Pak Kadis kami luar biasa mendukung, beliau turun langsung setiap "
                         "minggu memantau inovasinya dan melindungi tim kalau ada masalah.")
    assert codes.get("KEP") == "enabler"


def test_cap_on_codes_never_drops_a_code_named_by_its_keywords():
    import numpy as np

    from fgd_toolkit.tagging.model import cap_codes

    presence = np.array([[0.6, 0.5, 0.45, 0.99, 0.98, 0.97]])
    named = np.array([[True, True, True, False, False, False]])
    kept = cap_codes(presence, named, max_codes=2, threshold=0.4)[0] >= 0.4
    # the two strongest similarity-only codes fill the cap; the keyword codes all stay
    assert kept.tolist() == [True, True, True, True, True, False]
    assert (cap_codes(presence, named, max_codes=0, threshold=0.4) == presence).all()


def test_tagger_leaves_small_talk_uncoded():
    codes, _ = _code_one("Terima kasih, Bu. Saya Sari dari kelurahan, senang bisa hadir pagi "
                         "ini.")
    assert codes == {}


def test_include_note_is_a_prototype_without_polarity():
    """A code's ``include`` note (when to apply it) stands beside its examples: a passage
    close to it is close to the code, the evidence names the note, and it takes no side in
    the enabler-vs-barrier similarity."""
    import numpy as np

    from fgd_toolkit.codebook import Code, Codebook
    from fgd_toolkit.normalize import normalize
    from fgd_toolkit.tagging.features import (INCLUDE_NOTE, build_prototypes, gather_evidence,
                                              prototype_texts)
    from fgd_toolkit.tagging.tagger import evidence_text

    def make(include: str) -> Codebook:
        return Codebook(name="t", codes=[Code(
            id="SIN", label="Sinyal", definition="Jaringan internet di lokasi layanan.",
            include=include, keywords=["sinyal"],
            examples={"enabler": ["Sinyalnya kuat sekarang."],
                      "barrier": ["Sinyalnya hilang terus."]})])

    note = "Pembeli harus jalan ke depan warung supaya bisa bayar pakai QRIS."
    with_note, without = make(note), make("")
    assert len(prototype_texts(with_note)) == len(prototype_texts(without)) + 1
    # one-hot "vectors": the passage is identical to the note, orthogonal to the rest
    texts = prototype_texts(with_note)
    vectors = np.eye(len(texts), dtype=np.float32)
    protos = build_prototypes(with_note, vectors)
    assert protos.example_polarity[0] == ["enabler", "barrier", INCLUDE_NOTE]
    assert protos.example_texts[0][-1] == note
    passage = vectors[[texts.index(normalize(note))]]
    ev = gather_evidence([normalize(note)], passage, with_note, protos)
    assert ev.nearest_example[0, 0] == 2 and ev.sim_example[0, 0] > 0
    assert ev.sem_polarity[0, 0] == 0.0          # the note is neither enabler nor barrier
    assert "include note" in evidence_text(ev, protos, 0, 0, "SIN", 0.0)


def test_no_longer_hitching_a_ride_is_an_enabler_cue():
    """"nggak nebeng lagi" (no longer riding along on others' transport) is a negated
    barrier cue: it leans enabler; "nebeng" alone leans barrier."""
    from fgd_toolkit.normalize import normalize_tokens
    from fgd_toolkit.tagging.polarity import polarity_parts

    negated, cues = polarity_parts(normalize_tokens("Petugas nggak nebeng lagi.")).score()
    plain, _ = polarity_parts(normalize_tokens("Petugas masih nebeng mobil orang.")).score()
    assert negated > 0 and "tidak nebeng" in cues
    assert plain < 0
