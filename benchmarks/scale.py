"""Big inputs: a 50 MB transcript, a 5 MB line, and 10x the speed benchmark's corpus.

Each measurement runs in a fresh process, so its peak memory (max RSS) is its own. Corpora
are recombined from the sentences of the sample turns (``benchmarks/speed.py``).

- ``big``: one ``.txt`` transcript of 50 MB (about 280,000 turns): ``read_transcripts``
  (turns/s) and ``to_passages`` (passages/s).
- ``line``: one turn of 5 MB on a single line (spaCy's limit was 1 MB): read and segmented,
  offsets checked against the plain text.
- ``tenfold``: 1,000 transcripts x 50 turns (10x the ingest benchmark, about 60,000
  passages): reading and segmentation.
- ``code10``: ``code()`` on about 50,000 passages (10x the speed benchmark) with the
  ``tfidf`` back-end, clustering off (embedding and tagging; ``--with-cluster`` keeps it).
- ``ward``: the clustering step alone on 2,500 to 20,000 passage vectors, to show how it
  grows.

    python benchmarks/scale.py                      # writes benchmarks/results/scale.md
    python benchmarks/scale.py --only big line
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
BIG_BYTES = 50_000_000
LINE_BYTES = 5_000_000


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_big(path: Path, target_bytes: int) -> int:
    """One transcript of ``target_bytes`` (``Speaker: text`` turns); returns its turns."""
    from benchmarks.speed import synthetic_transcripts

    turns = synthetic_transcripts(1, target_bytes // 170)[0].turns
    lines, size = [], 0
    for turn in turns * 2:
        line = f"{turn.speaker}: {turn.text}\n\n"
        lines.append(line)
        size += len(line.encode("utf-8"))
        if size >= target_bytes:
            break
    path.write_text("".join(lines), encoding="utf-8")
    return len(lines)


def _read_and_segment(paths) -> dict:
    from fgd_toolkit import read_transcripts, to_passages

    start = time.perf_counter()
    transcripts = read_transcripts(paths)
    read = time.perf_counter()
    passages = to_passages(transcripts)
    segmented = time.perf_counter()
    turns = sum(len(t.turns) for t in transcripts)
    return {"turns": turns, "passages": len(passages), "read_s": read - start,
            "segment_s": segmented - read, "turns_per_s": turns / (read - start),
            "passages_per_s": len(passages) / (segmented - read), "peak_mb": _peak_mb(),
            "transcripts": len(transcripts)}


def child_big(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fgd-besar.txt"
        _write_big(path, BIG_BYTES)
        result = _read_and_segment([path])
        result["megabytes"] = path.stat().st_size / 1e6
    return result


def child_line(args) -> dict:
    from fgd_toolkit import read_transcripts, to_passages
    from benchmarks.speed import synthetic_transcripts

    text, size = [], 0
    for turn in synthetic_transcripts(1, LINE_BYTES // 100)[0].turns:
        text.append(turn.text)
        size += len(turn.text) + 1
        if size >= LINE_BYTES:
            break
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "satu-baris.txt"
        path.write_text("Moderator: Silakan.\nP1: " + " ".join(text) + "\n", encoding="utf-8")
        start = time.perf_counter()
        transcripts = read_transcripts([path])
        read = time.perf_counter()
        passages = to_passages(transcripts)
        done = time.perf_counter()
        plain, _ = transcripts[0].plain_text_and_offsets()
        exact = all(plain[a:b] == t for a, b, t in
                    zip(passages["char_start"], passages["char_end"], passages["text"]))
        return {"line_chars": len(transcripts[0].turns[1].text), "passages": len(passages),
                "read_s": read - start, "segment_s": done - read, "offsets_exact": exact,
                "longest_passage": int(passages["text"].str.len().max()), "peak_mb": _peak_mb()}


def child_tenfold(args) -> dict:
    from benchmarks.speed import write_txt_corpus

    with tempfile.TemporaryDirectory() as tmp:
        write_txt_corpus(Path(tmp), 1000, 50)
        return _read_and_segment([tmp])


def child_code10(args) -> dict:
    from fgd_toolkit import CodeSettings, code
    from benchmarks.speed import CODEBOOK, synthetic_transcripts

    transcripts = synthetic_transcripts(round(50_000 / 72), 60)
    settings = CodeSettings(backend="tfidf", cluster=args.with_cluster)
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = code(transcripts, CODEBOOK, embedder="tfidf", settings=settings,
                      cache_dir=cache)
        coded = time.perf_counter()
        result.to_csv(out)
        written = time.perf_counter()
    return {"passages": len(result.passages), "eligible": int(result.eligible_passages),
            "code_s": coded - start, "write_s": written - coded,
            "timings": result.manifest["timings_seconds"], "peak_mb": _peak_mb(),
            "clustered": args.with_cluster}


def child_ward(args) -> dict:
    import numpy as np

    from fgd_toolkit.clustering import cluster_vectors
    from fgd_toolkit.settings import CodeSettings

    rng = np.random.default_rng(0)
    n = args.n
    vectors = rng.standard_normal((n, 512)).astype(np.float32)
    start = time.perf_counter()
    cluster_vectors(vectors, CodeSettings().clustering, cache_dir=None)
    return {"n": n, "seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}


CHILDREN = {"big": child_big, "line": child_line, "tenfold": child_tenfold,
            "code10": child_code10, "ward": child_ward}


def run_child(kind: str, *extra: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, *extra], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=5000, help=argparse.SUPPRESS)
    parser.add_argument("--with-cluster", action="store_true")
    parser.add_argument("--only", nargs="*", choices=sorted(CHILDREN))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args)))
        return
    wanted = args.only or list(CHILDREN)
    RESULTS.mkdir(exist_ok=True)
    store = RESULTS / "scale.json"
    rows = json.loads(store.read_text(encoding="utf-8")) if store.is_file() else {}
    for name in CHILDREN:
        if name in wanted:
            rows[name] = _line(name, args)
            print(rows[name], flush=True)
    store.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    head = ["# Big inputs", "", "`python benchmarks/scale.py`; each row a fresh process on 2 "
            "cores; peak memory is the process's max RSS.", ""]
    (RESULTS / "scale.md").write_text("\n".join(head + [rows[n] for n in CHILDREN if n in rows])
                                      + "\n", encoding="utf-8")


def _line(name: str, args) -> str:
    """Measure one row and say it in a sentence."""
    if name == "big":
        r = run_child("big")
        return (f"- **50 MB transcript** ({r['megabytes']:.1f} MB, {r['turns']:,} turns, "
                f"{r['passages']:,} passages): reading {r['read_s']:.1f} s "
                f"(**{r['turns_per_s']:,.0f} turns/s**), segmentation {r['segment_s']:.1f} s "
                f"(**{r['passages_per_s']:,.0f} passages/s**), peak {r['peak_mb']:,.0f} MB.")
    if name == "line":
        r = run_child("line")
        return (f"- **One line of {r['line_chars'] / 1e6:.1f} million characters** (one "
                f"turn): read in {r['read_s']:.1f} s, segmented into {r['passages']:,} "
                f"passages in {r['segment_s']:.1f} s, offsets exact: {r['offsets_exact']}, "
                f"longest passage {r['longest_passage']} characters, peak "
                f"{r['peak_mb']:,.0f} MB.")
    if name == "tenfold":
        r = run_child("tenfold")
        return (f"- **10x the ingest benchmark** ({r['transcripts']:,} transcripts, "
                f"{r['turns']:,} turns, {r['passages']:,} passages): reading "
                f"{r['read_s']:.1f} s ({r['turns_per_s']:,.0f} turns/s), segmentation "
                f"{r['segment_s']:.1f} s ({r['passages_per_s']:,.0f} passages/s), peak "
                f"{r['peak_mb']:,.0f} MB.")
    if name == "code10":
        r = run_child("code10", *(["--with-cluster"] if args.with_cluster else []))
        t = r["timings"]
        return (f"- **`code()` on {r['passages']:,} passages** ({r['eligible']:,} eligible; "
                f"10x the speed benchmark), `tfidf`, clustering "
                f"{'on' if r['clustered'] else 'off'}: {r['code_s']:.1f} s (segmentation "
                f"{t['segment']:.1f}, embedding and evidence {t['embed']:.1f}, tagging "
                f"{t['tag']:.1f}, clustering {t['cluster']:.1f}), writing every output "
                f"{r['write_s']:.1f} s, peak {r['peak_mb']:,.0f} MB.")
    rows = [run_child("ward", "--n", str(n)) for n in (2500, 5000, 10000, 20000)]
    return "- **Clustering alone** (Ward, 512-d vectors): " + "; ".join(
        f"{r['n']:,} vectors {r['seconds']:.1f} s, peak {r['peak_mb']:,.0f} MB"
        for r in rows) + "."


if __name__ == "__main__":
    main()
