"""Benchmark: where a miss of the keyed engine goes, and what each way of grounding it costs.

One run, rounds interleaved (one of each measurement per round), medians:

  whole        the whole-scenario engine on the one-transaction deal of bench_engine.py
               (`solve` + `build_verdicts`): the same-run baseline;
  miss/text    a Screener miss (the key solved, then its value row and its exact totals:
               three calls of keyed.solve_batch, each a Control of its own), the program
               handed to clingo as text (EARLOG_GROUNDING=text, as before engine/grounding.py);
  miss/now     the same miss as the engine makes it: the program added as ASTs parsed once
               per process, the static closure as one pooled fact (engine/grounding.py);
               the decision-key cache is cleared before each miss;
  ground/text, ground/ast
               what one Control of its own costs up to its grounding (Control, program,
               static closure and facts, both parts grounded), without solving or reading;
  ground/warm  the same batch as one step of a warm Control (issue 9's design (a): the
               program parsed once with every dynamic atom given the step number as first
               argument, the static closure entered once, each batch grounded as a new step);
               the Control is replaced after --steps steps; the table shows the first and the
               last rounds before a replacement, since the step's cost grows with the steps;
  parse        parsing the live program's text alone, and adding its cached ASTs to a Control.

Usage:
    python bench/bench_miss.py               # --reps 30 --steps 64
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import clingo
from clingo import Function, Number, Symbol, ast

from earlog.engine import grounding, keyed, load_policy, screening, solve
from earlog.scenario.json_input import scenario_from_dict
from earlog.verdict import VERDICT_READS, build_verdicts

sys.path.insert(0, str(Path(__file__).parent))
from bench_engine import deal  # noqa: E402

PARAM = "earlogkey"


class _Keyed(ast.Transformer):
    """Give every atom of a dynamic predicate the step parameter as its first argument."""

    def __init__(self, static: frozenset[str]) -> None:
        self.static = static

    def visit_SymbolicAtom(self, node: Any) -> Any:  # noqa: N802 - clingo's visitor naming
        t = node.symbol
        neg = t.ast_type == ast.ASTType.UnaryOperation
        f = t.argument if neg else t
        if f.ast_type == ast.ASTType.SymbolicTerm:  # an atom without arguments
            f = ast.Function(f.location, f.symbol.name, [], 0)
        if f.name not in self.static:
            f = f.update(arguments=[ast.Function(f.location, PARAM, [], 0), *f.arguments])
        return node.update(symbol=t.update(argument=f) if neg else f)


def _keyed_text(text: str, static: frozenset[str]) -> str:
    tr = _Keyed(static)
    out: list[str] = []
    ast.parse_string(text, lambda s: out.append(str(tr.visit(s))) if s.ast_type != ast.ASTType.Program else None)
    return "\n".join(out)


class Warm:
    """A warm Control: static closure once, each batch one step (design (a) of issue 9)."""

    def __init__(self, args: dict[str, Any]) -> None:
        static_names = args["static_names"]
        self.ctl = clingo.Control(["--warn=none", "--models=2"])
        with self.ctl.backend() as b:
            for sym in args["static"]:
                b.add_rule([b.add_atom(sym)])
        self.ctl.add("kb", [PARAM], _keyed_text(args["parts"][0][1], static_names))
        self.ctl.add("kc", [PARAM], _keyed_text(args["parts"][1][1] + args["parts"][2][1], static_names))
        self.steps = 0

    def step(self, args: dict[str, Any]) -> None:
        self.steps += 1
        k = Number(self.steps)

        def keyed(s: Symbol) -> Symbol:
            return Function(s.name, [k, *s.arguments], s.positive)

        with self.ctl.backend() as b:
            for sym in args["facts"]:
                b.add_rule([b.add_atom(keyed(sym))])
        self.ctl.ground([("kb", [k])], context=args["context"])
        if args["late"]:
            with self.ctl.backend() as b:
                for sym in args["late"]:
                    b.add_rule([b.add_atom(keyed(sym))])
        self.ctl.ground([("kc", [k])], context=args["context"])


def captured_batch(s: screening.Screener, rows: list[Any]) -> dict[str, Any]:
    """The arguments of the first Control of a miss (what grounding.Grounded is given)."""
    seen: list[dict[str, Any]] = []
    real = grounding.Grounded.__init__

    def spy(self: Any, parts: Any, static: Any, facts: Any, late: Any, context: Any) -> None:
        seen.append({"parts": parts, "static": static, "facts": facts, "late": late, "context": context})
        real(self, parts, static, facts, late, context)

    grounding.Grounded.__init__ = spy  # type: ignore[method-assign]
    os.environ["EARLOG_GROUNDING"] = "text"
    try:
        screening._CACHE.clear()
        list(s.screen(rows))
    finally:
        grounding.Grounded.__init__ = real  # type: ignore[method-assign]
        os.environ["EARLOG_GROUNDING"] = ""
    first = seen[0]
    state = keyed.keyed_state(None)
    first["static_names"] = next(iter(state.prepared.values())).static_predicates
    return first


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall ms, CPU ms): on the shared machine a call is often descheduled for a slice of
    ~12 ms, so the CPU time of the process is the steadier figure."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--steps", type=int, default=64, help="steps of a warm Control before it is replaced")
    args = ap.parse_args()
    sc = scenario_from_dict(deal(2))
    policy = load_policy()
    base = scenario_from_dict(deal(2))
    tx = base.transactions[0]
    base.transactions = []
    s = screening.Screener(base)
    rows = [screening.ScreenRow(0, tx)]

    def miss(text: bool) -> Callable[[], Any]:
        def run() -> None:
            os.environ["EARLOG_GROUNDING"] = "text" if text else ""
            screening._CACHE.clear()
            list(s.screen(rows))
            os.environ["EARLOG_GROUNDING"] = ""
        return run

    # the two ways give the same verdicts
    verdicts = []
    for text in (True, False):
        os.environ["EARLOG_GROUNDING"] = "text" if text else ""
        screening._CACHE.clear()
        verdicts.append([v.to_json() for _i, v in s.screen(rows)])
    os.environ["EARLOG_GROUNDING"] = ""
    whole_verdicts = [v.to_json() for v in build_verdicts(solve(sc, policy, shown=VERDICT_READS))]
    assert verdicts[0] == verdicts[1] == whole_verdicts, "the ways of grounding gave different verdicts"
    batch = captured_batch(s, rows)

    def ground(text: bool) -> Callable[[], Any]:
        def run() -> None:
            os.environ["EARLOG_GROUNDING"] = "text" if text else ""
            grounding.Grounded(batch["parts"], batch["static"], batch["facts"], batch["late"], batch["context"])
            os.environ["EARLOG_GROUNDING"] = ""
        return run

    program_text = batch["parts"][0][1]

    def parse_text() -> None:
        clingo.Control(["--warn=none"]).add("base", [], program_text)

    def add_ast() -> None:
        ctl = clingo.Control(["--warn=none"])
        with ast.ProgramBuilder(ctl) as b:
            for stmt in grounding.statements(program_text, "base"):
                b.add(stmt)

    cases: dict[str, Callable[[], Any]] = {
        "whole": lambda: build_verdicts(solve(sc, policy, shown=VERDICT_READS)),
        "miss/text": miss(True), "miss/now": miss(False),
        "ground/text": ground(True), "ground/ast": ground(False),
        "parse/text": parse_text, "parse/ast": add_ast,
    }
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
    warm_first: list[tuple[float, float]] = []
    warm_last: list[tuple[float, float]] = []
    for fn in cases.values():  # warm-up
        fn()
    for _ in range(args.reps):
        for name, fn in cases.items():
            times[name].append(timed(fn))
    # the warm Control, one step after another, replaced after --steps steps
    for _ in range(max(1, args.reps * 4 // args.steps)):
        warm = Warm(batch)
        for i in range(args.steps):
            t = timed(lambda w=warm: w.step(batch))
            (warm_first if i < 8 else warm_last if i >= args.steps - 8 else []).append(t)
    rows_out = [*times.items(), (f"ground/warm, steps 1-8 of {args.steps}", warm_first),
                (f"ground/warm, last 8 steps of {args.steps}", warm_last)]
    whole_wall = statistics.median(w for w, _c in times["whole"])
    whole_cpu = statistics.median(c for _w, c in times["whole"])
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {os.getloadavg()[0]:.1f}; "
          f"medians of {args.reps} interleaved rounds")
    print("| measurement | wall | CPU | CPU / whole CPU |")
    print("|---|---:|---:|---:|")
    for name, ts in rows_out:
        if ts:
            w = statistics.median(x for x, _c in ts)
            c = statistics.median(y for _w, y in ts)
            print(f"| {name} | {w:.2f} ms | {c:.2f} ms | {c / whole_cpu:.2f}x |")
    print(f"(whole-scenario engine: {whole_wall:.2f} ms wall)")


if __name__ == "__main__":
    main()
