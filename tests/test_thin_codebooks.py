"""Codebooks with one code or no examples still code sensibly (the thin-codebook model)."""
from __future__ import annotations

from fgd_toolkit import CodeSettings, code, load_codebook

from .conftest import SAMPLES

ONE_CODE = """schema: fgd-codebook/1
name: Satu kode
codes:
  - id: ANG
    label: Anggaran
    definition: Ketersediaan dana dan anggaran untuk inovasi.
    keywords: [anggaran, dana, apbd, refocusing]
"""

NO_EXAMPLES = """schema: fgd-codebook/1
name: Tanpa contoh
codes:
  - id: ANG
    label: Anggaran
    definition: Ketersediaan dana dan anggaran untuk menjalankan inovasi.
    keywords: [anggaran, dana, apbd]
  - id: SDM
    label: Sumber daya manusia
    definition: Jumlah, beban kerja dan kemampuan pegawai yang menjalankan inovasi.
    keywords: [pegawai, staf, pelatihan, beban kerja]
"""

DEFINITIONS_ONLY = """schema: fgd-codebook/1
name: Definisi saja
codes:
  - id: ANG
    label: Anggaran
    definition: Ketersediaan dana dan anggaran untuk menjalankan inovasi.
  - id: SDM
    label: Sumber daya manusia
    definition: Jumlah, beban kerja dan kemampuan pegawai yang menjalankan inovasi.
"""


def _run(tmp_path, text):
    path = tmp_path / "cb.yaml"
    path.write_text(text, encoding="utf-8")
    return code(SAMPLES, load_codebook(path), settings=CodeSettings(cluster=False))


def test_single_code_codebook_codes_only_budget_talk(tmp_path):
    result = _run(tmp_path, ONE_CODE)
    assert "thin codebook" in result.manifest["backend"]["calibration"]
    coded = result.passages[result.passages["passage_id"].isin(result.codings["passage_id"])]
    assert 5 <= len(coded) < 0.3 * (result.passages["role"] == "participant").sum()
    budget_words = ("anggar|dana|biaya|apbd|refocusing|dpa|rekening|juta|csr|belanja|uang|pagu|"
                    "potong|hibah|bayar|honor|lembur")
    assert coded["text_norm"].str.contains(budget_words).mean() >= 0.8


def test_codebook_without_examples_does_not_code_everything(tmp_path):
    result = _run(tmp_path, NO_EXAMPLES)
    participants = (result.passages["role"] == "participant").sum()
    coded = result.codings["passage_id"].nunique()
    assert set(result.codings["code_id"]) == {"ANG", "SDM"}
    assert 10 < coded < 0.5 * participants


def test_codebook_of_bare_definitions_says_why_little_is_coded(tmp_path):
    result = _run(tmp_path, DEFINITIONS_ONLY)
    fired = set(result.codings["code_id"])
    silent = {"ANG", "SDM"} - fired
    # definitions alone are weak evidence: whatever did not fire is named in a warning
    assert all(any(code in w for w in result.warnings) for code in silent)
    assert len(result.codings) < 0.5 * (result.passages["role"] == "participant").sum()
