"""The exploration notebook runs top to bottom on real results."""
from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from .conftest import ROOT


def test_explore_notebook_executes_on_written_results(coded_result, tmp_path, monkeypatch):
    written_results = tmp_path / "results"
    coded_result.to_csv(written_results)
    monkeypatch.setenv("FGD_RESULTS", str(written_results))
    notebook, outputs = _execute("explore.ipynb", timeout=600)
    assert (written_results / "enablers_vs_barriers.png").stat().st_size > 5_000
    text = "".join(o.get("text", "") for o in outputs)
    assert "passages," in text and "saved" in text


def test_review_loop_notebook_executes_and_reviews_help_the_study():
    notebook, outputs = _execute("review_loop.ipynb", timeout=900)
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "review.xlsx with 20 turns" in text and "20 reviewed turns" in text
    table = notebook.cells[-2].outputs[-1]["data"]["text/plain"]
    first, after = [line for line in table.splitlines() if "first pass" in line
                    or "after review" in line]
    # the reviewed turns are the researcher's own: the whole study agrees more with the gold
    assert float(after.split()[4]) > float(first.split()[4])


def _execute(name: str, timeout: int):
    """Run ``notebooks/NAME`` top to bottom; return it and its code cells' outputs, none of
    them an error."""
    notebook = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code"
               for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    return notebook, outputs
