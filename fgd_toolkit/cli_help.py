"""Help that reads like a usual command line: ``--strict`` (no value), ``--out DIR``, ``PATHS...``.

Typer 0.26+ renders its own help, with each parameter's Python type in angle brackets:
``--strict <bool>`` (as if the flag took a value; ``--strict true`` then fails),
``paths... <list[Path]>`` and ``{paths}...`` in the usage line. The command classes here give
every parameter a plain metavar before help is rendered: none for flags, ``PATH``/``TEXT``/
``INTEGER``/``FLOAT`` (or the metavar an option declares, e.g. ``FILE``) for values, and the
upper-case name for arguments. ``FgdTyper`` uses them for every command and group.
"""
from __future__ import annotations

from pathlib import Path
from typing import get_args, get_origin

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_WORDS = {Path: "PATH", str: "TEXT", int: "INTEGER", float: "FLOAT"}


def value_metavar(param) -> str:
    """``PATH``, ``TEXT``, ``INTEGER``... for the type a parameter takes."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None:                        # typer before 0.26: a click type
        return str(getattr(param.type, "name", "value")).upper()
    base = descriptor.annotation
    while get_origin(base) in (list, tuple) and get_args(base):
        base = get_args(base)[0]
    return _WORDS.get(base, getattr(base, "__name__", "value").upper())


class _PlainArgument(TyperArgument):
    """An argument shown by its metavar alone (``PATHS...``), without a type column."""

    def display_type_rich(self, ctx):   # noqa: ARG002 - typer's signature
        return None

    def get_usage_pieces(self, ctx):    # noqa: ARG002
        return [self.metavar if self.required else f"[{self.metavar}]"]


def plain_metavar(param) -> None:
    """Give one parameter the metavar a reader expects (in place)."""
    if isinstance(param, TyperOption):
        if param.metavar is None:
            param.metavar = "" if (param.is_flag or param.count) else value_metavar(param)
    elif isinstance(param, TyperArgument) and not isinstance(param, _PlainArgument):
        if param.metavar is None:
            param.metavar = param.name.upper() + ("..." if param.nargs != 1 else "")
        param.__class__ = _PlainArgument          # same state, plain rendering


class _PlainHelp:
    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            plain_metavar(param)
        return params


class PlainHelpCommand(_PlainHelp, TyperCommand):
    """A command whose help shows plain metavars."""


class PlainHelpGroup(_PlainHelp, TyperGroup):
    """A group whose help shows plain metavars."""


class FgdTyper(typer.Typer):
    """``typer.Typer`` whose groups and commands render plain help."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cls", PlainHelpGroup)
        super().__init__(**kwargs)

    def command(self, *args, **kwargs):
        kwargs.setdefault("cls", PlainHelpCommand)
        return super().command(*args, **kwargs)
