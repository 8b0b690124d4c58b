"""CSV cells a spreadsheet would run as a formula are neutralised, reversibly (OWASP).

Excel, LibreOffice and Google Sheets read a CSV cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula: ``=HYPERLINK(...)`` in a transcript becomes a
live link, ``=cmd|...`` a command. OWASP's advice is to prefix such cells with a single quote,
which spreadsheets show as text. To read the CSV back exactly (``load_results``), the prefix
must be undoable, so a text that already starts with quotes followed by one of those
characters (``'=x``) gets one more quote as well:

=========  ===========  =========
text       in the CSV   read back
=========  ===========  =========
``=1+1``   ``'=1+1``    ``=1+1``
``'=1+1``  ``''=1+1``   ``'=1+1``
``'abc``   ``'abc``     ``'abc``
=========  ===========  =========

Only text is touched: numbers (a negative score) stay numbers.
"""
from __future__ import annotations

import re

import pandas as pd
from pandas.api.types import is_object_dtype, is_string_dtype

#: First characters a spreadsheet reads as the start of a formula.
FORMULA_STARTS = "=+-@\t\r"
_TO_ESCAPE = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def escape_cell(value):
    """``value`` with a quote in front if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and _TO_ESCAPE.match(value):
        return "'" + value
    return value


def unescape_cell(value):
    """Undo :func:`escape_cell` (``unescape_cell(escape_cell(s)) == s`` for every text)."""
    if isinstance(value, str) and _ESCAPED.match(value):
        return value[1:]
    return value


def _map_text(frame: pd.DataFrame, func, pattern: re.Pattern) -> pd.DataFrame:
    """``func`` applied to the text cells and column names that match ``pattern``."""
    changed = {}
    for position, dtype in enumerate(frame.dtypes):
        if not (is_object_dtype(dtype) or is_string_dtype(dtype)):
            continue
        values = frame.iloc[:, position].tolist()
        if any(isinstance(v, str) and pattern.match(v) for v in values):
            changed[position] = [func(v) for v in values]
    renamed = [func(c) if isinstance(c, str) and pattern.match(c) else c for c in frame.columns]
    if not changed and renamed == list(frame.columns):
        return frame
    out = frame.copy(deep=False)
    for position, values in changed.items():
        out.isetitem(position, values)
    out.columns = renamed
    return out


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell (and column name) a spreadsheet would run escaped."""
    return _map_text(frame, escape_cell, _TO_ESCAPE)


def restore_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise_formulas` on a frame read back from CSV."""
    return _map_text(frame, unescape_cell, _ESCAPED)


def csv_text(frame: pd.DataFrame) -> str:
    """Spreadsheet-safe CSV text with a fixed layout (LF endings, no index), so equal tables
    give equal bytes."""
    return neutralise_formulas(frame).to_csv(index=False, lineterminator="\n")
