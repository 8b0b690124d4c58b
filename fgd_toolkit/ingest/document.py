"""What every reader returns before the transcript is finished: turns plus metadata."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..models import Participant, Turn
from .source import parse_roster


@dataclass
class Sidecar:
    """Metadata from a ``<stem>.yaml`` file beside a transcript."""

    path: Path
    meta: dict


@dataclass
class RawDocument:
    """A reader's result: turns, metadata (front matter merged over the sidecar), roster."""

    path: Path
    meta: dict
    roster: dict[str, Participant]
    roster_path: Path | None
    encoding: str = "utf-8"
    turns: list[Turn] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_metadata(cls, path: Path, meta: dict, sidecar: Sidecar | None,
                      encoding: str = "utf-8") -> "RawDocument":
        """Merge in-file metadata over a sidecar's and parse the roster of whichever has one."""
        merged = dict(sidecar.meta) if sidecar else {}
        merged.update({k: v for k, v in meta.items() if v is not None})
        if meta.get("participants"):
            roster_path = path
        elif sidecar and sidecar.meta.get("participants"):
            roster_path = sidecar.path
        else:
            roster_path = None
        roster = parse_roster(merged.get("participants"), roster_path or path)
        return cls(path=path, meta=merged, roster=roster, roster_path=roster_path,
                   encoding=encoding)
