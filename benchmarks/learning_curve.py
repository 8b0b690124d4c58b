"""Learning curve: how coding quality on the turns nobody reviewed moves as a researcher
reviews k turns.

For every labelled FGD set a simulated researcher reviews k turns (k = 0, 10, 20, 40),
chosen by each strategy of ``fgd review`` (``first``, ``random`` over several seeds,
``uncertain``), and, separately, one whole transcript at a time; the gold codings are the
researcher's answers (a turn without gold codes is answered "nothing applies"). The set is
coded again with ``code(..., reviewed=[file])`` and scored on the turns not reviewed (code F1
and code+polarity F1), and on the whole study (reviewed turns included). Each review is also
run with the refit switched off (``CodeSettings(refit=False)``: reviewed turns kept, the rest
coded by the shipped model), which separates what the tagger learnt from what the reviews
themselves fixed. Only orchestration lives here: selection, coding and scoring are the
package's.

    python benchmarks/learning_curve.py                 # tuning sets: dev and held-out
    python benchmarks/learning_curve.py --lockbox       # the lockbox sets too (final report)

Writes ``benchmarks/results/learning_curve.{csv,md,png}``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.datasets import dev_set, heldout_sets, lockbox_sets  # noqa: E402
from fgd_toolkit.evaluate import score, turn_codings  # noqa: E402
from fgd_toolkit.pipeline import code  # noqa: E402
from fgd_toolkit.review import select_turns  # noqa: E402
from fgd_toolkit.review.turns import turn_table  # noqa: E402
from fgd_toolkit.settings import CodeSettings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
KS = (10, 20, 40)
SEEDS = (0, 1, 2)


def answers(gold: pd.DataFrame, turns: list[tuple[str, int]], folder: Path, name: str) -> Path:
    """The researcher's review of ``turns``: the gold codes, or an empty code for none."""
    keys = set(turns)
    rows = [r for r in gold.itertuples() if (r.transcript_id, int(r.turn)) in keys]
    coded = {(r.transcript_id, int(r.turn)) for r in rows}
    frame = pd.DataFrame(
        [{"transcript_id": r.transcript_id, "turn": int(r.turn), "code_id": r.code_id,
          "polarity": r.polarity} for r in rows] +
        [{"transcript_id": t, "turn": u, "code_id": "", "polarity": ""}
         for t, u in sorted(keys - coded)],
        columns=["transcript_id", "turn", "code_id", "polarity"])
    path = folder / f"{name}.csv"
    frame.to_csv(path, index=False)
    return path


def scores(result, gold: pd.DataFrame, reviewed: set[tuple[str, int]], base=None) -> dict:
    """Code and code+polarity F1 on the unreviewed turns and on the whole study, and the
    unreviewed turns' F1 of the run without reviews (``base``): the same turns, no review."""
    passages = result.passages
    all_turns = passages[["transcript_id", "turn"]].drop_duplicates()
    keys = list(zip(all_turns["transcript_id"], all_turns["turn"].astype(int)))
    rest = all_turns[[k not in reviewed for k in keys]]
    codes = result.codebook.ids
    predicted = turn_codings(passages, result.codings)
    unreviewed = score(predicted, gold, codes=codes, scope=rest)
    whole = score(predicted, gold, codes=codes, scope=all_turns)
    before = score(turn_codings(base.passages, base.codings), gold, codes=codes, scope=rest) \
        if base is not None else unreviewed
    return {"code_F1": round(unreviewed.micro.f1, 3),
            "code+pol_F1": round(unreviewed.polarity_micro.f1, 3),
            "no_review_code_F1": round(before.micro.f1, 3),
            "no_review_code+pol_F1": round(before.polarity_micro.f1, 3),
            "study_code_F1": round(whole.micro.f1, 3),
            "study_code+pol_F1": round(whole.polarity_micro.f1, 3)}


def curve(ds, cache_dir: str, work: Path, refit_off: bool) -> list[dict]:
    """Every (strategy, k) and whole-transcript run of one labelled set."""
    settings = CodeSettings()
    base = code(ds.transcripts, ds.codebook, settings=settings, cache_dir=cache_dir)
    rows = [{"set": ds.name, "strategy": "-", "k": 0, "seed": "", "refit": "-",
             **scores(base, ds.gold, set())}]
    print(pd.DataFrame(rows).to_string(index=False), flush=True)

    def run(label: str, k, seed, turns: list[tuple[str, int]]) -> None:
        path = answers(ds.gold, turns, work, f"{ds.name}-{label}-{k}-{seed}".replace(" ", "_"))
        for refit in ((True, False) if refit_off else (True,)):
            result = code(ds.transcripts, ds.codebook, cache_dir=cache_dir, reviewed=[path],
                          settings=replace(settings, refit=refit))
            row = {"set": ds.name, "strategy": label, "k": k, "seed": seed,
                   "refit": "on" if refit else "off",
                   **scores(result, ds.gold, set(turns), base)}
            kept = result.manifest["reviewed"]["refit"].get("kept", [])
            row["refit_kept"] = "; ".join(kept)
            rows.append(row)
            print(pd.DataFrame([row]).to_string(index=False, header=False), flush=True)

    for k in KS:
        for strategy in ("first", "random", "uncertain"):
            for seed in (SEEDS if strategy == "random" else ("",)):
                turns = select_turns(base.passages, k, strategy=strategy, seed=seed or 0,
                                     candidates=base.candidates, codings=base.codings)
                run(strategy, k, seed, turns)
    table = turn_table(base.passages)
    for tid in sorted(set(table["transcript_id"])):
        own = table[(table["transcript_id"] == tid) & table["eligible"]]
        turns = [(tid, int(u)) for u in own["turn"]]
        run("one transcript", len(turns), tid, turns)
    return rows


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds (random) and over transcripts (one transcript reviewed)."""
    keyed = frame.assign(k=frame["k"].where(frame["strategy"] != "one transcript", "1 transcript"))
    cols = ["code_F1", "code+pol_F1", "no_review_code_F1", "no_review_code+pol_F1",
            "study_code_F1", "study_code+pol_F1"]
    return keyed.groupby(["set", "strategy", "k", "refit"], sort=False)[cols].mean().round(3) \
        .reset_index()


def plot(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets = list(dict.fromkeys(table["set"]))
    fig, axes = plt.subplots(1, len(sets), figsize=(4 * len(sets), 3.4), sharey=True)
    for ax, name in zip(axes if len(sets) > 1 else [axes], sets):
        part = table[(table["set"] == name) & (table["refit"] != "off")]
        zero = part[part["k"] == 0]["code_F1"].iloc[0]
        for strategy in ("first", "random", "uncertain"):
            s = part[part["strategy"] == strategy]
            ax.plot([0] + list(s["k"]), [zero] + list(s["code_F1"]), marker="o", label=strategy)
        one = part[part["strategy"] == "one transcript"]
        if len(one):
            ax.axhline(one["code_F1"].iloc[0], ls="--", c="grey", label="1 transcript")
        ax.set_title(name)
        ax.set_xlabel("turns reviewed")
    (axes[0] if len(sets) > 1 else axes).set_ylabel("code F1, unreviewed turns")
    (axes[-1] if len(sets) > 1 else axes).legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache-bench"))
    parser.add_argument("--lockbox", action="store_true",
                        help="also the lockbox sets (only for a final report)")
    parser.add_argument("--no-refit-off", action="store_true",
                        help="skip the runs with the refit switched off")
    parser.add_argument("--data", nargs="*", help="only sets whose name contains one of these")
    parser.add_argument("--out", default="",
                        help="results file stem in benchmarks/results (default: "
                             "learning_curve; with --data nothing is written unless given)")
    args = parser.parse_args()
    sets = [dev_set()] + heldout_sets() + (lockbox_sets() if args.lockbox else [])
    if args.data:
        sets = [s for s in sets if any(w in s.name for w in args.data)]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as work:
        for ds in sets:
            rows += curve(ds, args.cache_dir, Path(work), not args.no_refit_off)
    frame = pd.DataFrame(rows)
    table = summary(frame)
    if args.data and not args.out:
        print(table.to_string(index=False))
        print("\nscored a subset: benchmarks/results left as they were")
        return
    stem = args.out or "learning_curve"
    RESULTS.mkdir(exist_ok=True)
    frame.to_csv(RESULTS / f"{stem}.csv", index=False)
    (RESULTS / f"{stem}.md").write_text(table.to_markdown(index=False) + "\n",
                                        encoding="utf-8")
    plot(table, RESULTS / f"{stem}.png")
    print(table.to_string(index=False))
    print(f"\nwrote {RESULTS / (stem + '.md')}")


if __name__ == "__main__":
    main()
