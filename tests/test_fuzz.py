"""Property-based fuzzing: random and mutated transcripts in every supported format, and
random codebooks, through ingest and ``code()`` (``tfidf``) and through ``fgd code``. The only
allowed outcomes are a result or a one-line error. ``benchmarks/fuzz.py`` runs 10,000+ cases
of the same generators."""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import (BUNDLED_CODEBOOK, FORMATS, case_codebooks, codebooks, mutated,
                           plain_turns, render, run_case, transcript_files)
from tests.ingest_fixtures import cli  # noqa: F401  (fixture)

def fuzz(cases: int) -> settings:
    """Fixed cases (derandomised), no example database, no deadline (coding takes time)."""
    return settings(max_examples=cases, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@fuzz(120)
@given(transcript_files(), case_codebooks)
def test_random_and_mutated_inputs_give_a_result_or_an_fgd_error(case, codebook_text):
    suffix, data = case
    with tempfile.TemporaryDirectory() as folder:
        outcome = run_case(Path(folder), suffix, data, codebook_text)   # anything else raises
    assert outcome.kind in {"coded", "ingest-error", "codebook-error", "code-error"}
    if outcome.kind != "coded":
        assert outcome.message.strip()


@fuzz(40)
@given(st.sampled_from(FORMATS), plain_turns())
def test_well_formed_transcripts_of_random_turns_are_coded(suffix, rows):
    # The generators are not all noise: a well-formed file of plain turns in any format
    # must get through ingest and coding.
    rows = [("Moderator", "Apa pendorong inovasi di dinas ini?"),
            ("P1", "Pimpinan kami mendukung penuh dan anggarannya cukup.")] + rows
    with tempfile.TemporaryDirectory() as folder:
        outcome = run_case(Path(folder), suffix, render(suffix, rows), None)
    assert outcome.kind == "coded", outcome.message


@fuzz(15)
@given(transcript_files(), st.one_of(st.none(), codebooks()))
def test_fgd_code_prints_one_error_line_never_a_traceback(cli, case, codebook_text):
    suffix, data = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / f"fgd-fuzz{suffix}").write_bytes(data)
        book = BUNDLED_CODEBOOK
        if codebook_text is not None:
            book = folder / "codebook.yaml"
            book.write_text(codebook_text, encoding="utf-8", errors="surrogatepass")
        result = cli("code", folder / f"fgd-fuzz{suffix}", "-c", book, "-o", folder / "out",
                     "--backend", "tfidf", "--no-cluster", "--no-cache", "--quiet")
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            repr(result.exception)
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        if result.exit_code == 2:
            assert len(errors) == 1 and not (folder / "out").exists()
        else:
            assert not errors and (folder / "out" / "manifest.json").is_file()


def test_the_mutator_changes_bytes_and_the_renderer_writes_every_format():
    @fuzz(30)
    @given(st.binary(min_size=20, max_size=200), st.data())
    def check(data, draw):
        assert isinstance(draw.draw(mutated(data)), bytes)
    check()
    rows = [("P1", "Anggaran kurang.")]
    assert all(render(suffix, rows) for suffix in FORMATS)
    assert render(".csv", rows).decode().splitlines() == ["speaker,text", "P1,Anggaran kurang."]
