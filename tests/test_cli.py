"""The command line: every command has help with an example; `fgd code` end to end; errors."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from fgd_toolkit import __version__
from fgd_toolkit.cli import app

from .conftest import CODEBOOK, ROOT, SAMPLES

runner = CliRunner()


def _commands():
    root = get_command(app)
    out = []
    for name, cmd in root.commands.items():
        if hasattr(cmd, "commands"):
            out.extend([[name, sub] for sub in cmd.commands])
        else:
            out.append([name])
    return out


def test_version_prints_the_package_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c))
def test_every_command_has_help_with_an_example(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c))
def test_every_command_and_option_is_in_the_readme(command):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"fgd {' '.join(command)}" in readme
    root = get_command(app)
    cmd = root.commands[command[0]]
    if len(command) > 1:
        cmd = cmd.commands[command[1]]
    for param in cmd.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert opt in readme, f"{opt} of fgd {' '.join(command)} is not documented"


def test_code_command_writes_results_and_prints_a_summary(tmp_path):
    out = tmp_path / "results"
    result = runner.invoke(app, ["code", str(SAMPLES), "--codebook", str(CODEBOOK),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "KEP" in result.output and "passages coded" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["transcripts"] == 5
    assert (out / "coded.xlsx").stat().st_size > 10_000


def test_code_summary_counts_every_eligible_passage_even_those_left_out_of_clusters(tmp_path):
    # four participant answers: too few for clusters of three, so some stay unclustered;
    # they were still eligible and coded, and the summary must not count them out
    (tmp_path / "tiny.txt").write_text(
        "Moderator: Apa kendala inovasinya?\n"
        "Ibu Rina: Anggarannya dipangkas separuh, aplikasi belum bisa dikembangkan.\n"
        "Pak Joko: Pimpinan kami sangat mendukung, tiap minggu menanyakan progres.\n"
        "Ibu Sari: Operator cuma satu orang, kalau cuti layanan online berhenti.\n"
        "Pak Dedi: Jaringan internet di kelurahan sering putus.\n", encoding="utf-8")
    out = tmp_path / "results"
    result = runner.invoke(app, ["code", str(tmp_path / "tiny.txt"), "--codebook",
                                 str(CODEBOOK), "--out", str(out)])
    assert result.exit_code == 0, result.output
    passages = pd.read_csv(out / "passages.csv")
    coded = pd.read_csv(out / "codings.csv")["passage_id"].nunique()
    assert (passages["cluster_note"].fillna("") != "").sum() > 1     # moderator + unclustered
    assert f"{coded} of 4 eligible passages coded" in result.output
    assert json.loads((out / "manifest.json").read_text())["counts"]["eligible_passages"] == 4


def test_code_rerun_after_codebook_edit_only_embeds_the_codebook(tmp_path):
    import yaml

    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    data["codes"][0]["examples"]["enabler"].append("Kadis kami selalu hadir di rapat tim.")
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    cache = tmp_path / "cache"
    args = ["code", str(SAMPLES), "--out", str(tmp_path / "r"), "--cache-dir", str(cache),
            "--no-cluster"]
    assert runner.invoke(app, [*args, "--codebook", str(CODEBOOK)]).exit_code == 0
    assert runner.invoke(app, [*args, "--codebook", str(edited)]).exit_code == 0
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["backend"]["cache"]["embedded"] == 1


def test_code_with_unknown_backend_is_a_one_line_error(tmp_path):
    result = runner.invoke(app, ["code", str(SAMPLES), "-c", str(CODEBOOK), "-o",
                                 str(tmp_path / "r"), "--backend", "gpt"])
    assert result.exit_code == 2
    assert "Error:" in result.output and "e5-small" in result.output
    assert "Traceback" not in result.output
    assert not any((tmp_path / "r").glob("*.csv"))


def test_code_out_pointing_at_a_file_is_an_error(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    result = runner.invoke(app, ["code", str(SAMPLES), "-c", str(CODEBOOK), "-o", str(target)])
    assert result.exit_code == 2
    assert "points at a file" in result.output
    assert target.read_text() == "x"


def test_code_with_uncreatable_out_is_an_error(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    result = runner.invoke(app, ["code", str(SAMPLES), "-c", str(CODEBOOK), "-o",
                                 str(blocker / "sub")])
    assert result.exit_code == 2
    assert "cannot create the output folder" in result.output
    assert "Traceback" not in result.output


def test_code_with_a_broken_codebook_reports_it(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: fgd-codebook/1\ncodes:\n  - id: A\n    label: a\n", encoding="utf-8")
    result = runner.invoke(app, ["code", str(SAMPLES), "-c", str(bad), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "definition" in result.output


def test_debug_flag_shows_the_traceback(tmp_path):
    result = runner.invoke(app, ["--debug", "ingest", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0
    assert result.exception is not None


def test_evaluate_scores_results_against_hand_codings_of_one_transcript(written_results,
                                                                        coded_result, tmp_path):
    import pandas as pd

    from fgd_toolkit.evaluate import load_gold, score_result

    gold_file = ROOT / "benchmarks" / "gold" / "fgd-dinkes-arjasari.csv"
    out = tmp_path / "per-code.csv"
    result = runner.invoke(app, ["evaluate", str(written_results), "--gold", str(gold_file),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    expected = score_result(coded_result, load_gold(gold_file))
    assert f"code F1 {expected.micro.f1:.3f}" in result.output
    # only the covered transcript counts: its codings are the predictions, the others are not
    per_code = pd.read_csv(out)
    assert list(per_code.columns) == ["code_id", "P", "R", "F1", "support", "kappa"]
    assert per_code["support"].sum() == expected.micro.tp + expected.micro.fn
    assert expected.micro.tp + expected.micro.fp < len(coded_result.codings)
    # kappa beside F1: presence over the transcript's participant turns, checked by hand
    from sklearn.metrics import cohen_kappa_score

    passages = coded_result.passages
    turns = sorted(set(passages.loc[(passages.transcript_id == "fgd-dinkes-arjasari")
                                    & (passages.role == "participant"), "turn"]))
    gold = load_gold(gold_file)
    machine = coded_result.codings.merge(passages[["passage_id", "transcript_id", "turn"]])
    machine = machine[machine.transcript_id == "fgd-dinkes-arjasari"]
    for code in ("KEP", "ANG"):
        g = [int(t in set(gold.loc[gold.code_id == code, "turn"])) for t in turns]
        m = [int(t in set(machine.loc[machine.code_id == code, "turn"])) for t in turns]
        row = per_code.set_index("code_id").loc[code]
        assert row["kappa"] == pytest.approx(cohen_kappa_score(g, m), abs=1e-3)
    assert "Cohen's kappa" in result.output


def test_evaluate_names_transcripts_the_results_lack(written_results, tmp_path):
    gold = tmp_path / "gold.csv"
    gold.write_text("transcript_id,turn,code_id,polarity\nfgd-lain,3,ANG,barrier\n",
                    encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(written_results), "--gold", str(gold)])
    assert result.exit_code == 2
    assert "fgd-lain" in result.output and "Fix:" in result.output
    assert "Traceback" not in result.output
