"""The pyDatalog engine against clingo on small policies: every construct the
translator accepts gives clingo's exact atoms, and every construct it does not
accept is refused with the rule id, file:line and the construct."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import clingo
import pytest
from clingo import Function, Number, String, Symbol, ast

import earlog
from earlog.datalog import TranslationError
from earlog.datalog.agree import compare
from earlog.datalog.engine import evaluate_translation
from earlog.datalog.translate import INTERNAL, translate
from earlog.engine.arith import Arithmetic
from earlog.engine.chains import chain_links
from earlog.engine.policy import load_policy
from earlog.engine.program import program
from earlog.errors import EngineBug


def _policy(tmp_path: Path, rules: list[tuple[str, str]], facts: str = "", cumulative: str = "") -> object:
    """A policy folder: each rule with its annotation block, then plain facts."""
    lines = []
    for rid, text in rules:
        lines += [f"%% @rule {rid}", "%% @cite none", f"%% @text Rule {rid}.", text, ""]
    lines.append(facts)
    if cumulative:
        lines += ["#program cumulative.", cumulative]
    (tmp_path / "toy.lp").write_text("\n".join(lines) + "\n")
    load_policy.cache_clear()
    return load_policy(str(tmp_path))


def _clingo(policy, facts: list[Symbol], order: dict[str, int]) -> set[Symbol]:
    """The model clingo computes, grounded part by part as engine/solve.py does."""
    ctl = clingo.Control(["--warn=none"])
    statements = program(policy, None)
    with ast.ProgramBuilder(ctl) as b:
        current = "base"
        for part, stmt in statements:
            if part != current:
                b.add(ast.Program(stmt.location, part, []))
                current = part
            b.add(stmt)
    with ctl.backend() as bk:
        for sym in [*policy.facts.get("base", ()), *facts]:
            bk.add_rule([bk.add_atom(sym)])
    ctl.ground([("base", [])], context=Arithmetic())
    members = [a.symbol for a in ctl.symbolic_atoms.by_signature("chain_member", 3)]
    with ctl.backend() as bk:
        for sym in [*policy.facts.get("cumulative", ()), *chain_links(members, order)]:
            bk.add_rule([bk.add_atom(sym)])
    ctl.ground([("cumulative", [])], context=Arithmetic())
    models: list[list[Symbol]] = []
    ctl.solve(on_model=lambda m: models.append(m.symbols(atoms=True)))
    assert len(models) == 1
    return set(models[0])


def _datalog(policy, facts: list[Symbol], order: dict[str, int]) -> set[Symbol]:
    tables = evaluate_translation(translate(policy, program(policy, None)), policy, facts, order)
    return {Function(name, list(row)) for (name, _a), rows in tables.items() if not name.startswith(INTERNAL)
            for row in rows}


NUMBERS = [-7, -2, 0, 2, 3, 46341, 2147483647, -2147483648]

TOY = [
    ("toy.arith", "op(A, B, A + B, A - B, A * B) :- n(A), n(B)."),
    ("toy.division", "dv(A, B, A / B, A \\ B) :- n(A), n(B)."),
    ("toy.minus", "neg(-A) :- n(A)."),
    ("toy.minus_constant", "negc(-X) :- c(X)."),
    ("toy.undefined", "bad(X + 1) :- s(X)."),
    ("toy.term_order", "cmp(A, B) :- n(A), s(B), A < B."),
    ("toy.term_order_constants", "cmpc(X, Y) :- c(X), c(Y), X < Y."),
    ("toy.tuple", "tup(A, (A, f(B))) :- n(A), n(B), A < B."),
    ("toy.untuple", "untup(X, Y) :- tup(_, (X, f(Y)))."),
    ("toy.count", "cnt(A, K) :- n(A), K = #count{ B : n(B), B < A }."),
    ("toy.sum", "sm(V) :- V = #sum{ A, a : n(A); 5, b : n(2); X, c : s(X) }."),
    ("toy.sum_guard", "smg(A) :- n(A), #sum{ B : n(B), B < A } > 2."),
    ("toy.min", "mn(A, M) :- n(A), M = #min{ B : n(B), B > A }."),
    ("toy.max", "mx(A, M) :- n(A), M = #max{ B : n(B), B < A }."),
    ("toy.external", "big(A, @add(A, 2147483647), @mul(A, A), @div(A, 2)) :- n(A)."),
    ("toy.external_compare", "lq(A) :- n(A), @leq(A, 2) = 1."),
    ("toy.least", "lst(A, @least(A, unbounded)) :- n(A)."),
    ("toy.negation_anonymous", "nn(A) :- n(A), not cmp(A, _)."),
    ("toy.negation_bound", "q(X) :- p(X), not r(X)."),
    ("toy.pool", "pooled(X) :- p(X; Y), Y = X."),
    ("toy.assign", "asg(A, B) :- n(A), B = A * 2, B != 4."),
    ("toy.recursion", "reach(X, Y) :- edge(X, Y)."),
    ("toy.recursion_step", "reach(X, Z) :- reach(X, Y), edge(Y, Z)."),
    ("toy.stratified_by_value", "status(X, denied) :- p(X), r(X)."),
    ("toy.stratified_by_value_2", "denied(X) :- status(X, denied)."),
    ("toy.stratified_by_value_3", "status(X, approved) :- p(X), not denied(X)."),
    ("toy.chain", "chain_member(c, k, T) :- t(T)."),
    ("toy.two_aggregates", "two(A, K, S) :- n(A), K = #count{ B : n(B), B < A }, S = #sum{ B : n(B), B > A }, K < 4."),
    ("toy.conditional", "allbig(X) :- c(X), n(A) : n(A), A > 2."),
    ("toy.conditional_global", "dominates(A) :- n(A), B < A : n(B), B != A."),
    ("toy.conditional_negated", "free(X) :- p(X), not r(X) : p(X)."),
    ("toy.guarded_division", "ratio(A, @div(100, A)) :- n(A), A != 0, @leq(A, 0) = 0."),
]
FACTS = (" ".join(f"n({n})." for n in NUMBERS) + ' s("a"). s("b"). c(foo). c(bar). p(a;b;c). r(a).'
         ' edge(1, 2). edge(2, 3). edge(3, 1). t("x"). t("y"). t("z").')
CUMULATIVE = """%% @rule toy.run_first
%% @cite none
%% @text The first.
run(T, 1) :- chain_first(c, T).
%% @rule toy.run_next
%% @cite none
%% @text The next.
run(T2, V + 1) :- chain_next(c, T, T2), run(T, V).
"""


def test_every_translated_construct_gives_clingos_atoms(tmp_path: Path) -> None:
    policy = _policy(tmp_path, TOY, FACTS, CUMULATIVE)
    order = {"z": 0, "x": 1, "y": 2}
    want = _clingo(policy, [], order)
    got = _datalog(policy, [], order)
    assert got == want
    # spot checks that the comparison is not vacuous
    assert Function("dv", [Number(-7), Number(2), Number(-3), Number(-1)]) in got  # truncation toward zero
    assert Function("op", [Number(2147483647), Number(2), Number(-2147483647), Number(2147483645),
                           Number(-2)]) in got  # 32-bit wrap
    assert not any(s.name == "bad" for s in got)
    assert Function("run", [String("y"), Number(3)]) in got
    assert Function("status", [Function("b"), Function("approved")]) in got
    assert Function("dominates", [Number(2147483647)]) in got and Function("allbig", [Function("foo")]) in got


@pytest.mark.parametrize(("text", "construct"), [
    ("{ chosen(X) } :- p(X).", "a choice rule"),
    ("left(X) ; right(X) :- p(X).", "a disjunctive head"),
    ("x(X) :- p(X), not not r(X).", "double negation"),
    ("x(X) :- p(X), X < Y + 1 : r(Y).", "the conditional literal"),
    ("x(X) :- p(X), X = 1..3.", "interval"),
    ("x(@pow(X, 2)) :- n(X).", "@pow is not one of earlog's"),
    ("x(X ** 2) :- n(X).", "the operator"),
    ("x(Y) :- p(X).", "unsafe variable(s) Y"),
    ("-x(X) :- p(X).", "classical negation"),
])
def test_a_construct_outside_the_fragment_is_refused_naming_the_rule(tmp_path: Path, text: str,
                                                                     construct: str) -> None:
    policy = _policy(tmp_path, [("toy.ok", "ok(X) :- p(X)."), ("toy.bad", text)], "p(a). n(1).")
    with pytest.raises(TranslationError) as e:
        translate(policy, program(policy, None))
    msg = str(e.value)
    assert msg.startswith("rule toy.bad (toy.lp:")
    assert construct in msg


def test_negation_through_a_cycle_of_predicates_is_evaluated_when_the_facts_break_it(tmp_path: Path) -> None:
    """`win` reads `not win` of the next position: not stratified by predicate, but on an
    acyclic board the well-founded model is total, and it is clingo's answer set."""
    policy = _policy(tmp_path, [("toy.win", "win(X) :- move(X, Y), not win(Y).")],
                     "move(a, b). move(b, c). move(c, d). move(x, a). move(x, d).")
    got = _datalog(policy, [], {})
    assert got == _clingo(policy, [], {})
    assert {s for s in got if s.name == "win"} == {Function("win", [Function(c)]) for c in ("c", "a", "x")}


def test_negation_through_a_cycle_the_facts_do_not_break_has_no_unique_answer(tmp_path: Path) -> None:
    policy = _policy(tmp_path, [("toy.win", "win(X) :- move(X, Y), not win(Y).")], "move(a, b). move(b, a).")
    with pytest.raises(EngineBug, match=r"no unique answer set: win\([ab]\) is neither true nor false under "
                                        r"rule toy\.win \(toy\.lp:4\): `not win`"):
        _datalog(policy, [], {})


def test_an_error_in_an_external_function_stops_both_engines(tmp_path: Path) -> None:
    """clingo aborts when an @-function raises on an instance it grounds; so does the
    pyDatalog engine (a guarded call, above, that never runs is no error)."""
    policy = _policy(tmp_path, [("toy.unguarded_division", "ratio(A, @div(100, A)) :- n(A).")], "n(0). n(5).")
    with pytest.raises(ZeroDivisionError):
        _clingo(policy, [], {})
    with pytest.raises(EngineBug, match=r"@div\(100, 0\) failed"):
        _datalog(policy, [], {})


def test_an_aggregate_through_a_cycle_is_refused_naming_the_rule(tmp_path: Path) -> None:
    policy = _policy(tmp_path, [("toy.grow", "size(X, N) :- item(X), N = #count{ Y : size(Y, _), Y < X }.")],
                     "item(1). item(2).")
    with pytest.raises(TranslationError) as e:
        translate(policy, program(policy, None))
    assert str(e.value).startswith("rule toy.grow (toy.lp:4): an aggregate is not stratified in the `base` part")


def test_the_shipped_policy_translates_with_nothing_refused() -> None:
    policy = load_policy()
    t = translate(policy, program(policy, None, explain=True))
    assert sum(len(c) for p in t.parts for c in p.clauses.values()) > len(policy.rules)


HOSTILE = 'x). license_required(y'


def test_hostile_names_are_values_on_both_engines() -> None:
    """User text never becomes source: a party and a transaction named like ASP code."""
    sc = {
        "parties": [{"id": HOSTILE, "hq": "BR", "located": "BR"}],
        "items": [{"id": '"); #show.', "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}],
        "transactions": [{"id": HOSTILE + " t", "kind": "export", "item": '"); #show.', "quantity": 10,
                          "from": "US", "to": "BR", "consignee": HOSTILE, "end_user": HOSTILE,
                          "end_use": "inference", "date": "2025-06-01"}],
    }
    a = [v.to_json() for v in earlog.evaluate(sc)]
    b = [v.to_json() for v in earlog.evaluate(sc, engine="pydatalog")]
    assert a == b
    assert a[0]["transaction"] == HOSTILE + " t" and a[0]["license_required"] is True


def test_explanations_come_from_the_same_provenance_on_both_engines() -> None:
    """The provenance twins are translated like any rule: the why-tree of each outcome
    has the same conclusion, deciding rule and conditions on both engines.  (Where an
    atom further down has several derivations, each engine may show another one.)"""
    path = Path(__file__).parents[1] / "queries" / "scenarios" / "tier2_allocation_ledger.json"
    a = [v.to_json()["explanation"]["root"] for v in earlog.evaluate(path, explain=True)]
    b = [v.to_json()["explanation"]["root"] for v in earlog.evaluate(path, explain=True, engine="pydatalog")]

    def top(root: dict) -> tuple:
        return (root["atom"], root["holds"],
                [(r["rule"], [c["detail"] for c in r["conditions"]]) for r in root.get("rules", [])])

    assert [top(r) for r in a] == [top(r) for r in b]
    assert all(r.get("rules") for r in a)


def test_an_unknown_engine_is_a_one_line_error() -> None:
    with pytest.raises(earlog.errors.EarlogError, match="--engine: expected clingo or pydatalog, got 'prolog'"):
        earlog.evaluate({"parties": [], "items": [], "transactions": []}, engine="prolog")


def test_a_disagreement_names_the_transaction_the_field_and_both_values() -> None:
    path = Path(__file__).parents[1] / "queries" / "scenarios" / "brazil_cloud.json"
    clingo_side = earlog.evaluate(path)
    other = earlog.evaluate(path, engine="pydatalog")
    assert compare(clingo_side, other) == []
    other[0].outcome = "license_presumption_denial"
    (d,) = compare(clingo_side, other)
    assert d.text() == (f"engines disagree on outcome of {other[0].transaction}: "
                        f'clingo "{clingo_side[0].outcome}", pydatalog "license_presumption_denial"')


def test_earlog_test_runs_a_suite_on_both_engines() -> None:
    suite = Path(__file__).parents[1] / "queries" / "exceptions" / "hbm.earlog"

    def earlog_test(engine: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "earlog.cli", "test", "--engine", engine, str(suite)],
                              capture_output=True, text=True)

    r = earlog_test("both")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().endswith(" passed, 0 failed")
    r = earlog_test("prolog")
    assert r.returncode == 2
    assert r.stderr.strip() == "earlog: error: --engine: expected clingo or pydatalog or both, got 'prolog'"
