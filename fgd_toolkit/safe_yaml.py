"""The one YAML reader for every file the toolkit reads (codebooks, front matter, sidecars,
its own data files): safe tags only, no aliases, bounded nesting.

Aliases (``*name``, ``<<: *name``) are refused outright: a few hundred bytes of nested
aliases expand to billions of nodes (the "billion laughs" attack), and no codebook or
transcript metadata needs them. Nesting deeper than :data:`MAX_DEPTH` is refused too, before
Python's recursion limit turns it into a crash.

>>> load_yaml("name: Layanan\\ncodes: []\\n", "cb.yaml")
{'name': 'Layanan', 'codes': []}
"""
from __future__ import annotations

from pathlib import Path

import yaml

from .errors import UnsafeInputError

#: Deepest nesting of mappings and lists accepted (a codebook needs 6).
MAX_DEPTH = 64


class _Refused(Exception):
    def __init__(self, reason: str, fix: str, mark) -> None:
        super().__init__(reason)
        self.reason, self.fix, self.mark = reason, fix, mark


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases and deep nesting while composing."""

    _depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise _Refused("YAML aliases (*name) are not accepted: nested aliases can expand "
                           "a small file to gigabytes.",
                           "write the repeated value out in full instead of '&name'/'*name' "
                           "(or '<<: *name').", self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"the YAML is nested more than {MAX_DEPTH} levels deep.",
                               "check the file's brackets and indentation.",
                               self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose_yaml(text: str, path: str | Path, first_line: int = 1):
    """``(data, node)``: the parsed document and its node tree (for line numbers).

    Raises :class:`~fgd_toolkit.errors.UnsafeInputError` naming ``path`` and the line for
    aliases or deep nesting; malformed YAML raises ``yaml.YAMLError`` as usual, for the
    caller to word. ``first_line`` is the file line of the text's first line.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _Refused as refused:
        raise UnsafeInputError(refused.reason, path=path,
                               line=first_line + refused.mark.line, fix=refused.fix) from None
    except RecursionError:      # only if MAX_DEPTH exceeds what the interpreter allows
        raise UnsafeInputError("the YAML is nested too deeply.", path=path,
                               fix="check the file's brackets and indentation.") from None
    finally:
        loader.dispose()
    return data, node


def load_yaml(text: str, path: str | Path, first_line: int = 1):
    """The parsed document (``None`` when empty); see :func:`compose_yaml` for the rules."""
    return compose_yaml(text, path, first_line)[0]
