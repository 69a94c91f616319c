"""`earlog veu-limits`: a data-center VEU's deployment plan against its portfolio limits
(veu_limits.lp), and how much TPP can still go to a country."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from earlog.commands.app import FORMATS_TEXT_JSON, app, check_format
from earlog.errors import InputError


def veu_limits_report(scenario: dict[str, Any] | Path | str, party: str, country: str | None = None) -> dict[str, Any]:
    """Each limit met, breached or unknown (with its rule), and the headroom per country.

    A named country outside the plan is added to it with 0 TPP, so the policy computes
    its headroom like any other; nothing is computed here.
    """
    from earlog.engine import load_policy, solve, vocabulary
    from earlog.engine.arith import to_int
    from earlog.scenario.json_input import scenario_from_dict
    from earlog.scenario.load import load_scenario
    from earlog.scenario.validate import validate

    sc = scenario_from_dict(scenario) if isinstance(scenario, dict) else load_scenario(scenario)
    sc = copy.deepcopy(sc)
    p = sc.party(party)
    if p is None:
        raise InputError("PARTY", f"{party!r} is not a declared party; known: {', '.join(x.id for x in sc.parties)}")
    if p.veu is None:
        raise InputError("PARTY", f"{party!r} holds no VEU authorization (its \"veu\" is null)")
    if country is not None:
        country = country.upper()
        p.deployment.setdefault(country, 0)
    policy = load_policy()
    validate(sc, vocabulary(policy))
    ans = solve(sc, policy, traced=frozenset({"veu_limit", "veu_country_limit", "veu_headroom", "headroom_bound"}))
    fired = ans.fired()
    me = f'"{party}"'

    def mine(pred: str) -> list:
        return [a for a in ans.get(pred) if str(a.arguments[0]) == me]

    def amount(s: Any) -> int | str:
        return s.name if s.type.name == "Function" else to_int(s)

    limits = []
    for a in sorted(mine("veu_limit"), key=str):
        limits.append({"limit": a.arguments[1].name, "status": a.arguments[2].name,
                       "rule": (fired.get(a) or [None])[0]})
    for a in sorted(mine("veu_country_limit"), key=str):
        limits.append({"limit": a.arguments[1].name, "country": a.arguments[2].name.upper(),
                       "status": a.arguments[3].name, "rule": (fired.get(a) or [None])[0]})
    bounds: dict[str, list[dict[str, Any]]] = {}
    for a in sorted(mine("headroom_bound"), key=str):
        bounds.setdefault(a.arguments[1].name.upper(), []).append(
            {"limit": a.arguments[2].name, "bound_tpp": amount(a.arguments[3]), "rule": (fired.get(a) or [None])[0]})
    headroom = {a.arguments[1].name.upper(): {"tpp": amount(a.arguments[2]),
                                              "bounds": bounds.get(a.arguments[1].name.upper(), [])}
                for a in mine("veu_headroom")}
    total = next((to_int(a.arguments[2]) for a in mine("dep_total") if a.arguments[1].name == "all"), 0)
    report: dict[str, Any] = {"party": party, "veu": p.veu.type, "total_tpp": total, "limits": limits}
    if country is not None:
        report["headroom"] = {country: headroom.get(country)}
    else:
        report["headroom"] = dict(sorted(headroom.items()))
    return report


@app.command("veu-limits")
def veu_limits_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario file: .json, .earlog, or - for stdin.")],
    party: Annotated[str, typer.Argument(help="Id of the VEU party whose deployment plan to check.")],
    country: Annotated[str | None, typer.Option("--country", help="ISO code: how much more TPP can go there")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Check a VEU's deployment plan against the UVEU / NVEU portfolio limits.

    The plan is the party's "deployment" in the scenario: TPP installed or planned per
    country, e.g. {"id": "acme", "hq": "US", "veu": {"type": "UVEU", "locations": ["IN"]},
    "deployment": {"US": 3000000000, "GB": 720000000, "IN": 280000000}}.  Each limit is
    printed with the share it measured and the limit (`tier1_share: met, 93.0% >= 75%`);
    --country adds how much more TPP can go there.

    Example: earlog veu-limits plan.json acme --country IN
    """
    check_format(format, FORMATS_TEXT_JSON)
    r = veu_limits_report(scenario, party, country)
    if format == "json":
        typer.echo(json.dumps(r, indent=2))
        return
    from earlog.render.veu_limits_text import limit_figures, render_veu_limits

    typer.echo(render_veu_limits(r, limit_figures(scenario, party, country)))
