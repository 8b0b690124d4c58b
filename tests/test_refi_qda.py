"""REFI-QDA exports validate against the published schemas and point at the right text."""
from __future__ import annotations

import zipfile
from xml.etree import ElementTree as ET

import pytest

from fgd_toolkit import load_codebook
from fgd_toolkit.export.refi_qda import NS_PROJECT, codebook_qdc, project_qde

from .conftest import CODEBOOK, SHARED

SCHEMAS = SHARED / "refi-qda"
needs_schemas = pytest.mark.skipif(not (SCHEMAS / "Project.xsd").is_file(),
                                   reason="REFI-QDA schemas not found at ../shared/refi-qda")


@needs_schemas
def test_codebook_qdc_is_valid_against_the_codebook_schema(tmp_path):
    import xmlschema

    target = tmp_path / "codebook.qdc"
    target.write_bytes(codebook_qdc(load_codebook(CODEBOOK)))
    xmlschema.XMLSchema(str(SCHEMAS / "Codebook.xsd")).validate(str(target))
    root = ET.parse(target).getroot()
    names = [c.get("name") for c in root.iter("{urn:QDA-XML:codebook:1.0}Code")]
    assert "KEP Kepemimpinan dan komitmen pimpinan" in names
    assert "KEP Pendorong (enabler)" in names and "KEP Penghambat (barrier)" in names


@needs_schemas
def test_project_qdpx_is_valid_and_selections_slice_the_passages(written_results):
    import xmlschema

    with zipfile.ZipFile(written_results / "project.qdpx") as archive:
        qde = archive.read("project.qde")
        sources = {n: archive.read(n).decode("utf-8") for n in archive.namelist()
                   if n.startswith("sources/")}
    (written_results.parent / "project.qde").write_bytes(qde)
    xmlschema.XMLSchema(str(SCHEMAS / "Project.xsd")).validate(
        str(written_results.parent / "project.qde"))
    root = ET.fromstring(qde)
    ns = {"q": NS_PROJECT}
    assert [c.tag.split("}")[1] for c in root][:5] == ["Users", "CodeBook", "Variables",
                                                        "Cases", "Sources"]
    import pandas as pd

    passages = pd.read_csv(written_results / "passages.csv", keep_default_na=False)
    text_of = dict(zip(passages["passage_id"], passages["text"]))
    codings = pd.read_csv(written_results / "codings.csv")
    assert checked_selections(root, sources, text_of) == codings["passage_id"].nunique()


def checked_selections(root: ET.Element, sources: dict[str, str], text_of: dict[str, str]
                       ) -> int:
    """Check that every coded selection slices its passage's text out of its source (and
    is coded); return how many there are."""
    ns = {"q": NS_PROJECT}
    checked = 0
    for source in root.iterfind(".//q:TextSource", ns):
        plain = sources["sources/" + source.get("plainTextPath").split("//")[1]]
        for selection in source.iterfind("q:PlainTextSelection", ns):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert plain[start:end] == text_of[selection.get("name")]
            assert selection.find("q:Coding/q:CodeRef", ns) is not None
            checked += 1
    return checked


def test_project_needs_the_transcripts(written_results):
    from fgd_toolkit import load_results

    with pytest.raises(ValueError):
        project_qde(load_results(written_results))


def test_qdpx_bytes_are_reproducible(coded_result, tmp_path):
    first, second = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    coded_result.to_qdpx(first)
    coded_result.to_qdpx(second)
    assert first.read_bytes() == second.read_bytes()
