"""Benchmark: earlog's evaluation against a plain-Python baseline, in one run.

Measures medians of
  (a) one transaction evaluated in a warm process (`earlog.evaluate` on a
      pre-loaded Scenario, many repetitions), and
  (b) scenarios of 1,000 / 10,000 / 100,000 transactions across 50 countries and
      500 parties, generated deterministically from a seed (mixed ECCN families,
      destinations, kinds, ownership chains, VEUs, ledger entries),
each against BASELINE, a small hand-written Python re-implementation of the key
decisions (license requirement, exceptions, VEUs, review policy, route, LPP cap,
country allocation, outcome).  BASELINE exists only to give the timings a yardstick
and to cross-check outcomes; it is not part of earlog and is not the law: the
policy in policy/ is.  It reads tiers, country groups and parameters from the
policy, so it cannot drift on those.

Usage:
    EARLOG_POLICY=policy python bench/bench_eval.py             # 1k, 10k, 100k
    python bench/bench_eval.py --sizes 1000 10000 --profile     # with cProfile of 10k
    python bench/bench_eval.py --write-scenario 1000 /tmp/s.json  # for whole-process timing
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import earlog
from earlog.engine import load_policy, solve
from earlog.engine.arith import to_int
from earlog.scenario.json_input import scenario_from_dict
from earlog.scenario.model import Scenario

# ---------------------------------------------------------------------------
# The generated world.  Which countries and items appear is a benchmark choice;
# their tiers and groups come from the policy at run time.
# ---------------------------------------------------------------------------

COUNTRIES = (
    # 10 that the policy puts in Tier 1
    "US", "JP", "DE", "FR", "GB", "NL", "KR", "TW", "CA", "AU",
    # 33 in Tier 2, among them D:1 / D:4 members
    "BR", "MX", "IN", "SG", "MY", "TH", "ID", "VN", "AE", "SA", "IL", "EG", "PK", "KZ", "AR", "CL", "CO",
    "PE", "ZA", "NG", "KE", "TR", "PL", "PT", "GR", "CH", "AT", "IS", "PH", "QA", "JO", "MN", "UZ",
    # 7 in Tier 3
    "CN", "MO", "RU", "IR", "VE", "BY", "MM",
)
ITEMS = [
    {"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"},
    {"id": "b200", "eccn": "3A090.a", "tpp": 36000, "datacenter": True, "designer": "authorized"},
    {"id": "dc-other-designer", "eccn": "3A090.a", "tpp": 9000, "datacenter": True, "designer": "other"},
    {"id": "workstation", "eccn": "3A090.a", "tpp": 5300, "datacenter": False, "designer": "approved"},
    {"id": "dgx", "eccn": "4A090.a", "tpp": 126656, "datacenter": True},
    {"id": "z-server", "eccn": "4A003.z.1.a", "tpp": 40000, "datacenter": True},
    {"id": "l40", "eccn": "3A090.b", "tpp": 2900, "datacenter": True},
    {"id": "b-server", "eccn": "4A090.b", "tpp": 23200},
    {"id": "hbm3", "eccn": "3A090.c", "tpp": 0},
]
ITEM_WEIGHTS = [30, 10, 5, 8, 8, 4, 8, 4, 6]
KINDS = ["export", "reexport", "in_country_transfer", "deemed_export"]
KIND_WEIGHTS = [75, 10, 10, 5]
# the kinds that ship items to their consignee, so go where it is located (scenario/validate.py)
SHIPPED = ("export", "reexport", "in_country_transfer")
END_USES = ["training", "inference", "production", "development", "storage", "research"]
AUTHORIZATIONS = [None, "LPP", "license", "UVEU", "NVEU"]


def generate(n_tx: int, seed: int = 2025, n_parties: int = 500) -> dict[str, Any]:
    """A scenario of n_tx transactions and n_tx // 10 ledger entries, the same for the same seed."""
    rng = random.Random(seed)
    parties: list[dict[str, Any]] = []
    for i in range(n_parties):
        hq = rng.choice(COUNTRIES)
        located = hq if rng.random() < 0.7 else rng.choice(COUNTRIES)
        p: dict[str, Any] = {"id": f"p{i:03d}", "hq": hq, "located": located}
        if i >= 50 and rng.random() < 0.35:
            p["parent"] = f"p{rng.randrange(i):03d}"  # an earlier party: chains of any depth, no cycles
        r = rng.random()
        if r < 0.05:
            p["distributor"] = True
        elif r < 0.10:
            p["government_controlled"] = rng.choice([True, hq, "US"])
        r = rng.random()
        if r < 0.06:
            p["veu"] = {"type": "UVEU"}
        elif r < 0.12:
            p["veu"] = {"type": "NVEU", "locations": sorted({p["located"], rng.choice(COUNTRIES)})}
        parties.append(p)

    def tx(tid: str) -> dict[str, Any]:
        consignee = rng.choice(parties)
        end_user = consignee if rng.random() < 0.8 else rng.choice(parties)
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        # a shipment goes where its consignee is located (validation refuses the contradiction)
        to = consignee["located"] if rng.random() < 0.85 or kind in SHIPPED else rng.choice(COUNTRIES)
        src = to if kind == "in_country_transfer" else ("US" if kind == "export" else rng.choice(COUNTRIES))
        day = rng.randrange(590)  # 2025-05-16 .. 2026-12-27: after the AI Diffusion compliance date
        date = time.strftime("%Y-%m-%d", time.gmtime(1747353600 + 86400 * day))
        t: dict[str, Any] = {
            "id": tid, "kind": kind, "item": rng.choices(ITEMS, ITEM_WEIGHTS)[0]["id"],
            "quantity": int(rng.lognormvariate(5, 1.6)) + 1, "from": src, "to": to,
            "consignee": consignee["id"], "end_user": end_user["id"], "end_use": rng.choice(END_USES), "date": date,
        }
        if rng.random() < 0.6:
            t["ultimate_destination"] = rng.choice(COUNTRIES)
        return t

    ledger = []
    for j in range(n_tx // 10):
        e = tx(f"l{j:06d}")
        auth = rng.choice(AUTHORIZATIONS)
        if auth is not None:
            e["authorization"] = auth
        ledger.append(e)
    return {"parties": parties, "items": ITEMS, "transactions": [tx(f"t{j:06d}") for j in range(n_tx)],
            "ledger": ledger}


# ---------------------------------------------------------------------------
# BASELINE: a plain-Python re-implementation of the key decisions, for timing and
# cross-checking only.  It mirrors policy/ as of this commit; the policy decides.
# ---------------------------------------------------------------------------

FAMILY = {"3A090.a": "a", "4A090.a": "a", "4A003.z.1.a": "a", "3A090.b": "b", "4A090.b": "b", "3A090.c": "c"}
DESIGNER_ECCNS = {"3A090.a"}
SCOPE = {"a": ("aia", "acm", "lpp", "aca", "nac"), "b": ("acm", "aca", "nac"), "c": ("acm", "hbm")}
RANK = {"uveu": 1, "nveu": 2, "aia": 3, "acm": 4, "aca": 5, "nac": 6, "hbm": 7}


@dataclass
class World:
    """What BASELINE reads from the policy once: tiers, groups and parameters."""

    tier: dict[str, int]
    groups: dict[str, set[str]]
    params: dict[str, int]

    @classmethod
    def from_policy(cls) -> World:
        policy = load_policy()
        codes = [{"id": f"x{c}", "hq": c} for c in COUNTRIES]
        ans = solve(scenario_from_dict({"parties": codes}), policy, traced=frozenset())
        tier = {s.arguments[0].name.upper(): s.arguments[1].number for s in ans.get("tier")}
        groups: dict[str, set[str]] = defaultdict(set)
        for s in ans.get("in_group"):
            groups[s.arguments[0].name.upper()].add(s.arguments[1].name)
        params = {s.arguments[0].name: to_int(s.arguments[1]) for s in ans.get("param")}
        missing = [c for c in COUNTRIES if c not in tier]
        if missing:
            raise SystemExit(f"the policy gave no tier for {missing}")
        return cls(tier, dict(groups), params)


def baseline(sc: Scenario, w: World) -> dict[str, tuple[str, str | None]]:
    """BASELINE: transaction id -> (outcome, authorization), in the policy's vocabulary."""
    parties = {p.id: p for p in sc.parties}
    items = {i.id: i for i in sc.items}
    top: dict[str, str] = {}

    def owner(pid: str) -> str:
        if pid not in top:
            p = parties[pid]
            top[pid] = pid if p.parent is None else owner(p.parent)
        return top[pid]

    def linked(pid: str) -> set[int]:
        out = {w.tier[parties[pid].hq]}
        if parties[pid].parent is not None:
            out.add(w.tier[parties[owner(pid)].hq])
        return out

    foreign_gov_groups = {owner(p.id) for p in sc.parties
                          if p.government_controlled is True
                          or (isinstance(p.government_controlled, str) and p.government_controlled != "US")}
    lpp_used: dict[tuple[str, int], int] = defaultdict(int)
    alloc_used: dict[str, int] = defaultdict(int)
    lpp_cap = w.params["lpp_annual_cap_tpp"]
    country_cap = w.params["country_allocation_tpp"]
    period = (w.params["allocation_period_start_date"], w.params["allocation_period_end_date"])
    out: dict[str, tuple[str, str | None]] = {}

    for t in sc.in_order():
        item = items[t.item]
        fam = FAMILY[item.eccn]
        eu = t.end_user or t.consignee
        dest_tier = w.tier[t.to]
        tier3_entity = 3 in linked(t.consignee) or 3 in linked(eu)
        shipment = t.quantity * item.tpp
        controlled = t.kind in ("export", "reexport", "in_country_transfer")
        d1_d4 = bool(w.groups.get(t.to, set()) & {"d1", "d4"})
        required = controlled and (fam == "a" or (fam == "b" and ((dest_tier == 2 and d1_d4) or dest_tier == 3))
                                   or (fam == "c" and dest_tier == 3))
        review = None
        if required:
            if tier3_entity or (fam in "ab" and dest_tier == 3):
                review = "denial"
            elif fam == "a" and dest_tier == 2 and 1 not in linked(eu):
                review = "approval_up_to_cap"
            else:
                review = "approval"
        dc_a = item.datacenter and item.eccn == "3A090.a"
        designer_ok = item.eccn not in DESIGNER_ECCNS or item.designer in ("approved", "authorized")
        available: set[str] = set()
        lpp_key = (owner(t.consignee), t.date // 10000)
        lpp_ok = False
        if required:
            c, e = parties[t.consignee], parties[eu]
            for code in SCOPE[fam]:
                if code == "aia":
                    both = (t.consignee, eu)
                    ok = (dest_tier == 1 and all(w.tier[parties[p].hq] == 1 for p in both)
                          and all(parties[p].parent is None or w.tier[parties[owner(p)].hq] == 1 for p in both)
                          and designer_ok)
                elif code == "acm":
                    ok = (owner(eu) not in foreign_gov_groups and dest_tier <= 2 and not tier3_entity
                          and t.end_use in ("development", "production", "storage")
                          and t.ultimate_destination is not None and w.tier[t.ultimate_destination] != 3
                          and designer_ok)
                elif code == "lpp":
                    lpp_ok = (t.kind in ("export", "reexport") and not c.distributor and owner(eu) == owner(t.consignee)
                              and dest_tier <= 2 and not tier3_entity)
                    ok = lpp_ok and lpp_used[lpp_key] + shipment <= lpp_cap
                elif code == "aca":
                    ok = (not dc_a and not tier3_entity
                          and ((t.kind in ("export", "reexport") and dest_tier != 3)
                               or (t.kind == "in_country_transfer" and dest_tier == 3)))
                elif code == "nac":
                    ok = not dc_a and t.kind in ("export", "reexport") and (dest_tier == 3 or tier3_entity)
                else:  # hbm
                    ok = dest_tier == 3
                if ok:
                    available.add(code)
            if fam == "a" and dest_tier != 3:
                if (c.veu and c.veu.type == "UVEU" and e.veu and e.veu.type == "UVEU" and 1 in linked(t.consignee)):
                    available.add("uveu")
                if (c.veu and c.veu.type == "NVEU" and w.tier[c.hq] <= 2 and 3 not in linked(t.consignee)
                        and t.to in c.veu.locations):
                    available.add("nveu")
        # route: as recorded; else none; else the best quota-free authorization; else LPP; else a license
        if t.authorization is not None:
            route = t.authorization.lower()
        elif not required:
            route = "none"
        else:
            ranked = sorted((RANK[a], a) for a in available if a != "lpp")
            route = ranked[0][1] if ranked else ("lpp" if "lpp" in available else "license")
        if fam == "a" and route == "lpp":
            lpp_used[lpp_key] += shipment
        # the country allocation
        member = fam == "a" and dest_tier == 2 and period[0] <= t.date <= period[1]
        applies = member and review in ("approval_up_to_cap", "approval")
        within = alloc_used[t.to] + shipment <= country_cap
        if route == "license" and applies and (t.authorization is not None or within):
            alloc_used[t.to] += shipment
        if not required:
            outcome = "no_license_required"
        elif route in ("uveu", "nveu"):
            outcome = "authorized_by_veu"
        elif route != "license":
            outcome = "authorized_by_exception"
        elif review == "approval" or (review == "approval_up_to_cap" and (not member or within)):
            outcome = "license_presumption_approval"
        elif review == "approval_up_to_cap":
            outcome = "license_policy_denial"
        else:
            outcome = "license_presumption_denial"
        if not t.ledger:
            out[t.id] = (outcome, route.upper() if route not in ("license", "none") else route)
    return out


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def median_seconds(fn: Callable[[], object], reps: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def agree(sc: Scenario, w: World, sample: int) -> tuple[int, int, list[str]]:
    """(checked, disagreements, examples) between earlog and BASELINE over a sample of transactions."""
    mine = baseline(sc, w)
    theirs = {v.transaction: (v.outcome, v.authorization) for v in earlog.evaluate(sc)}
    ids = sorted(theirs)[:sample]
    bad = [f"{i}: earlog {theirs[i]} baseline {mine.get(i)}" for i in ids if theirs[i] != mine.get(i)]
    return len(ids), len(bad), bad[:5]


def fmt(s: float) -> str:
    return f"{s * 1000:.2f} ms" if s < 1 else f"{s:.2f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    ap.add_argument("--single-reps", type=int, default=300)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--sample", type=int, default=2000, help="transactions cross-checked against BASELINE per size")
    ap.add_argument("--profile", action="store_true", help="cProfile earlog on the 10,000-transaction scenario")
    ap.add_argument("--write-scenario", nargs=2, metavar=("N", "FILE"),
                    help="write the N-transaction scenario and exit")
    args = ap.parse_args(argv)

    if args.write_scenario:
        n, path = int(args.write_scenario[0]), args.write_scenario[1]
        with open(path, "w", encoding="utf-8") as f:
            json.dump(generate(n, args.seed), f)
        return 0

    w = World.from_policy()
    print(f"python {sys.version.split()[0]}, earlog {earlog.__version__}, policy {load_policy().root}")

    # (a) one transaction, warm process
    one = scenario_from_dict({
        "parties": [{"id": "nuvem", "hq": "BR", "located": "BR"}],
        "items": [ITEMS[0]],
        "transactions": [{"id": "t1", "kind": "export", "item": "h100", "quantity": 1000, "from": "US", "to": "BR",
                          "consignee": "nuvem", "end_user": "nuvem", "end_use": "inference", "date": "2025-06-01"}],
    })
    for _ in range(5):
        earlog.evaluate(one)
        baseline(one, w)
    e1, _ = median_seconds(lambda: earlog.evaluate(one), args.single_reps)
    b1, _ = median_seconds(lambda: baseline(one, w), args.single_reps * 10)
    assert [(v.outcome, v.authorization) for v in earlog.evaluate(one)] == list(baseline(one, w).values())
    print(f"\n(a) one transaction, warm process, median of {args.single_reps}:")
    print(f"    earlog   {fmt(e1)}\n    baseline {b1 * 1e6:.1f} us\n    ratio    {e1 / b1:,.0f}x")

    # (b) scenarios of growing size
    print("\n(b) scenarios (50 countries, 500 parties, ledger = 10% of transactions):")
    print(f"    {'transactions':>12} {'reps':>4} {'earlog median':>14} {'per tx':>10} {'baseline':>10} {'ratio':>7}"
          f" {'agree':>12}")
    rows = []
    for n in args.sizes:
        sc = scenario_from_dict(generate(n, args.seed))
        reps = 5 if n <= 1000 else 3 if n <= 10000 else 1
        e, _ = median_seconds(lambda sc=sc: earlog.evaluate(sc), reps)
        b, _ = median_seconds(lambda sc=sc: baseline(sc, w), max(reps, 3))
        checked, bad, examples = agree(sc, w, args.sample) if n <= 10000 else (0, 0, [])
        rows.append((n, e))
        ag = f"{checked - bad}/{checked}" if checked else "-"
        print(f"    {n:>12,} {reps:>4} {fmt(e):>14} {e / n * 1e3:>8.3f}ms {fmt(b):>10} {e / b:>6.0f}x {ag:>12}")
        for ex in examples:
            print(f"      disagreement {ex}")
    if len(rows) > 1:
        print("    growth: " + ", ".join(f"{b[0] // a[0]}x transactions -> {b[1] / a[1]:.1f}x time"
                                       for a, b in zip(rows, rows[1:], strict=False)))

    if args.profile:
        sc = scenario_from_dict(generate(10000, args.seed))
        prof = cProfile.Profile()
        prof.enable()
        earlog.evaluate(sc)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
        print("\ncProfile of earlog.evaluate on 10,000 transactions (cumulative):")
        print(buf.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
