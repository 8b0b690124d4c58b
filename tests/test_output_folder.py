"""Results folders (issue 14 items 13, 14): swapped in whole, locked against a second run,
recovered after a kill, user files kept, stale temporaries cleaned, the umask respected."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fgd_toolkit import code, load_results
from fgd_toolkit.atomic import write_text, write_together
from fgd_toolkit.cli import app
from fgd_toolkit.errors import OutputError
from fgd_toolkit.export import DERIVED_FILES, OUTPUT_FILES
from fgd_toolkit.settings import CodeSettings

from .conftest import CODEBOOK, ROOT

runner = CliRunner()
TINY = ("Moderator: Apa kendala inovasinya?\n"
        "Ibu Rina: Anggarannya dipangkas separuh, aplikasi belum bisa dikembangkan.\n"
        "Pak Joko: Pimpinan kami sangat mendukung, tiap minggu menanyakan progres.\n"
        "Ibu Sari: Operator cuma satu orang, kalau cuti layanan online berhenti.\n")

#: A child process that imports only the output-folder module (fast: no pandas).
CHILD = """
import importlib, json, os, sys, time, types
from pathlib import Path
package = types.ModuleType("fgd_toolkit")
package.__path__ = [os.path.join(sys.argv[1], "fgd_toolkit")]
sys.modules["fgd_toolkit"] = package
folder = importlib.import_module("fgd_toolkit.output_folder")
action, out = sys.argv[2], sys.argv[3]
if action == "hold":
    with folder.locked(out):
        print("locked", flush=True)
        time.sleep(60)
elif action == "write":
    run, die_at = sys.argv[4], int(sys.argv[5])
    owned = ("passages.csv", "manifest.json")
    calls, real = [0], os.rename
    def rename(a, b):
        calls[0] += 1
        if calls[0] == die_at:
            os._exit(9)                     # killed: no handler, no clean-up runs
        real(a, b)
    os.rename = rename
    def write(staging):
        (staging / "passages.csv").write_text(run)
        if die_at == 0:
            os._exit(9)
        (staging / "manifest.json").write_text(json.dumps({"tool": "fgd-toolkit", "run": run}))
    folder.write_folder(out, write, owned)
"""


def _child(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT), *args],
                            stdout=subprocess.PIPE, text=True, **kwargs)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "fgd-kecil.txt").write_text(TINY, encoding="utf-8")
    result = code(folder / "fgd-kecil.txt", CODEBOOK, embedder="tfidf",
                  settings=CodeSettings(cluster=False), cache_dir=folder / "cache")
    return folder, result


def _hidden_beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir()
                  if p.name.startswith(f".{out.name}.") and p.name != f".{out.name}.lock")


# ------------------------------------------------------------------ umask (item 14)

@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_every_file_and_folder_follows_the_umask(tiny, tmp_path, umask):
    _folder, result = tiny
    old = os.umask(umask)
    try:
        out = tmp_path / "shared" / "results"
        result.to_csv(out)
        result.to_excel(tmp_path / "shared" / "alone.xlsx")
        result.to_qdpx(tmp_path / "shared" / "alone.qdpx")
        write_text(tmp_path / "shared" / "notes.txt", "x")
        write_together([(tmp_path / "shared" / "a.md", lambda p: p.write_text("a")),
                        (tmp_path / "shared" / "b.md", lambda p: p.write_text("b"))])
        run = runner.invoke(app, ["ingest", str(_folder / "fgd-kecil.txt"), "--out",
                                  str(tmp_path / "shared" / "passages.csv")])
        assert run.exit_code == 0, run.output
    finally:
        os.umask(old)
    files = [*out.iterdir(), *(tmp_path / "shared").glob("*.*")]
    assert len(files) > 14
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path.name
    for folder in (out, tmp_path / "shared"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~umask


def test_a_results_folder_keeps_the_mode_it_was_given(tiny, tmp_path):
    _folder, result = tiny
    out = tmp_path / "results"
    result.to_csv(out)
    os.chmod(out, 0o2775)
    result.to_csv(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o2775


# ------------------------------------------------------------------ the lock (item 13)

def test_a_second_run_into_the_same_folder_is_refused_while_the_first_runs(tiny, tmp_path):
    folder, result = tiny
    out = tmp_path / "results"
    holder = _child("hold", str(out))
    try:
        assert holder.stdout.readline().strip() == "locked"
        run = runner.invoke(app, ["code", str(folder / "fgd-kecil.txt"), "-c", str(CODEBOOK),
                                  "-o", str(out), "--backend", "tfidf", "--no-cluster",
                                  "--cache-dir", str(folder / "cache")])
        assert run.exit_code == 2, run.output
        assert "another fgd run is writing to this folder" in run.output
        assert f"process {holder.pid}" in run.output and "Traceback" not in run.output
        with pytest.raises(OutputError, match="another fgd run"):
            result.to_csv(out)
        assert not out.exists()
    finally:
        holder.send_signal(signal.SIGKILL)          # dies without unlocking
        holder.wait()
    run = runner.invoke(app, ["code", str(folder / "fgd-kecil.txt"), "-c", str(CODEBOOK),
                              "-o", str(out), "--backend", "tfidf", "--no-cluster",
                              "--cache-dir", str(folder / "cache")])
    assert run.exit_code == 0, run.output
    assert (out / "manifest.json").is_file()


# ------------------------------------------------------------------ kills (item 13)

def _state(out: Path) -> str | None:
    """The run whose files ``out`` holds; fails on a mix of two runs."""
    if not out.exists():
        return None
    runs = {(out / "passages.csv").read_text(),
            json.loads((out / "manifest.json").read_text())["run"]}
    assert len(runs) == 1, f"mixed folder: {runs}"
    return runs.pop()


@pytest.mark.parametrize("die_at, seen_after_kill, recovered", [
    (0, "A", "A"),          # killed while writing the staging folder
    (1, "A", "A"),          # before the staging folder is marked ready
    (2, "A", "A"),          # ready, before the old folder is moved away
    (3, None, "B"),         # between the two renames: the folder is missing
    (4, "B", "B"),          # swapped in, the user's notes not yet moved over
    (-1, "B", "B"),         # not killed
])
def test_a_kill_at_any_step_never_mixes_two_runs_and_loses_nothing(
        tmp_path, die_at, seen_after_kill, recovered):
    out = tmp_path / "results"
    out.mkdir()
    (out / "passages.csv").write_text("A")
    (out / "manifest.json").write_text(json.dumps({"tool": "fgd-toolkit", "run": "A"}))
    (out / "catatan.txt").write_text("catatan peneliti")            # the user's own notes
    (out / "gambar").mkdir()
    (out / "gambar" / "peta.png").write_bytes(b"png")
    child = _child("write", str(out), "B", str(die_at))
    assert child.wait() == (9 if die_at >= 0 else 0)
    assert _state(out) == seen_after_kill
    # a reader restores a missing folder; the next writer finishes and cleans up the rest
    from fgd_toolkit.output_folder import recover_if_interrupted

    recover_if_interrupted(out, ("passages.csv", "manifest.json"))
    assert _state(out) == recovered
    from fgd_toolkit.output_folder import write_folder

    def write(staging):
        (staging / "passages.csv").write_text("C")
        (staging / "manifest.json").write_text(json.dumps({"tool": "fgd-toolkit", "run": "C"}))

    write_folder(out, write, ("passages.csv", "manifest.json"))
    assert _state(out) == "C"
    assert (out / "catatan.txt").read_text() == "catatan peneliti"
    assert (out / "gambar" / "peta.png").read_bytes() == b"png"
    assert _hidden_beside(out) == []


def test_load_results_finishes_a_swap_killed_between_the_two_renames(tiny, tmp_path):
    _folder, result = tiny
    out = tmp_path / "results"
    result.to_csv(out)
    ready = out.with_name(".results.ready-1-a")
    out.rename(ready)
    out.with_name(".results.old-1-a").mkdir()
    loaded = load_results(out)
    assert len(loaded.passages) == len(result.passages)
    assert _hidden_beside(out) == []


# ------------------------------------------------------------------ user files, stale files

def test_user_files_in_the_results_folder_are_carried_over(tiny, tmp_path):
    _folder, result = tiny
    out = tmp_path / "results"
    result.to_csv(out)
    (out / "catatan.md").write_text("jangan hilang", encoding="utf-8")
    (out / "~$coded.xlsx").write_bytes(b"excel lock")
    result.to_csv(out)
    assert (out / "catatan.md").read_text(encoding="utf-8") == "jangan hilang"
    assert set(p.name for p in out.iterdir()) == (set(OUTPUT_FILES) - set(DERIVED_FILES)
                                                  | {"catatan.md", "~$coded.xlsx"})


def test_a_folder_of_other_files_is_refused_and_left_alone(tiny, tmp_path):
    folder, result = tiny
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "laporan.docx").write_bytes(b"docx")
    with pytest.raises(OutputError, match="not fgd results") as err:
        result.to_csv(documents)
    assert "laporan.docx" in str(err.value) and "new or empty folder" in err.value.fix
    run = runner.invoke(app, ["code", str(folder / "fgd-kecil.txt"), "-c", str(CODEBOOK),
                              "-o", str(documents), "--backend", "tfidf", "--no-cluster"])
    assert run.exit_code == 2 and "not fgd results" in run.output
    assert [p.name for p in documents.iterdir()] == ["laporan.docx"]
    assert _hidden_beside(documents) == []
    finder = tmp_path / "baru"                     # a new folder, made in Finder
    finder.mkdir()
    (finder / ".DS_Store").write_bytes(b"\0")
    result.to_csv(finder)
    assert (finder / "manifest.json").is_file() and (finder / ".DS_Store").is_file()


def test_the_current_folder_is_refused_as_output(tiny, tmp_path, monkeypatch):
    _folder, result = tiny
    out = tmp_path / "results"
    result.to_csv(out)
    monkeypatch.chdir(out)
    with pytest.raises(OutputError, match="the folder you are in"):
        result.to_csv(".")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="the folder you are in"):
        result.to_csv(tmp_path)


def test_stale_staging_folders_and_temporary_files_are_cleaned(tiny, tmp_path):
    _folder, result = tiny
    out = tmp_path / "results"
    result.to_csv(out)
    stale = out.with_name(".results.staging-99999-dead")
    stale.mkdir()
    (stale / "coded.xlsx").write_bytes(b"x" * 1000)
    legacy = out / ".passages.csv.k3j2h1.tmp"            # from a run of an earlier version
    legacy.write_text("half")
    result.to_csv(out)
    assert not stale.exists() and not legacy.exists()
    assert _hidden_beside(out) == []


def test_stale_scratch_folders_of_single_file_writes_are_cleaned(tmp_path):
    import fcntl

    target = tmp_path / "passages.csv"
    dead = tmp_path / ".passages.csv.dead1234.tmp"
    alive = tmp_path / ".passages.csv.alive567.tmp"
    young = tmp_path / ".passages.csv.young890.tmp"
    for folder in (dead, alive, young):
        folder.mkdir()
        (folder / "passages.csv").write_text("half")
    long_ago = time.time() - 3600
    for folder in (dead, alive):
        os.utime(folder, (long_ago, long_ago))
    held = os.open(alive, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)                     # a writer that is still running
    try:
        write_text(target, "new")
    finally:
        os.close(held)
    assert target.read_text() == "new"
    assert not dead.exists() and alive.exists() and young.exists()


def test_files_written_together_appear_together_or_not_at_all(tmp_path):
    done = []

    def broken(path):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_together([(tmp_path / "a.md", lambda p: p.write_text("a")),
                        (tmp_path / "b.md", broken)])
    assert list(tmp_path.iterdir()) == []
    written = write_together([(tmp_path / "a.md", lambda p: p.write_text("a")),
                              (tmp_path / "b.md", lambda p: p.write_text("b"))],
                             lambda i, n: done.append((i, n)))
    assert [p.read_text() for p in written] == ["a", "b"] and done == [(1, 2), (2, 2)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.md"]


def test_xlsxwriter_temporary_files_never_go_to_the_system_temp_folder(tiny, tmp_path,
                                                                         monkeypatch):
    _folder, result = tiny
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    import xlsxwriter

    def killed(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(xlsxwriter.Workbook, "close", killed)
    out = tmp_path / "results"
    with pytest.raises(KeyboardInterrupt):
        result.to_csv(out)
    with pytest.raises(KeyboardInterrupt):
        result.to_excel(tmp_path / "alone.xlsx")
    assert list(system_tmp.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [".results.lock", "system-tmp"]


def test_fgd_report_holds_the_results_folder_against_a_run_into_it(tiny, tmp_path,
                                                                   monkeypatch):
    # While `fgd report` reads a results folder and writes into it, a `fgd code` into the
    # same folder (another process) is refused with the lock's message.
    import subprocess
    import sys
    import textwrap

    from typer.testing import CliRunner

    from fgd_toolkit import cli

    _folder, result = tiny
    out = tmp_path / "results"
    result.to_csv(out)
    script = textwrap.dedent(f"""
        from fgd_toolkit.export import reserve_output_folder
        from fgd_toolkit.errors import OutputError
        try:
            with reserve_output_folder({str(out)!r}):
                print("entered")
        except OutputError as exc:
            print("refused:", exc)
    """)
    seen = []
    original = cli._write_report

    def while_reporting(*args, **kwargs):
        seen.append(subprocess.run([sys.executable, "-c", script], capture_output=True,
                                   text=True, timeout=120).stdout)
        return original(*args, **kwargs)

    monkeypatch.setattr(cli, "_write_report", while_reporting)
    written = CliRunner().invoke(cli.app, ["report", str(out), "--quiet"])
    assert written.exit_code == 0, written.output
    assert seen and seen[0].startswith("refused:"), seen
    assert (out / "report.html").is_file()
    after = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=120).stdout
    assert after.startswith("entered")            # released when the report is written
