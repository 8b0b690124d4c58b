"""``fgd review`` as one library call: choose turns, write the review sheet."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import OutputError, UsageError
from ..settings import CodeSettings
from .read import read_reviewed, roles_for
from .select import select_turns
from .sheet import write_review_sheet

if TYPE_CHECKING:  # pragma: no cover
    from ..result import CodingResult

REVIEW_FILE = "review.xlsx"


def make_review_sheet(result: "CodingResult", target: str | Path, *, sample: int,
                      strategy: str = "uncertain", seed: int = 0,
                      reviewed: Iterable[str | Path] = (),
                      overwrite: bool = False) -> tuple[Path, list[tuple[str, int]]]:
    """Choose ``sample`` turns of ``result`` by ``strategy`` (skipping turns reviewed in the
    results or in the ``reviewed`` files) and write them to the review sheet ``target``.

    Refuses to replace an existing sheet unless ``overwrite``: it may hold a researcher's
    decisions. ``target`` may be a folder (the sheet is then ``review.xlsx`` in it). Returns
    the sheet's path and the turns written.
    """
    target = Path(target)
    if target.is_dir():
        target = target / REVIEW_FILE
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"the review sheet is a workbook, not '{target.suffix or target.name}'.",
                         path=target, fix="give --out a file name ending in .xlsx.")
    if target.exists() and not overwrite:
        raise OutputError("the review sheet already exists (it may hold your decisions).",
                          path=target, fix="pass --out with another file name, or --force to "
                                           "replace it.")
    settings = CodeSettings.from_manifest(result.manifest.get("settings") or {})
    done = None
    reviewed = list(reviewed)
    if reviewed:
        done = read_reviewed(reviewed, passages=result.passages, codebook=result.codebook,
                             transcripts=result.transcripts, roles=roles_for(settings))
    turns = select_turns(result.passages, sample, strategy=strategy, seed=seed,
                         codings=result.codings, candidates=result.candidates,
                         reviewed=done, settings=settings)
    if not turns:
        raise OutputError("no turn is left to review: every eligible turn is reviewed.",
                          path=target, fix="nothing to do; run `fgd evaluate` or `fgd code "
                                           "--reviewed` with your reviewed files.")
    write_review_sheet(result, target, turns, strategy=strategy, seed=seed)
    return target, turns
