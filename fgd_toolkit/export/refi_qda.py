"""REFI-QDA exchange files: the codebook as ``.qdc`` and the coded project as ``.qdpx``.

Both open in NVivo, ATLAS.ti, MAXQDA and QualCoder. Each code becomes a codable code with two
codable children, *Pendorong (enabler)* and *Penghambat (barrier)*; themes become non-codable
parents. In the project, every coded passage is a ``PlainTextSelection`` of its transcript's
plain text (``startPosition``/``endPosition`` are the passage's ``char_start``/``char_end``),
coded with the child of its polarity (the code itself when neutral); every speaker is a case
with its roster attributes as variables. GUIDs are ``uuid5`` of stable keys, so the same
result gives the same files.
"""
from __future__ import annotations

import uuid
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from ..codebook import Codebook
from ..sanitise import for_xml

if TYPE_CHECKING:  # pragma: no cover
    from ..result import CodingResult

NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
NS_PROJECT = "urn:QDA-XML:project:1.0"
_NAMESPACE = uuid.UUID("6f1c1e4e-5b0a-4c47-9d0e-2f6a8f0f7c11")
#: Code colours: enabler green, barrier red, theme/code neutral grey-blue.
COLOURS = {"enabler": "#2E7D32", "barrier": "#C62828", "code": "#455A64"}
_BASE_ATTRIBUTES = ("passage_id", "transcript_id", "group", "turn", "speaker", "role", "start",
                    "end", "char_start", "char_end", "text", "backchannel", "introduction",
                    "text_norm", "cluster", "cluster_note")


def guid(*parts: object) -> str:
    """A stable GUID for a key (REFI-QDA wants 8-4-4-4-12 hex)."""
    return _guid("|".join(str(p) for p in parts))


@lru_cache(maxsize=65536)
def _guid(key: str) -> str:
    # memoised: a project asks for the same code and selection GUIDs thousands of times
    try:
        return str(uuid.uuid5(_NAMESPACE, key))
    except UnicodeEncodeError:      # a file name's undecodable bytes: hash them as they are
        return str(uuid.uuid5(_NAMESPACE, key.encode("utf-8", "surrogatepass").decode("latin-1")))


def polarity_names(codebook: Codebook) -> dict[str, str]:
    labels = codebook.polarity or {}
    return {pol: f"{(labels.get(pol) or {}).get('label') or default} ({pol})"
            for pol, default in (("enabler", "Pendorong"), ("barrier", "Penghambat"))}


def _code_elements(parent: ET.Element, codebook: Codebook, ns: str) -> None:
    codes = ET.SubElement(parent, f"{{{ns}}}Codes")
    names = polarity_names(codebook)
    theme_nodes: dict[str, ET.Element] = {}
    used = {c.theme for c in codebook.codes}
    for theme in codebook.themes:
        if theme.id not in used:
            continue
        node = ET.SubElement(codes, f"{{{ns}}}Code", guid=guid("theme", theme.id),
                             name=theme.label, isCodable="false", color=COLOURS["code"])
        if theme.label_en or theme.description:
            ET.SubElement(node, f"{{{ns}}}Description").text = " ".join(
                filter(None, [theme.label_en, theme.description]))
        theme_nodes[theme.id] = node
    for code in codebook.codes:
        holder = theme_nodes.get(code.theme, codes)
        node = ET.SubElement(holder, f"{{{ns}}}Code", guid=guid("code", code.id),
                             name=f"{code.id} {code.label}", isCodable="true",
                             color=COLOURS["code"])
        description = [code.definition]
        if code.label_en:
            description.insert(0, f"({code.label_en})")
        if code.include:
            description.append(f"Include: {code.include}")
        if code.exclude:
            description.append(f"Exclude: {code.exclude}")
        if code.keywords:
            description.append("Keywords: " + ", ".join(code.keywords))
        ET.SubElement(node, f"{{{ns}}}Description").text = " ".join(description)
        for pol in ("enabler", "barrier"):
            ET.SubElement(node, f"{{{ns}}}Code", guid=guid("code", code.id, pol),
                          name=f"{code.id} {names[pol]}", isCodable="true",
                          color=COLOURS[pol])


def _xml_bytes(root: ET.Element) -> bytes:
    """The document as UTF-8; characters XML 1.0 does not allow (control characters from a
    transcript, a codebook or a file name) are replaced, so it is always well-formed."""
    for node in root.iter():
        if node.text:
            node.text = for_xml(node.text)
        for key, value in node.attrib.items():
            node.set(key, for_xml(value))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def codebook_qdc(codebook: Codebook) -> bytes:
    """The codebook as a REFI-QDA ``.qdc`` document (UTF-8 XML)."""
    ET.register_namespace("", NS_CODEBOOK)
    root = ET.Element(f"{{{NS_CODEBOOK}}}CodeBook", origin="fgd-toolkit")
    _code_elements(root, codebook, NS_CODEBOOK)
    return _xml_bytes(root)


def project_qde(result: "CodingResult") -> tuple[bytes, dict[str, str]]:
    """``project.qde`` and the plain-text sources it references (name in zip -> text)."""
    if not result.transcripts:
        raise ValueError("the result holds no transcripts (loaded from CSV files)")
    ns = NS_PROJECT
    ET.register_namespace("", ns)
    user = guid("user", result.manifest.get("tool", "fgd-toolkit"),
                result.manifest.get("version", ""))
    created = str(result.manifest.get("created", ""))[:19] or None
    project = ET.Element(f"{{{ns}}}Project", name=result.codebook.name or "fgd-toolkit",
                         origin=f"fgd-toolkit {result.manifest.get('version', '')}".strip(),
                         creatingUserGUID=user)
    if created:
        project.set("creationDateTime", created)
    users = ET.SubElement(project, f"{{{ns}}}Users")
    ET.SubElement(users, f"{{{ns}}}User", guid=user,
                  name=str(result.codings["coder"].iat[0]) if len(result.codings)
                  else "fgd-toolkit")
    book = ET.SubElement(project, f"{{{ns}}}CodeBook")
    _code_elements(book, result.codebook, ns)

    passages = result.passages
    attributes = [c for c in passages.columns if c not in _BASE_ATTRIBUTES]
    variables = {name: guid("variable", name) for name in ["role", *attributes]}
    var_node = ET.SubElement(project, f"{{{ns}}}Variables")
    for name, vid in variables.items():
        ET.SubElement(var_node, f"{{{ns}}}Variable", guid=vid, name=name, typeOfVariable="Text")

    coded = result.codings.merge(passages[["passage_id", "transcript_id", "char_start",
                                           "char_end", "speaker"]], on="passage_id")
    selections: dict[str, str] = {pid: guid("selection", pid)
                                  for pid in coded["passage_id"].unique()}
    by_speaker = {key: list(dict.fromkeys(group["passage_id"]))
                  for key, group in coded.groupby(["transcript_id", "speaker"], sort=False)}
    by_source = {tid: group for tid, group in coded.groupby("transcript_id", sort=False)}
    cases = ET.SubElement(project, f"{{{ns}}}Cases")
    speakers = passages.drop_duplicates(["transcript_id", "speaker"])
    for row in speakers.itertuples(index=False):
        case = ET.SubElement(cases, f"{{{ns}}}Case", guid=guid("case", row.transcript_id,
                                                                row.speaker),
                             name=f"{row.speaker} ({row.transcript_id})")
        for name, vid in variables.items():
            value = str(getattr(row, name, "") or "")
            if value:
                vv = ET.SubElement(case, f"{{{ns}}}VariableValue")
                ET.SubElement(vv, f"{{{ns}}}VariableRef", targetGUID=vid)
                ET.SubElement(vv, f"{{{ns}}}TextValue").text = value
        ET.SubElement(case, f"{{{ns}}}SourceRef", targetGUID=guid("source", row.transcript_id))
        for pid in by_speaker.get((row.transcript_id, row.speaker), ()):
            ET.SubElement(case, f"{{{ns}}}SelectionRef", targetGUID=selections[pid])

    sources = ET.SubElement(project, f"{{{ns}}}Sources")
    files: dict[str, str] = {}
    for transcript in result.transcripts:
        sid = guid("source", transcript.id)
        files[f"sources/{sid}.txt"] = transcript.plain_text
        source = ET.SubElement(sources, f"{{{ns}}}TextSource", guid=sid, name=transcript.id,
                               plainTextPath=f"internal://{sid}.txt")
        mine = by_source.get(transcript.id)
        if mine is None:
            continue
        rows_by_passage: dict[str, list] = {}
        for coding in mine.itertuples(index=False):
            rows_by_passage.setdefault(coding.passage_id, []).append(coding)
        for pid in sorted(rows_by_passage):
            rows = rows_by_passage[pid]
            first = rows[0]
            selection = ET.SubElement(
                source, f"{{{ns}}}PlainTextSelection", guid=selections[pid], name=pid,
                startPosition=str(int(first.char_start)), endPosition=str(int(first.char_end)),
                creatingUser=user)
            for coding in rows:
                target = guid("code", coding.code_id, coding.polarity) \
                    if coding.polarity in ("enabler", "barrier") else guid("code",
                                                                           coding.code_id)
                node = ET.SubElement(selection, f"{{{ns}}}Coding",
                                     guid=guid("coding", pid, coding.code_id), creatingUser=user)
                ET.SubElement(node, f"{{{ns}}}CodeRef", targetGUID=target)
    return _xml_bytes(project), files


def write_qdpx(result: "CodingResult", target: Path) -> None:
    """Write the ``.qdpx`` zip: ``project.qde`` plus the sources as UTF-8 text (LF, no BOM)."""
    qde, files = project_qde(result)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry("project.qde"), qde)
        for name, text in sorted(files.items()):
            # "replace": a lone surrogate becomes "?", one character, so offsets still hold
            archive.writestr(_entry(name), text.encode("utf-8", "replace"))


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))   # fixed: same bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
