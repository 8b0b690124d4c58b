"""The researcher in the loop: reviewed codings in (CSV/XLSX tables, review sheets, REFI-QDA
projects), review sheets out, turn selection for review, and reviewed turns applied to codings.

- :func:`read_reviewed` -> :class:`ReviewedCodings` (``decisions``, ``truth()``, ``turns``);
- :func:`select_turns` chooses turns to review (``first``, ``random``, ``uncertain``);
- :func:`write_review_sheet` writes ``review.xlsx`` for them;
- :func:`apply_reviews` replaces the machine's codings of reviewed turns by the human truth.
"""
from __future__ import annotations

from .apply import apply_reviews
from .decisions import DECISION_COLUMNS, ReviewedCodings
from .read import read_reviewed, roles_for
from .select import STRATEGIES, select_turns
from .sheet import SHEET_COLUMNS, write_review_sheet
from .workflow import REVIEW_FILE, make_review_sheet

__all__ = ["ReviewedCodings", "read_reviewed", "select_turns", "STRATEGIES",
           "write_review_sheet", "make_review_sheet", "apply_reviews", "roles_for",
           "DECISION_COLUMNS", "SHEET_COLUMNS", "REVIEW_FILE"]
