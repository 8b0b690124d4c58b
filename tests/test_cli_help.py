"""`--help` reads like a normal command line: flags take no value, values have plain metavars."""
from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from fgd_toolkit.cli import app

from .conftest import CODEBOOK
from .test_cli import _commands

runner = CliRunner()


def _help(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", [[], *_commands()], ids=lambda c: " ".join(c) or "fgd")
def test_help_shows_no_python_type_names(command):
    text = _help(*command)
    assert "<bool>" not in text and "list[" not in text
    assert not re.search(r"<(path|str|int|float|bool)\b", text), text
    usage = text.split("Usage:")[1].splitlines()[0]
    assert "{" not in usage, usage


def test_code_help_shows_flags_without_a_value_and_plain_metavars():
    text = _help("code")
    lines = {}
    for line in text.split("Options")[1].splitlines():
        option = next((word for word in line.split() if word.startswith("--")), None)
        if option:
            lines.setdefault(option, line)
    for flag in ("--no-cluster", "--include-moderator", "--no-cache", "--help"):
        after = lines[flag].split(flag, 1)[1].split()
        assert after[0] not in ("BOOLEAN", "<bool>", "TEXT"), lines[flag]
    assert "FILE" in lines["--codebook"] and "DIR" in lines["--out"]
    assert "FIELD=NAME" in lines["--column"] and "INTEGER" in lines["--max-codes"]
    assert "Usage:" in text and "PATHS..." in text


def test_codebook_lint_help_shows_strict_as_a_flag():
    text = _help("codebook", "lint")
    strict = next(line for line in text.splitlines() if "--strict" in line)
    assert "<bool>" not in strict and "BOOLEAN" not in strict
    assert "PATH" in text.split("Usage:")[1].splitlines()[0]


def test_strict_flag_works_without_a_value():
    result = runner.invoke(app, ["codebook", "lint", str(CODEBOOK), "--strict"])
    assert result.exit_code in (0, 1), result.output
    assert "Error" not in result.output
