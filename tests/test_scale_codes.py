"""Many codes (issue 14 item 9): a table too large for a sheet goes to its CSV only, the
workbook says where it is, and every output is still written. (Timings: benchmarks/scale_codes.py.)
"""
from __future__ import annotations

import warnings
import zipfile

import openpyxl
import pandas as pd
import pytest
import yaml

from fgd_toolkit import code, load_results
from fgd_toolkit.export import DERIVED_FILES, OUTPUT_FILES, XLSX_MAX_CELLS
from fgd_toolkit.settings import CodeSettings

N_CODES = 2000
TEXT = ("Moderator: Apa kendala inovasinya?\n"
        "Ibu Rina: Anggarannya dipangkas separuh, aplikasi belum bisa dikembangkan.\n"
        "Pak Joko: Pimpinan kami sangat mendukung, tiap minggu menanyakan progres.\n")


@pytest.fixture(scope="module")
def many_codes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("many-codes")
    codes = [{"id": f"C{i:04d}", "label": f"Kode {i}",
              "definition": f"Hal tentang urusan nomor {i}.",
              "keywords": [f"urusan{i}", "anggaran" if i % 2 else "pimpinan"]}
             for i in range(N_CODES)]
    codebook = folder / "codebook.yaml"
    codebook.write_text(yaml.safe_dump({"schema": "fgd-codebook/1", "name": "Banyak kode",
                                        "codes": codes}), encoding="utf-8")
    (folder / "kecil.txt").write_text(TEXT, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)     # sklearn: classes > samples / 2
        result = code(folder / "kecil.txt", codebook, embedder="tfidf",
                      settings=CodeSettings(cluster=False), cache_dir=folder / "cache")
    out = folder / "results"
    result.to_csv(out)
    return result, out


def test_every_output_is_written(many_codes):
    result, out = many_codes
    assert {p.name for p in out.iterdir()} == set(OUTPUT_FILES) - set(DERIVED_FILES)
    cooccurrence = pd.read_csv(out / "cooccurrence.csv")
    assert cooccurrence.shape == (N_CODES, N_CODES + 1)
    assert N_CODES * (N_CODES + 1) > XLSX_MAX_CELLS
    assert cooccurrence.iloc[:, 1:].to_numpy().sum() > 0
    assert cooccurrence.equals(result.matrix("cooccurrence"))
    assert load_results(out).matrix("cooccurrence").equals(cooccurrence)


def test_the_workbook_names_the_csv_of_a_table_too_large_for_a_sheet(many_codes):
    _result, out = many_codes
    book = openpyxl.load_workbook(out / "coded.xlsx", read_only=True)
    rows = list(book["cooccurrence"].values)
    assert rows[0] == ("note",) and "cooccurrence.csv" in rows[1][0]
    assert f"{N_CODES:,} rows and {N_CODES + 1:,} columns" in rows[1][0]
    header = next(book["transcript_code"].values)
    assert len(header) == 2 + 4 * N_CODES                # small enough: still a sheet
    with zipfile.ZipFile(out / "coded.xlsx") as archive:
        assert archive.testzip() is None
