"""`earlog veu-limits` as text: each portfolio limit with the share it measured and the
limit it compared it with (`tier1_share: met, 93.0% >= 75% (uveu tier1 min)`), and the
headroom per country, numbers with thousands separators.

The figures are the solver's own: each limit atom is explained (earlog.explain) and the
comparison of the rule that decided it is said in plain words, so nothing of the law
(which share, which parameter) is restated here.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from clingo import Function, String


def limit_figures(scenario: dict[str, Any] | Path | str, party: str, country: str | None = None
                  ) -> dict[tuple[str, ...], str]:
    """(limit,) or (limit, COUNTRY) -> the comparison that decided it, in plain words."""
    from earlog.engine import load_policy
    from earlog.explain.build import Builder
    from earlog.explain.why import evaluate_for_explanation
    from earlog.scenario.json_input import load_json_file, scenario_from_dict

    sc = scenario_from_dict(scenario) if isinstance(scenario, dict) else load_json_file(scenario)
    sc = copy.deepcopy(sc)
    p = sc.party(party)
    if p is not None and country is not None:
        p.deployment.setdefault(country.upper(), 0)
    policy = load_policy()
    ans = evaluate_for_explanation(sc, policy)
    b = Builder(ans, policy)
    me = String(party)
    out: dict[tuple[str, ...], str] = {}
    for pred in ("veu_limit", "veu_country_limit"):
        for atom in ans.get(pred):
            if not atom.arguments or atom.arguments[0] != me:
                continue
            node = b.why(Function(atom.name, list(atom.arguments)), 1)
            plains = [c.plain for a in node.rules for c in a.conditions if c.kind == "comparison" and c.plain]
            key = (atom.arguments[1].name,) if pred == "veu_limit" else \
                (atom.arguments[1].name, atom.arguments[2].name.upper())
            if plains:
                out[key] = "; ".join(plains)
    return out


def _amount(v: Any) -> str:
    return f"{v:,} TPP" if isinstance(v, int) and not isinstance(v, bool) else str(v)


def render_veu_limits(r: dict[str, Any], figures: dict[tuple[str, ...], str]) -> str:
    lines = [f"{r['party']} ({r['veu']}): total {_amount(r['total_tpp'])} deployed"]
    for lim in r["limits"]:
        key = (lim["limit"], lim["country"]) if "country" in lim else (lim["limit"],)
        where = f" in {lim['country']}" if "country" in lim else ""
        fig = figures.get(key)
        lines.append(f"  {lim['limit']}{where}: {lim['status']}" + (f", {fig}" if fig else "")
                     + f"  [{lim['rule']}]")
    for c, h in r["headroom"].items():
        if h is None:
            continue
        lines.append(f"  can still go to {c}: {_amount(h['tpp'])}")
        for b in h["bounds"]:
            lines.append(f"    bound {b['limit']}: {_amount(b['bound_tpp'])}  [{b['rule']}]")
    return "\n".join(lines)
