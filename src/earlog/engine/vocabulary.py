"""Read what a policy declares (countries, groups, ECCNs, parameters,
interpretations, authorization codes) from its own facts, once per policy."""

from __future__ import annotations

import functools

from earlog.engine.arith import to_int
from earlog.engine.policy import Policy
from earlog.scenario.model import Vocabulary


@functools.lru_cache(maxsize=8)
def vocabulary(policy: Policy) -> Vocabulary:
    ans = _Facts(policy)
    countries = {s.arguments[0].name.upper(): s.arguments[1].string for s in ans.get("country")}
    groups = {_group_name(s.arguments[1].name) for s in ans.get("country_group")}
    eccns = {s.arguments[0].string for s in ans.get("eccn_family")}
    # software/technology ECCNs (classified by the hardware they are for) and ECCNs outside the rule
    software = {s.arguments[0].string for s in ans.get("software_technology_eccn")}
    outside = {s.arguments[0].string for s in ans.get("eccn_outside_rule")}
    hardware = set(eccns)
    eccns |= software | outside
    params = {s.arguments[0].name: to_int(s.arguments[1]) for s in ans.get("param_default")}
    # a parameter the law names without publishing its value: a scenario must supply it
    params.update({s.arguments[0].name: None for s in ans.get("param_unpublished")})
    interps: dict[str, dict[str, str]] = {}
    for s in ans.get("interpretation_alternative"):
        interps.setdefault(s.arguments[0].name, {})[s.arguments[1].name] = s.arguments[2].string
    auths = {s.arguments[0].name.upper() for s in ans.get("exception_code")}
    auths |= {s.arguments[0].name.upper() for s in ans.get("veu_code")}
    auths.add("license")
    return Vocabulary(countries=countries, groups=groups, eccns=eccns, parameters=params,
                      interpretations=interps, authorizations=auths,
                      entity_list_entries={s.arguments[0].name for s in ans.get("entity_list_entry")},
                      versions={s.arguments[0].string for s in ans.get("policy_version")},
                      software_technology_eccns=software, hardware_eccns=hardware,
                      shipped_kinds=frozenset(s.arguments[0].name for s in ans.get("ships_to_consignee")))


class _Facts:
    """The policy's plain facts, read like an answer set."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def get(self, predicate: str) -> tuple:
        return self.policy.data.get(predicate, ())


def _group_name(const: str) -> str:
    """d5 -> "D:5"."""
    return f"{const[0].upper()}:{const[1:]}"
