"""Checking decisions against the results (transcripts, turns, speakers, codes) and against
each other (two files that code one turn differently)."""
from __future__ import annotations

import difflib

import pandas as pd

from ..errors import ReviewedCodingsError
from .decisions import FileDecisions


def _did_you_mean(value: str, options: list[str]) -> str:
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _listed(options: list[str], limit: int = 8) -> str:
    shown = ", ".join(options[:limit])
    return shown + (f" ... ({len(options)} in all)" if len(options) > limit else "")


def canonical_codes(reading: FileDecisions, codebook) -> None:
    """Write each code id as the codebook spells it (``kep`` -> ``KEP``); an unknown code is
    an error naming the file, the row and the codebook's codes."""
    if codebook is None:
        return
    ids = codebook.ids
    lower = {i.lower(): i for i in ids}
    for group in (reading.rows, reading.rejections):
        for row in group:
            code = row["code_id"]
            if not code or code in ids:
                continue
            if code.lower() in lower:
                row["code_id"] = lower[code.lower()]
                continue
            raise ReviewedCodingsError(f"code '{code}' is not in the codebook"
                                       f"{_did_you_mean(code, ids)}.", path=reading.path,
                                       line=row["row"] or None,
                                       fix=f"use a code of the codebook: {_listed(ids)}.")


def check_turns(reading: FileDecisions, passages: pd.DataFrame | None,
                roles: tuple[str, ...]) -> None:
    """Every decision names a transcript of the results, a turn it has, spoken in a coded
    role, by the speaker the row names (when it names one); fills in missing speakers."""
    if passages is None:
        return
    turns = passages.drop_duplicates(["transcript_id", "turn"])
    info = {(str(r.transcript_id), int(r.turn)): (str(r.speaker), str(r.role))
            for r in turns.itertuples(index=False)}
    ids = list(dict.fromkeys(turns["transcript_id"].astype(str)))
    last_turn: dict[str, int] = {}
    for tid, turn in info:
        last_turn[tid] = max(last_turn.get(tid, 0), turn)
    for row in reading.rows + reading.rejections:
        tid, turn, line = row["transcript_id"], int(row["turn"]), row["row"] or None
        if tid not in last_turn:
            raise ReviewedCodingsError(
                f"transcript '{tid}' is not in the results{_did_you_mean(tid, ids)}.",
                path=reading.path, line=line,
                fix=f"use a transcript_id of the results' passages.csv ({_listed(ids, 5)}), "
                    "or code that transcript too.")
        if (tid, turn) not in info:
            raise ReviewedCodingsError(
                f"transcript {tid} has no turn {turn} (its turns are 1-{last_turn[tid]}).",
                path=reading.path, line=line,
                fix="check the turn number against column 'turn' of passages.csv.")
        speaker, role = info[(tid, turn)]
        if role not in roles:
            raise ReviewedCodingsError(
                f"turn {turn} of {tid} is a {role} turn ({speaker}), which is not coded.",
                path=reading.path, line=line,
                fix="remove the row or correct its turn number (only "
                    f"{'/'.join(roles)} turns are coded; fgd code --include-moderator codes "
                    "moderator and observer turns too).")
        given = " ".join(row["speaker"].split()).lower()
        if given and given != " ".join(speaker.split()).lower():
            raise ReviewedCodingsError(
                f"turn {turn} of {tid} is spoken by '{speaker}', not '{row['speaker']}'.",
                path=reading.path, line=line,
                fix="check the turn number (column 'turn' of passages.csv), or clear the "
                    "speaker column.")
        row["speaker"] = speaker


def _turn_sets(reading: FileDecisions) -> dict[tuple[str, int], tuple[frozenset, int]]:
    """Per turn of a file: its set of (code, polarity) and the first row naming it."""
    out: dict[tuple[str, int], tuple[set, int]] = {}
    for row in reading.rows:
        key = (row["transcript_id"], int(row["turn"]))
        codes, first = out.get(key, (set(), row["row"]))
        if row["code_id"]:
            codes.add((row["code_id"], row["polarity"]))
        out[key] = (codes, first)
    return {k: (frozenset(v), first) for k, (v, first) in out.items()}


def _describe(codes: frozenset) -> str:
    return ", ".join(f"{c} {p}" for c, p in sorted(codes)) or "no code"


def check_contradictions(readings: list[FileDecisions]) -> None:
    """Refuse two files that review one turn with different codes (or polarities): neither
    silently wins. Within one file, all its rows for a turn together are its truth."""
    seen: dict[tuple[str, int], tuple[frozenset, FileDecisions, int]] = {}
    for reading in readings:
        for key, (codes, row) in _turn_sets(reading).items():
            if key not in seen:
                seen[key] = (codes, reading, row)
                continue
            other_codes, other, other_row = seen[key]
            if other_codes != codes:
                def where(r: FileDecisions, n: int) -> str:
                    return f"{r.path}" + (f" row {n}" if n and r.format != "qdpx" else "")
                raise ReviewedCodingsError(
                    f"turn {key[1]} of {key[0]} is coded differently in {where(other, other_row)}"
                    f" ({_describe(other_codes)}) and in {where(reading, row)} "
                    f"({_describe(codes)}).",
                    fix="keep one of the two files, or reconcile the turn so both give the same "
                        "codes (`fgd agreement` lists every disagreement between coders).")
