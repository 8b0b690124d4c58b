"""Scale in the number of codes: `fgd code` with codebooks of hundreds to thousands of codes.

The codebooks are generated from the starter codebook (fixed seed): code ``i`` takes a starter
code's definition and examples with a distinct word added, and four random starter
keywords plus a phrase of its own (so keyword matching does real work), in themes of 50
codes. Each size runs
``fgd code transcripts/ --backend tfidf --no-cluster`` in a fresh process with a fresh cache;
the table gives CPU and wall time, peak memory and the manifest's stage timings, and the CPU
time per code relative to the smallest size (1.0 = linear, less = better than linear).

    python benchmarks/scale_codes.py                       # 300, 1000, 3000 codes
    python benchmarks/scale_codes.py --codes 300 1000 3000 10000
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CODEBOOK = ROOT / "codebooks" / "inovasi-pelayanan-publik.yaml"
#: Distinct Indonesian words that make each generated code's texts its own.
WORDS = ("kelurahan desa kecamatan puskesmas posyandu sekolah pasar terminal perpustakaan "
         "rumah sakit kantor balai gedung taman jalan jembatan sungai pantai gunung hutan "
         "sawah kebun pabrik bengkel toko warung koperasi bank masjid gereja").split()


def generated_codebook(n_codes: int, seed: int = 0) -> dict:
    """A valid ``fgd-codebook/1`` dictionary with ``n_codes`` codes."""
    base = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    starters = base["codes"]
    pool = sorted({k for c in starters for k in c.get("keywords", [])})
    rng = random.Random(seed)
    codes, themes = [], []
    for i in range(n_codes):
        model = starters[i % len(starters)]
        word = f"{WORDS[i % len(WORDS)]} {i}"
        if i % 50 == 0:
            themes.append({"id": f"t{i // 50:04d}", "label": f"Tema {i // 50}"})
        codes.append({
            "id": f"C{i:05d}", "label": f"{model['label']} ({word})",
            "theme": themes[-1]["id"],
            "definition": f"{model['definition']} Terutama di {word}.",
            "keywords": [*rng.sample(pool, k=4), f"{word} {model['id'].lower()}"],
            "examples": {pol: [f"{text} Di {word}." for text in model["examples"][pol]]
                         for pol in ("enabler", "barrier")},
        })
    return {"schema": "fgd-codebook/1", "name": f"Generated {n_codes} codes",
            "version": "1", "themes": themes, "codes": codes}


def write_codebook(path: Path, n_codes: int, seed: int = 0) -> Path:
    path.write_text(yaml.safe_dump(generated_codebook(n_codes, seed), allow_unicode=True,
                                   sort_keys=False), encoding="utf-8")
    return path


def run_one(n_codes: int, work: Path, transcripts: Path) -> dict:
    codebook = write_codebook(work / f"codebook-{n_codes}.yaml", n_codes)
    out = work / f"results-{n_codes}"
    cmd = [sys.executable, "-m", "fgd_toolkit.cli", "code", str(transcripts), "-c",
           str(codebook), "-o", str(out), "--backend", "tfidf", "--no-cluster",
           "--cache-dir", str(work / f"cache-{n_codes}")]
    script = ("import resource, subprocess, sys, time, json; t = time.perf_counter(); "
              "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
              "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
              "print(json.dumps({'rc': r.returncode, 'err': r.stderr[-2000:], "
              "'seconds': time.perf_counter() - t, 'cpu': u.ru_utime + u.ru_stime, "
              "'rss_mb': u.ru_maxrss / 1024}))")
    measured = json.loads(subprocess.run([sys.executable, "-c", script, *cmd], cwd=ROOT,
                                         capture_output=True, text=True, check=True).stdout)
    if measured["rc"] != 0:
        raise SystemExit(f"{n_codes} codes failed:\n{measured['err']}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    sizes = {p.name: p.stat().st_size for p in out.iterdir()}
    return {"codes": n_codes, "seconds": measured["seconds"], "cpu": measured["cpu"],
            "rss_mb": measured["rss_mb"],
            "timings": manifest["timings_seconds"], "codings": manifest["counts"]["codings"],
            "passages": manifest["counts"]["passages"], "xlsx_mb": sizes["coded.xlsx"] / 1e6,
            "csv_mb": sum(v for k, v in sizes.items() if k.endswith(".csv")) / 1e6}


def classifier_fit(n_codes: int, transcripts: Path) -> tuple[float, int]:
    """CPU seconds and L-BFGS iterations of the codebook classifier's fit
    (``tagging/features.py``) in the same run, measured in its own process by wrapping its
    constructor."""
    code = ("import sys, tempfile, time, warnings; sys.path.insert(0, sys.argv[1]); "
            "warnings.simplefilter('ignore'); from pathlib import Path; "
            "from benchmarks.scale_codes import write_codebook; "
            "import fgd_toolkit.tagging.features as f; from fgd_toolkit import code; "
            "from fgd_toolkit.settings import CodeSettings; spent = [0.0, 0]; "
            "init = f.codebook_classifier.__init__\n"
            "def timed(self, protos):\n"
            "    t = time.process_time(); init(self, protos); "
            "spent[0] += time.process_time() - t; "
            "spent[1] = int(max(getattr(self.model, 'n_iter_', [0])))\n"
            "f.codebook_classifier.__init__ = timed; tmp = Path(tempfile.mkdtemp()); "
            "code(sys.argv[3], write_codebook(tmp / 'cb.yaml', int(sys.argv[2])), "
            "embedder='tfidf', settings=CodeSettings(cluster=False), cache_dir=tmp / 'cache'); "
            "print(spent[0], spent[1])")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT), str(n_codes),
                          str(transcripts)], capture_output=True, text=True, check=True).stdout
    seconds, iterations = out.split()[-2:]
    return float(seconds), int(iterations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, nargs="+", default=[300, 1000, 3000])
    parser.add_argument("--transcripts", type=Path, default=ROOT / "transcripts")
    parser.add_argument("--no-classifier", action="store_true",
                        help="skip timing the codebook classifier alone")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="fgd-scale-codes-") as tmp:
        for n in args.codes:
            rows.append(run_one(n, Path(tmp), args.transcripts))
            if not args.no_classifier:
                rows[-1]["classifier_cpu"], rows[-1]["classifier_iterations"] = \
                    classifier_fit(n, args.transcripts)
            print(json.dumps(rows[-1]), flush=True)
    first = rows[0]
    stages = ("segment", "embed", "tag", "cluster")
    lines = ["| codes | CPU | CPU per code vs. first | wall | " + " | ".join(stages)
             + " | write + start | classifier fit (CPU) | codings | peak memory | XLSX | CSV |",
             "| ---: | ---: | ---: | ---: | " + " | ".join("---:" for _ in stages)
             + " | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        staged = sum(row["timings"].get(s, 0.0) for s in stages)
        ratio = (row["cpu"] / row["codes"]) / (first["cpu"] / first["codes"])
        classifier = (f"{row['classifier_cpu']:.1f} s ({row['classifier_iterations']} it.)"
                      if "classifier_cpu" in row else "-")
        lines.append(f"| {row['codes']:,} | {row['cpu']:.1f} s | {ratio:.2f} | "
                     f"{row['seconds']:.1f} s | "
                     + " | ".join(f"{row['timings'].get(s, 0.0):.1f} s" for s in stages)
                     + f" | {row['seconds'] - staged:.1f} s | {classifier} | "
                       f"{row['codings']:,} | {row['rss_mb']:.0f} MB | {row['xlsx_mb']:.1f} MB | "
                       f"{row['csv_mb']:.1f} MB |")
    header = (f"# Scale in the number of codes\n\n`python benchmarks/scale_codes.py --codes "
              f"{' '.join(map(str, args.codes))}` on {time.strftime('%Y-%m-%d')}: "
              f"`fgd code` on {rows[0]['passages']} passages (the sample transcripts), "
              "`--backend tfidf --no-cluster`, fresh cache, one process per size. CPU is the "
              "process's user + system time (steadier than wall time on a shared machine); "
              "stage columns are wall times from the manifest (`embed` includes gathering the "
              "tagging evidence, the codebook classifier's fit among it); \"write + start\" is "
              "the wall time outside those stages: starting Python, loading the codebook, "
              "writing every output. \"classifier fit\" is the codebook classifier "
              "(`tagging/features.py`) fitting in the same run (measured in a second run), with "
              "its L-BFGS iterations (0: it stopped at its starting point, untrained).\n")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale_codes.md").write_text(header + "\n" + "\n".join(lines) + "\n",
                                            encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
