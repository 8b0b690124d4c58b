"""Agreement between coders: percent agreement, Cohen's kappa and Krippendorff's alpha per
code and overall, and the turns where coders disagree (for a reconciliation meeting).

A **unit** is a turn, ``(transcript_id, turn)``. For every code, each coder gives each unit
two values:

- *presence*: ``present`` or ``absent``;
- *polarity*, one nominal variable of four categories: ``absent``, ``enabler``, ``barrier``,
  or ``mixed`` (the coder coded the turn both enabler and barrier, or neutral, or left the
  polarity empty: present, but not in one direction).

A coder who did not cover a transcript (no row of its codings names it) has **missing**
values on that transcript's turns: alpha uses every unit at least two coders coded, Cohen's
kappa (two coders only) the units both coded. Which turns are units:

- with a turn list (:func:`units_from_results`, :func:`units_from_transcripts`): every
  participant turn of the covered transcripts, plus any other turn a coder coded, so that a
  turn nobody coded counts as agreement on absence;
- without one: only the turns at least one coder coded (a row with an empty ``code_id``
  marks a turn the coder read and left uncoded, which makes it a unit too).

"Overall" pools every (unit, code) pair into one presence (or polarity) variable. Kappa and
alpha are undefined (NaN) when the coders used a single value throughout, e.g. for a code
nobody applied. Alpha comes from the ``krippendorff`` package, kappa from scikit-learn.

>>> report = agreement(["coder-a.csv", "coder-b.csv"])          # doctest: +SKIP
>>> report.per_code[["code_id", "kappa", "alpha"]]              # doctest: +SKIP
"""
from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import FgdError, UsageError
from .csv_safety import restore_formulas

UNIT = ["transcript_id", "turn"]
#: Values of the presence variable (index = the number given to krippendorff/sklearn).
PRESENCE_VALUES = ("absent", "present")
#: Values of the polarity variable; ``mixed`` = both enabler and barrier, or neutral.
POLARITY_VALUES = ("absent", "enabler", "barrier", "mixed")
_POLARITY_INDEX = {"enabler": 1, "barrier": 2}
KNOWN_POLARITIES = ("enabler", "barrier", "neutral", "")

#: How the units were chosen (``AgreementReport.unit_source``) and what that means.
UNIT_SOURCES = {
    "results": "every participant turn of the covered transcripts (from the results "
               "folder's passages.csv), plus any other turn a coder coded",
    "transcripts": "every participant turn of the covered transcripts (read from the "
                   "transcript files), plus any other turn a coder coded",
    "coded": "only the turns at least one coder coded (give --results or --transcripts to "
             "count the turns nobody coded as agreement on absence)",
}


@dataclass
class Coder:
    """One coder's turn-level codings (``transcript_id, turn, code_id, polarity``)."""

    name: str
    codings: pd.DataFrame
    source: str = ""
    covered: set[str] | None = None

    @property
    def transcripts(self) -> set[str]:
        """The transcripts this coder covered: ``covered`` if given, else every transcript
        its codings name."""
        return set(self.covered) if self.covered is not None \
            else set(self.codings["transcript_id"])


@dataclass
class AgreementReport:
    """Agreement between two or more coders.

    Attributes:
        coders: the coders' names, in the order given.
        per_code: one row per code: ``code_id, units`` (units at least two coders coded),
            ``n:<coder>`` (turns each coder coded with the code), ``percent_agreement, kappa,
            alpha`` (presence) and ``polarity_percent_agreement, polarity_kappa,
            polarity_alpha`` (the four-category polarity variable). Kappa only with two
            coders.
        overall: the same figures over every (unit, code) pair pooled.
        pairwise: Cohen's kappa (pooled presence and polarity) for every pair of coders.
        disagreements: one row per (unit, code) where the coders' polarity values differ:
            ``transcript_id, turn, code_id, disagreement`` (``presence`` or ``polarity``), one
            column per coder (its value; empty where it did not cover the transcript), and
            ``speaker, text`` when the units came with the turns' text.
        unit_source: ``results``, ``transcripts`` or ``coded`` (see :data:`UNIT_SOURCES`).
        notes: what the reader should know (which turns are units, codes left out).
    """

    coders: list[str]
    per_code: pd.DataFrame
    overall: dict
    pairwise: pd.DataFrame
    disagreements: pd.DataFrame
    unit_source: str
    units: int
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain data for JSON (NaN becomes ``None``)."""
        def clean(value):
            if isinstance(value, float) and math.isnan(value):
                return None
            if isinstance(value, (np.integer,)):
                return int(value)
            if isinstance(value, (np.floating,)):
                return clean(float(value))
            return value

        def records(frame: pd.DataFrame) -> list[dict]:
            return [{k: clean(v) for k, v in row.items()} for row in frame.to_dict("records")]

        return {"coders": self.coders, "units": self.units, "unit_source": self.unit_source,
                "units_are": UNIT_SOURCES[self.unit_source], "notes": self.notes,
                "overall": {k: clean(v) for k, v in self.overall.items()},
                "per_code": records(self.per_code), "pairwise": records(self.pairwise),
                "disagreements": len(self.disagreements)}


# ---------------------------------------------------------------- units

def units_from_results(folder: str | Path) -> pd.DataFrame:
    """Every turn of a results folder's ``passages.csv``: ``transcript_id, turn, speaker,
    role, text`` (a turn's passages joined)."""
    path = Path(folder) / "passages.csv"
    if not path.is_file():
        raise FgdError("not a results folder (no passages.csv).", path=folder,
                       fix="give the folder `fgd code ... --out FOLDER` wrote.")
    passages = restore_formulas(pd.read_csv(path, dtype={"transcript_id": str},
                                             keep_default_na=False))
    missing = [c for c in ("transcript_id", "turn", "speaker", "role", "text")
               if c not in passages.columns]
    if missing:
        raise FgdError(f"passages.csv lacks column(s) {', '.join(missing)}.", path=path,
                       fix="code the transcripts again with this version of fgd.")
    return turns_of_passages(passages)


def turns_of_passages(passages: pd.DataFrame) -> pd.DataFrame:
    """Turns of a passages table (``transcript_id, turn, speaker, role, text``), in order."""
    grouped = passages.groupby(UNIT, sort=False)
    turns = grouped.agg(speaker=("speaker", "first"), role=("role", "first"),
                        text=("text", lambda texts: " ".join(str(t) for t in texts)))
    turns = turns.reset_index()
    turns["turn"] = turns["turn"].astype(int)
    return turns


def units_from_transcripts(paths) -> pd.DataFrame:
    """Every turn of transcript files or folders: ``transcript_id, turn, speaker, role, text``
    (turns numbered from 1, as in ``passages.csv``)."""
    from .ingest import read_transcripts

    transcripts = read_transcripts(paths)
    rows = [{"transcript_id": t.id, "turn": number, "speaker": turn.speaker,
             "role": turn.role, "text": turn.text}
            for t in transcripts for number, turn in enumerate(t.turns, start=1)]
    return pd.DataFrame(rows, columns=["transcript_id", "turn", "speaker", "role", "text"])


# ---------------------------------------------------------------- reading coders

def read_coders(inputs, names: list[str] | None = None) -> list[Coder]:
    """Coders from paths (files or folders in any format ``fgd evaluate --gold`` reads; one
    argument = one coder) or DataFrames, named after the file or folder."""
    from .evaluate import load_gold

    if isinstance(inputs, dict):
        names, inputs = list(inputs), list(inputs.values())
    coders = []
    for i, item in enumerate(inputs):
        if isinstance(item, pd.DataFrame):
            frame, source, name = item, f"coder {i + 1}", f"coder{i + 1}"
        else:
            path = Path(item)
            if not path.exists():
                raise UsageError("no such file or folder.", path=path,
                                 fix="check the path of this coder's codings.")
            frame, source, name = _with_read_turns(load_gold(path)), str(path), \
                path.stem or path.name
            if frame.empty:
                raise FgdError("holds no codings.", path=path,
                               fix="give each coder's codings (one row per turn and code).")
        coders.append(Coder(name=names[i] if names else name, codings=_clean(frame, source),
                            source=source))
    _unique_names(coders)
    return coders


def _with_read_turns(gold: pd.DataFrame) -> pd.DataFrame:
    """A gold table plus one empty-code row per turn its file lists with no code (kept by
    :func:`~fgd_toolkit.evaluate.load_gold` in ``attrs``): a turn the coder read and left
    uncoded is a unit too."""
    coded = set(zip(gold["transcript_id"], gold["turn"].astype(int)))
    read = [(str(t), int(u)) for t, u in gold.attrs.get("reviewed_turns", ())
            if (str(t), int(u)) not in coded]
    if not read:
        return gold
    empty = pd.DataFrame([{"transcript_id": t, "turn": u, "code_id": "", "polarity": ""}
                          for t, u in read])
    return pd.concat([gold, empty], ignore_index=True)


def _clean(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    missing = [c for c in ("transcript_id", "turn", "code_id") if c not in frame.columns]
    if missing:
        raise FgdError(f"the codings lack column(s) {', '.join(missing)}.", path=source,
                       fix="give them the columns transcript_id, turn, code_id, polarity.")
    frame = frame.copy()
    if "polarity" not in frame.columns:
        frame["polarity"] = ""
    frame = frame[["transcript_id", "turn", "code_id", "polarity"]].fillna("")
    for col in ("transcript_id", "code_id", "polarity"):
        frame[col] = frame[col].astype(str).str.strip()
    frame["polarity"] = frame["polarity"].str.lower()
    unknown = sorted(set(frame["polarity"]) - set(KNOWN_POLARITIES))
    if unknown:
        raise FgdError(f"unknown polarity value(s) {', '.join(map(repr, unknown[:5]))}.",
                       path=source, fix="use enabler, barrier or neutral (or leave it empty).")
    turns = pd.to_numeric(frame["turn"], errors="coerce")
    if turns.isna().any() or (turns % 1 != 0).any():
        bad = frame.loc[turns.isna() | (turns % 1 != 0), "turn"].iloc[0]
        raise FgdError(f"turn {bad!r} is not a turn number.", path=source,
                       fix="give turns as the numbers of passages.csv (1 = first turn).")
    frame["turn"] = turns.astype(int)
    return frame.drop_duplicates().reset_index(drop=True)


def _unique_names(coders: list[Coder]) -> None:
    """Make coder names unique: the parent folder first (``a/gold``), then a number."""
    for _ in range(2):
        counts = pd.Series([c.name for c in coders]).value_counts()
        if counts.max() == 1:
            return
        for c in coders:
            if counts[c.name] > 1 and c.source and not c.source.startswith("coder "):
                path = Path(c.source)
                c.name = f"{path.parent.name}/{path.stem or path.name}"
    seen: dict[str, int] = {}
    for c in coders:
        seen[c.name] = seen.get(c.name, 0) + 1
        if seen[c.name] > 1:
            c.name = f"{c.name} ({seen[c.name]})"


# ---------------------------------------------------------------- checks

def check_codes(coders: list[Coder], codes: list[str] | None = None,
                common_codes: bool = False) -> tuple[list[str], list[str]]:
    """The codes to compare and a note about any left out.

    With ``codes`` (a codebook's ids), every coder's codes must be among them, and a code a
    coder never used counts as that coder's "absent". Without it the coders must use the same
    set of codes (a code only some coders used may be a code one of them never applied, or a
    different codebook: only the user can tell), unless ``common_codes`` restricts the
    comparison to the codes every coder used.
    """
    used = {c.name: set(c.codings["code_id"]) - {""} for c in coders}
    if codes is not None:
        for c in coders:
            foreign = sorted(used[c.name] - set(codes))
            if foreign:
                raise FgdError(f"codes not in the codebook: {', '.join(foreign[:8])}.",
                               path=c.source,
                               fix="use the codebook's code ids (or give the codebook these "
                                   "codings were made with).")
        return list(codes), []
    union = sorted(set().union(*used.values()))
    common = sorted(set.intersection(*used.values()))
    if union == common:
        return union, []
    differ = [f"{c.name} lacks {', '.join(sorted(set(union) - used[c.name])[:6])}"
              for c in coders if set(union) - used[c.name]]
    if not common_codes:
        first = next(c for c in coders if set(union) - used[c.name])
        raise UsageError(f"the coders used different codes ({'; '.join(differ)}).",
                         path=first.source,
                         fix="give --codebook (or --results) so a code a coder never applied "
                             "counts as absent, or --common-codes to compare only the codes "
                             "every coder used.")
    if not common:
        raise UsageError(f"the coders have no code in common ({'; '.join(differ)}).",
                         fix="check that the files were coded with the same codebook.")
    left_out = sorted(set(union) - set(common))
    return common, [f"codes not used by every coder were left out (--common-codes): "
                    f"{', '.join(left_out)}."]


def _check_units(coders: list[Coder], units: pd.DataFrame) -> None:
    known = set(units["transcript_id"])
    turns = units.groupby("transcript_id")["turn"].max().to_dict()
    for c in coders:
        unknown = sorted(c.transcripts - known)
        if unknown:
            raise FgdError(f"the codings name transcripts the turn list does not have: "
                           f"{', '.join(unknown[:5])}.", path=c.source,
                           fix="give the results or transcripts these codings were made on, "
                               "or check the transcript_id column (it must match "
                               "passages.csv).")
        beyond = c.codings[c.codings["turn"] > c.codings["transcript_id"].map(turns)]
        if len(beyond) or (c.codings["turn"] < 1).any():
            row = beyond.iloc[0] if len(beyond) else c.codings[c.codings["turn"] < 1].iloc[0]
            raise FgdError(f"turn {row['turn']} of {row['transcript_id']} does not exist "
                           f"(the transcript has {turns[row['transcript_id']]} turns).",
                           path=c.source,
                           fix="number turns as passages.csv does (1 = the first turn).")


# ---------------------------------------------------------------- statistics

def _alpha(matrix: np.ndarray, n_values: int) -> float:
    """Krippendorff's nominal alpha of a coders × units matrix (NaN = missing)."""
    import krippendorff

    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    if not pairable.any():
        return float("nan")
    values = matrix[:, pairable]
    if len(np.unique(values[~np.isnan(values)])) < 2:
        return float("nan")      # one value throughout: no variation, alpha undefined
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(krippendorff.alpha(reliability_data=values, level_of_measurement="nominal",
                                        value_domain=list(range(n_values))))


def _kappa(a: np.ndarray, b: np.ndarray, n_values: int) -> float:
    """Cohen's kappa over the units both coders coded (NaN when undefined)."""
    from sklearn.metrics import cohen_kappa_score

    both = ~np.isnan(a) & ~np.isnan(b)
    if not both.any() or len(np.unique(np.concatenate([a[both], b[both]]))) < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(a[both].astype(int), b[both].astype(int),
                                       labels=list(range(n_values))))


def _percent_agreement(matrix: np.ndarray) -> tuple[float, int]:
    """Share (in %) of the units at least two coders coded on which they all agree."""
    present = ~np.isnan(matrix)
    pairable = present.sum(axis=0) >= 2
    if not pairable.any():
        return float("nan"), 0
    lo = np.where(present, matrix, np.inf).min(axis=0)
    hi = np.where(present, matrix, -np.inf).max(axis=0)
    agree = (lo == hi) & pairable
    return 100.0 * agree.sum() / pairable.sum(), int(pairable.sum())


def _presence(polarity: np.ndarray) -> np.ndarray:
    """The presence variable (0/1, NaN kept) of a polarity matrix."""
    return np.where(np.isnan(polarity), np.nan, (polarity > 0).astype(float))


def _figures(polarity: np.ndarray) -> dict:
    """Presence and polarity figures of a coders × items matrix of polarity values."""
    out: dict = {}
    for prefix, matrix, n_values in (("", _presence(polarity), len(PRESENCE_VALUES)),
                                     ("polarity_", polarity, len(POLARITY_VALUES))):
        share, units = _percent_agreement(matrix)
        if not prefix:
            out["units"] = units
        out[prefix + "percent_agreement"] = round(float(share), 2) if units else float("nan")
        out[prefix + "kappa"] = _round(_kappa(matrix[0], matrix[1], n_values)) \
            if len(matrix) == 2 else float("nan")
        out[prefix + "alpha"] = _round(_alpha(matrix, n_values))
    return out


def _round(value: float) -> float:
    return value if math.isnan(value) else round(value, 4)


def polarity_matrix(coders: list[Coder], units: list[tuple[str, int]], code: str) -> np.ndarray:
    """Coders × units polarity values of one code (0 absent, 1 enabler, 2 barrier,
    3 mixed; NaN where the coder did not cover the unit's transcript)."""
    index = {u: i for i, u in enumerate(units)}
    matrix = np.full((len(coders), len(units)), np.nan)
    unit_tids = np.array([u[0] for u in units], dtype=object)
    for row, coder in enumerate(coders):
        matrix[row, np.isin(unit_tids, list(coder.transcripts))] = 0
        mine = coder.codings[coder.codings["code_id"] == code]
        for (tid, turn), pols in mine.groupby(UNIT)["polarity"]:
            kinds = set(pols)
            value = _POLARITY_INDEX[next(iter(kinds))] if len(kinds) == 1 and \
                next(iter(kinds)) in _POLARITY_INDEX else 3
            matrix[row, index[(tid, int(turn))]] = value
    return matrix


# ---------------------------------------------------------------- the report

def agreement(coders, units: pd.DataFrame | None = None, *, codes: list[str] | None = None,
              common_codes: bool = False, unit_source: str | None = None,
              names: list[str] | None = None) -> AgreementReport:
    """Agreement between two or more coders' turn-level codings.

    Args:
        coders: paths (one file or folder per coder, any format ``fgd evaluate --gold``
            reads), DataFrames with ``transcript_id, turn, code_id, polarity``, a list of
            :class:`Coder`, or a dict name -> path/DataFrame.
        units: the turns that can be coded (``transcript_id, turn``, optionally ``role,
            speaker, text``; see :func:`units_from_results`); only participant turns of the
            covered transcripts are units, plus any turn a coder coded. ``None``: only the
            turns at least one coder coded.
        codes: the codebook's code ids (a code a coder never used is "absent" for it);
            ``None`` requires the coders to use the same codes (see :func:`check_codes`).
        common_codes: without ``codes``, compare only the codes every coder used.
        unit_source: how ``units`` were made (``results`` or ``transcripts``), for the note.
        names: coder names (default: the file or folder names).

    Raises:
        UsageError: fewer than two coders, or coders using different codes.
        FgdError: a coder's file names a transcript or turn the units do not have.
    """
    if not (isinstance(coders, list) and coders and all(isinstance(c, Coder) for c in coders)):
        coders = read_coders(coders, names)
    if len(coders) < 2:
        raise UsageError("agreement needs the codings of at least two coders.",
                         fix="give two or more files or folders, one per coder.")
    if units is not None:
        _check_units(coders, units)
    code_ids, notes = check_codes(coders, codes, common_codes)
    covered = set().union(*(c.transcripts for c in coders))
    if units is not None:
        source = unit_source or "results"
        eligible = units[units["transcript_id"].isin(covered)]
        if "role" in eligible.columns:
            eligible = eligible[eligible["role"] == "participant"]
        keys = set(zip(eligible["transcript_id"], eligible["turn"].astype(int)))
    else:
        source, keys = "coded", set()
    for c in coders:
        keys |= set(zip(c.codings["transcript_id"], c.codings["turn"]))
    unit_list = sorted(keys)
    notes.insert(0, f"units: {len(unit_list)} turns: {UNIT_SOURCES[source]}.")

    matrices = {code: polarity_matrix(coders, unit_list, code) for code in code_ids}
    rows = []
    for code in code_ids:
        matrix = matrices[code]
        row = {"code_id": code}
        counts = {f"n:{c.name}": int((matrix[i] > 0).sum()) for i, c in enumerate(coders)}
        figures = _figures(matrix)
        rows.append({**row, "units": figures.pop("units"), **counts, **figures})
    per_code = pd.DataFrame(rows)
    pooled = np.concatenate([matrices[c] for c in code_ids], axis=1) if code_ids \
        else np.full((len(coders), 0), np.nan)
    overall = _figures(pooled)
    overall["items"] = overall.pop("units")
    overall = {"units": len(unit_list), **overall}
    presence = _presence(pooled)
    pairwise = pd.DataFrame(
        [{"coder_a": coders[i].name, "coder_b": coders[j].name,
          "kappa": _round(_kappa(presence[i], presence[j], len(PRESENCE_VALUES))),
          "polarity_kappa": _round(_kappa(pooled[i], pooled[j], len(POLARITY_VALUES)))}
         for i, j in itertools.combinations(range(len(coders)), 2)])
    disagreements = _disagreements(coders, unit_list, matrices, units)
    return AgreementReport(coders=[c.name for c in coders], per_code=per_code, overall=overall,
                           pairwise=pairwise, disagreements=disagreements,
                           unit_source=source, units=len(unit_list), notes=notes)


def kappa_per_code(first: pd.DataFrame, second: pd.DataFrame, units: pd.DataFrame,
                   codes: list[str], names: tuple[str, str] = ("first", "second"),
                   ) -> tuple[dict[str, float], float]:
    """Cohen's kappa on code presence between two codings of the same transcripts, per code
    and pooled over (unit, code) pairs: what ``fgd evaluate`` reports beside P/R/F1.

    ``units`` lists the turns (``transcript_id, turn``, optionally ``role``): its participant
    turns, plus every turn either side coded, are the units; both sides cover every one of
    them (a turn a side left uncoded is "absent"). ``names`` name the two sides in errors.
    """
    covered = set(units["transcript_id"])
    sides = [Coder(name, _clean(frame, name), covered=covered)
             for name, frame in zip(names, (first, second))]
    eligible = units[units["role"] == "participant"] if "role" in units.columns else units
    keys = set(zip(eligible["transcript_id"], eligible["turn"].astype(int)))
    for side in sides:
        side.codings = side.codings[side.codings["transcript_id"].isin(covered)]
        keys |= set(zip(side.codings["transcript_id"], side.codings["turn"]))
    unit_list = sorted(keys)
    presence = {code: _presence(polarity_matrix(sides, unit_list, code)) for code in codes}
    per_code = {code: _round(_kappa(m[0], m[1], len(PRESENCE_VALUES)))
                for code, m in presence.items()}
    pooled = np.concatenate(list(presence.values()), axis=1) if codes \
        else np.full((2, 0), np.nan)
    return per_code, _round(_kappa(pooled[0], pooled[1], len(PRESENCE_VALUES)))


def agreement_of_files(files: list[str | Path], *, results: str | Path | None = None,
                       transcripts: list[str | Path] | None = None,
                       codebook: str | Path | None = None,
                       common_codes: bool = False) -> AgreementReport:
    """:func:`agreement` of coders' files, with the units and codes taken from a results
    folder (its ``passages.csv`` and ``codebook.yaml``) or transcript files, and the codes
    from a codebook file: what ``fgd agreement`` runs."""
    from .codebook import load_codebook

    if results is not None and transcripts:
        raise UsageError("--results and --transcripts both list the turns.",
                         fix="give one of them.")
    units, source = None, None
    if results is not None:
        units, source = units_from_results(results), "results"
        if codebook is None and (Path(results) / "codebook.yaml").is_file():
            codebook = Path(results) / "codebook.yaml"
    elif transcripts:
        units, source = units_from_transcripts(list(transcripts)), "transcripts"
    codes = load_codebook(codebook).ids if codebook is not None else None
    return agreement(read_coders(list(files)), units, codes=codes, common_codes=common_codes,
                     unit_source=source)


def _disagreements(coders: list[Coder], unit_list: list[tuple[str, int]],
                   matrices: dict[str, np.ndarray], units: pd.DataFrame | None) -> pd.DataFrame:
    fixed = ["transcript_id", "turn", "code_id", "disagreement"]
    names = [c.name if c.name not in fixed + ["speaker", "text"] else f"coder {c.name}"
             for c in coders]
    rows = []
    for code, matrix in matrices.items():
        present = ~np.isnan(matrix)
        pairable = present.sum(axis=0) >= 2
        lo = np.where(present, matrix, np.inf).min(axis=0)
        hi = np.where(present, matrix, -np.inf).max(axis=0)
        for u in np.flatnonzero(pairable & (lo != hi)):
            values = matrix[:, u]
            seen = values[~np.isnan(values)]
            kind = "presence" if (seen == 0).any() else "polarity"
            row = {"transcript_id": unit_list[u][0], "turn": unit_list[u][1], "code_id": code,
                   "disagreement": kind}
            for name, value in zip(names, values):
                row[name] = "" if np.isnan(value) else POLARITY_VALUES[int(value)]
            rows.append(row)
    frame = pd.DataFrame(rows, columns=fixed + names)
    if units is not None and "text" in units.columns:
        text = units[["transcript_id", "turn", "speaker", "text"]].copy()
        text["turn"] = text["turn"].astype(int)
        frame = frame.merge(text, on=UNIT, how="left")
        frame[["speaker", "text"]] = frame[["speaker", "text"]].fillna("")
    return frame.sort_values(["transcript_id", "turn", "code_id"], kind="stable") \
        .reset_index(drop=True)


__all__ = ["agreement", "agreement_of_files", "AgreementReport", "Coder", "read_coders", "units_from_results",
           "units_from_transcripts", "check_codes", "PRESENCE_VALUES", "POLARITY_VALUES"]
