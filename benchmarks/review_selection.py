"""Which turns ``fgd review`` puts on the sheet: how often the machine is wrong on them.

For every labelled FGD set (dev and the held-out sets), code it with the default back-end,
choose k turns with each strategy (random: mean over 20 seeds) and report, over the chosen
turns, the share where the machine's code set differs from the gold's (``wrong``), where its
(code, polarity) set differs (``wrong+pol``), and how many of the gold's codes occur on them
(``gold codes``). A turn the machine already gets right teaches little; a sheet of turns it
gets wrong, over many codes, is what a reviewer's time is best spent on.

    python benchmarks/review_selection.py        # writes benchmarks/results/review_selection.md
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.datasets import dev_set, heldout_sets  # noqa: E402
from fgd_toolkit.evaluate import turn_codings  # noqa: E402
from fgd_toolkit.pipeline import code  # noqa: E402
from fgd_toolkit.review import select_turns  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SIZES = (10, 20, 40)
SEEDS = range(20)


def _by_turn(frame: pd.DataFrame, polarity: bool) -> dict[tuple[str, int], set]:
    out: dict[tuple[str, int], set] = {}
    for row in frame.itertuples(index=False):
        item = (row.code_id, row.polarity) if polarity else row.code_id
        out.setdefault((row.transcript_id, int(row.turn)), set()).add(item)
    return out


def chosen_stats(turns, pred: pd.DataFrame, gold: pd.DataFrame) -> tuple[float, float, int]:
    """Share of turns the machine gets wrong (codes; codes+polarity), gold codes covered."""
    p, g = _by_turn(pred, False), _by_turn(gold, False)
    pp, gp = _by_turn(pred, True), _by_turn(gold, True)
    wrong = np.mean([p.get(k, set()) != g.get(k, set()) for k in turns])
    wrong_pol = np.mean([pp.get(k, set()) != gp.get(k, set()) for k in turns])
    covered = len(set().union(*[g.get(k, set()) for k in turns]))
    return float(wrong), float(wrong_pol), covered


def main() -> None:
    rows = []
    for ds in [dev_set(), *heldout_sets()]:
        result = code(ds.transcripts, ds.codebook)
        pred = turn_codings(result.passages, result.codings)
        for k in SIZES:
            for strategy in ("first", "uncertain", "random"):
                seeds = SEEDS if strategy == "random" else [0]
                stats = [chosen_stats(select_turns(result.passages, k, strategy=strategy,
                                                   seed=s, codings=result.codings,
                                                   candidates=result.candidates),
                                      pred, ds.gold) for s in seeds]
                wrong, wrong_pol, covered = np.mean(stats, axis=0)
                rows.append({"set": ds.name, "k": k, "strategy": strategy,
                             "wrong": round(wrong, 2), "wrong+pol": round(wrong_pol, 2),
                             "gold codes": round(covered, 1)})
        print(ds.name, "done", flush=True)
    table = pd.DataFrame(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = ("# Turns chosen for review: share the machine gets wrong\n\n"
            "`python benchmarks/review_selection.py`; random = mean of 20 seeds.\n\n"
            + table.to_markdown(index=False) + "\n")
    (RESULTS / "review_selection.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
