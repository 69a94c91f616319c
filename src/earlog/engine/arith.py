"""Arbitrary-precision arithmetic for the policy, called during grounding.

clingo integers are 32-bit and wrap silently past 2,147,483,647; TPP totals pass
that easily (136,000 H100s).  The policy therefore adds, multiplies and compares
amounts with @add/@mul/@div/@leq: values that fit stay clingo numbers, larger ones
travel as strings of digits, so every value has exactly one representation.
"""

from __future__ import annotations

import clingo

_MAX = 2**31 - 1


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


class Arithmetic:
    """The grounding context: the @-functions the policy may call."""

    def add(self, a: clingo.Symbol, b: clingo.Symbol) -> clingo.Symbol:
        return big(to_int(a) + to_int(b))

    def mul(self, a: clingo.Symbol, b: clingo.Symbol) -> clingo.Symbol:
        return big(to_int(a) * to_int(b))

    def div(self, a: clingo.Symbol, b: clingo.Symbol) -> clingo.Symbol:
        return big(to_int(a) // to_int(b))

    def leq(self, a: clingo.Symbol, b: clingo.Symbol) -> clingo.Symbol:
        return clingo.Number(1 if to_int(a) <= to_int(b) else 0)

    def least(self, a: clingo.Symbol, b: clingo.Symbol) -> clingo.Symbol:
        """The smaller of two amounts; a constant such as `unbounded` is larger than any amount
        (the VEU headroom is the least of the bounds that apply, veu_limits.lp)."""
        if a.type == clingo.SymbolType.Function:
            return b
        if b.type == clingo.SymbolType.Function:
            return a
        return big(min(to_int(a), to_int(b)))
