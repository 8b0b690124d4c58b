"""Refit the shipped coding models (``fgd_toolkit/tagging/calibration.json``) and report their
held-out quality.

Data: the development transcripts (gold codings) and the IndoNLU HoASA/CASA *train* splits
(test splits are never used here). The fit itself is the package's (``fgd calibrate``); this
script only names the data and writes ``benchmarks/results/calibration.txt``: each dev
transcript and each review set held out in turn, the honest estimate of quality on data
the fit never saw.

    python benchmarks/calibrate.py            # writes the JSON and the held-out table
    python benchmarks/calibrate.py --dry-run  # held-out table only
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.datasets import SETS  # noqa: E402
from fgd_toolkit.labelled import load_labelled_set  # noqa: E402
from fgd_toolkit.tagging.training import (fit_shipped, held_out_report,  # noqa: E402
                                          write_shipped)

OUT = ROOT / "fgd_toolkit" / "tagging" / "calibration.json"
BACKENDS = ["use+tfidf", "use", "tfidf", "e5-small"]
DATA = ["dev.yaml", "hoasa-train.yaml", "casa-train.yaml"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="*", default=BACKENDS)
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache-bench"))
    parser.add_argument("--dry-run", action="store_true", help="do not write the JSON")
    args = parser.parse_args()
    sets = [load_labelled_set(SETS / name) for name in DATA]
    models, by_backend = fit_shipped(sets, args.backends, cache_dir=args.cache_dir)
    table = pd.concat([held_out_report(data).assign(backend=name)
                       for name, data in by_backend.items()])
    table = table[["backend"] + [c for c in table.columns if c != "backend"]]
    print(table.to_string(index=False))
    if not args.dry_run:
        write_shipped(models, OUT)
        (ROOT / "benchmarks" / "results" / "calibration.txt").write_text(
            table.to_string(index=False) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
