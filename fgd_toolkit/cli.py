"""The ``fgd`` command line: a thin layer over the library (each command calls one function)."""
from __future__ import annotations

import functools
import sys
import warnings
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
from .cli_help import FgdTyper
from .errors import FgdError, FgdWarning
from .csv_safety import csv_text
from .sanitise import for_terminal

app = FgdTyper(
    help="Code Indonesian focus-group transcripts into enablers and barriers.\n\n"
         "Example: fgd code transcripts/ --codebook codebooks/inovasi-pelayanan-publik.yaml "
         "--out results/",
    no_args_is_help=True, add_completion=False, rich_markup_mode="rich")
codebook_app = FgdTyper(help="Check, show and convert codebooks.\n\n"
                                "Example: fgd codebook lint codebooks/inovasi-pelayanan-publik.yaml",
                           no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")


def shown(text: object) -> str:
    """User data (file names, speakers, codes) ready to print: control characters escaped
    (``\\x1b``, ``\\n``), rich markup escaped."""
    return escape(for_terminal(text))


def _console(stderr: bool = False) -> Console:
    """A console; when not attached to a terminal, wide enough that tables are not cut."""
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console = Console(stderr=stderr, highlight=False, width=160)
    return console


out_console = _console()
err_console = _console(stderr=True)
_state = {"debug": False, "quiet": False}


def _show_warning(fallback, message, category, filename, lineno, file=None, line=None) -> None:
    """The toolkit's warnings as ``Warning: ...`` lines on stderr; others by ``fallback``."""
    if issubclass(category, FgdWarning):
        err_console.print(Text.assemble(("Warning:", "yellow"), " ", str(message)),
                          soft_wrap=True)
    else:
        fallback(message, category, filename, lineno, file, line)


def handle_errors(func):
    """Turn library errors into ``Error: ...`` on stderr and exit code 2 (``--debug``: raise);
    print the library's warnings as ``Warning: ...`` lines."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", FgdWarning)
                warnings.showwarning = functools.partial(_show_warning, warnings.showwarning)
                return func(*args, **kwargs)
        except FgdError as exc:
            if _state["debug"]:
                raise
            err_console.print(Text.assemble(("Error:", "bold red"), " ", for_terminal(exc)),
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


class SpeedColumn(ProgressColumn):
    """``218 passages/s`` (``12.5 MB/s`` when reading) for a stage that counts in a unit
    (blank for the others)."""

    def render(self, task) -> Text:
        unit = task.fields.get("unit")
        # the stage's mean rate (rich's own estimate needs several updates within a window)
        elapsed = task.finished_time if task.finished else task.elapsed
        speed = task.completed / elapsed if task.completed and elapsed else None
        if not unit or not speed:
            return Text("")
        if unit == "bytes":
            return Text(f"{speed / 1e6:,.1f} MB/s", style="progress.data.speed")
        return Text(f"{speed:,.0f} {unit}/s", style="progress.data.speed")


def progress_bar() -> Progress:
    """A rich progress bar on stderr (hidden with --quiet and when stderr is not a terminal)."""
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                    CountColumn(), SpeedColumn(), TimeElapsedColumn(),
                    console=err_console, transient=True,
                    disable=_state["quiet"] or not err_console.is_terminal)


class ProgressReporter:
    """Adapts the library's ``progress(stage, done, total)`` callbacks to one rich bar per stage."""

    #: Stages whose speed is shown, and the unit they count in.
    UNITS = {"Reading": "bytes", "Segmenting": "turns", "Embedding passages": "passages",
             "Embedding codebook": "texts", "Writing": "files"}

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}
        self.units: dict[str, str] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total,
                                                       unit=self.units.get(stage)
                                                       or self.UNITS.get(stage))
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
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or summaries "
                               "(warnings, errors and the paths written still show)."),
) -> None:
    """fgd: Indonesian focus-group transcripts -> coded evidence."""
    _state["debug"] = debug
    _state["quiet"] = quiet


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
COLUMN_OPTION = typer.Option([], "--column", metavar="FIELD=NAME",
                             help="Column name for tabular files, FIELD=NAME (repeatable).")
ROSTER_OPTION = typer.Option(None, "--roster", metavar="FILE",
                             help="Participants table (CSV/XLSX with a 'label' column).")
QUIET_OPTION = typer.Option(False, "--quiet", "-q", help="No progress bars or summaries "
                            "(also `fgd --quiet COMMAND`; warnings and errors still show).")


def _quiet(flag: bool) -> bool:
    """Whether this command runs quietly (its own --quiet or the global one)."""
    _state["quiet"] = _state["quiet"] or flag
    return _state["quiet"]

SKIP_BAD_OPTION = typer.Option(False, "--skip-bad", help="Leave out transcripts that cannot "
                               "be read (listed at the end and in the manifest) instead of "
                               "stopping at the first one. Example: fgd ingest transcripts/ "
                               "--skip-bad")
FOLLOW_SYMLINKS_OPTION = typer.Option(False, "--follow-symlinks", help="Read symbolic links "
                                      "in a folder that lead out of it (skipped by default; a "
                                      "link named on the command line is always read). "
                                      "Example: fgd ingest shared/ --follow-symlinks")


def _read(paths, column, roster, report: "ProgressReporter", skip_bad: bool = False,
          follow_symlinks: bool = False):
    """Read transcripts with the shared options and print their warnings."""
    from .ingest import read_transcripts

    transcripts = read_transcripts(paths, columns=_parse_columns(column), roster=roster,
                                   progress=report.stage("Reading", unit="bytes"),
                                   skip_bad=skip_bad, follow_symlinks=follow_symlinks)
    for transcript in transcripts:
        for warning in transcript.warnings:
            err_console.print(f"[yellow]Warning:[/] {shown(warning)}")
    return transcripts


def _print_skipped(skipped: list[dict[str, str]]) -> None:
    """The inputs left out, one line each (after a command's summary)."""
    if not skipped:
        return
    out_console.print(f"Skipped {len(skipped)} input{'s' * (len(skipped) != 1)}:")
    for item in skipped:
        out_console.print(Text(f"  {item['path']}: {item['reason']}"), soft_wrap=True)


@app.command()
@handle_errors
def ingest(
    paths: list[Path] = typer.Argument(..., help="Transcript files or folders (searched "
                                                 "recursively)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE", help="Write the "
                                       "passages table "
                                                                 "to this CSV file."),
    column: list[str] = COLUMN_OPTION,
    roster: Optional[Path] = ROSTER_OPTION,
    quiet: bool = QUIET_OPTION,
    skip_bad: bool = SKIP_BAD_OPTION,
    follow_symlinks: bool = FOLLOW_SYMLINKS_OPTION,
) -> None:
    """Read transcripts and show turns, speakers and passages.

    Example: fgd ingest transcripts/ --out passages.csv
    """
    from . import atomic
    from .segment import to_passages

    quiet = _quiet(quiet)
    with progress_bar() as bar:
        report = ProgressReporter(bar)
        transcripts = _read(paths, column, roster, report, skip_bad, follow_symlinks)
        passages = to_passages(transcripts, progress=report.stage("Segmenting"))
    table = Table(title="Transcripts")
    for name in ("transcript", "group", "turns", "speakers", "participant turns", "passages"):
        table.add_column(name, justify="right" if name not in ("transcript", "group") else "left")
    per_transcript = passages.groupby("transcript_id", sort=False).size()
    for t in transcripts:
        table.add_row(shown(t.id), shown(t.group or "-"), str(len(t.turns)),
                      str(len(t.speakers)),
                      str(sum(turn.role == "participant" for turn in t.turns)),
                      str(per_transcript.get(t.id, 0)))
    table.add_row("[bold]total", "", str(sum(len(t.turns) for t in transcripts)),
                  str(sum(len(t.speakers) for t in transcripts)),
                  str(sum(sum(u.role == "participant" for u in t.turns) for t in transcripts)),
                  str(len(passages)))
    if not quiet:
        out_console.print(table)
    _print_skipped([s.as_dict() for s in transcripts.skipped])
    if out is not None:
        if out.is_dir():
            out = out / "passages.csv"
        atomic.write_text(out, csv_text(passages))
        err_console.print(f"Wrote {len(passages)} passages to {shown(out)}")


@app.command("code")
@handle_errors
def code_command(
    paths: list[Path] = typer.Argument(..., help="Transcript files or folders (searched "
                                                 "recursively)."),
    codebook: Path = typer.Option(..., "--codebook", "-c", metavar="FILE",
                                  help="Codebook YAML (or CSV)."),
    out: Path = typer.Option(Path("results"), "--out", "-o", metavar="DIR",
                             help="Output folder (created if missing)."),
    backend: str = typer.Option(None, "--backend", "-b", metavar="NAME",
                                help="Embedding back-end: use, e5-small, tfidf, "
                                     "sentence-transformers:<folder>, or several joined with "
                                     "'+'. Default: use+tfidf."),
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
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", metavar="DIR",
                                             help="Vector cache folder (default: "
                                                  "~/.cache/fgd-toolkit or $FGD_CACHE_DIR)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Embed everything again; do not "
                                  "read or write the cache."),
    allow_download: bool = typer.Option(False, "--allow-download", help="Let a "
                                        "sentence-transformers back-end download its model."),
    model: Optional[Path] = typer.Option(None, "--model", help="Calibration file written by "
                                         "`fgd calibrate` (default: the shipped models)."),
    reviewed: list[Path] = typer.Option([], "--reviewed", help="A researcher's decisions "
                                        "(repeatable): a filled review sheet, a CSV/XLSX table "
                                        "(transcript_id, turn, code_id, polarity) or a "
                                        "REFI-QDA .qdpx. Reviewed turns keep them; the rest is "
                                        "coded by the model refitted on them."),
    no_refit: bool = typer.Option(False, "--no-refit", help="Keep the reviewed turns but do "
                                  "not refit the model on them for the rest of the study."),
    column: list[str] = COLUMN_OPTION,
    roster: Optional[Path] = ROSTER_OPTION,
    report: bool = typer.Option(False, "--report", help="Also write report.html (with "
                                "policy_brief.md and .docx) into --out, as `fgd report` does."),
    quiet: bool = QUIET_OPTION,
    skip_bad: bool = SKIP_BAD_OPTION,
    follow_symlinks: bool = FOLLOW_SYMLINKS_OPTION,
) -> None:
    """Code transcripts with a codebook and write passages, codings, clusters and matrices.

    Example: fgd code transcripts/ --codebook codebooks/inovasi-pelayanan-publik.yaml --out results/ --report
    """
    from .codebook import load_codebook
    from .embed import DEFAULT_BACKEND, get_embedder
    from .export import reserve_output_folder
    from .pipeline import code
    from .report import REPORT_FILE
    from .settings import CodeSettings

    quiet = _quiet(quiet)
    with reserve_output_folder(out):      # a second run into --out is refused at once
        cb = load_codebook(codebook)
        settings = CodeSettings(backend=backend or DEFAULT_BACKEND,
                                include_moderator=include_moderator,
                                include_backchannel=include_backchannel,
                                include_introductions=include_introductions,
                                max_codes_per_passage=max_codes, cluster=not no_cluster,
                                model=str(model) if model else "", refit=not no_refit)
        embedder = get_embedder(settings.backend, allow_download=allow_download)
        with progress_bar() as bar:
            reporter = ProgressReporter(bar)
            transcripts = _read(paths, column, roster, reporter, skip_bad, follow_symlinks)
            result = code(transcripts, cb, embedder=embedder, settings=settings,
                          cache_dir=cache_dir, use_cache=not no_cache, progress=reporter,
                          reviewed=list(reviewed) or None)
            written = result.to_csv(out, progress=reporter.stage("Writing"))
            files = (_write_report(result, out / REPORT_FILE, "id", reporter) if report
                     else None)
    if not quiet:
        _print_code_summary(result)
    _print_skipped(result.manifest["skipped_inputs"])
    for warning in result.warnings:
        err_console.print(f"[yellow]Warning:[/] {shown(warning)}")
    err_console.print(f"Wrote {len(written)} files to {shown(out)}/ "
                      f"(run {result.manifest['run_id']})")
    if files is not None:
        _print_report_paths(files)
    elif not quiet:
        err_console.print(f"Make the report with: fgd report {shown(str(out))}")


@app.command("report")
@handle_errors
def report_command(
    results: Path = typer.Argument(..., help="A results folder written by `fgd code`."),
    lang: str = typer.Option("id", "--lang", "-l", help="Language of the report and the brief: "
                             "id (Indonesian, default) or en (English)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="The HTML file to write "
                                       "(default: report.html in RESULTS); policy_brief.md "
                                       "and policy_brief.docx are written beside it."),
    quiet: bool = QUIET_OPTION,
) -> None:
    """Write one self-contained HTML report (charts, heatmaps with quotes, emerging themes,
    a policy-brief draft) and the brief as Markdown and Word, from a results folder.

    Example: fgd report results/ --lang en --out results/report-en.html
    """
    from contextlib import nullcontext

    from .output_folder import locked

    _quiet(quiet)
    # `fgd code` cannot replace the folder while the report reads it and writes into it
    with locked(results) if results.is_dir() else nullcontext():
        with progress_bar() as bar:
            files = _write_report(results, out, lang, ProgressReporter(bar))
    _print_report_paths(files)


def _write_report(source, out, lang: str, reporter: "ProgressReporter"):
    from .report import write_report

    return write_report(source, out, lang=lang, progress=reporter)


def _print_report_paths(files) -> None:
    """The brief's files on stderr; the report's path last, on stdout (for scripts)."""
    err_console.print(f"Wrote {shown(files.markdown.name)} and {shown(files.docx.name)} "
                      f"beside the report")
    out_console.print(f"Report: {shown(str(files.html))}", soft_wrap=True)


def _print_code_summary(result) -> None:
    summary = result.summary()
    table = Table(title=shown(f"Codings ({result.codebook.name})"))
    for name in ("code", "label", "enabler", "barrier", "neutral", "total"):
        table.add_column(name, justify="right" if name not in ("code", "label") else "left")
    for row in summary.itertuples():
        table.add_row(shown(row.code_id), shown(row.label), str(row.enabler), str(row.barrier),
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
    review = result.manifest.get("reviewed")
    if review:
        human = int((result.codings["source"] == "human").sum())
        refit = review.get("refit", {})
        kept = ", ".join(refit.get("kept", [])) or "nothing beyond the reviewed turns"
        out_console.print(f"{review['turns']} reviewed turns from {len(review['files'])} "
                          f"file(s) ({human} human codings); the refit kept: {shown(kept)}")
    emergent = result.clusters[result.clusters["status"] == "emergent"] \
        if len(result.clusters) else []
    for row in getattr(emergent, "itertuples", lambda: [])():
        out_console.print(f"  emergent cluster {row.cluster} ({row.size} passages): "
                          f"{shown(row.top_terms)}")


@app.command()
@handle_errors
def evaluate(
    results: Path = typer.Argument(..., help="A results folder written by `fgd code`."),
    gold: list[Path] = typer.Option(..., "--gold", "-g", help="Hand codings: CSV/XLSX "
                                    "table(s) with columns transcript_id, turn, code_id, "
                                    "polarity (empty code_id = read, no code), filled review "
                                    "sheets, REFI-QDA projects (.qdpx), or folders of them."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE", help="Write the "
                                       "per-code scores "
                                                                 "to this CSV file."),
) -> None:
    """Score coded results against a researcher's own hand codings, turn by turn.

    A table or project scores every turn of the transcripts it covers; a review sheet scores
    the turns reviewed on it. Example:
    fgd evaluate results/ --gold my-codings.csv --gold results/review.xlsx
    """
    from . import atomic
    from .evaluate import load_gold_for, score_result
    from .export import load_results

    result = load_results(results)
    reviewed = load_gold_for(result, list(gold))
    for warning in reviewed.warnings:
        err_console.print(f"[yellow]Warning:[/] {shown(warning)}")
    scores = score_result(result, reviewed)
    micro = scores.micro
    table = Table(title="Agreement with the hand codings (turn level)")
    for name in ("code", "precision", "recall", "F1", "kappa", "support"):
        table.add_column(name, justify="left" if name == "code" else "right")
    per_code = scores.per_code_frame()
    for row in per_code.itertuples():
        table.add_row(shown(row.code_id), f"{row.P:.3f}", f"{row.R:.3f}", f"{row.F1:.3f}",
                      _figure(row.kappa), str(row.support))
    table.add_row("[bold]all (micro)", f"{micro.precision:.3f}", f"{micro.recall:.3f}",
                  f"{micro.f1:.3f}", _figure(scores.kappa_overall), str(micro.tp + micro.fn))
    out_console.print(table)
    scope = reviewed.scoring_scope(result.passages)
    out_console.print(f"{len(scope)} turns scored; code F1 {micro.f1:.3f} (macro "
                      f"{scores.macro_f1:.3f}); code+polarity F1 "
                      f"{scores.polarity_micro.f1:.3f}; Cohen's kappa "
                      f"{_figure(scores.kappa_overall)} (code presence over the scored "
                      "participant turns, all codes pooled; '-': undefined)")
    if out is not None:
        atomic.write_text(out, csv_text(per_code))
        err_console.print(f"Wrote per-code scores to {shown(out)}")


@app.command()
@handle_errors
def calibrate(
    data: list[Path] = typer.Argument(..., help="Labelled sets: folders with codebook.yaml, "
                                      "transcripts/ and gold/, or YAML files naming them."),
    out: Path = typer.Option(..., "--out", "-o", help="Calibration file to write (JSON)."),
    backend: list[str] = typer.Option(["use+tfidf", "use", "tfidf", "e5-small"], "--backend",
                                      "-b", help="Back-end to fit a model for (repeatable); "
                                      "a generic model over all of them is fitted too."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Vector cache folder."),
    report: Optional[Path] = typer.Option(None, "--report", help="Also write held-out scores "
                                          "(each transcript of a set with several, each "
                                          "one-transcript set; fitted on the rest) to this "
                                          "CSV file."),
) -> None:
    """Fit the coding models on labelled sets and write a calibration file.

    The shipped models are fitted exactly this way. Use the file with `fgd code --model FILE`.
    Example: fgd calibrate benchmarks/sets/dev.yaml benchmarks/sets/hoasa-train.yaml
    benchmarks/sets/casa-train.yaml --out calibration.json
    """
    from . import atomic
    from .labelled import load_labelled_set
    from .tagging.training import fit_shipped, held_out_report, write_shipped

    sets = [load_labelled_set(p) for p in data]
    with progress_bar() as bar:
        models, by_backend = fit_shipped(sets, list(backend), cache_dir=cache_dir,
                                         progress=ProgressReporter(bar))
    write_shipped(models, out)
    err_console.print(f"Wrote {len(models.backends)} back-end model(s) and a generic one to "
                      f"{shown(str(out))}")
    if report is not None:
        import pandas as pd

        frames = [held_out_report(d).assign(backend=name) for name, d in by_backend.items()]
        atomic.write_text(report, csv_text(pd.concat(frames)))
        err_console.print(f"Wrote held-out scores to {shown(str(report))}")


@app.command("agreement")
@handle_errors
def agreement_command(
    files: list[Path] = typer.Argument(..., help="Two or more coders' codings, one file or "
                                                 "folder per coder (the formats `fgd evaluate "
                                                 "--gold` reads)."),
    results: Optional[Path] = typer.Option(None, "--results", "-r", help="A results folder: "
                                           "its participant turns are the units (turns nobody "
                                           "coded count as agreement on absence) and its "
                                           "codebook the codes."),
    transcripts: list[Path] = typer.Option([], "--transcripts", "-t", help="Transcript files "
                                           "or folders whose participant turns are the units "
                                           "(repeatable)."),
    codebook: Optional[Path] = typer.Option(None, "--codebook", "-c", help="The codebook the "
                                            "coders used: a code a coder never applied counts "
                                            "as absent."),
    common_codes: bool = typer.Option(False, "--common-codes", help="Without a codebook, "
                                      "compare only the codes every coder used."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the disagreements "
                                       "(turn, code, each coder's value, speaker, text) to "
                                       "this CSV file."),
) -> None:
    """Agreement between coders: percent agreement, Cohen's kappa and Krippendorff's alpha
    per code and overall, on code presence and on polarity, and the turns they disagree on.

    Example: fgd agreement ana.csv budi.csv --results results/ --out disagreements.csv
    """
    import json

    from . import atomic
    from .agreement import agreement_of_files

    if len(files) < 2:
        from .errors import UsageError

        raise UsageError("agreement needs the codings of at least two coders.",
                         fix="give two or more files or folders, one per coder.")
    report = agreement_of_files(files, results=results, transcripts=transcripts or None,
                                codebook=codebook, common_codes=common_codes)
    if out is not None:
        atomic.write_text(out, csv_text(report.disagreements))
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_agreement(report)
    if out is not None:
        err_console.print(f"Wrote {len(report.disagreements)} disagreements to "
                          f"{shown(str(out))}")


def _figure(value: float, percent: bool = False) -> str:
    if value != value:       # NaN: undefined
        return "-"
    return f"{value:.1f}%" if percent else f"{value:.3f}"


def _print_agreement(report) -> None:
    table = Table(title=shown(f"Agreement between {', '.join(report.coders)} (turn level)"))
    counts = [c for c in report.per_code.columns if c.startswith("n:")]
    for name in ["code", "units", *counts, "agree", "kappa", "alpha", "pol. agree",
                 "pol. kappa", "pol. alpha"]:
        table.add_column(shown(name), justify="left" if name == "code" else "right")
    for row in report.per_code.to_dict("records"):
        table.add_row(shown(row["code_id"]), str(row["units"]), *(str(row[c]) for c in counts),
                      _figure(row["percent_agreement"], True), _figure(row["kappa"]),
                      _figure(row["alpha"]), _figure(row["polarity_percent_agreement"], True),
                      _figure(row["polarity_kappa"]), _figure(row["polarity_alpha"]))
    o = report.overall
    table.add_row("[bold]all codes (pooled)", str(o["items"]), *("" for _ in counts),
                  _figure(o["percent_agreement"], True), _figure(o["kappa"]),
                  _figure(o["alpha"]), _figure(o["polarity_percent_agreement"], True),
                  _figure(o["polarity_kappa"]), _figure(o["polarity_alpha"]))
    out_console.print(table)
    if len(report.coders) > 2:
        for row in report.pairwise.to_dict("records"):
            out_console.print(f"kappa {shown(row['coder_a'])} / {shown(row['coder_b'])}: "
                              f"{_figure(row['kappa'])} (polarity "
                              f"{_figure(row['polarity_kappa'])})")
    for note in report.notes:
        out_console.print(shown(note), soft_wrap=True)
    out_console.print("polarity: absent / enabler / barrier / mixed (both, or neutral); "
                      "'-': undefined (the coders used one value only). "
                      f"{len(report.disagreements)} (turn, code) disagreements.")


@app.command()
@handle_errors
def review(
    results: Path = typer.Argument(..., help="A results folder written by `fgd code`."),
    sample: int = typer.Option(40, "--sample", "-n", min=1, help="How many turns to put on "
                               "the sheet."),
    strategy: str = typer.Option("uncertain", "--strategy", "-s", help="How turns are chosen: "
                                 "uncertain (those whose decisions teach the coder most), "
                                 "random, or first (in transcript order)."),
    seed: int = typer.Option(0, "--seed", help="Seed of --strategy random (same seed, same "
                             "turns)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="The sheet to write "
                                       "(default: RESULTS/review.xlsx)."),
    reviewed: list[Path] = typer.Option([], "--reviewed", help="Files of turns already "
                                        "reviewed (skipped; repeatable)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing sheet (it may "
                               "hold decisions)."),
) -> None:
    """Write a review sheet (XLSX) of turns for the researcher to accept, reject or correct.

    Fill it in Excel or LibreOffice, then pass it to `fgd code --reviewed` or
    `fgd evaluate --gold`. Example:
    fgd review results/ --sample 40 --strategy uncertain
    """
    from .export import load_results
    from .review import REVIEW_FILE, make_review_sheet

    result = load_results(results)
    target = out or results / REVIEW_FILE
    target, turns = make_review_sheet(result, target, sample=sample, strategy=strategy,
                                      seed=seed, reviewed=reviewed, overwrite=force)
    table = Table(title=f"Turns to review ({strategy})")
    table.add_column("transcript")
    table.add_column("turns", justify="right")
    per = {}
    for tid, _turn in turns:
        per[tid] = per.get(tid, 0) + 1
    for tid, count in per.items():
        table.add_row(shown(tid), str(count))
    out_console.print(table)
    if len(turns) < sample:
        err_console.print(f"Only {len(turns)} eligible turns were not reviewed yet.")
    err_console.print(f"Wrote {len(turns)} turns to {shown(str(target))}; fill it in, then "
                      f"run fgd code ... --reviewed {shown(str(target))}")


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
        out_console.print(f"[red]error[/]   {shown(problem.render())}", soft_wrap=True)
    for problem in report.warnings:
        out_console.print(f"[yellow]warning[/] {shown(problem.render())}", soft_wrap=True)
    failed = bool(report.errors) or (strict and bool(report.warnings))
    if report.codebook is not None:
        cb = report.codebook
        n_kw = sum(len(c.keywords) for c in cb.codes)
        n_ex = sum(len(c.all_examples) for c in cb.codes)
        out_console.print(f"{shown(path)}: {len(cb.codes)} codes, {len(cb.themes)} themes, {n_kw} "
                          f"keywords, {n_ex} examples; {len(report.errors)} errors, "
                          f"{len(report.warnings)} warnings.")
    else:
        out_console.print(f"{shown(path)}: {len(report.errors)} error(s); fix them and lint again.")
    if failed:
        raise typer.Exit(1)


@codebook_app.command("suggest")
@handle_errors
def codebook_suggest(
    results: Path = typer.Argument(..., help="A results folder written by `fgd code`."),
    gold: list[Path] = typer.Option([], "--gold", "-g", help="Hand codings of some of its "
                                    "transcripts (file or folder, repeatable): the reference "
                                    "for keywords to add and to replace."),
    out: Path = typer.Option(Path("suggestions.yaml"), "--out", "-o", help="Where to write "
                             "the suggestions (YAML)."),
) -> None:
    """Suggest codebook changes from a coded study: new codes from emergent clusters,
    keywords to add, keywords to replace with phrases, confused code pairs, silent codes.

    Each suggestion carries its evidence (passage ids) and a codebook block to copy.
    Example: fgd codebook suggest results/ --gold my-codings.csv --out suggestions.yaml
    """
    from . import atomic
    from .suggest import suggest_from_folder

    with progress_bar() as bar:
        task = bar.add_task("Reading and comparing", total=None)
        suggestions = suggest_from_folder(results, list(gold) or None)
        bar.update(task, completed=1, total=1)
    atomic.write_text(out, suggestions.to_yaml())
    table = Table(title="Codebook suggestions")
    table.add_column("kind")
    table.add_column("count", justify="right")
    table.add_column("codes")
    for kind, count in suggestions.counts().items():
        codes = ", ".join(dict.fromkeys(" / ".join(s.codes) for s in suggestions.of_kind(kind)))
        table.add_row(kind.replace("_", " "), str(count), shown(codes))
    out_console.print(table)
    out_console.print(f"reference for keywords: {shown(suggestions.source['reference'])}")
    err_console.print(f"Wrote {len(suggestions.items)} suggestions to {shown(str(out))}")


@codebook_app.command("show")
@handle_errors
def codebook_show(path: Path = typer.Argument(..., help="Codebook YAML (or CSV) file.")) -> None:
    """Show themes, codes, keywords and example counts as a table.

    Example: fgd codebook show codebooks/inovasi-pelayanan-publik.yaml
    """
    from .codebook import load_codebook

    cb = load_codebook(path)
    table = Table(title=shown(f"{cb.name} {cb.version}".strip()), show_lines=True)
    for name in ("theme", "id", "label", "keywords", "enabler ex.", "barrier ex.", "counter ex."):
        table.add_column(name, overflow="fold")
    for code in cb.codes:
        theme = cb.theme_of(code.id)
        label = shown(code.label) + (f"\n[dim]{shown(code.label_en)}[/]" if code.label_en
                                      else "")
        kws = ", ".join(code.keywords[:8]) + (f" (+{len(code.keywords) - 8})"
                                              if len(code.keywords) > 8 else "")
        table.add_row(shown(theme.label) if theme else "-", shown(code.id), label, shown(kws),
                      str(len(code.examples_of("enabler"))),
                      str(len(code.examples_of("barrier"))), str(len(code.counter_examples)))
    out_console.print(table)


@codebook_app.command("export")
@handle_errors
def codebook_export(
    path: Path = typer.Argument(..., help="Codebook to convert (YAML or CSV)."),
    out: Path = typer.Option(..., "--out", "-o", metavar="FILE",
                             help="Target file: .csv, .yaml or .qdc."),
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
    err_console.print(f"Wrote {len(cb.codes)} codes to {shown(out)}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
