"""Run a .earlog document: build the scenario each question sees, then answer it.

A question sees every declaration above it (so a tour can add deals as it goes);
a case sees the declarations above it, its own changes, and the declarations in
its body.  Running is two passes: `plan` builds and validates every scenario and
resolves every name a question uses, so bad input is reported before anything is
evaluated; `execute` then answers the questions in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from earlog.dsl.errors import DslError
from earlog.dsl.nodes import Case, Declaration, Document, Question, Setting
from earlog.dsl.to_dict import ScenarioBuilder
from earlog.errors import EarlogError
from earlog.scenario.model import Scenario


class NotYetSupported(EarlogError):
    """A question the language parses but earlog cannot answer yet (exit code 2)."""


@dataclass
class Context:
    """One scenario and its evaluation, shared by the questions that see it."""

    builder: ScenarioBuilder
    scenario: Scenario
    _evaluated: tuple[list[Any], Any] | None = None
    _traced_all: bool = False
    engine: str = "clingo"  # or "pydatalog" (earlog test --engine)

    def evaluate(self, trace_all: bool = False) -> tuple[list[Any], Any]:
        """(verdicts, answer set); the answer set gives the rules that fired.

        trace_all records every annotated rule that fired, not only the verdict's
        deciding rules: `earlog test --coverage` needs it, and it costs about twice
        an evaluation, so it is asked for, never the default."""
        if self._evaluated is None and not trace_all:
            from earlog.api import keyed_engine_enabled
            from earlog.engine.contract import FastPathRefused
            from earlog.engine.screening import screen_scenario_fired

            if keyed_engine_enabled():
                try:
                    self._evaluated = screen_scenario_fired(self.scenario)
                    return self._evaluated
                except FastPathRefused:
                    pass
        if self._evaluated is None or (trace_all and not self._traced_all):
            from earlog.datalog.engines import solver
            from earlog.engine import load_policy
            from earlog.engine.program import VERDICT_PREDICATES
            from earlog.verdict import VERDICT_READS, build_verdicts

            solve = solver(self.engine)
            ans = solve(self.scenario, load_policy(), traced=None if trace_all else VERDICT_PREDICATES,
                        shown=VERDICT_READS)
            self._evaluated = (build_verdicts(ans), ans)
            self._traced_all = trace_all
        return self._evaluated

    def verdicts(self) -> dict[str, Any]:
        return {v.transaction: v for v in self.evaluate()[0]}


@dataclass
class Step:
    """A question with the context it is asked in (and, for what-if, the changed one)."""

    question: Question
    file: str
    text: str
    context: Context
    case: str | None = None
    changed: Context | None = None
    todo: bool = False  # in a `todo case`: a known gap, planned but reported as skipped
    resolved: dict[str, Any] = field(default_factory=dict)
    spaces: dict[str, Any] = field(default_factory=dict)  # the spaces declared above (earlog.space)


def build_scenario(builder: ScenarioBuilder) -> Context:
    return Context(builder, builder.scenario())


def plan(doc: Document, builder: ScenarioBuilder | None = None) -> list[Step]:
    """Every question of the document with the scenario it sees, all validated."""
    from earlog.dsl.questions import resolve

    steps: list[Step] = []
    b = builder or ScenarioBuilder()
    ctx: Context | None = None

    def current() -> Context:
        nonlocal ctx
        if ctx is None:
            ctx = build_scenario(b.copy())
        return ctx

    spaces: dict[str, Any] = {}
    for st in doc.statements:
        if _declare(b, st, doc):
            ctx = None
        elif getattr(st, "is_space", False):
            from earlog.space.answers import declare_space

            declare_space(st, b, spaces, doc)
        elif isinstance(st, Case):
            steps.extend(_plan_case(st, doc, b, spaces))
        else:
            step = Step(st, doc.file, doc.text, current(), spaces=dict(spaces))
            resolve(step)
            steps.append(step)
    current()  # declarations after the last question (or in a file without any) are checked too
    return steps


def _declare(b: ScenarioBuilder, st: object, doc: Document) -> bool:
    """Apply a declaration or setting to the scenario being built; False for a question."""
    if isinstance(st, Declaration):
        b.declare(st, doc.file, doc.text)
    elif isinstance(st, Setting):
        b.setting(st, doc.file, doc.text)
    else:
        return False
    return True


def _plan_case(case: Case, doc: Document, outer: ScenarioBuilder,
               spaces: dict[str, Any] | None = None) -> Iterator[Step]:
    from earlog.dsl.questions import resolve

    b = outer.copy()
    for c in case.changes:
        b.change(c, doc.file, doc.text)
    ctx: Context | None = None
    questions = 0
    for st in case.body:
        if _declare(b, st, doc):
            ctx = None
        else:
            if ctx is None:
                ctx = build_scenario(b.copy())
            step = Step(st, doc.file, doc.text, ctx, case=case.title, todo=case.todo, spaces=dict(spaces or {}))
            resolve(step)
            questions += 1
            yield step
    if questions == 0:
        raise DslError(doc.file, doc.text, case.title_span,
                       f"case {case.title!r} asks nothing; give it at least one `expect`")
