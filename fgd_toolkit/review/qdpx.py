"""Reading a REFI-QDA project (``.qdpx``) a researcher edited in NVivo, ATLAS.ti, MAXQDA or
QualCoder back into decisions.

The project is the toolkit's own ``project.qdpx`` after the researcher removed, added or
recoded selections. ``project.qde`` is parsed with defusedxml and validated against the
REFI-QDA 1.0 ``Project.xsd`` (shipped in ``schemas/``). Then:

- **sources -> transcripts**: a text source named after a transcript id (as the toolkit
  names them; case and a ``.txt`` ending ignored) is that transcript, and its text must hold
  the transcript's passages at their offsets; a source with another name is matched by its
  text. Windows line endings (``\\r\\n``) written by a QDA program are taken into account.
- **selections -> turns**: a ``PlainTextSelection`` belongs to every turn whose text it
  overlaps, and names a passage when it overlaps just one passage of that turn.
- **codes -> codebook codes**: by the toolkit's GUIDs, else by name (``KEP``,
  ``KEP Pendorong (enabler)``, ``KEP / Penghambat``, the code's label); a polarity child gives
  its parent's code and that polarity, the code itself is ``neutral``, and a code the
  researcher created beneath a code (a sub-code) counts as its parent.
- **coder**: the ``User`` who created the coding; codings still owned by the toolkit's own
  user were accepted by whoever edited the project: its one other user if there is exactly
  one, else the file name.
- **scope**: the project is the complete coding of every transcript it holds: every turn of
  those transcripts (in the coded roles, by default participant turns) is reviewed, and a
  turn without a selection is read as having no code. Remove the transcripts you did not
  review from the project before exporting it.

Anything that cannot be mapped is a one-line error naming the file and the fix.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ReviewedCodingsError
from ..export.refi_qda import NS_PROJECT, guid
from .archive import SafeZip
from .decisions import FileDecisions, normalise_polarity
from .turns import turn_table

SCHEMA = Path(__file__).parent / "schemas" / "Project.xsd"
_FIX = ("export the project again from your QDA program as a REFI-QDA project (.qdpx) and "
        "pass that file.")
_Q = f"{{{NS_PROJECT}}}"
#: Name of the user the toolkit writes its codings as (``fgd-toolkit <version> (<backend>)``).
TOOL_USER_PREFIX = "fgd-toolkit"


@lru_cache(maxsize=1)
def project_schema():
    """The REFI-QDA 1.0 project schema (loaded once per process)."""
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMA))


def _norm_guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def parse_project(data: bytes, path: Path):
    """``project.qde`` as an element tree, safely parsed and valid against the schema."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise ReviewedCodingsError(f"project.qde is not readable XML ({exc}).", path=path,
                                   fix=_FIX) from None
    error = next(project_schema().iter_errors(root), None)
    if error is not None:
        where = f" at {error.path}" if getattr(error, "path", None) else ""
        reason = str(error.reason or error.message).replace("\n", " ")
        raise ReviewedCodingsError(f"project.qde does not follow the REFI-QDA 1.0 schema: "
                                   f"{reason}{where}.", path=path, fix=_FIX)
    return root


class CodeMap:
    """Which codebook code (and polarity) each code of the project stands for."""

    def __init__(self, root, codebook, labels: dict[str, str]) -> None:
        self.ids = {i.lower(): i for i in codebook.ids}
        self.by_label = {c.label.strip().lower(): c.id for c in codebook.codes}
        self.polarity_words = {"enabler", "barrier", "neutral", "pendorong", "penghambat",
                               "netral"} | {v.strip().lower() for v in labels.values() if v}
        self.labels = labels
        self.ours: dict[str, tuple[str, str]] = {}
        for code in codebook.codes:
            self.ours[guid("code", code.id)] = (code.id, "neutral")
            for pol in ("enabler", "barrier"):
                self.ours[guid("code", code.id, pol)] = (code.id, pol)
            self.by_label[f"{code.id} {code.label}".lower()] = code.id
        self.codes: dict[str, tuple[str, str] | None] = {}
        self.names: dict[str, str] = {}
        book = root.find(f"{_Q}CodeBook/{_Q}Codes")
        for node in (book if book is not None else []):
            self._walk(node, None)

    def _walk(self, node, parent: tuple[str, str] | None) -> None:
        key = _norm_guid(node.get("guid"))
        name = node.get("name") or ""
        self.names[key] = name
        mapped = self.ours.get(key) or self._by_name(name, parent)
        self.codes[key] = mapped
        for child in node.findall(f"{_Q}Code"):
            self._walk(child, mapped)

    def _by_name(self, name: str, parent: tuple[str, str] | None) -> tuple[str, str] | None:
        low = name.strip().lower()
        if low in self.by_label:
            return self.by_label[low], "neutral"
        code_id, rest = None, low
        for key in sorted(self.ids, key=len, reverse=True):    # longest id first: KEP2 > KEP
            if low.startswith(key) and (len(low) == len(key) or not low[len(key)].isalnum()):
                code_id, rest = self.ids[key], low[len(key):].strip(" -–—/:|>,;._")
                break
        polarity = self._polarity(rest)
        if code_id:
            return code_id, "neutral" if rest in self.by_label else polarity or "neutral"
        if parent is not None:       # "Pendorong (enabler)" under KEP, or a sub-code of KEP
            return parent[0], polarity or parent[1]
        return None

    def _polarity(self, text: str) -> str | None:
        words = set(re.split(r"[\s()\[\]]+", text)) - {""}
        if not words & self.polarity_words and text not in self.polarity_words:
            return None
        return normalise_polarity(text, self.labels) or None


def _source_text(archive: SafeZip, source, path: Path) -> str | None:
    """A text source's plain text (inline or inside the zip), ``None`` when stored outside."""
    inline = source.find(f"{_Q}PlainTextContent")
    if inline is not None:
        return inline.text or ""
    ref = source.get("plainTextPath") or ""
    if not ref.lower().startswith("internal://"):
        return None
    name = ref[len("internal://"):]
    entry = archive.find(f"sources/{name}") or archive.find(name)
    if entry is None:
        raise ReviewedCodingsError(f"source '{source.get('name')}' points at {ref}, which the "
                                   "project does not contain.", path=path, fix=_FIX)
    data = archive.read(entry)
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReviewedCodingsError(f"the text of source '{source.get('name')}' is neither "
                                   "UTF-8 nor UTF-16.",
                                   path=path, fix=_FIX) from None


class _Positions:
    """Maps a source's character positions onto the transcript's LF text (a QDA program may
    store the text with ``\\r\\n`` line endings and count the ``\\r``)."""

    def __init__(self, raw: str) -> None:
        self.text = raw.replace("\r\n", "\n")
        self._crs = [i for i, ch in enumerate(raw) if ch == "\r" and raw[i + 1:i + 2] == "\n"]

    def __call__(self, pos: int) -> int:
        return pos - bisect_left(self._crs, pos)


def _fits(text: str, spans: pd.DataFrame) -> int | None:
    """``None`` when ``text`` holds every passage at its offsets, else the first offset where
    it does not."""
    for row in spans.itertuples(index=False):
        if text[int(row.char_start):int(row.char_end)] != str(row.text):
            return int(row.char_start)
    return None


def _match_source(name: str, text: str | None, passages: pd.DataFrame, transcripts,
                  path: Path) -> str:
    """The transcript id a source stands for (by name, else by text)."""
    ids = list(dict.fromkeys(passages["transcript_id"]))
    stem = re.sub(r"\.(txt|md|docx|rtf)$", "", name.strip(), flags=re.I).lower()
    by_name = next((t for t in ids if t.lower() == stem), None)
    if by_name is not None:
        if text is not None:
            bad = _fits(text, passages[passages["transcript_id"] == by_name])
            if bad is not None:
                snippet = text[bad:bad + 40].replace("\n", " ")
                raise ReviewedCodingsError(
                    f"the text of source '{name}' differs from transcript {by_name} at "
                    f"character {bad} (\"{snippet}\").", path=path,
                    fix="do not edit transcript texts in the QDA program: correct the "
                        "transcript file, run `fgd code` again and code its fresh "
                        "project.qdpx.")
        return by_name
    if text is not None:
        hits = [t.id for t in transcripts or () if t.id in ids and t.plain_text == text]
        if not hits:
            hits = [t for t in ids if _fits(text, passages[passages["transcript_id"] == t])
                    is None]
        if len(hits) == 1:
            return hits[0]
    raise ReviewedCodingsError(
        f"source '{name}' matches no transcript of the results, by name or by text.",
        path=path, fix="keep the sources as `fgd code` named them (the transcript ids), or "
                       "remove sources that are not coded transcripts from the project; "
                       "pass the results folder these transcripts were coded into.")


def read_qdpx(path: Path, *, passages: pd.DataFrame, codebook, transcripts=None, coder: str,
              roles: tuple[str, ...], labels: dict[str, str]) -> FileDecisions:
    """Decisions of a REFI-QDA project (see the module's rules)."""
    with SafeZip(path, fix=_FIX) as archive:
        entry = archive.find("project.qde") or next(
            (n for n in archive.names if n.lower().endswith(".qde") and "/" not in n), None)
        if entry is None:
            raise ReviewedCodingsError("the .qdpx holds no project.qde.", path=path, fix=_FIX)
        root = parse_project(archive.read(entry), path)
        texts = {}
        sources = root.findall(f"{_Q}Sources/*")
        for source in sources:
            if source.tag == f"{_Q}TextSource":
                texts[_norm_guid(source.get("guid"))] = _source_text(archive, source, path)
    users = {_norm_guid(u.get("guid")): u.get("name") or ""
             for u in root.findall(f"{_Q}Users/{_Q}User")}
    people = sorted({n for n in users.values() if n and not n.startswith(TOOL_USER_PREFIX)})
    reviewer = people[0] if len(people) == 1 else coder
    codes = CodeMap(root, codebook, labels)
    turns = turn_table(passages)
    rows: list[dict] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    number = 0
    for source in sources:
        name = source.get("name") or source.get("guid") or ""
        if source.tag != f"{_Q}TextSource":
            if source.find(f".//{_Q}Coding") is not None:
                warnings.append(f"{path}: source '{name}' is not a text source; its codings "
                                "were skipped.")
            continue
        raw = texts[_norm_guid(source.get("guid"))]
        positions = _Positions(raw) if raw is not None else None
        tid = _match_source(name, positions.text if positions else None, passages,
                            transcripts, path)
        if tid in seen:
            raise ReviewedCodingsError(f"sources '{seen[tid]}' and '{name}' both hold "
                                       f"transcript {tid}.", path=path,
                                       fix="keep one of them in the project.")
        seen[tid] = name
        if source.find(f"{_Q}Coding") is not None:
            raise ReviewedCodingsError(f"source '{name}' is coded as a whole, not by "
                                       "selections.", path=path,
                                       fix="remove the coding of the whole document and code "
                                           "the passages it is about.")
        mine = turns[turns["transcript_id"] == tid]
        layout = _Layout(mine, passages[passages["transcript_id"] == tid])
        for selection in source.findall(f"{_Q}PlainTextSelection"):
            number += 1
            rows.extend(_selection_rows(selection, number, name, tid, positions, layout,
                                        codes, users, reviewer, roles, path))
        covered = {(r["transcript_id"], r["turn"]) for r in rows}
        for turn in mine.itertuples(index=False):
            if turn.role in roles and (tid, turn.turn) not in covered:
                rows.append({"transcript_id": tid, "turn": int(turn.turn), "code_id": "",
                             "polarity": "", "passage_id": "", "speaker": turn.speaker,
                             "coder": reviewer, "note": "", "file": str(path), "row": 0})
    coders = sorted({r["coder"] for r in rows if r["code_id"]}) or [reviewer]
    return FileDecisions(path=str(path), format="qdpx", rows=rows, rows_read=number,
                         coder=", ".join(coders), whole_transcripts=True,
                         transcripts=set(seen), warnings=warnings)


class _Layout:
    """Where a transcript's turns and passages lie in its plain text (numpy arrays, so that
    mapping thousands of selections stays fast)."""

    def __init__(self, turns: pd.DataFrame, passages: pd.DataFrame) -> None:
        self.turn = turns["turn"].to_numpy(dtype=int)
        self.start = turns["char_start"].to_numpy(dtype=int)
        self.end = turns["char_end"].to_numpy(dtype=int)
        self.role = turns["role"].astype(str).to_numpy()
        self.speaker = turns["speaker"].astype(str).to_numpy()
        self.p_id = passages["passage_id"].astype(str).to_numpy()
        self.p_turn = passages["turn"].to_numpy(dtype=int)
        self.p_start = passages["char_start"].to_numpy(dtype=int)
        self.p_end = passages["char_end"].to_numpy(dtype=int)

    def turns_in(self, start: int, end: int) -> np.ndarray:
        """Row positions of the turns whose text overlaps ``[start, end)``."""
        return np.flatnonzero((self.end > start) & (self.start < end))

    def passages_in(self, turn: int, start: int, end: int) -> np.ndarray:
        """Passage ids of one turn that overlap ``[start, end)``."""
        hit = (self.p_turn == turn) & (self.p_end > start) & (self.p_start < end)
        return self.p_id[hit]


def _selection_rows(selection, number: int, source: str, tid: str, positions,
                    layout: _Layout, codes: CodeMap, users: dict[str, str], reviewer: str,
                    roles: tuple[str, ...], path: Path) -> list[dict]:
    """The decisions one selection makes: each of its codes on each turn it overlaps."""
    label = f"selection {number} ('{selection.get('name') or selection.get('guid')}') of " \
            f"source '{source}'"
    start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
    if positions is not None:
        start, end = positions(start), positions(end)
        if not 0 <= start < end <= len(positions.text):
            raise ReviewedCodingsError(f"{label} spans characters {start}-{end}, outside the "
                                       f"text ({len(positions.text)} characters).", path=path,
                                       fix=_FIX)
    hit = layout.turns_in(start, end)
    if not len(hit):
        raise ReviewedCodingsError(f"{label} (characters {start}-{end}) lies outside every "
                                   "turn's text.", path=path,
                                   fix="extend the selection over the words of a turn in the "
                                       "QDA program, or remove its coding.")
    coded = [k for k in hit if layout.role[k] in roles]
    if not coded:
        k = hit[0]
        raise ReviewedCodingsError(
            f"{label} codes only {layout.role[k]} turn {layout.turn[k]} ({layout.speaker[k]}), "
            "which is not coded.", path=path,
            fix="remove that coding, or code those turns too (fgd code --include-moderator).")
    note_node = selection.find(f"{_Q}Description")
    note = (note_node.text or "").strip() if note_node is not None else ""
    rows = []
    for coding in selection.findall(f"{_Q}Coding"):
        ref = coding.find(f"{_Q}CodeRef")
        key = _norm_guid(ref.get("targetGUID"))
        mapped = codes.codes.get(key)
        if mapped is None:
            name = codes.names.get(key, ref.get("targetGUID"))
            raise ReviewedCodingsError(
                f"{label} is coded with '{name}', which is not a code of the codebook.",
                path=path, fix="recode it with a codebook code (or its Pendorong/Penghambat "
                               "child), or add the code to the codebook and run `fgd code` "
                               "again.")
        user = users.get(_norm_guid(coding.get("creatingUser") or
                                    selection.get("creatingUser")), "")
        who = reviewer if not user or user.startswith(TOOL_USER_PREFIX) else user
        for k in coded:
            turn = int(layout.turn[k])
            inside = layout.passages_in(turn, start, end)
            rows.append({"transcript_id": tid, "turn": turn, "code_id": mapped[0],
                         "polarity": mapped[1],
                         "passage_id": str(inside[0]) if len(inside) == 1 else "",
                         "speaker": str(layout.speaker[k]), "coder": who, "note": note,
                         "file": str(path), "row": number})
    return rows
