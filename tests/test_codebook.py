"""Codebooks (schema fgd-codebook/1): starter codebook, validation, CSV/YAML round trips, CLI."""
from __future__ import annotations

import pytest
import yaml

from fgd_toolkit import load_codebook, lint_codebook
from fgd_toolkit.codebook import CSV_COLUMNS, codebook_to_csv
from fgd_toolkit.errors import CodebookError

from .ingest_fixtures import STARTER_CODEBOOK

STARTER_IDS = ["KEP", "REG", "AUD", "ANG", "SDM", "MUT", "BUD", "KOL", "DIG", "DAT", "PAR", "KAR",
               "LIN"]

# A codebook written from DESIGN §3 for another domain: school services.
SCHOOL_CODEBOOK = """\
schema: fgd-codebook/1
name: Layanan Pendidikan Dasar
version: "2026.2"
language: id
description: Faktor pendorong dan penghambat layanan sekolah dasar dan menengah pertama.
polarity:
  enabler: {label: Pendorong}
  barrier: {label: Penghambat}
themes:
  - {id: sumber_daya, label: Sumber daya sekolah}
  - {id: akses, label: Akses layanan, label_en: Access}
codes:
  - id: GURU
    label: Ketersediaan dan kesejahteraan guru
    label_en: Teacher supply and welfare
    theme: sumber_daya
    definition: Jumlah, sebaran, status kepegawaian dan kesejahteraan guru di sekolah.
    include: Kekurangan guru mapel, guru honorer, formasi PPPK, beban mengajar.
    exclude: Pelatihan guru tentang aplikasi (gunakan DIGI).
    keywords: [guru honorer, pppk, formasi guru, kekurangan guru, beban mengajar]
    examples:
      enabler:
        - "Tahun ini lima guru honorer kami lulus PPPK, jadi kelas tidak kosong lagi."
        - "Dinas menambah guru matematika, bebannya sekarang lebih wajar."
      barrier:
        - "Satu guru pegang tiga kelas sekaligus karena formasinya tidak dibuka."
        - "Honor guru tidak tetap cuma tiga ratus ribu, banyak yang berhenti."
    counter_examples:
      - "Guru kami ikut pelatihan aplikasi rapor digital minggu lalu."
  - id: SARPRAS
    label: Sarana dan prasarana sekolah
    theme: sumber_daya
    definition: Kondisi gedung, ruang kelas, laboratorium, sanitasi dan perpustakaan.
    keywords: [ruang kelas, atap bocor, laboratorium, toilet sekolah, perpustakaan sekolah]
    examples:
      enabler:
        - "Ruang kelas baru dari DAK sudah bisa dipakai semester ini."
        - "Toilet sekolah sudah direnovasi, anak-anak tidak antre lagi."
      barrier:
        - "Atap kelas bocor setiap hujan, pelajaran terpaksa dipindah."
        - "Laboratoriumnya ada, tapi alat praktikumnya rusak semua."
  - id: ZONASI
    label: Akses dan sistem zonasi
    theme: akses
    definition: Aturan dan pelaksanaan penerimaan murid baru, termasuk zonasi dan jalur afirmasi.
    keywords: [zonasi, ppdb, spmb, jalur afirmasi, kuota sekolah]
    examples:
      enabler:
        - "Dengan zonasi, anak di kampung kami bisa masuk SMP negeri terdekat."
        - "Posko PPDB di kecamatan membantu orang tua yang tidak punya HP."
      barrier:
        - "Rumah kami di perbatasan zonasi, anak saya tidak dapat sekolah negeri."
        - "Server PPDB down di hari pertama, orang tua panik semalaman."
"""

BROKEN_CODEBOOK = """\
schema: fgd-codebook/0
name: Layanan Sekolah Rusak
themes:
  - {id: sekolah, label: Faktor sekolah}
codes:
  - id: GURU
    label: Ketersediaan guru
    definition: Jumlah dan sebaran guru.
    keyword: [guru, honorer]
  - id: GURU
    label: Guru kedua
    definition: Kode dengan id ganda.
  - id: SARPRAS
    label: Sarana prasarana
    theme: fasilitas
    definition: Gedung, laboratorium, perpustakaan.
    keywords: [gedung, "", laboratorium]
  - id: BOS
    label: Dana BOS
"""

# (code id, field, line, words of the message) for every error in BROKEN_CODEBOOK.
BROKEN_PROBLEMS = [
    (None, "schema", 1, "fgd-codebook/0"),
    ("GURU", "keyword", 9, "unknown key 'keyword'"),
    ("GURU", "id", 10, "duplicate id 'GURU'"),
    ("SARPRAS", "theme", 15, "unknown theme 'fasilitas'"),
    ("SARPRAS", "keywords", 17, "keyword #2 is empty"),
    ("BOS", "definition", 18, "missing definition"),
]


# ------------------------------------------------------------------ the starter codebook

def test_starter_codebook_loads_with_13_codes(starter_codebook):
    assert starter_codebook.ids == STARTER_IDS
    assert 10 <= len(starter_codebook.codes) <= 14
    assert starter_codebook.name == "Ekosistem Inovasi Pelayanan Publik"
    assert {c.theme for c in starter_codebook.codes} == {t.id for t in starter_codebook.themes}
    report = lint_codebook(STARTER_CODEBOOK)
    assert report.errors == [] and report.warnings == []


@pytest.mark.parametrize("code_id", STARTER_IDS)
def test_starter_code_is_complete(starter_codebook, code_id):
    code = starter_codebook.code(code_id)
    for field in ("label", "label_en", "definition", "include", "exclude"):
        assert len(getattr(code, field).split()) >= 2, field
    assert len(code.keywords) >= 10
    assert all(k.strip() == k and k for k in code.keywords)
    assert len(code.examples_of("enabler")) >= 3
    assert len(code.examples_of("barrier")) >= 3
    assert starter_codebook.theme_of(code_id) is not None


def test_starter_keywords_are_unique_across_codes(starter_codebook):
    owners: dict[str, str] = {}
    for code in starter_codebook.codes:
        for keyword in code.keywords:
            assert keyword.lower() not in owners, (keyword, owners.get(keyword.lower()), code.id)
            owners[keyword.lower()] = code.id


# ------------------------------------------------------------------ round trips

def test_csv_export_and_import_keep_every_code(starter_codebook, tmp_path):
    path = tmp_path / "codebook.csv"
    path.write_text(codebook_to_csv(starter_codebook), encoding="utf-8")
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(CSV_COLUMNS)
    again = load_codebook(path)
    assert again.to_dict()["codes"] == starter_codebook.to_dict()["codes"]
    assert {t.id: t.label for t in again.themes} == {t.id: t.label for t in starter_codebook.themes}
    assert lint_codebook(path).warnings == []


def test_csv_round_trip_keeps_codes_and_themes(starter_codebook, tmp_path):
    path = tmp_path / "codebook.csv"
    path.write_text(codebook_to_csv(starter_codebook), encoding="utf-8")
    again = load_codebook(path).to_dict()
    original = starter_codebook.to_dict()
    assert again["codes"] == original["codes"]
    by_id = lambda themes: sorted(themes, key=lambda t: t["id"])  # noqa: E731
    assert by_id(again["themes"]) == by_id(original["themes"])  # order: first use by a code
    # codebook-level fields have no column: the CSV's name is its file name
    assert again["name"] == "codebook"
    assert "version" not in again


def test_yaml_reexport_round_trip_gives_an_equal_codebook(starter_codebook, tmp_path):
    path = tmp_path / "ulang.yaml"
    path.write_text(starter_codebook.to_yaml(), encoding="utf-8")
    again = load_codebook(path)
    assert again.to_dict() == starter_codebook.to_dict()
    assert again.sha256 == starter_codebook.sha256
    twice = tmp_path / "ulang2.yaml"
    twice.write_text(again.to_yaml(), encoding="utf-8")
    assert twice.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_a_codebook_written_from_the_design_lints_clean(make_file):
    school_codebook = make_file("layanan-sekolah.yaml", SCHOOL_CODEBOOK)
    report = lint_codebook(school_codebook)
    assert report.ok
    assert report.errors == [] and report.warnings == [], [p.render() for p in report.warnings]
    codebook = report.codebook
    assert codebook.ids == ["GURU", "SARPRAS", "ZONASI"]
    assert codebook.version == "2026.2"
    assert codebook.theme_of("ZONASI").label == "Akses layanan"
    assert codebook.code("GURU").counter_examples == [
        "Guru kami ikut pelatihan aplikasi rapor digital minggu lalu."]
    assert load_codebook(school_codebook).to_dict() == codebook.to_dict()


def test_sha256_ignores_layout_but_not_content(make_file, tmp_path):
    school_codebook = make_file("layanan-sekolah.yaml", SCHOOL_CODEBOOK)
    original = load_codebook(school_codebook)
    data = yaml.safe_load(SCHOOL_CODEBOOK)
    reordered = tmp_path / "urutan.yaml"
    reordered.write_text(yaml.safe_dump(data, sort_keys=True, allow_unicode=True, width=60),
                         encoding="utf-8")
    assert load_codebook(reordered).sha256 == original.sha256
    data["codes"][0]["keywords"].append("guru mapel")
    changed = tmp_path / "berubah.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_codebook(changed).sha256 != original.sha256


# ------------------------------------------------------------------ validation

def test_broken_codebook_reports_every_problem_with_file_code_field_and_line(make_file):
    broken_codebook = make_file("rusak.yaml", BROKEN_CODEBOOK)
    report = lint_codebook(broken_codebook)
    assert report.codebook is None
    found = [(p.code_id, p.field, p.line) for p in report.errors]
    assert found == [(c, f, line) for c, f, line, _ in BROKEN_PROBLEMS]
    for problem, (code_id, field, line, words) in zip(report.errors, BROKEN_PROBLEMS):
        text = problem.render()
        assert text.startswith(f"{broken_codebook}:{line}: ")
        assert words in text and " Fix: " in text
        assert f"field '{field}'" in text
        if code_id:
            assert f"code {code_id}" in text
    assert "did you mean 'keywords'?" in report.errors[1].render()


def test_loading_a_broken_codebook_raises_listing_the_problems(make_file):
    broken_codebook = make_file("rusak.yaml", BROKEN_CODEBOOK)
    with pytest.raises(CodebookError) as caught:
        load_codebook(broken_codebook)
    error = caught.value
    assert len(error.problems) == len(BROKEN_PROBLEMS)
    assert str(error).startswith(f"{broken_codebook}:1: ")
    assert "and 5 more problem(s)" in str(error)


@pytest.mark.parametrize("text, field, words", [
    ("schema: fgd-codebook/1\ncodes:\n  - {id: A, label: A, definition: d, thema: x}\n",
     "thema", "did you mean 'theme'?"),
    ("schema: fgd-codebook/1\nnama: X\ncodes:\n  - {id: A, label: A, definition: d}\n",
     "nama", "did you mean 'name'?"),
    ("schema: fgd-codebook/1\ncodes: []\n", "codes", "no codes"),
    ("schema: fgd-codebook/1\ncodes:\n  - {id: A B, label: A, definition: d}\n", "id",
     "spaces or symbols"),
    ("schema: fgd-codebook/1\ncodes:\n  - {id: A, definition: d}\n", "label", "missing label"),
    ("schema: fgd-codebook/1\ncodes:\n  - {label: A, definition: d}\n", "id", "missing id"),
    ("schema: fgd-codebook/1\ncodes:\n  - {id: A, label: A, definition: d,\n"
     "     examples: {pendorong: [x]}}\n", "examples.pendorong", "unknown polarity"),
])
def test_single_problems_are_named_by_field(tmp_path, text, field, words):
    path = tmp_path / "satu.yaml"
    path.write_text(text, encoding="utf-8")
    report = lint_codebook(path)
    assert [p.field for p in report.errors] == [field]
    assert words in report.errors[0].render()


def test_invalid_yaml_is_one_problem_with_its_line(tmp_path):
    path = tmp_path / "yaml.yaml"
    path.write_text("schema: fgd-codebook/1\ncodes:\n  - id: A\n   label: B\n", encoding="utf-8")
    report = lint_codebook(path)
    assert len(report.errors) == 1
    assert report.errors[0].render().startswith(f"{path}:4: invalid YAML")


# ------------------------------------------------------------------ command line

def test_cli_lint_exits_0_on_a_good_codebook(cli, make_file):
    school_codebook = make_file("layanan-sekolah.yaml", SCHOOL_CODEBOOK)
    result = cli("codebook", "lint", school_codebook)
    assert result.exit_code == 0, result.output
    assert "3 codes, 2 themes" in result.stdout and "0 errors, 0 warnings" in result.stdout


def test_cli_lint_exits_1_and_prints_every_problem(cli, make_file):
    broken_codebook = make_file("rusak.yaml", BROKEN_CODEBOOK)
    result = cli("codebook", "lint", broken_codebook)
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("error")]
    assert len(errors) == len(BROKEN_PROBLEMS)
    for line, (_code, _field, number, words) in zip(errors, BROKEN_PROBLEMS):
        assert f"{broken_codebook}:{number}: " in line and words in line
    assert "Traceback" not in result.output


def test_cli_lint_strict_fails_on_warnings(cli, tmp_path):
    path = tmp_path / "peringatan.yaml"
    path.write_text("schema: fgd-codebook/1\nname: X\n"
                    "codes:\n  - {id: A, label: A, definition: d}\n", encoding="utf-8")
    assert cli("codebook", "lint", path).exit_code == 0
    result = cli("codebook", "lint", path, "--strict")
    assert result.exit_code == 1
    assert "warning" in result.stdout and "no keywords and no examples" in result.stdout


def test_cli_show_prints_the_code_ids(cli):
    result = cli("codebook", "show", STARTER_CODEBOOK)
    assert result.exit_code == 0, result.output
    for code_id in STARTER_IDS:
        assert f" {code_id} " in result.stdout
    assert "Ekosistem Inovasi Pelayanan Publik" in result.stdout


def test_cli_show_refuses_a_broken_codebook_in_one_line(cli, make_file):
    broken_codebook = make_file("rusak.yaml", BROKEN_CODEBOOK)
    result = cli("codebook", "show", broken_codebook)
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("suffix", [".csv", ".yaml"])
def test_cli_export_writes_a_file_that_loads_back(cli, starter_codebook, tmp_path, suffix):
    out = tmp_path / f"x{suffix}"
    result = cli("codebook", "export", STARTER_CODEBOOK, "--out", out)
    assert result.exit_code == 0, result.output
    again = load_codebook(out)
    assert again.ids == STARTER_IDS
    assert again.to_dict()["codes"] == starter_codebook.to_dict()["codes"]


def test_cli_export_refuses_an_unknown_format(cli, tmp_path):
    out = tmp_path / "x.qdc.txt"
    result = cli("codebook", "export", STARTER_CODEBOOK, "--out", out)
    assert result.exit_code == 2 and result.stderr.startswith("Error: ")
    assert not out.exists()


def test_a_code_with_only_a_definition_is_warned_about_and_its_include_note_named(tmp_path):
    path = tmp_path / "tipis.yaml"
    path.write_text("schema: fgd-codebook/1\nname: X\ncodes:\n"
                    "  - {id: A, label: A, definition: d}\n"
                    "  - {id: B, label: B, definition: d, include: saat warga mengeluh}\n",
                    encoding="utf-8")
    messages = {p.code_id: p.message for p in lint_codebook(path).warnings}
    assert messages["A"] == "no keywords and no examples: only the definition can make it fire."
    assert "the definition and the include note" in messages["B"]
