"""The ``fgd`` command line: a thin layer over the library (each command calls one function)."""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                           TimeElapsedColumn)
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from . import __version__
from .errors import FgdError

app = typer.Typer(
    help="Code Indonesian focus-group transcripts into enablers and barriers.\n\n"
         "Example: fgd code transcripts/ --codebook codebooks/inovasi-pelayanan-publik.yaml "
         "--out results/",
    no_args_is_help=True, add_completion=False, rich_markup_mode="rich")
codebook_app = typer.Typer(help="Check, show and convert codebooks.\n\n"
                                "Example: fgd codebook lint codebooks/inovasi-pelayanan-publik.yaml",
                           no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")

def _console(stderr: bool = False) -> Console:
    """A console; when not attached to a terminal, wide enough that tables are not cut."""
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console = Console(stderr=stderr, highlight=False, width=160)
    return console


out_console = _console()
err_console = _console(stderr=True)
_state = {"debug": False}


def handle_errors(func):
    """Turn library errors into ``Error: ...`` on stderr and exit code 2 (``--debug``: raise)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except FgdError as exc:
            if _state["debug"]:
                raise
            err_console.print(Text.assemble(("Error:", "bold red"), " ", str(exc)),
                              soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err_console.print("Interrupted; earlier results were left as they were.")
            raise typer.Exit(130) from None
    return wrapper


class CountColumn(ProgressColumn):
    """``done/total``, in MB for a stage that counts bytes (reading files)."""

    def render(self, task) -> Text:
        if task.fields.get("unit") == "bytes":
            return Text(f"{task.completed / 1e6:.1f}/{(task.total or 0) / 1e6:.1f} MB",
                        style="progress.download")
        return MofNCompleteColumn().render(task)


def progress_bar() -> Progress:
    """A rich progress bar on stderr (hidden when stderr is not a terminal)."""
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                    CountColumn(), TimeElapsedColumn(), console=err_console,
                    transient=True, disable=not err_console.is_terminal)


class ProgressReporter:
    """Adapts the library's ``progress(stage, done, total)`` callbacks to one rich bar per stage."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}
        self.units: dict[str, str] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total,
                                                       unit=self.units.get(stage, ""))
        self.progress.update(self.tasks[stage], completed=done, total=total)

    def stage(self, name: str, unit: str = ""):
        """A ``(done, total, item)`` callback for one stage (``unit="bytes"``: shown in MB)."""
        self.units[name] = unit
        return lambda done, total, _item=None: self(name, done, total)


def _version(value: bool) -> None:
    if value:
        out_console.print(f"fgd-toolkit {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
) -> None:
    """fgd: Indonesian focus-group transcripts -> coded evidence."""
    _state["debug"] = debug


def _parse_columns(items: list[str]) -> dict[str, str]:
    from .errors import UsageError

    columns = {}
    for item in items or []:
        field, sep, name = item.partition("=")
        if not sep or field not in ("speaker", "text", "start", "end", "role"):
            raise UsageError(f"--column '{item}' is not FIELD=NAME.",
                             fix="use e.g. --column speaker=Nama (fields: speaker, text, start, "
                                 "end, role).")
        columns[field] = name
    return columns


#: Options shared by every command that reads transcripts (identical flags everywhere).
COLUMN_OPTION = typer.Option([], "--column", help="Column name for tabular files, FIELD=NAME "
                                                  "(repeatable).")
ROSTER_OPTION = typer.Option(None, "--roster", help="Participants table (CSV/XLSX with a "
                                                    "'label' column).")


def _read(paths, column, roster, report: "ProgressReporter"):
    """Read transcripts with the shared options and print their warnings."""
    from .ingest import read_transcripts

    transcripts = read_transcripts(paths, columns=_parse_columns(column), roster=roster,
                                   progress=report.stage("Reading", unit="bytes"))
    for transcript in transcripts:
        for warning in transcript.warnings:
            err_console.print(f"[yellow]Warning:[/] {escape(warning)}")
    return transcripts


@app.command()
@handle_errors
def ingest(
    paths: list[Path] = typer.Argument(..., help="Transcript files or folders (searched "
                                                 "recursively)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the passages table "
                                                                 "to this CSV file."),
    column: list[str] = COLUMN_OPTION,
    roster: Optional[Path] = ROSTER_OPTION,
) -> None:
    """Read transcripts and show turns, speakers and passages.

    Example: fgd ingest transcripts/ --out passages.csv
    """
    from . import atomic
    from .segment import to_passages

    with progress_bar() as bar:
        report = ProgressReporter(bar)
        transcripts = _read(paths, column, roster, report)
        passages = to_passages(transcripts, progress=report.stage("Segmenting"))
    table = Table(title="Transcripts")
    for name in ("transcript", "group", "turns", "speakers", "participant turns", "passages"):
        table.add_column(name, justify="right" if name not in ("transcript", "group") else "left")
    per_transcript = passages.groupby("transcript_id", sort=False).size()
    for t in transcripts:
        table.add_row(escape(t.id), escape(t.group or "-"), str(len(t.turns)), str(len(t.speakers)),
                      str(sum(turn.role == "participant" for turn in t.turns)),
                      str(per_transcript.get(t.id, 0)))
    table.add_row("[bold]total", "", str(sum(len(t.turns) for t in transcripts)),
                  str(sum(len(t.speakers) for t in transcripts)),
                  str(sum(sum(u.role == "participant" for u in t.turns) for t in transcripts)),
                  str(len(passages)))
    out_console.print(table)
    if out is not None:
        if out.is_dir():
            out = out / "passages.csv"
        atomic.write_text(out, passages.to_csv(index=False, lineterminator="\n"))
        err_console.print(f"Wrote {len(passages)} passages to {escape(str(out))}")


@app.command("code")
@handle_errors
def code_command(
    paths: list[Path] = typer.Argument(..., help="Transcript files or folders (searched "
                                                 "recursively)."),
    codebook: Path = typer.Option(..., "--codebook", "-c", help="Codebook YAML (or CSV)."),
    out: Path = typer.Option(Path("results"), "--out", "-o", help="Output folder (created if "
                                                                  "missing)."),
    backend: str = typer.Option(None, "--backend", "-b", help="Embedding back-end: use, "
                                "e5-small, tfidf, sentence-transformers:<folder>, or several "
                                "joined with '+'. Default: use+tfidf."),
    include_moderator: bool = typer.Option(False, "--include-moderator", help="Also code "
                                           "moderator and observer turns."),
    include_backchannel: bool = typer.Option(False, "--include-backchannel", help="Also code "
                                             "short agreement turns ('Iya, setuju.')."),
    include_introductions: bool = typer.Option(False, "--include-introductions", help="Also "
                                               "code self-introductions ('Saya Ratna, Kabid "
                                               "Pelayanan.')."),
    max_codes: int = typer.Option(4, "--max-codes", min=1, help="At most this many codes per "
                                  "passage from similarity alone (codes named by their "
                                  "keywords always count)."),
    no_cluster: bool = typer.Option(False, "--no-cluster", help="Skip embedding clustering."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Vector cache folder "
                                             "(default: ~/.cache/fgd-toolkit or $FGD_CACHE_DIR)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Embed everything again; do not "
                                  "read or write the cache."),
    allow_download: bool = typer.Option(False, "--allow-download", help="Let a "
                                        "sentence-transformers back-end download its model."),
    column: list[str] = COLUMN_OPTION,
    roster: Optional[Path] = ROSTER_OPTION,
) -> None:
    """Code transcripts with a codebook and write passages, codings, clusters and matrices.

    Example: fgd code transcripts/ --codebook codebooks/inovasi-pelayanan-publik.yaml --out results/
    """
    from .atomic import prepare_output_dir
    from .codebook import load_codebook
    from .embed import DEFAULT_BACKEND, get_embedder
    from .pipeline import code
    from .settings import CodeSettings

    prepare_output_dir(out)
    cb = load_codebook(codebook)
    settings = CodeSettings(backend=backend or DEFAULT_BACKEND,
                            include_moderator=include_moderator,
                            include_backchannel=include_backchannel,
                            include_introductions=include_introductions,
                            max_codes_per_passage=max_codes, cluster=not no_cluster)
    embedder = get_embedder(settings.backend, allow_download=allow_download)
    with progress_bar() as bar:
        report = ProgressReporter(bar)
        transcripts = _read(paths, column, roster, report)
        result = code(transcripts, cb, embedder=embedder, settings=settings,
                      cache_dir=cache_dir, use_cache=not no_cache, progress=report)
        written = result.to_csv(out)
    _print_code_summary(result)
    for warning in result.warnings:
        err_console.print(f"[yellow]Warning:[/] {escape(warning)}")
    err_console.print(f"Wrote {len(written)} files to {escape(str(out))}/ "
                      f"(run {result.manifest['run_id']})")


def _print_code_summary(result) -> None:
    summary = result.summary()
    table = Table(title=escape(f"Codings ({result.codebook.name})"))
    for name in ("code", "label", "enabler", "barrier", "neutral", "total"):
        table.add_column(name, justify="right" if name not in ("code", "label") else "left")
    for row in summary.itertuples():
        table.add_row(escape(row.code_id), escape(row.label), str(row.enabler), str(row.barrier),
                      str(row.neutral), str(row.total))
    out_console.print(table)
    coded = result.passages["passage_id"].isin(result.codings["passage_id"]).sum()
    line = (f"{coded} of {result.eligible_passages} eligible passages coded "
            f"({len(result.codings)} codings)")
    if len(result.clusters):
        status = result.clusters["status"].value_counts()
        line += (f"; {len(result.clusters)} cluster{'s' * (len(result.clusters) != 1)}: "
                 f"{status.get('covered', 0)} covered, "
                 f"{status.get('mixed', 0)} mixed, {status.get('emergent', 0)} emergent")
    out_console.print(line)
    emergent = result.clusters[result.clusters["status"] == "emergent"] \
        if len(result.clusters) else []
    for row in getattr(emergent, "itertuples", lambda: [])():
        out_console.print(f"  emergent cluster {row.cluster} ({row.size} passages): "
                          f"{escape(row.top_terms)}")


@app.command()
@handle_errors
def evaluate(
    results: Path = typer.Argument(..., help="A results folder written by `fgd code`."),
    gold: list[Path] = typer.Option(..., "--gold", "-g", help="Hand codings: CSV file(s) or "
                                    "folder(s) with columns transcript_id, turn, code_id, "
                                    "polarity."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the per-code scores "
                                                                 "to this CSV file."),
) -> None:
    """Score coded results against a researcher's own hand codings, turn by turn.

    Only the transcripts the hand codings cover are scored. Example:
    fgd evaluate results/ --gold my-codings.csv
    """
    from . import atomic
    from .evaluate import load_gold, score_result
    from .export import load_results

    scores = score_result(load_results(results), load_gold(list(gold)))
    micro = scores.micro
    table = Table(title="Agreement with the hand codings (turn level)")
    for name in ("code", "precision", "recall", "F1", "support"):
        table.add_column(name, justify="left" if name == "code" else "right")
    per_code = scores.per_code_frame()
    for row in per_code.itertuples():
        table.add_row(escape(row.code_id), f"{row.P:.3f}", f"{row.R:.3f}", f"{row.F1:.3f}",
                      str(row.support))
    table.add_row("[bold]all (micro)", f"{micro.precision:.3f}", f"{micro.recall:.3f}",
                  f"{micro.f1:.3f}", str(micro.tp + micro.fn))
    out_console.print(table)
    out_console.print(f"code F1 {micro.f1:.3f} (macro {scores.macro_f1:.3f}); code+polarity "
                      f"F1 {scores.polarity_micro.f1:.3f}")
    if out is not None:
        atomic.write_text(out, per_code.to_csv(index=False, lineterminator="\n"))
        err_console.print(f"Wrote per-code scores to {escape(str(out))}")


@codebook_app.command("lint")
@handle_errors
def codebook_lint(
    path: Path = typer.Argument(..., help="Codebook YAML (or CSV) file."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
) -> None:
    """Check a codebook and list every problem (file, code, field, fix).

    Example: fgd codebook lint codebooks/inovasi-pelayanan-publik.yaml
    """
    from .codebook import lint_codebook

    report = lint_codebook(path)
    for problem in report.errors:
        out_console.print(f"[red]error[/]   {escape(problem.render())}", soft_wrap=True)
    for problem in report.warnings:
        out_console.print(f"[yellow]warning[/] {escape(problem.render())}", soft_wrap=True)
    failed = bool(report.errors) or (strict and bool(report.warnings))
    if report.codebook is not None:
        cb = report.codebook
        n_kw = sum(len(c.keywords) for c in cb.codes)
        n_ex = sum(len(c.all_examples) for c in cb.codes)
        out_console.print(f"{escape(str(path))}: {len(cb.codes)} codes, {len(cb.themes)} themes, {n_kw} "
                          f"keywords, {n_ex} examples; {len(report.errors)} errors, "
                          f"{len(report.warnings)} warnings.")
    else:
        out_console.print(f"{escape(str(path))}: {len(report.errors)} error(s); fix them and lint again.")
    if failed:
        raise typer.Exit(1)


@codebook_app.command("show")
@handle_errors
def codebook_show(path: Path = typer.Argument(..., help="Codebook YAML (or CSV) file.")) -> None:
    """Show themes, codes, keywords and example counts as a table.

    Example: fgd codebook show codebooks/inovasi-pelayanan-publik.yaml
    """
    from .codebook import load_codebook

    cb = load_codebook(path)
    table = Table(title=escape(f"{cb.name} {cb.version}".strip()), show_lines=True)
    for name in ("theme", "id", "label", "keywords", "enabler ex.", "barrier ex.", "counter ex."):
        table.add_column(name, overflow="fold")
    for code in cb.codes:
        theme = cb.theme_of(code.id)
        label = escape(code.label) + (f"\n[dim]{escape(code.label_en)}[/]" if code.label_en
                                      else "")
        kws = ", ".join(code.keywords[:8]) + (f" (+{len(code.keywords) - 8})"
                                              if len(code.keywords) > 8 else "")
        table.add_row(escape(theme.label) if theme else "-", escape(code.id), label, escape(kws),
                      str(len(code.examples_of("enabler"))),
                      str(len(code.examples_of("barrier"))), str(len(code.counter_examples)))
    out_console.print(table)


@codebook_app.command("export")
@handle_errors
def codebook_export(
    path: Path = typer.Argument(..., help="Codebook to convert (YAML or CSV)."),
    out: Path = typer.Option(..., "--out", "-o", help="Target file: .csv, .yaml or .qdc."),
) -> None:
    """Convert a codebook to CSV (one row per code), YAML, or REFI-QDA .qdc.

    Example: fgd codebook export codebooks/inovasi-pelayanan-publik.yaml --out codebook.csv
    """
    from . import atomic
    from .codebook import codebook_to_csv, load_codebook
    from .errors import UsageError

    cb = load_codebook(path)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        atomic.write_text(out, codebook_to_csv(cb))
    elif suffix in (".yaml", ".yml"):
        atomic.write_text(out, cb.to_yaml())
    elif suffix == ".qdc":
        from .export.refi_qda import codebook_qdc

        atomic.write_with(out, lambda tmp: tmp.write_bytes(codebook_qdc(cb)))
    else:
        raise UsageError(f"cannot export to '{suffix}'.",
                         fix="use --out FILE.csv, FILE.yaml or FILE.qdc (REFI-QDA).")
    err_console.print(f"Wrote {len(cb.codes)} codes to {escape(str(out))}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
