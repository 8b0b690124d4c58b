"""Error catalogue: every message says what is wrong, where, and how to fix it.

The CLI catches :class:`FgdError` once, prints ``Error: <message>`` and exits non-zero.
"""
from __future__ import annotations

from pathlib import Path


class FgdError(Exception):
    """Base class for every user-facing error of the toolkit."""

    def __init__(self, message: str, *, path: str | Path | None = None,
                 line: int | None = None, fix: str | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.fix = fix
        self.reason = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        text = where + self.reason
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class TranscriptFormatError(FgdError):
    """A transcript file cannot be read or holds no usable turns."""


class RosterError(FgdError):
    """A participant roster (front matter, sidecar or participants file) is inconsistent."""


class CodebookError(FgdError):
    """A codebook is invalid. ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list["CodebookProblem"], path: str | Path | None = None) -> None:
        self.problems = problems
        first = problems[0].render() if problems else "invalid codebook"
        more = f" (and {len(problems) - 1} more problem(s); run `fgd codebook lint` to see all)" \
            if len(problems) > 1 else ""
        super().__init__(first + more, path=None)
        self.path = str(path) if path else None


class CodebookProblem:
    """One problem in a codebook: where it is and how to fix it."""

    def __init__(self, path: str, message: str, fix: str, code_id: str | None = None,
                 field: str | None = None, line: int | None = None) -> None:
        self.path, self.message, self.fix = path, message, fix
        self.code_id, self.field, self.line = code_id, field, line

    def render(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.code_id:
            parts.append(f"code {self.code_id}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return f"{': '.join(parts)}: {self.message} Fix: {self.fix}"

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"CodebookProblem({self.render()!r})"


class BackendNotAvailable(FgdError):
    """An embedding back-end is unknown or its optional dependency is missing."""


class OutputError(FgdError):
    """Results cannot be written where the user asked."""


class UsageError(FgdError):
    """Arguments that do not fit together (no inputs, bad option value...)."""


class ReviewedCodingsError(FgdError):
    """A researcher's reviewed codings (CSV/XLSX table, review sheet, REFI-QDA project) cannot
    be read, or do not fit the results they are meant for."""


class UnsafeInputError(FgdError):
    """A file is refused because reading it could exhaust memory or time (YAML aliases,
    nesting too deep): a hostile or broken file, never a transcript or codebook as written."""


class FgdWarning(UserWarning):
    """Base class of the toolkit's warnings (the CLI prints them as ``Warning: ...``)."""


class SkippedInputWarning(FgdWarning):
    """An input file or folder was left out: a symbolic link out of the input folder, the
    toolkit's own outputs, a table that is no transcript, or (``skip_bad``) a bad file."""


class CacheWarning(FgdWarning):
    """A cache file could not be read; it was removed and is rebuilt (the run goes on)."""
