"""Sentence boundaries by rule (fgd_toolkit.sentences) against the spaCy pipeline they replaced.

Compares the two on every bundled, test and held-out transcript, the IndoNLU reviews (all
splits of HoASA and CASA) and randomly assembled texts: realistic ones (words, abbreviations,
numbers, addresses, quotes, brackets, ellipses, line breaks) and garbage (any mix of the
same pieces without spaces). Writes ``benchmarks/results/sentences_check.md``.

    python benchmarks/sentences_check.py
    python benchmarks/sentences_check.py --random 100000
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"

_WORDS = ("kami iya tidak sudah Kemudian Jadi Saya Bapak Ibu anggaran aplikasi OK SPBE Éclair "
          "ítem warga-warga 10.30 2023 Rp5.000 www.dinkes.go.id a b x Dinkes").split()
_BEFORE = ["", "", "", "", '"', "(", "“", "'", "[", "‘", "«"]
_AFTER = ["", "", "", "", ".", ".", ".", ",", "?", "!", "...", "..", "…", "?!", '."', ".)", ")",
          '"', ":", ";", "”", "’", ".”", "-", "!!", "...?"]
_SPACES = [" "] * 20 + ["\n", "\n\n", "  ", "\t", "\xa0", " \n", "\u3000", ""]
_GARBAGE_WORDS = ["kami", "Kemudian", "iya", "OK", "A", "b", "Bu", "dll", "Kec", "S", "Pd", "I",
                  "10", "30", "Rp", "5.000", "www", "go", "id", "AC", "x", "Jadi", "anak", "ny",
                  "Ph", "D", "e", "g", "°C", "😊", "Saya", "dr", "Budi", "3", "km", "Dinkes"]
_GARBAGE_PUNCT = [".", ".", ".", "?", "!", ",", "...", "..", "…", '"', "'", "(", ")", "[", "]",
                  "-", "—", ":", ";", "“", "”", "?!", "!!", "/", "%", "*", "&", "#", "@", "_",
                  "‘", "’", "«", "»", "+", "="]
_GARBAGE_SPACES = [" ", " ", " ", " ", "", "", "", "\n", "  ", " \n", "\n\n", "\t"]


def realistic(rng: random.Random, abbreviations: list[str]) -> str:
    out = []
    for _ in range(rng.randint(1, 30)):
        word = rng.choice(abbreviations) if rng.random() < 0.1 else rng.choice(_WORDS)
        if rng.random() < 0.3:
            word = word.capitalize()
        out.append(rng.choice(_BEFORE) + word + rng.choice(_AFTER) + rng.choice(_SPACES))
    return "".join(out)


def garbage(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 14)):
        r = rng.random()
        parts.append(rng.choice(_GARBAGE_WORDS) if r < 0.5 else
                     rng.choice(_GARBAGE_PUNCT) if r < 0.8 else rng.choice(_GARBAGE_SPACES))
    return "".join(parts)


def corpora() -> dict[str, list[str]]:
    import pandas as pd

    from benchmarks.datasets import INDONLU
    from fgd_toolkit import read_transcripts

    found = {
        "bundled samples": [ROOT / "transcripts"],
        "test data": [ROOT / "tests" / "data" / "transcripts"],
        "held-out sets": sorted((ROOT / "benchmarks" / "heldout").glob("*/transcripts")),
    }
    out = {name: [t.text for tr in read_transcripts(paths) for t in tr.turns]
           for name, paths in found.items()}
    for name in ("hoasa", "casa"):
        if not (INDONLU / name).is_dir():
            continue
        texts = []
        for split in ("train", "valid", "test"):
            frame = pd.read_csv(INDONLU / name / f"{split}.csv", dtype=str,
                                keep_default_na=False)
            texts += list(frame.iloc[:, 0])
        out[f"IndoNLU {name.upper()} (all splits)"] = texts
    return out


def compare(texts: list[str]) -> tuple[int, int, list[int]]:
    """(texts, sentences, indices of texts whose boundaries differ)."""
    from benchmarks.spacy_sentences import spacy_sentence_spans
    from fgd_toolkit.normalize import mask_markers
    from fgd_toolkit.sentences import sentence_spans

    masked = [mask_markers(t) for t in texts]
    ours, theirs = sentence_spans(masked), spacy_sentence_spans(masked, masked=True)
    differ = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    return len(texts), sum(map(len, theirs)), differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=30_000, help="random texts of each kind")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from fgd_toolkit import lang

    inner, final = lang.abbreviations()
    rng = random.Random(args.seed)
    sets = corpora()
    sets["random realistic texts"] = [realistic(rng, sorted(inner | final))
                                      for _ in range(args.random)]
    sets["random garbage (no spaces needed)"] = [garbage(rng) for _ in range(args.random)]
    lines = ["# Sentence boundaries: rules against the spaCy sentencizer", "",
             f"`python benchmarks/sentences_check.py --random {args.random} --seed {args.seed}`",
             "", "| texts | count | sentences (spaCy) | texts whose boundaries differ |",
             "| --- | ---: | ---: | ---: |"]
    examples = []
    for name, texts in sets.items():
        n, sentences, differ = compare(texts)
        lines.append(f"| {name} | {n:,} | {sentences:,} | {len(differ):,} |")
        print(lines[-1], flush=True)
        examples += [(name, texts[i]) for i in differ[:3]]
    if examples:
        lines += ["", "Examples of differences:", ""]
        lines += [f"- {name}: `{text!r}`" for name, text in examples]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sentences_check.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
