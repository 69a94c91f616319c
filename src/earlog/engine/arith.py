"""Arbitrary-precision arithmetic for the policy, called during grounding.

clingo integers are 32-bit and wrap silently past 2,147,483,647; TPP totals pass
that easily (136,000 H100s).  The policy therefore adds, multiplies and compares
amounts with @add/@mul/@div/@leq: values that fit stay clingo numbers, larger ones
travel as strings of digits, so every value has exactly one representation.

Grounding calls these once per rule instance, and the same arguments recur from
instance to instance and from batch to batch of the keyed engine (an item's TPP
against each threshold, a cap plus an amount): each answer is memoised by its
arguments' clingo representations.  clingo interns every symbol for the life of the
process and never frees one, so a representation names one symbol for good
(the answer is a function of the arguments alone); the memo is bounded.
"""

from __future__ import annotations

import clingo

_MAX = 2**31 - 1
_MEMO_MAX = 32_768  # answers kept per function (cleared when full: ~5 MB each at most)
_ONE, _ZERO = clingo.Number(1), clingo.Number(0)


def big(n: int) -> clingo.Symbol:
    """The canonical symbol for an integer of any size."""
    return clingo.Number(n) if -_MAX <= n <= _MAX else clingo.String(str(n))


def to_int(s: clingo.Symbol) -> int:
    try:  # most amounts are clingo numbers: one call to clingo instead of two (type, then number)
        return s.number
    except RuntimeError:  # clingo refuses the number of a symbol that is not one
        pass
    if s.type == clingo.SymbolType.String:
        return int(s.string)
    raise TypeError(f"not a number: {s}")


def _memo() -> dict[int, clingo.Symbol]:
    return {}


_ADD, _MUL, _DIV, _LEQ, _LEAST = _memo(), _memo(), _memo(), _memo(), _memo()


def _put(memo: dict[int, clingo.Symbol], k: int, v: clingo.Symbol) -> clingo.Symbol:
    if len(memo) >= _MEMO_MAX:
        memo.clear()
    memo[k] = v
    return v


class Arithmetic:
    """The grounding context: the @-functions the policy may call (answers memoised, see above)."""

    def add(self, a: clingo.Symbol, b: clingo.Symbol) -> clingo.Symbol:
        k = a._rep << 64 | b._rep  # one int for both (a representation is 64 bits)
        found = _ADD.get(k)
        return found if found is not None else _put(_ADD, k, big(to_int(a) + to_int(b)))

    def mul(self, a: clingo.Symbol, b: clingo.Symbol) -> clingo.Symbol:
        k = a._rep << 64 | b._rep  # one int for both (a representation is 64 bits)
        found = _MUL.get(k)
        return found if found is not None else _put(_MUL, k, big(to_int(a) * to_int(b)))

    def div(self, a: clingo.Symbol, b: clingo.Symbol) -> clingo.Symbol:
        k = a._rep << 64 | b._rep  # one int for both (a representation is 64 bits)
        found = _DIV.get(k)
        return found if found is not None else _put(_DIV, k, big(to_int(a) // to_int(b)))

    def leq(self, a: clingo.Symbol, b: clingo.Symbol) -> clingo.Symbol:
        k = a._rep << 64 | b._rep  # one int for both (a representation is 64 bits)
        found = _LEQ.get(k)
        return found if found is not None else _put(_LEQ, k, _ONE if to_int(a) <= to_int(b) else _ZERO)

    def least(self, a: clingo.Symbol, b: clingo.Symbol) -> clingo.Symbol:
        """The smaller of two amounts; a constant such as `unbounded` is larger than any amount
        (the VEU headroom is the least of the bounds that apply, veu_limits.lp)."""
        k = a._rep << 64 | b._rep  # one int for both (a representation is 64 bits)
        found = _LEAST.get(k)
        return found if found is not None else _put(_LEAST, k, self._least(a, b))

    @staticmethod
    def _least(a: clingo.Symbol, b: clingo.Symbol) -> clingo.Symbol:
        if a.type == clingo.SymbolType.Function:
            return b
        if b.type == clingo.SymbolType.Function:
            return a
        return big(min(to_int(a), to_int(b)))
