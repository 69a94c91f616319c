"""`earlog show params | tiers | country XX | interpretation NAME`: browse the policy.

Everything is read from the policy itself: parameters and interpretations from its
facts (policy.data), tiers, groups and allocations by solving a scenario that
mentions every country the policy lists, so the rules of countries.lp and
allocations.lp decide them exactly as they do for a transaction.  `show rule ID`
is in rules.py.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Annotated, Any

import typer

from earlog.commands.app import FORMATS_TEXT_JSON, check_format
from earlog.commands.rules import show_app
from earlog.errors import EarlogError


def _policy():
    from earlog.engine import load_policy

    return load_policy()


def param_words(name: str, value: Any) -> str:
    """A parameter's value in its unit (the params.lp naming convention: `_tpp`, `_pct`,
    `_date` as YYYYMMDD, `_x100` in hundredths)."""
    if value is None:
        return "no published value (a scenario must supply it)"
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int):
        return str(value)
    if name.endswith("_date") and 10000101 <= value <= 99991231:
        return f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"
    if name.endswith("_tpp"):
        return f"{value:,} TPP"
    if name.endswith("_pct"):
        return f"{value}%"
    if name.endswith("_x100"):
        return f"{value / 100:.2f}"
    if name.endswith("_year"):
        return str(value)
    return f"{value:,}"


def params_table() -> list[dict[str, Any]]:
    """Every parameter of params.lp in file order: name, value in words, raw value, citation, file:line."""
    from earlog.engine.arith import to_int
    from earlog.explain.sources import policy_fact_index

    policy = _policy()
    index = policy_fact_index(policy.root, tuple(policy.files))
    rows = []
    for pred in ("param_default", "param_unpublished"):
        for s in policy.data.get(pred, ()):
            name = s.arguments[0].name
            value = to_int(s.arguments[1]) if pred == "param_default" else None
            f, line, comment = index.get(s, ("", 0, ""))
            rows.append({"parameter": name, "value": value, "words": param_words(name, value),
                         "source": f"{f}:{line}" if f else "", "comment": comment})
    rows.sort(key=lambda r: (r["source"].split(":")[0], int(r["source"].split(":")[1] or 0) if r["source"] else 0))
    return rows


@functools.lru_cache(maxsize=1)
def country_facts() -> dict[str, dict[str, Any]]:
    """ISO code -> {name, tier, groups, allocation_tpp, supp5_b}, as the rules derive them
    for a scenario that mentions every country (one party headquartered in each)."""
    from earlog.engine import solve, vocabulary
    from earlog.engine.arith import to_int
    from earlog.scenario.json_input import scenario_from_dict

    policy = _policy()
    names = vocabulary(policy).countries
    sc = scenario_from_dict({"parties": [{"id": f"p{i}", "hq": code, "located": code}
                                         for i, code in enumerate(sorted(names))]})
    ans = solve(sc, policy, traced=frozenset(),
                shown=frozenset({"tier", "in_group", "allocation_cap", "supp5_b", "supp5_a"}))
    out: dict[str, dict[str, Any]] = {c: {"name": n, "tier": None, "groups": [], "allocation_tpp": None,
                                          "supp5_a": False, "supp5_b": False} for c, n in names.items()}
    for s in ans.get("tier"):
        out[s.arguments[0].name.upper()]["tier"] = s.arguments[1].number
    for s in ans.get("in_group"):
        out[s.arguments[0].name.upper()]["groups"].append(_group(s.arguments[1].name))
    for s in ans.get("allocation_cap"):
        out[s.arguments[0].name.upper()]["allocation_tpp"] = to_int(s.arguments[1])
    for pred in ("supp5_a", "supp5_b"):
        for s in ans.get(pred):
            if s.arguments and s.arguments[0].name.upper() in out:
                out[s.arguments[0].name.upper()][pred] = True
    for c in out.values():
        c["groups"].sort()
    return out


def _group(const: str) -> str:
    """`d5` -> `D:5` (the policy's constants for Supp. No. 1's country groups)."""
    m = re.fullmatch(r"([a-z]+)(\d+)", const)
    return f"{m.group(1).upper()}:{m.group(2)}" if m else const


def rules_mentioning(code: str) -> list[dict[str, str]]:
    """Rules whose ASP source names the country's constant, and the policy files that list it in facts."""
    policy = _policy()
    const = re.compile(rf"(?<![A-Za-z0-9_\"]){re.escape(code.lower())}(?![A-Za-z0-9_\"])")
    out = [{"rule": r.id, "source": f"{r.file}:{r.line}", "text": r.text}
           for r in policy.rules.values() if const.search(r.source)]
    return out


def facts_mentioning(code: str) -> list[str]:
    from clingo import Function

    from earlog.explain.sources import policy_fact_index

    policy = _policy()
    sym = Function(code.lower())
    hits = []
    for s, (f, line, _c) in policy_fact_index(policy.root, tuple(policy.files)).items():
        if sym in s.arguments and s.name != "country":
            hits.append(f"{s} ({f}:{line})")
    return sorted(hits)


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@show_app.command("params")
def show_params_cmd(
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Every parameter of the policy (params.lp): its value in its unit, citation and place.

    Example: earlog show params
    """
    check_format(format, FORMATS_TEXT_JSON)
    rows = params_table()
    if format == "json":
        _echo_json(rows)
        return
    width = max(len(r["parameter"]) for r in rows)
    for r in rows:
        typer.echo(f"{r['parameter']:<{width}}  {r['words']}  ({r['source']})")
        if r["comment"]:
            typer.echo(f"{'':<{width}}    {r['comment']}")


@show_app.command("tiers")
def show_tiers_cmd(
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """The countries of each tier, as the policy's rules derive them.

    Example: earlog show tiers
    """
    check_format(format, FORMATS_TEXT_JSON)
    facts = country_facts()
    tiers: dict[str, list[str]] = {}
    for code, c in sorted(facts.items()):
        tiers.setdefault(str(c["tier"]), []).append(code)
    if format == "json":
        _echo_json({k: [{"code": c, "name": facts[c]["name"]} for c in v] for k, v in sorted(tiers.items())})
        return
    for tier, codes in sorted(tiers.items()):
        typer.echo(f"Tier {tier} ({len(codes):,} countries):")
        if tier == "2":
            typer.echo("  " + ", ".join(codes))
        else:
            for c in codes:
                groups = f"  [{', '.join(facts[c]['groups'])}]" if facts[c]["groups"] else ""
                typer.echo(f"  {c}  {facts[c]['name']}{groups}")
    typer.echo("`earlog show country XX` shows one country: its groups, allocation and the rules that name it.")


@show_app.command("country")
def show_country_cmd(
    code: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-2 code, e.g. BR.")],
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """A country's tier, country groups, allocation, and which rules and facts name it.

    Example: earlog show country CY
    """
    import difflib

    check_format(format, FORMATS_TEXT_JSON)
    facts = country_facts()
    key = code.strip().upper()
    if key not in facts:
        close = difflib.get_close_matches(key, sorted(facts), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise EarlogError(f"country: no ISO 3166-1 code {code!r} in the policy{hint}; "
                          "`earlog show tiers` lists them")
    c = dict(facts[key], code=key, rules=rules_mentioning(key), facts=facts_mentioning(key))
    if format == "json":
        _echo_json(c)
        return
    typer.echo(f"{key}  {c['name']}")
    typer.echo(f"  tier: {c['tier']}")
    typer.echo(f"  country groups: {', '.join(c['groups']) or 'none'}")
    listed = [p for p, v in (("paragraph (a)", c["supp5_a"]), ("paragraph (b)", c["supp5_b"])) if v]
    typer.echo(f"  Supp. No. 5 to part 740: {', '.join(listed) or 'not listed'}")
    alloc = f"{c['allocation_tpp']:,} TPP" if c["allocation_tpp"] is not None else "none (not a Tier 2 country)"
    typer.echo(f"  allocation: {alloc}")
    typer.echo(f"  rules that name it: {len(c['rules'])}")
    for r in c["rules"]:
        typer.echo(f"    {r['rule']} ({r['source']}): {r['text']}")
    if c["facts"]:
        typer.echo(f"  policy facts that name it: {', '.join(c['facts'])}")


def interpretation_detail(name: str) -> dict[str, Any]:
    """The question, its alternatives with sources, the default, and the rules that read
    each alternative (rules whose body has `interpretation(NAME, A)`)."""
    import difflib

    from earlog.commands.interpretations import interpretation_catalogue

    cat = {q["question"]: q for q in interpretation_catalogue()}
    if name not in cat:
        close = difflib.get_close_matches(name, sorted(cat), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise EarlogError(f"interpretation: no question named {name!r}{hint}; "
                          f"known: {', '.join(sorted(cat))}")
    q = dict(cat[name])
    q["rules"] = switched_rules(name)
    return q


def switched_rules(name: str) -> list[dict[str, str]]:
    """Rules a named interpretation switches: their body reads `interpretation(name, A)`."""
    out = []
    for r in _policy().rules.values():
        for positive, pred, args in r.body:
            if pred == "interpretation" and args and args[0] == name:
                out.append({"rule": r.id, "alternative": args[1] or "any", "reads": "if" if positive else "unless",
                            "source": f"{r.file}:{r.line}", "text": r.text, "cite": r.cite})
    return out


@show_app.command("interpretation")
def show_interpretation_cmd(
    name: Annotated[str, typer.Argument(help="A question of interpretations.lp, e.g. cyprus_in_d5.")],
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """A named interpretation: the question, each alternative with its source, the default,
    and the rules each alternative switches.

    Example: earlog show interpretation cyprus_in_d5
    """
    from earlog.explain.citations import cite_words

    check_format(format, FORMATS_TEXT_JSON)
    q = interpretation_detail(name)
    if format == "json":
        _echo_json(q)
        return
    typer.echo(f"{q['question']}: {q['text']}")
    for a in q["alternatives"]:
        mark = " (default)" if a["alternative"] == q["default"] else ""
        typer.echo(f"  {a['alternative']}{mark}: {a['source']}")
        for r in q["rules"]:
            if r["alternative"] == a["alternative"]:
                word = "applies" if r["reads"] == "if" else "does not apply"
                typer.echo(f"    {word}: {r['rule']} ({r['source']}; {cite_words(r['cite'])}): {r['text']}")
    typer.echo(f"Switch it in a scenario with \"assume\": {{\"{q['question']}\": ALTERNATIVE}}, "
               f"or in the language with `assume {q['question']} = ALTERNATIVE`.")
