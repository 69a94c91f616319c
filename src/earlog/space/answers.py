"""Answer find, check, diff and smallest-change questions of a .earlog document."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from earlog.dsl.errors import DslError, did_you_mean
from earlog.engine import load_policy
from earlog.errors import InputError
from earlog.space.model import Space

DEFAULT_SPACES = "spaces.earlog"  # queries/spaces.earlog, shipped in the package (earlog/space/)


def declare_space(decl: Any, builder: Any, spaces: dict[str, Space], doc: Any) -> None:
    from earlog.space.dsl import resolve_space

    known = {**_defaults_unless(doc.file), **spaces}
    spaces[decl.name.text] = resolve_space(decl, builder.data, known, load_policy(), doc.file, doc.text)


def _defaults_unless(file: str) -> dict[str, Space]:
    path = default_spaces_path()
    try:
        if Path(file).resolve() == path.resolve():
            return {}
    except OSError:
        pass
    return default_spaces()


def default_spaces_path() -> Path:
    return Path(str(resources.files("earlog.space") / DEFAULT_SPACES))


@functools.lru_cache(maxsize=1)
def default_spaces() -> dict[str, Space]:
    """The named spaces of queries/spaces.earlog (core, full, ...)."""
    return spaces_in(default_spaces_path())


def spaces_in(path: str | Path) -> dict[str, Space]:
    """The spaces a .earlog file declares (its questions are not answered)."""
    from earlog.dsl.nodes import Declaration, Setting
    from earlog.dsl.parser import parse_file
    from earlog.dsl.to_dict import ScenarioBuilder
    from earlog.space.dsl import resolve_space

    doc = parse_file(path)
    b = ScenarioBuilder()
    spaces: dict[str, Space] = {}
    own = Path(path).resolve() == default_spaces_path().resolve()
    for st in doc.statements:
        if isinstance(st, Declaration):
            b.declare(st, doc.file, doc.text)
        elif isinstance(st, Setting):
            b.setting(st, doc.file, doc.text)
        elif getattr(st, "is_space", False):
            known = spaces if own else {**default_spaces(), **spaces}
            spaces[st.name.text] = resolve_space(st, b.data, known, load_policy(), doc.file, doc.text)
    return spaces


def lookup(name: str, spaces: dict[str, Space], where: str = "space") -> Space:
    known = {**default_spaces(), **spaces}
    if name not in known:
        raise InputError(where, f"no space named {name!r}{did_you_mean(name, known)}; spaces: {', '.join(known)}")
    return known[name]


def resolve_search(step: Any) -> None:
    q = step.question
    s = q.search
    pol = load_policy()
    if s.kind in ("find", "check", "diff"):
        try:
            step.resolved["space"] = lookup(s.space.text, step.spaces)
        except InputError as e:
            raise DslError(step.file, step.text, s.space.span, e.message) from None
    if s.kind in ("find", "check"):
        from earlog.space.dsl import build_cond

        step.resolved["cond"] = build_cond(s.cond, pol, step.file, step.text)
    elif s.kind == "diff":
        step.resolved["variant"] = variant(s.changes, step.file, step.text)
    elif s.kind == "smallest":
        from earlog.space.dsl import DimNode, centre, dimensions, ensure_current
        from earlog.space.fix import DEFAULT_VARYING

        tx = step.resolved["tx"]
        space = centre(step.context.builder.data, tx, f"around {tx}", pol)
        nodes = s.varying or [DimNode([_name(p) for p in path.split(".")], None, q.span) for path in DEFAULT_VARYING]
        dims = []
        for n in nodes:
            dims.extend(dimensions(space, n, pol, step.file, step.text))
        space.dims = ensure_current(space, dims)
        step.resolved["space"] = space


def _name(text: str) -> Any:
    from earlog.dsl.nodes import Name, Span

    return Name(text, Span(1, 1, 1, 1))


def variant(changes: list[Any], file: str, text: str) -> tuple[str, Any, dict[str, Any]]:
    """(label, policy, overlay) of the settings a diff compares against the baseline."""
    from earlog.dsl.nodes import Setting
    from earlog.dsl.to_dict import ScenarioBuilder

    b = ScenarioBuilder()
    pol = load_policy()
    words = []
    for c in changes:
        if not isinstance(c, Setting):
            raise DslError(file, text, c.span, "a diff compares readings of the policy: write `assume Q = A`, "
                           "`parameter P = N`, `tier CC = N`, `country CC { ... }` or `policy \"FOLDER\"`")
        if c.kind == "policy":
            folder = Path(c.target.text)
            if not folder.is_dir():
                raise DslError(file, text, c.target.span, f"no policy folder {c.target.text!r}")
            pol = load_policy(str(folder))
            words.append(f"policy {c.target.text}")
            continue
        b.setting(c, file, text)
        target = c.target.text
        words.append(f"{c.kind} {target}" + (f" = {c.value.text or c.value.raw}" if c.value is not None else ""))
    overlay = {k: b.data[k] for k in ("assume", "parameters", "countries") if k in b.data}
    try:
        from earlog.space.program import _overlay_facts

        _overlay_facts(overlay, pol)  # validated before anything is solved
    except InputError as e:
        raise DslError(file, text, changes[0].span, e.message) from None
    return ", ".join(words), pol, overlay


def answer_search(step: Any) -> tuple[str, dict[str, Any], bool | None]:
    s = step.question.search
    pol = load_policy()
    space: Space = step.resolved["space"]
    if s.kind == "find":
        from earlog.space.search import find

        r = find(space, pol, step.resolved["cond"], limit=s.limit)
        return r.text(), r.to_json(), None
    if s.kind == "check":
        from earlog.space.search import check

        c = check(space, pol, step.resolved["cond"])
        return check_text(c), c.to_json(), c.holds
    if s.kind == "diff":
        from earlog.space.diff import diff

        label, pol_b, overlay = step.resolved["variant"]
        r = diff(space, ("as written", pol, {}), (label, pol_b, overlay), limit=10)
        return r.text(), r.to_json(), None
    from earlog.space.fix import smallest_change

    r = smallest_change(space, pol, step.resolved["atom"], make_true=step.question.kind == "why_not")
    return r.text(), r.to_json(), None


def check_text(c: Any) -> str:
    if c.holds:
        return (f"holds in all {c.size:,} scenarios of {c.space} "
                f"({c.seconds:.3f} s to solve, {c.ground_seconds:.3f} s to ground)")
    lines = [f"FAILS in {c.space}: a counterexample ({c.seconds:.3f} s):", c.snippet.rstrip()]
    if c.outcome:
        lines.append(f"earlog's verdict there: outcome = {c.outcome}")
    if c.explanation is not None:
        from earlog.render.explanation_tree import render_plain

        lines.append(render_plain(c.explanation, depth=1))
    return "\n".join(lines)


def scenario_data(path: Path) -> dict[str, Any]:
    """The JSON-shaped scenario dict of a .json or .earlog file (a space's centre)."""
    import json

    if path.suffix == ".json":
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(str(path), f"cannot read the scenario: {e}") from None
    if path.suffix == ".earlog":
        from earlog.dsl.to_dict import builder_from_file

        b = builder_from_file(path)
        b.scenario()  # validated, errors located in the file
        return b.data
    raise InputError(str(path), "expected a scenario file ending in .json or .earlog")


def smallest_for(path: Path, atom: Any, make_true: bool, vary: list[str] | None) -> Any:
    """`earlog why SCENARIO CONCLUSION --fix`: the smallest change around the
    conclusion's transaction."""
    return smallest_around(scenario_data(path), atom, make_true, vary,
                           "--fix needs a conclusion about one transaction of the scenario")


def smallest_around(data: dict[str, Any], atom: Any, make_true: bool, vary: list[str] | None,
                    not_about_one: str) -> Any:
    """The smallest change of a scenario's facts (JSON-shaped `data`) that flips `atom`,
    varying `vary` (default: the facts around the conclusion's transaction); what
    `why --fix` and the web workbench both search."""
    from earlog.dsl.nodes import Name, Span
    from earlog.space.dsl import DimNode, centre, dimensions, ensure_current
    from earlog.space.fix import DEFAULT_VARYING, smallest_change

    pol = load_policy()
    tx = atom.arguments[0].string if atom.arguments and atom.arguments[0].type.name == "String" else None
    if tx is None or tx not in [t.get("id") for t in data.get("transactions", []) if isinstance(t, dict)]:
        raise InputError("conclusion", not_about_one)
    space = centre(data, tx, f"around {tx}", pol)
    dims = []
    for p in vary or list(DEFAULT_VARYING):
        node = DimNode([Name(x, Span(1, 1, 1, 1)) for x in p.strip().split(".")], None, Span(1, 1, 1, 1))
        try:
            dims.extend(dimensions(space, node, pol, "--vary", p))
        except DslError as e:
            raise InputError("--vary", str(e).splitlines()[0]) from None
    space.dims = ensure_current(space, dims)
    return smallest_change(space, pol, atom, make_true=make_true)
