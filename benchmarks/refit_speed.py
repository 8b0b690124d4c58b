"""What learning from reviews costs: a re-run of ~5,000 passages in the same session (warm
vectors) without reviews, and with 200 reviewed turns (20 transcripts x 10 turns), whose
refit tries every adjustment (cross-validated by transcript). The reviews are the first
run's codings with a third of them rejected and one missed code added per turn, so that the
refit has something to learn.

    python benchmarks/refit_speed.py [--passages 5000] [--backend use+tfidf]

Writes ``benchmarks/results/refit_speed.md``.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.speed import CODEBOOK, RESULTS, synthetic_transcripts  # noqa: E402
from fgd_toolkit import CodeSettings, EmbeddingSession, code, load_codebook  # noqa: E402


def reviews(result, folder: Path, seed: int = 0) -> Path:
    """200 reviewed turns derived from the machine's codings (see the module docstring)."""
    rng = random.Random(seed)
    passages = result.passages
    eligible = passages[passages["cluster_note"] == ""]
    codings = result.codings.merge(passages[["passage_id", "transcript_id", "turn"]],
                                   on="passage_id")
    ids = result.codebook.ids
    rows = []
    for tid in sorted(set(eligible["transcript_id"]))[:20]:
        turns = sorted(set(eligible.loc[eligible["transcript_id"] == tid, "turn"]))[:10]
        for turn in turns:
            mine = codings[(codings["transcript_id"] == tid) & (codings["turn"] == turn)]
            kept = [(r.code_id, r.polarity) for r in mine.itertuples() if rng.random() > 1 / 3]
            kept.append((rng.choice(ids), rng.choice(["enabler", "barrier"])))
            rows += [{"transcript_id": tid, "turn": int(turn), "code_id": c, "polarity": p}
                     for c, p in dict.fromkeys(kept)]
    path = folder / "reviews.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=5000)
    parser.add_argument("--backend", default="use+tfidf")
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache-bench"))
    args = parser.parse_args()
    transcripts = synthetic_transcripts(max(1, round(args.passages / 72)), 60)
    codebook = load_codebook(CODEBOOK)
    session = EmbeddingSession()
    settings = CodeSettings(backend=args.backend)
    first = code(transcripts, codebook, settings=settings, cache_dir=args.cache_dir,
                 session=session)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        path = reviews(first, Path(work))
        for label, reviewed, refit in (("re-run, no reviews", None, True),
                                       ("re-run with 200 reviewed turns, no refit", [path],
                                        False),
                                       ("re-run with 200 reviewed turns, refit", [path], True)):
            times = []
            for _ in range(3):
                start = time.perf_counter()
                result = code(transcripts, codebook, cache_dir=args.cache_dir, session=session,
                              settings=CodeSettings(backend=args.backend, refit=refit),
                              reviewed=reviewed)
                times.append(time.perf_counter() - start)
            refit_report = result.manifest.get("reviewed", {}).get("refit", {})
            rows.append({"run": label, "passages": len(result.passages),
                         "seconds (median of 3)": round(sorted(times)[1], 2),
                         "kept": ", ".join(refit_report.get("kept", [])) or "-"})
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    base = table["seconds (median of 3)"].iloc[0]
    table["added by reviews (s)"] = (table["seconds (median of 3)"] - base).round(2)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "refit_speed.md").write_text(table.to_markdown(index=False) + "\n",
                                            encoding="utf-8")
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
