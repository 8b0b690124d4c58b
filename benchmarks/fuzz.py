"""Fuzz ingest and ``code()`` (``tfidf``) with 10,000+ random and mutated transcripts in every
supported format and random codebooks (the generators of ``tests/fuzzing.py``).

Every case must end in a result or a one-line ``FgdError``; anything else is a failure, saved
with its inputs under ``--failures`` for reproduction. Writes ``benchmarks/results/fuzz.md``.

    python benchmarks/fuzz.py --cases 10000
"""
from __future__ import annotations

import argparse
import collections
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from rich.progress import Progress  # noqa: E402

from tests.fuzzing import case_codebooks, run_case, transcript_files  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "fuzz.md")
    parser.add_argument("--failures", type=Path, default=Path(tempfile.gettempdir()) /
                        "fgd-fuzz-failures")
    args = parser.parse_args()

    outcomes: collections.Counter = collections.Counter()
    by_format: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures: list[str] = []
    start = time.perf_counter()

    with Progress() as bar:
        task = bar.add_task("Fuzzing", total=args.cases)

        @seed(args.seed)
        @settings(max_examples=args.cases, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(transcript_files(), case_codebooks)
        def one(case, codebook_text):
            suffix, data = case
            with tempfile.TemporaryDirectory() as folder:
                try:
                    kind = run_case(Path(folder), suffix, data, codebook_text).kind
                except Exception as exc:        # the failure this benchmark looks for
                    kind = "FAILURE"
                    failures.append(_save(args.failures, len(failures), suffix, data,
                                          codebook_text, exc))
            outcomes[kind] += 1
            by_format[suffix][kind] += 1
            bar.advance(task)

        one()
    seconds = time.perf_counter() - start
    total = sum(outcomes.values())
    kinds = ["coded", "ingest-error", "codebook-error", "code-error", "FAILURE"]
    lines = [
        "# Fuzzing ingest and `code()`",
        "",
        f"`python benchmarks/fuzz.py --cases {args.cases} --seed {args.seed}`: {total:,} cases "
        f"in {seconds / 60:.1f} min on {platform.machine()} (Python {platform.python_version()}).",
        "Each case: a transcript in a random supported format built from random turns, "
        "byte-mutated half of the time, and the bundled or a random (possibly mutated) "
        "codebook, through `read_transcripts`, `to_passages` and `code(backend='tfidf')`.",
        "",
        "| format | " + " | ".join(kinds) + " |",
        "| --- | " + " | ".join("---:" for _ in kinds) + " |",
    ]
    for suffix in sorted(by_format):
        lines.append(f"| `{suffix}` | " + " | ".join(str(by_format[suffix][k]) for k in kinds)
                     + " |")
    lines.append("| all | " + " | ".join(str(outcomes[k]) for k in kinds) + " |")
    lines += ["", f"Failures (neither a result nor an FgdError): {outcomes['FAILURE']}."]
    lines += [f"- {f}" for f in failures[:20]]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 1 if failures else 0


def _save(folder: Path, n: int, suffix: str, data: bytes, codebook_text, exc) -> str:
    """Keep a failing case's inputs; return a one-line description."""
    case = folder / f"case-{n:04d}"
    case.mkdir(parents=True, exist_ok=True)
    (case / f"fgd-fuzz{suffix}").write_bytes(data)
    if codebook_text is not None:
        (case / "codebook.yaml").write_text(codebook_text, encoding="utf-8",
                                            errors="surrogatepass")
    (case / "traceback.txt").write_text("".join(traceback.format_exception(exc)),
                                        encoding="utf-8")
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return (f"`{suffix}` {type(exc).__name__}: {str(exc)[:120]!r} at "
            f"{Path(where.filename).name}:{where.lineno} ({case})")


if __name__ == "__main__":
    sys.exit(main())
