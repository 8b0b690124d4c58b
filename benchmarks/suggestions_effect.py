"""Does applying the codebook suggestions from one hand-coded transcript raise code F1 on the
study's other transcripts?

For every held-out FGD set (benchmarks/heldout, via ``heldout_sets()``; never the lockbox)
and every transcript T of it: code the whole set with its codebook, run ``suggest`` with the
hand codings of T alone, apply the keyword suggestions automatically (terms added, keywords
replaced by phrases or removed; new codes, confused pairs and silent codes need a person and
are not applied), code the set again, and score both runs against the hand codings of the
*other* transcripts only (T's own gold informed the suggestions).

    python benchmarks/suggestions_effect.py                    # tfidf back-end (fast)
    python benchmarks/suggestions_effect.py --backend use+tfidf

Writes benchmarks/results/suggestions_effect.md.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.datasets import heldout_sets  # noqa: E402
from fgd_toolkit.codebook import load_codebook  # noqa: E402
from fgd_toolkit.evaluate import score, turn_codings  # noqa: E402
from fgd_toolkit.pipeline import code  # noqa: E402
from fgd_toolkit.settings import CodeSettings  # noqa: E402
from fgd_toolkit.suggest import suggest  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def scores_on(result, gold: pd.DataFrame, transcripts: set[str]) -> dict:
    """Turn-level scores on the given transcripts only (all their turns in scope)."""
    passages = result.passages[result.passages["transcript_id"].isin(transcripts)]
    gold = gold[gold["transcript_id"].isin(transcripts)]
    s = score(turn_codings(result.passages, result.codings), gold,
              codes=result.codebook.ids, scope=passages[["transcript_id", "turn"]])
    return {"P": s.micro.precision, "R": s.micro.recall, "F1": s.micro.f1,
            "pol_F1": s.polarity_micro.f1}


def run(backend: str, cache_dir: str) -> pd.DataFrame:
    rows = []
    settings = CodeSettings(backend=backend)
    for ds in heldout_sets():
        codebook = load_codebook(ds.codebook)
        before = code(ds.transcripts, codebook, embedder=backend, settings=settings,
                      cache_dir=cache_dir)
        ids = [t.id for t in ds.transcripts]
        for labelled in ids:
            start = time.perf_counter()
            others = set(ids) - {labelled}
            suggestions = suggest(before, ds.gold[ds.gold["transcript_id"] == labelled])
            adds = suggestions.of_kind("add_keywords")
            replaces = [s for s in suggestions.of_kind("replace_keywords") if s.change]
            after = code(ds.transcripts, suggestions.apply(codebook), embedder=backend,
                         settings=settings, cache_dir=cache_dir)
            b, a = scores_on(before, ds.gold, others), scores_on(after, ds.gold, others)
            rows.append({
                "set": ds.name.replace("held-out ", ""), "hand-coded transcript": labelled,
                "keywords added": sum(len(s.change.get("add", [])) for s in adds),
                "keywords replaced/removed": sum(len(s.change.get("remove", []))
                                                 for s in replaces),
                "not applied (new codes, pairs, silent)": sum(
                    len(suggestions.of_kind(k))
                    for k in ("new_codes", "confused_codes", "never_fired")),
                "P before": b["P"], "P after": a["P"], "R before": b["R"], "R after": a["R"],
                "F1 before": b["F1"], "F1 after": a["F1"], "F1 change": a["F1"] - b["F1"],
                "code+pol F1 before": b["pol_F1"], "code+pol F1 after": a["pol_F1"],
                "seconds": round(time.perf_counter() - start, 1)})
            print(pd.DataFrame(rows[-1:]).round(3).to_string(index=False), flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="tfidf")
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache-bench"))
    parser.add_argument("--no-write", action="store_true",
                        help="print only; leave benchmarks/results/suggestions_effect.md")
    args = parser.parse_args()
    table = run(args.backend, args.cache_dir)
    mean = table[["F1 before", "F1 after", "F1 change", "code+pol F1 before",
                  "code+pol F1 after"]].mean()
    text = (f"# Effect of applying codebook suggestions (back-end `{args.backend}`)\n\n"
            "Per held-out set and hand-coded transcript: the keyword suggestions from that "
            "transcript's hand codings applied automatically, scored on the set's *other* "
            "transcripts (turn level, micro).\n\n"
            + table.round(3).to_markdown(index=False)
            + f"\n\nMean over {len(table)} runs: code F1 {mean['F1 before']:.3f} -> "
              f"{mean['F1 after']:.3f} ({mean['F1 change']:+.3f}); code+polarity F1 "
              f"{mean['code+pol F1 before']:.3f} -> {mean['code+pol F1 after']:.3f}. "
              f"Runs where code F1 rose: {(table['F1 change'] > 0.0005).sum()}, fell: "
              f"{(table['F1 change'] < -0.0005).sum()}.\n")
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "suggestions_effect.md").write_text(text, encoding="utf-8")
        print(f"wrote {RESULTS / 'suggestions_effect.md'}")


if __name__ == "__main__":
    main()
