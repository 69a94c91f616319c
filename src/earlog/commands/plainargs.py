"""Plain command lines bound without Typer's conversion layer, so a cold command starts sooner.

Typer converts every parameter through a pydantic TypeAdapter built at run time; importing
pydantic and building the adapters costs a cold `earlog eval` about as much as evaluating the
deal.  Most command lines are plain: paths, a string option or two, a flag.  `bind` binds such
a line from the command's own signature (the same `Annotated[..., typer.Option(...)]`
declarations Typer reads) and gives up — returns None, and Typer handles the line as before —
on anything it does not fully understand: help, `--`, an unknown or repeated option, a missing
value or argument, a value that looks like an option, a parameter with a callback, an
environment variable, a path check, a parser, or a type other than str, Path, their optional
forms, a bool flag and a list of either as the one argument.  So help, usage errors and every
less common form read exactly as Typer gives them; tests/test_plainargs.py checks that what
it binds is what Typer binds.
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Typer parameter settings that only change help text: any other setting off its default
# makes the command Typer's alone.
_HELP_ONLY = frozenset({"default", "param_decls", "help", "metavar", "rich_help_panel", "show_default",
                        "hidden", "show_choices", "show_envvar"})
_SCALARS = (str, Path)


class _Unplain(Exception):
    """The command or its line is not plain: Typer handles it."""


def _info_of(hint: Any) -> tuple[Any, Any]:
    """(type, typer ArgumentInfo/OptionInfo) of an `Annotated[type, typer.X(...)]` hint."""
    from typer.models import ArgumentInfo, OptionInfo

    if typing.get_origin(hint) is not typing.Annotated:
        raise _Unplain
    tp, *meta = typing.get_args(hint)
    infos = [m for m in meta if isinstance(m, (ArgumentInfo, OptionInfo))]
    if len(infos) != 1:
        raise _Unplain
    info = infos[0]
    plain = vars(type(info)())
    if any(k not in _HELP_ONLY and (k not in plain or v != plain[k]) for k, v in vars(info).items()):
        raise _Unplain
    return tp, info


def _scalar(tp: Any) -> type:
    """str or Path, also from `str | None` / `Path | None`."""
    if tp in _SCALARS:
        return tp
    args = typing.get_args(tp)
    if len(args) == 2 and type(None) in args:
        (inner,) = (a for a in args if a is not type(None))
        if inner in _SCALARS:
            return inner
    raise _Unplain


def _spec(callback: Callable[..., Any]) -> tuple[list[tuple[str, Any, Any]], dict[str, tuple[str, Any]], dict]:
    """(arguments: (name, kind, default), options: flag -> (name, kind), defaults), where a kind is
    str, Path, bool or ("list", str|Path)."""
    from typer.models import ArgumentInfo

    hints = typing.get_type_hints(callback, include_extras=True)
    arguments: list[tuple[str, Any, Any]] = []
    options: dict[str, tuple[str, Any]] = {}
    defaults: dict[str, Any] = {}
    for name, p in inspect.signature(callback).parameters.items():
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            raise _Unplain
        tp, info = _info_of(hints.get(name))
        default = p.default
        if isinstance(info, ArgumentInfo):
            if info.param_decls:
                raise _Unplain
            if typing.get_origin(tp) is list and typing.get_args(tp)[0] in _SCALARS:
                kind: Any = ("list", typing.get_args(tp)[0])
            else:
                kind = _scalar(tp)
            if default is not p.empty:  # an optional argument: Typer's
                raise _Unplain
            arguments.append((name, kind, default))
            continue
        # in `Annotated`, Typer reads an Option's first positional (its `default`) as its first name
        named = (info.default,) if isinstance(info.default, str) else ()
        decls = (*named, *(info.param_decls or ())) or (f"--{name.replace('_', '-')}",)
        if any("/" in d or not d.startswith("-") for d in decls):
            raise _Unplain
        if tp is bool:
            if default is not False:
                raise _Unplain
            kind = bool
        else:
            kind = _scalar(tp)
            if default is p.empty:  # a required option: Typer's
                raise _Unplain
        defaults[name] = default
        for d in decls:
            options[d] = (name, kind)
    if sum(1 for _n, k, _d in arguments if isinstance(k, tuple)) and len(arguments) > 1:
        raise _Unplain
    return arguments, options, defaults


def bind(callback: Callable[..., Any], args: list[str]) -> dict[str, Any] | None:
    """The keyword arguments Typer would call `callback` with for the command line `args` (after
    the command's name), or None where the line or the command is not plain."""
    try:
        arguments, options, kwargs = _spec(callback)
        seen: set[str] = set()
        positional: list[str] = []
        i = 0
        while i < len(args):
            tok = args[i]
            i += 1
            if tok == "--":
                raise _Unplain
            if not tok.startswith("-") or tok == "-":
                positional.append(tok)
                continue
            flag, eq, value = tok.partition("=") if tok.startswith("--") else (tok, "", "")
            if flag not in options:
                raise _Unplain
            name, kind = options[flag]
            if name in seen:
                raise _Unplain
            seen.add(name)
            if kind is bool:
                if eq:
                    raise _Unplain
                kwargs[name] = True
                continue
            if not eq:
                if i >= len(args) or (args[i].startswith("-") and args[i] != "-"):
                    raise _Unplain
                value = args[i]
                i += 1
            kwargs[name] = kind(value)
        if len(arguments) == 1 and isinstance(arguments[0][1], tuple):
            name, (_list, kind), _d = arguments[0]
            if not positional:
                raise _Unplain
            kwargs[name] = [kind(v) for v in positional]
        else:
            if len(positional) != len(arguments):
                raise _Unplain
            for (name, kind, _d), v in zip(arguments, positional, strict=True):
                kwargs[name] = kind(v)
        return kwargs
    except (_Unplain, NameError, TypeError):
        return None


def run_plain(app: Any, argv: list[str]) -> bool:
    """Run a plain `earlog COMMAND ...` line without Typer's conversion, as Typer would (the app's
    callback with its defaults, then the command; `typer.Exit` ends the process with its code).
    False, having run nothing, when the line is not plain."""
    import os

    if not argv or any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return False  # shell completion is Typer's
    commands = [c for c in app.registered_commands if c.name == argv[0] and c.callback is not None]
    if len(commands) != 1:
        return False
    kwargs = bind(commands[0].callback, argv[1:])
    if kwargs is None:
        return False
    import typer

    try:
        root = app.registered_callback
        if root is not None and root.callback is not None:
            root.callback()
        commands[0].callback(**kwargs)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except EOFError:
        print("\nAborted.", file=sys.stderr)
        sys.exit(1)
    except BrokenPipeError:  # `earlog eval x | head`: quietly, as Typer does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    return True
