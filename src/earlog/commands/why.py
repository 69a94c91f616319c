"""`earlog why SCENARIO "CONCLUSION"`: the derivation tree of a conclusion, or with
--not the conditions that failed, in text, JSON, Markdown, DOT or SVG."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from clingo import Function, String, Symbol, SymbolType

from earlog.commands.app import app, check_format
from earlog.errors import InputError
from earlog.scenario.model import Scenario

FORMATS = ("text", "json", "markdown", "dot", "svg")
DETAILS = ("memo", "full")
_ATOM = re.compile(r"^\s*[a-z_][A-Za-z0-9_]*\s*(\(|$)")


_LOCATORS: dict[int, object] = {}  # id(scenario) -> JSON path -> DSL line, for scenarios read from .earlog


def load_scenario(path: Path) -> Scenario:
    """A scenario from JSON (.json) or from the declarations of a .earlog file."""
    if path.suffix == ".json":
        from earlog.scenario.json_input import load_json_file

        return load_json_file(path)
    if path.suffix == ".earlog":
        from earlog.dsl.to_dict import builder_from_file

        b = builder_from_file(path)
        sc = b.scenario()
        from earlog.explain.memo import dsl_locator

        _LOCATORS[id(sc)] = dsl_locator(b.origins)
        return sc
    raise InputError(str(path), "expected a scenario file ending in .json or .earlog")


def parse_conclusion(text: str, sc: Scenario) -> Symbol:
    """The atom a conclusion names.  Written as a clingo atom (`tier(br, 2)`), it is
    parsed as a term only, checked against the policy's predicates and never given
    to the solver as program text; written in the query language (`exception LPP
    available for t1`), the DSL resolves it."""
    import clingo

    from earlog.engine import load_policy

    policy = load_policy()
    if not _ATOM.match(text) or " for " in text:
        from earlog.dsl.conclusion import resolve_conclusion

        return resolve_conclusion(text, sc, policy=policy)
    try:
        sym = clingo.parse_term(text)
    except RuntimeError as e:
        raise InputError("conclusion", f"cannot read {text!r} as an atom such as "
                                       f"exception_available(\"t1\", lpp): {str(e).strip()}") from None
    if sym.type != SymbolType.Function or not sym.name:
        raise InputError("conclusion", f"expected an atom such as exception_available(\"t1\", lpp), got {text!r}")
    known = {n for n, _a in policy.signatures} | _input_names()
    if sym.name not in known:
        import difflib

        close = difflib.get_close_matches(sym.name, sorted(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError("conclusion", f"the policy has no predicate {sym.name!r}{hint}")
    ids = {t.id for t in [*sc.transactions, *sc.ledger]} | {p.id for p in sc.parties} | {i.id for i in sc.items}
    # `exception_available(t1, lpp)`: ids are strings in the solver; accept them unquoted
    args = [String(a.name) if a.type == SymbolType.Function and not a.arguments and a.name in ids else a
            for a in sym.arguments]
    return Function(sym.name, args)


def _input_names() -> set[str]:
    from earlog.explain.sources import INPUT_NAMES

    return set(INPUT_NAMES)


@app.command("why")
def why_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (.json or .earlog).")],
    conclusion: Annotated[str, typer.Argument(help='The conclusion, e.g. \'exception_available("t1", lpp)\' '
                                                   "or 'exception LPP available for t1'.")],
    not_: Annotated[bool, typer.Option("--not", help="Explain why the conclusion does NOT hold.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="With --not, mark every failed condition, not only the first.")
                    ] = False,
    depth: Annotated[int | None, typer.Option("--depth", help="Expand at most N rule levels (a memo: two levels "
                                                               "of a derivation, three of a failure).")] = None,
    detail: Annotated[str, typer.Option("--detail", help="memo (text and markdown: the conclusion, then the decisive "
                                                         "conditions in words) or full (every step of the proof)")
                      ] = "memo",
    format: Annotated[str, typer.Option("--format", "-f", help="text, json, markdown, dot or svg")] = "text",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE instead of stdout.")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="The smallest change of facts that would flip the conclusion "
                                                    "(docs/spaces.md).")] = False,
    vary: Annotated[str | None, typer.Option("--vary", help="With --fix, the facts that may change, e.g. "
                                                            "'quantity,consignee.parent' (default: quantity, date, "
                                                            "consignee.hq, consignee.parent).")] = None,
) -> None:
    """Explain a conclusion: the rules that derived it, with citations, down to the facts.

    Example: earlog why queries/scenarios/brazil_cloud.json 'exception LPP available for small-order'
    """
    from earlog.explain import explain

    check_format(format, FORMATS)
    if detail not in DETAILS:
        raise InputError("--detail", f"expected {' or '.join(DETAILS)}, got {detail!r}")
    if depth is not None and depth < 0:
        raise InputError("--depth", f"expected a depth of 0 or more, got {depth}")
    sc = load_scenario(scenario)
    atom = parse_conclusion(conclusion, sc)
    if fix:
        from earlog.space.answers import smallest_for

        check_format(format, ("text", "json"))
        r = smallest_for(scenario, atom, not_, vary.split(",") if vary else None)
        import json

        text = json.dumps(r.to_json(), indent=2) if format == "json" else r.text()
        if output is None:
            typer.echo(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")
        return
    memo = detail == "memo" and format in ("text", "markdown")
    # a memo reads the whole tree and cuts it at its own depth (its levels are the law's rules only)
    expl = explain(sc, atom, why_not=not_, all_failed=all_, depth=None if memo else depth)
    if memo:
        from earlog.engine import load_policy
        from earlog.explain.memo import build_memo
        from earlog.render.explanation_memo import render_memo_markdown, render_memo_text

        m = build_memo(expl, load_policy(), depth, locate=_LOCATORS.get(id(sc)))  # type: ignore[arg-type]
        text = render_memo_markdown(m) if format == "markdown" else render_memo_text(m)
        if output is None:
            typer.echo(text.rstrip("\n"))
        else:
            output.write_text(text, encoding="utf-8")
        return
    if format == "svg":
        from earlog.render.explanation_dot import render_svg

        data = render_svg(expl)
        if output is None:
            sys.stdout.buffer.write(data)
        else:
            output.write_bytes(data)
        return
    if format == "text" and output is None and sys.stdout.isatty():
        from rich.console import Console

        from earlog.render.explanation_tree import render_rich

        Console().print(render_rich(expl))
        return
    text = _render(expl, format)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")


def _render(expl, format: str) -> str:
    if format == "json":
        from earlog.render.explanation_json import render_json

        return render_json(expl)
    if format == "markdown":
        from earlog.render.explanation_markdown import render_markdown

        return render_markdown(expl)
    if format == "dot":
        from earlog.render.explanation_dot import render_dot

        return render_dot(expl)
    from earlog.render.explanation_tree import render_plain

    return render_plain(expl)
