"""The policy's @-functions answer from a memo (engine/arith.py): the memoised answer is the one
computed, for numbers, amounts past clingo's 32 bits and constants, first and again, with the memo
cleared when full."""

from __future__ import annotations

import itertools

import clingo
import pytest

from earlog.engine import arith
from earlog.engine.arith import Arithmetic, big, to_int

VALUES = [0, 1, -1, 7, 1000, 2**31 - 2, 2**31 - 1, 2**31, -(2**31 - 1), -(2**31), 10**12, -(10**15), 790_000_000]


def _sym(v: int) -> clingo.Symbol:
    return big(v)


def test_memoised_answers_are_computed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arith, "_MEMO_MAX", 16)  # cleared many times over
    ctx = Arithmetic()
    syms = [_sym(v) for v in VALUES]
    for _round in range(2):
        for a, b in itertools.product(syms, syms):
            x, y = to_int(a), to_int(b)
            assert ctx.add(a, b) == big(x + y)
            assert ctx.mul(a, b) == big(x * y)
            assert ctx.leq(a, b) == clingo.Number(1 if x <= y else 0)
            assert ctx.least(a, b) == big(min(x, y))
            if y != 0:
                assert ctx.div(a, b) == big(x // y)
            # equal symbols made apart share a representation (clingo interns them): the memo's key
            assert ctx.add(_sym(x), _sym(y)) == big(x + y)
    unbounded = clingo.Function("unbounded")
    for a in syms:
        assert ctx.least(a, unbounded) == a
        assert ctx.least(unbounded, a) == a
    with pytest.raises(ZeroDivisionError):
        ctx.div(syms[1], syms[0])
    with pytest.raises(TypeError):
        ctx.add(clingo.Function("c"), syms[1])
