"""Hostile and unlucky inputs (issue 14): cache files, YAML, symlinks, zip bombs, deep JSON,
the toolkit's own outputs among the transcripts, corrupted caches, bad transcripts in a
study, and no state shared between independent runs.

Each test fails on the code before the fix; see the item number of the issue in its name.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import resource
import struct
import subprocess
import sys
import time
import tracemalloc
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from fgd_toolkit import CodeSettings, code, lint_codebook, load_codebook, read_transcripts
from fgd_toolkit.embed import CachedEmbedder, EmbeddingSession, get_embedder
from fgd_toolkit.errors import (CacheWarning, CodebookError, FgdError, OutputError,
                                SkippedInputWarning, TranscriptFormatError)

from .conftest import CODEBOOK, ROOT

TEXTS = ["anggaran untuk inovasi dipangkas tahun ini",
         "dana kegiatan inovasi kami dikurangi banyak",
         "sinyal internet di kelurahan sering putus",
         "pimpinan sangat mendukung ide staf muda"]

# two small FGDs (Indonesian turns: leadership support, budget, internet signal)
FGD_A = ("Moderator: Bagaimana dukungan pimpinan untuk inovasi layanan?\n"
         "P1: Pimpinan sangat mendukung, beliau rutin menanyakan progres inovasi.\n"
         "P2: Tapi anggarannya dipangkas tahun ini, jadi kegiatan inovasi berkurang.\n")
FGD_B = ("Moderator: Apa kendala aplikasi di kelurahan?\n"
         "P1: Sinyal internet di kelurahan sering putus, aplikasinya jadi lambat.\n"
         "P2: Pelatihan operator sudah ada dari dinas kominfo, itu membantu.\n")
TFIDF = CodeSettings(backend="tfidf", cluster=False)


def _study(folder: Path, **extra: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fgd-a.txt").write_text(FGD_A, encoding="utf-8")
    (folder / "fgd-b.txt").write_text(FGD_B, encoding="utf-8")
    for name, content in extra.items():
        target = folder / name.replace("__", "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


def _one_error_line(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# ----------------------------------------------------------------- 1. no pickle from disk

def test_1_no_pickle_or_joblib_is_used_anywhere_in_the_package():
    offenders = []
    for source in (ROOT / "fgd_toolkit").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        for word in ("import pickle", "pickle.load", "joblib", "allow_pickle=True",
                     "cloudpickle", "dill"):
            if word in text:
                offenders.append(f"{source.relative_to(ROOT)}: {word}")
    assert not offenders, offenders


def test_1_a_crafted_pickle_in_the_cache_is_never_loaded(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    first = get_embedder("tfidf").fit(TEXTS, cache_dir=tmp_path)
    key = first.model_id.split("/fit-")[1]
    get_embedder("tfidf").fit(TEXTS[::-1] + ["korpus lain"], cache_dir=tmp_path)
    fits = tmp_path / "tfidf-fits"
    for stored in list(fits.iterdir()):
        stored.unlink()
    (fits / f"{key}.pkl").write_bytes(pickle.dumps(Payload()))
    again = get_embedder("tfidf").fit(TEXTS, cache_dir=tmp_path)
    assert not marker.exists(), "a pickle from the cache folder was executed"
    assert again.model_id == first.model_id
    assert np.allclose(again.embed(TEXTS), first.embed(TEXTS), atol=1e-6)


def test_1_the_fit_is_stored_as_plain_arrays(tmp_path):
    get_embedder("tfidf").fit(TEXTS, cache_dir=tmp_path)
    stored = list((tmp_path / "tfidf-fits").iterdir())
    assert [p.suffix for p in stored] == [".npz"]
    with np.load(stored[0], allow_pickle=False) as data:    # no object array inside
        assert {data[name].dtype.kind for name in data.files} <= set("fiu")


def test_1_a_space_rebuilt_from_stored_arrays_gives_the_fitted_pipelines_vectors(tmp_path):
    from fgd_toolkit.embed.tfidf import TfidfSpace, fit_pipeline

    corpus = TEXTS + ["pelatihan operator dari dinas kominfo membantu sekali",
                      "kepala dinas mendukung inovasi pelayanan publik"]
    pipeline, _ = fit_pipeline(corpus, n_components=4, random_state=0, max_fit_texts=1500)
    TfidfSpace.from_pipeline(pipeline).save(tmp_path / "fit.npz")
    space = TfidfSpace.load(tmp_path / "fit.npz")
    probe = corpus + ["kata-kata baru yang belum pernah terlihat", "", "Anggaran 2026!"]
    assert np.array_equal(space.transform(probe), pipeline.transform(probe))
    assert space.dim == 4


@pytest.mark.parametrize("damage", ["truncated", "empty", "wrong-shape", "object-array",
                                    "extra-term"])
def test_1_11_a_damaged_stored_fit_is_refitted_with_a_warning(tmp_path, damage, monkeypatch):
    first = get_embedder("tfidf").fit(TEXTS, cache_dir=tmp_path)
    expected = first.embed(TEXTS)
    (stored,) = (tmp_path / "tfidf-fits").iterdir()
    with np.load(stored, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    if damage == "truncated":
        stored.write_bytes(stored.read_bytes()[:200])
    elif damage == "empty":
        stored.write_bytes(b"")
    else:
        if damage == "wrong-shape":
            arrays["components"] = arrays["components"][:, :-1]
        elif damage == "object-array":
            arrays["components"] = np.array([{"x": 1}], dtype=object)
        else:
            terms = json.loads(bytes(arrays["word_terms"]).decode())
            arrays["word_terms"] = np.frombuffer(json.dumps(terms + ["ekstra"]).encode(),
                                                 dtype=np.uint8)
        with open(stored, "wb") as handle:
            np.savez(handle, **arrays)
    with pytest.warns(CacheWarning, match="tfidf-fits"):
        again = get_embedder("tfidf").fit(TEXTS, cache_dir=tmp_path)
    assert np.allclose(again.embed(TEXTS), expected, atol=1e-6)
    # replaced by a good fit: the next run reads it without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        get_embedder("tfidf").fit(TEXTS, cache_dir=tmp_path)


# ----------------------------------------------------------------- 2. YAML aliases

ALIAS_BOMB = "schema: fgd-codebook/1\nname: bom\n" + "\n".join(
    [f"a0: &a0 [{', '.join(['lol'] * 9)}]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]) + \
    "\ncodes:\n  - {id: X, label: x, definition: *a9}\n"


def test_2_a_codebook_with_aliases_is_refused_naming_file_and_line(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text("schema: fgd-codebook/1\nname: n\nbase: &b {label: Dasar}\n"
                    "codes:\n  - id: A\n    definition: d\n    <<: *b\n", encoding="utf-8")
    for load in (load_codebook, lint_codebook):
        with pytest.raises(FgdError) as caught:
            load(path)
        message = str(caught.value)
        assert message.startswith(f"{path}:7: "), message
        assert "alias" in message and "\n" not in message


def test_2_the_alias_bomb_is_refused_in_a_fraction_of_a_second(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    assert len(ALIAS_BOMB) < 1000
    start = time.perf_counter()
    with pytest.raises(CodebookError):
        load_codebook(path)
    assert time.perf_counter() - start < 1.0


def test_2_cli_refuses_the_alias_bomb_in_one_line_within_bounded_memory(tmp_path):
    """In a child process capped at 1.5 GB, so the old behaviour (7 GB) cannot hurt."""
    path = tmp_path / "bom.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    cap = 1536 * 2**20

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    for args in (["codebook", "lint", str(path)],
                 ["code", str(_study(tmp_path / "t")), "-c", str(path), "-o",
                  str(tmp_path / "out"), "--backend", "tfidf", "--no-cache"]):
        done = subprocess.run([sys.executable, "-m", "fgd_toolkit.cli", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, preexec_fn=limit,
                              env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 2, done.stderr[-2000:]
        assert len(lines) == 1 and lines[0].startswith("Error: ") and "bom.yaml:" in lines[0]
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.parametrize("where", ["front-matter", "sidecar"])
def test_2_transcript_metadata_with_aliases_is_refused(tmp_path, where):
    meta = "id: &i fgd-a\ntitle: *i\n"
    if where == "front-matter":
        (tmp_path / "fgd-a.txt").write_text(f"---\n{meta}---\n{FGD_A}", encoding="utf-8")
        culprit, line = tmp_path / "fgd-a.txt", 3
    else:
        (tmp_path / "fgd-a.txt").write_text(FGD_A, encoding="utf-8")
        (tmp_path / "fgd-a.yaml").write_text(meta, encoding="utf-8")
        culprit, line = tmp_path / "fgd-a.yaml", 2
    with pytest.raises(FgdError) as caught:
        read_transcripts(tmp_path)
    assert str(caught.value).startswith(f"{culprit}:{line}: ")
    assert "alias" in str(caught.value)


def test_2_7_yaml_nested_too_deep_is_one_error_not_a_recursion_crash(tmp_path):
    path = tmp_path / "dalam.yaml"
    path.write_text("schema: fgd-codebook/1\nname: " + "[" * 50_000 + "]" * 50_000 + "\n",
                    encoding="utf-8")
    with pytest.raises(FgdError) as caught:
        load_codebook(path)
    assert str(caught.value).startswith(str(path))


def test_2_every_yaml_read_goes_through_the_shared_safe_loader():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "fgd_toolkit").rglob("*.py")
                 if p.name != "safe_yaml.py" and any(
                     call in p.read_text(encoding="utf-8")
                     for call in ("yaml.safe_load", "yaml.load(", "yaml.compose",
                                  "yaml.full_load", "yaml.unsafe_load"))]
    assert not offenders, offenders


# ----------------------------------------------------------------- 4. symlinks

def test_4_symlinks_out_of_the_input_folder_are_skipped_with_a_warning(tmp_path):
    outside = tmp_path / "orang-lain"
    outside.mkdir()
    (outside / "rahasia.txt").write_text("Moderator: RAHASIA dari folder lain.\nP1: Ya.\n",
                                         encoding="utf-8")
    study = _study(tmp_path / "studi")
    (study / "rahasia.txt").symlink_to(outside / "rahasia.txt")
    (study / "passwd.txt").symlink_to("/etc/passwd")
    (study / "arsip").symlink_to(outside, target_is_directory=True)
    with pytest.warns(SkippedInputWarning) as caught:
        transcripts = read_transcripts(study)
    assert [t.id for t in transcripts] == ["fgd-a", "fgd-b"]
    assert "RAHASIA" not in " ".join(t.plain_text for t in transcripts)
    messages = " ".join(str(w.message) for w in caught)
    assert "rahasia.txt" in messages and "passwd.txt" in messages
    assert "--follow-symlinks" in messages
    assert {s.path.name for s in transcripts.skipped} >= {"rahasia.txt", "passwd.txt"}

    with_links = read_transcripts([study / "fgd-a.txt", study / "fgd-b.txt",
                                   study / "rahasia.txt"])   # named explicitly: read
    assert "RAHASIA" in with_links[2].plain_text
    with pytest.warns(SkippedInputWarning):   # /etc/passwd is no transcript; a duplicate
        followed = read_transcripts(study, follow_symlinks=True, skip_bad=True)
    assert "rahasia" in [t.id for t in followed]


def test_4_a_sidecar_linked_from_outside_is_not_read(tmp_path):
    outside = tmp_path / "lain.yaml"
    outside.write_text("title: Judul dari luar\n", encoding="utf-8")
    study = _study(tmp_path / "studi")
    (study / "fgd-a.yaml").symlink_to(outside)
    (transcript, _b) = read_transcripts(study)
    assert transcript.title == ""
    assert any("fgd-a.yaml" in w and "--follow-symlinks" in w for w in transcript.warnings)
    (transcript, _b) = read_transcripts(study, follow_symlinks=True)
    assert transcript.title == "Judul dari luar"


def test_4_cli_has_follow_symlinks_on_ingest_and_code(cli, tmp_path):
    outside = tmp_path / "luar.txt"
    outside.write_text("Moderator: Dari luar.\nP1: Ya, dari luar folder.\n", encoding="utf-8")
    study = _study(tmp_path / "studi")
    (study / "luar.txt").symlink_to(outside)
    skipped = cli("ingest", study)
    assert skipped.exit_code == 0, skipped.output
    assert "luar.txt" in skipped.stderr and "Warning" in skipped.stderr
    assert "│ luar" not in skipped.stdout and "│ fgd-a" in skipped.stdout
    followed = cli("ingest", study, "--follow-symlinks")
    assert followed.exit_code == 0 and "│ luar" in followed.stdout
    assert "--follow-symlinks" in cli("code", "--help").output


# ----------------------------------------------------------------- 5. lying zip bombs

def _honest_container(suffix: str) -> bytes:
    buffer = io.BytesIO()
    if suffix == ".docx":
        import docx

        document = docx.Document()
        document.add_paragraph("Moderator: Selamat pagi.")
        document.save(buffer)
    else:
        import openpyxl

        workbook = openpyxl.Workbook()
        workbook.active.append(["pembicara", "teks"])
        workbook.save(buffer)
    return buffer.getvalue()


#: The part the document library reads first: inflating it is where the memory goes.
MAIN_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}


def _lying_zip(suffix: str, real_bytes: int, declared: int) -> bytes:
    """A real .docx/.xlsx whose main part inflates to ``real_bytes`` while its headers
    (local and central) declare ``declared`` bytes, with the CRC of the declared prefix."""
    with zipfile.ZipFile(io.BytesIO(_honest_container(suffix))) as honest:
        members = {i.filename: honest.read(i) for i in honest.infolist()}
    members[MAIN_PART[suffix]] = b"<?xml version='1.0'?>" + b" " * real_bytes
    out = io.BytesIO()
    central = []
    for name, data in members.items():
        raw = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = raw.compress(data) + raw.flush()
        size = declared if name == MAIN_PART[suffix] else len(data)
        crc = zlib.crc32(data[:size])
        offset = out.tell()
        head = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(packed),
                           size, len(name), 0)
        out.write(head + name.encode() + packed)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0,
                                   crc, len(packed), size, len(name), 0, 0, 0, 0, 0, offset)
                       + name.encode())
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                          out.tell() - start, start, 0))
    return out.getvalue()


def _error_and_peak_memory(paths, error=FgdError) -> tuple[FgdError, int]:
    """The error reading ``paths`` raises, and the most memory allocated meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(error) as caught:
            read_transcripts(paths)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return caught.value, peak


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_5_a_zip_that_lies_about_sizes_is_refused_without_inflating_it(tmp_path, suffix):
    path = tmp_path / f"bom{suffix}"
    path.write_bytes(_lying_zip(suffix, 64 * 2**20, declared=1000))
    sizes = {i.filename: i.file_size for i in zipfile.ZipFile(path).infolist()}
    assert sizes[MAIN_PART[suffix]] == 1000
    error, peak = _error_and_peak_memory(path, TranscriptFormatError)
    assert str(error).startswith(str(path))
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MB allocated for a 64 MB lie"


def test_5_a_participants_workbook_is_read_through_the_same_limit(tmp_path):
    study = _study(tmp_path / "studi")
    (study / "participants.xlsx").write_bytes(_lying_zip(".xlsx", 64 * 2**20, declared=1000))
    error, peak = _error_and_peak_memory(study)
    assert "participants.xlsx" in str(error)
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MB allocated for a 64 MB lie"


def test_5_an_honest_zip_over_the_limit_is_refused(tmp_path, monkeypatch, make_docx):
    from fgd_toolkit.ingest import source

    path = make_docx("besar.docx", ["Moderator: Selamat pagi.", "P1: Pagi, Bu."])
    assert read_transcripts(path)[0].turns
    monkeypatch.setattr(source, "MAX_UNZIPPED_BYTES", 2000)
    with pytest.raises(TranscriptFormatError, match="unpacks to"):
        read_transcripts(path)


# ----------------------------------------------------------------- 7. deep JSON

def test_7_json_nested_100000_deep_is_one_error(tmp_path, cli):
    path = tmp_path / "dalam.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(TranscriptFormatError) as caught:
        read_transcripts(path)
    assert str(caught.value).startswith(f"{path}: ") and "nested" in str(caught.value)
    line = _one_error_line(cli("ingest", path))
    assert "dalam.json" in line


# ----------------------------------------------------------------- 10. own outputs as input

def _code(inputs, out: Path | None = None, **kw):
    result = code(inputs, CODEBOOK, settings=TFIDF, use_cache=False, **kw)
    if out is not None:
        result.to_csv(out)
    return result


def test_10_a_results_folder_inside_the_inputs_is_skipped_with_a_warning(tmp_path):
    study = _study(tmp_path / "studi")
    first = _code(study, study / "hasil")
    with pytest.warns(SkippedInputWarning, match="hasil"):
        second = _code(study, study / "hasil")
    assert second.passages["text"].tolist() == first.passages["text"].tolist()
    assert [s["path"] for s in second.manifest["skipped_inputs"]] == [str(study / "hasil")]


def test_10_out_equal_to_the_input_folder_is_refused_and_the_transcripts_kept(tmp_path):
    # The results folder is replaced as a whole, so the transcripts folder itself cannot be
    # it: one clear error naming the folder, nothing moved or written.
    study = _study(tmp_path / "studi")
    before = {p.name: p.read_bytes() for p in study.iterdir()}
    result = code(study, CODEBOOK, settings=TFIDF, use_cache=False)
    with pytest.raises(OutputError, match="studi.*not fgd results.*new or empty folder"):
        result.to_csv(study)
    assert {p.name: p.read_bytes() for p in study.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.is_dir() and p.name != "studi"]  # no staging


def test_10_non_transcript_tables_in_a_folder_are_skipped_but_not_when_named(tmp_path, cli):
    gold = "transcript_id,turn,code_id,polarity\nfgd-a,2,KEP,enabler\n"
    passages = "passage_id,transcript_id,turn,speaker,text,char_start,char_end\n" \
               "fgd-a-1,fgd-a,1,P1,Teks.,0,5\n"
    study = _study(tmp_path / "studi", **{"gold.csv": gold, "lama__passages.csv": passages})
    with pytest.warns(SkippedInputWarning) as caught:
        transcripts = read_transcripts(study)
    assert [t.id for t in transcripts] == ["fgd-a", "fgd-b"]
    assert {Path(str(s.path)).name for s in transcripts.skipped} == {"gold.csv",
                                                                     "passages.csv"}
    assert "gold.csv" in " ".join(str(w.message) for w in caught)
    with pytest.raises(TranscriptFormatError, match="no speaker column"):
        read_transcripts(study / "gold.csv")
    assert "gold.csv" in _one_error_line(cli("ingest", study / "gold.csv"))


def test_10_cli_second_run_with_out_inside_the_inputs_succeeds(cli, tmp_path):
    study = _study(tmp_path / "studi")
    args = ["code", study, "-c", CODEBOOK, "-o", study / "hasil", "--backend", "tfidf",
            "--no-cluster", "--no-cache"]
    assert cli(*args).exit_code == 0
    again = cli(*args)
    assert again.exit_code == 0, again.output
    assert "hasil" in again.stderr and "Warning" in again.stderr


# ----------------------------------------------------------------- 11. corrupted caches

def test_11_corrupted_cache_files_are_rebuilt_with_a_warning(tmp_path):
    cache = tmp_path / "cache"
    study = _study(tmp_path / "studi")
    settings = CodeSettings(backend="tfidf")
    first = code(study, CODEBOOK, settings=settings, cache_dir=cache)
    files = sorted(p for p in cache.rglob("*") if p.is_file())
    kinds = {p.suffix for p in files}
    assert {".npz", ".npy"} <= kinds, files      # vectors and fits, cluster labels
    for k, path in enumerate(files):   # truncate half, empty the other half
        path.write_bytes(path.read_bytes()[:40] if k % 2 else b"")
    with pytest.warns(CacheWarning) as caught:
        again = code(study, CODEBOOK, settings=settings, cache_dir=cache)
    assert again.codings.equals(first.codings)
    assert len({str(w.message) for w in caught}) == len(caught)   # one warning per file
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)                # replaced: quiet now
        third = code(study, CODEBOOK, settings=settings, cache_dir=cache)
    assert third.codings.equals(first.codings)


def test_11_cli_run_survives_a_zero_byte_and_a_truncated_chunk(cli, tmp_path):
    cache = tmp_path / "cache"
    study = _study(tmp_path / "studi")
    args = ["code", study, "-c", CODEBOOK, "-o", tmp_path / "hasil", "--backend", "tfidf",
            "--cache-dir", cache]
    assert cli(*args).exit_code == 0
    chunks = sorted(cache.rglob("*.npz"))
    chunks[0].write_bytes(b"")
    chunks[-1].write_bytes(chunks[-1].read_bytes()[:100] if len(chunks) > 1 else b"")
    result = cli(*args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "Warning" in result.stderr and "cache" in result.stderr


def test_11_an_unwritable_cache_folder_is_an_error_naming_both_options(tmp_path, cli):
    blocker = tmp_path / "bukan-folder"
    blocker.write_text("x", encoding="utf-8")
    study = _study(tmp_path / "studi")
    with pytest.raises(OutputError) as caught:
        code(study, CODEBOOK, settings=TFIDF, cache_dir=blocker / "cache")
    assert "--cache-dir" in str(caught.value) and "--no-cache" in str(caught.value)
    line = _one_error_line(cli("code", study, "-c", CODEBOOK, "-o", tmp_path / "hasil",
                               "--backend", "tfidf", "--cache-dir", blocker))
    assert "--cache-dir" in line and "--no-cache" in line
    assert not (tmp_path / "hasil" / "manifest.json").exists()


# ----------------------------------------------------------------- 12. --skip-bad

def test_12_one_bad_transcript_aborts_by_default_and_is_skipped_on_request(tmp_path):
    study = _study(tmp_path / "studi", **{"rusak.txt": b"\x89PNG\r\n\x1a\n" + bytes(300),
                                          "kosong.docx": b""})
    with pytest.raises(TranscriptFormatError):
        read_transcripts(study)
    with pytest.warns(SkippedInputWarning):
        transcripts = read_transcripts(study, skip_bad=True)
    assert [t.id for t in transcripts] == ["fgd-a", "fgd-b"]
    assert [(s.path.name, "binary" in s.reason or "empty" in s.reason)
            for s in transcripts.skipped] == [("kosong.docx", True), ("rusak.txt", True)]
    with pytest.warns(SkippedInputWarning):
        result = _code(study, skip_bad=True)
    skipped = result.manifest["skipped_inputs"]
    assert [Path(s["path"]).name for s in skipped] == ["kosong.docx", "rusak.txt"]
    assert all(s["reason"] and "\n" not in s["reason"] for s in skipped)
    assert result.manifest["counts"]["transcripts"] == 2


def test_12_cli_skip_bad_codes_the_rest_and_lists_what_was_skipped(cli, tmp_path):
    study = _study(tmp_path / "studi", **{"rusak.txt": b"\x00\x01\x02" * 100})
    args = ["code", study, "-c", CODEBOOK, "-o", tmp_path / "hasil", "--backend", "tfidf",
            "--no-cluster", "--no-cache"]
    assert "rusak.txt" in _one_error_line(cli(*args))
    result = cli(*args, "--skip-bad")
    assert result.exit_code == 0, result.output
    assert "Skipped 1 input:" in result.stdout and "rusak.txt" in result.stdout
    manifest = json.loads((tmp_path / "hasil" / "manifest.json").read_text(encoding="utf-8"))
    assert [Path(s["path"]).name for s in manifest["skipped_inputs"]] == ["rusak.txt"]
    ingest = cli("ingest", study, "--skip-bad")
    assert ingest.exit_code == 0 and "rusak.txt" in ingest.stdout


def test_12_nothing_readable_is_still_an_error(tmp_path):
    (tmp_path / "rusak.txt").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.warns(SkippedInputWarning), pytest.raises(FgdError, match="rusak.txt"):
        read_transcripts(tmp_path, skip_bad=True)


# ----------------------------------------------------------------- no shared process state

class _CountingBackend:
    """A cacheable back-end that counts the texts it embeds (vectors from a text hash)."""

    name = "hitung"
    model_id = "hitung@1"
    cacheable = True
    dim = 8

    def __init__(self) -> None:
        self.embedded = 0

    def embed(self, texts):
        self.embedded += len(texts)
        rng = [np.random.default_rng(zlib.crc32(t.encode())) for t in texts]
        return np.array([r.standard_normal(self.dim) for r in rng], dtype=np.float32)


def test_independent_runs_share_no_vectors(tmp_path):
    CachedEmbedder(_CountingBackend(), tmp_path).embed(TEXTS)
    for chunk in tmp_path.rglob("*.npz"):
        chunk.unlink()                       # what is not on disk must be embedded again
    backend = _CountingBackend()
    CachedEmbedder(backend, tmp_path).embed(TEXTS)
    assert backend.embedded == len(TEXTS)


def test_a_session_keeps_vectors_and_fits_between_runs(tmp_path, monkeypatch):
    session = EmbeddingSession()
    CachedEmbedder(_CountingBackend(), tmp_path, session=session).embed(TEXTS)
    for chunk in tmp_path.rglob("*.npz"):
        chunk.unlink()
    backend = _CountingBackend()
    CachedEmbedder(backend, tmp_path, session=session).embed(TEXTS)
    assert backend.embedded == 0

    get_embedder("tfidf").fit(TEXTS, cache_dir=None, session=session)
    monkeypatch.setattr("sklearn.decomposition.TruncatedSVD.fit",
                        lambda *a, **k: pytest.fail("refitted within a session"))
    get_embedder("tfidf").fit(TEXTS, cache_dir=None, session=session)


def test_independent_runs_do_not_share_a_tfidf_fit(monkeypatch):
    from sklearn.decomposition import TruncatedSVD

    get_embedder("tfidf").fit(TEXTS, cache_dir=None)
    calls = []
    real = TruncatedSVD.fit
    monkeypatch.setattr(TruncatedSVD, "fit",
                        lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    get_embedder("tfidf").fit(TEXTS, cache_dir=None)
    assert calls == [1]


def test_code_accepts_a_session_and_reuses_it(tmp_path):
    study = _study(tmp_path / "studi")
    session = EmbeddingSession()
    first = code(study, CODEBOOK, settings=TFIDF, cache_dir=tmp_path / "c", session=session)
    for chunk in (tmp_path / "c").rglob("*.npz"):
        chunk.unlink()
    again = code(study, CODEBOOK, settings=TFIDF, cache_dir=tmp_path / "c", session=session)
    assert again.manifest["backend"]["cache"]["embedded"] == 0
    assert again.codings.equals(first.codings)


def test_a_session_reuses_the_codebook_classifier_until_the_codebook_changes(tmp_path,
                                                                            monkeypatch):
    from sklearn.linear_model import LogisticRegression

    from fgd_toolkit.codebook import load_codebook

    study = _study(tmp_path / "studi")
    session = EmbeddingSession()
    fits = []
    real = LogisticRegression.fit
    monkeypatch.setattr(LogisticRegression, "fit",
                        lambda self, *a, **k: fits.append(1) or real(self, *a, **k))
    cb = load_codebook(CODEBOOK)
    first = code(study, cb, settings=TFIDF, use_cache=False, session=session)
    n_first = len(fits)
    again = code(study, cb, settings=TFIDF, use_cache=False, session=session)
    assert n_first >= 1 and len(fits) == n_first          # same codebook: no new fit
    assert again.codings.equals(first.codings)
    edited = cb.to_yaml().replace("definition: ", "definition: Program baru kelurahan. ", 1)
    assert edited != cb.to_yaml()
    (tmp_path / "edited.yaml").write_text(edited, encoding="utf-8")
    code(study, tmp_path / "edited.yaml", settings=TFIDF, use_cache=False, session=session)
    assert len(fits) == 2 * n_first                       # an edited text: fitted again
    code(study, cb, settings=TFIDF, use_cache=False)      # no session: fitted afresh
    assert len(fits) == 3 * n_first
    assert 1 <= len(session.classifiers) <= 8


def test_7_a_results_manifest_nested_too_deep_is_one_error(tmp_path):
    from fgd_toolkit import load_results

    folder = tmp_path / "hasil"
    _code(_study(tmp_path / "studi"), folder)
    (folder / "manifest.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(OutputError, match="manifest.json"):
        load_results(folder)


def test_a_csv_codebook_with_a_huge_field_is_a_lint_error_not_a_crash(tmp_path):
    path = tmp_path / "cb.csv"
    path.write_text("id,label,definition\nA,x," + "y" * 200_000 + "\n", encoding="utf-8")
    report = lint_codebook(path)
    assert report.errors and "cannot be parsed" in report.errors[0].render()
