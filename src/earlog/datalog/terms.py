"""clingo's term semantics, in Python, for the terms the translator computes.

The pyDatalog engine holds every value as the clingo `Symbol` the scenario and
the policy are made of, so equality and the order of `<` are clingo's own (the
`Symbol` comparison operators implement gringo's total order).  What Python
must do itself is evaluate a term once its variables are bound: clingo's 32-bit
integer arithmetic (wrapping on overflow, `/` and `\\` truncating toward zero),
compound terms and tuples, and the policy's @-functions, which are called on the
very `Arithmetic` object the clingo engine grounds with (engine/arith.py), so
both engines share one implementation.  A term clingo leaves undefined (`"a"+1`,
`X/0`) is `UNDEFINED` here: it equals nothing, not even itself, so the rule
instance that needed it does not fire, as in clingo.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import clingo
from clingo import Function, Number, Symbol, SymbolType, ast

from earlog.engine.arith import Arithmetic
from earlog.errors import PolicyError


class TranslationError(PolicyError):
    """A construct the translator does not express faithfully (the message names the
    rule and the construct); reported like any policy error, exit code 2."""


class _Undefined:
    """The value of a term clingo leaves undefined: equal to nothing, comparable to
    nothing (an `==` with it fails, so the instance that needs it is dropped)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return False

    def __ne__(self, other: object) -> bool:
        return True  # pyDatalog tests `!=` to decide whether to unify: never skip

    def __lt__(self, other: object) -> bool:
        return False

    __le__ = __gt__ = __ge__ = __lt__

    def __hash__(self) -> int:
        return 0x5EED

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED = _Undefined()
_FUNCTIONS = Arithmetic()
# errors raised by an @-function during an evaluation; clingo aborts grounding on
# them, so the engine reports them after the query that met them
ERRORS: list[str] = []


class Failure(_Undefined):
    """The value of an @-function call that raised.  pyDatalog computes a term as soon
    as its variables are bound, even before the literals ahead of it in the body
    are checked; the error counts (as it would in clingo) only when the body
    reaches the literal that needs the value, i.e. when it is compared."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __eq__(self, other: object) -> bool:
        ERRORS.append(self.message)
        return False

    def __hash__(self) -> int:
        return id(self)


def _failure(values: Sequence[object]) -> Failure | None:
    return next((v for v in values if isinstance(v, Failure)), None)


def wrap32(n: int) -> int:
    """clingo's integers are 32-bit two's complement and wrap silently."""
    return (n + 2**31) % 2**32 - 2**31


def _div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _mod(a: int, b: int) -> int:
    return a - b * _div(a, b)


_BINARY: dict[int, Callable[[int, int], int | None]] = {
    ast.BinaryOperator.Plus: lambda a, b: a + b,
    ast.BinaryOperator.Minus: lambda a, b: a - b,
    ast.BinaryOperator.Multiplication: lambda a, b: a * b,
    ast.BinaryOperator.Division: lambda a, b: None if b == 0 else _div(a, b),
    ast.BinaryOperator.Modulo: lambda a, b: None if b == 0 else _mod(a, b),
}

Evaluator = Callable[[dict[str, Symbol]], object]


def variables_of(term: ast.AST) -> list[str]:
    """Named variables of a term, in order of first occurrence."""
    out: list[str] = []

    def walk(t: ast.AST) -> None:
        if t.ast_type == ast.ASTType.Variable:
            if t.name not in out:
                out.append(t.name)
            return
        for key in t.child_keys:
            child = getattr(t, key)
            if isinstance(child, ast.AST):
                walk(child)
            elif isinstance(child, (list, ast.ASTSequence)):
                for c in child:
                    if isinstance(c, ast.AST):
                        walk(c)

    walk(term)
    return out


def compile_term(term: ast.AST, where: str) -> Evaluator:
    """A function of the variable bindings that gives the term's value, exactly as
    clingo would compute it (UNDEFINED where clingo drops the instance)."""
    t = term.ast_type
    if t == ast.ASTType.SymbolicTerm:
        sym = term.symbol
        return lambda env: sym
    if t == ast.ASTType.Variable:
        name = term.name
        if name == "_":
            raise TranslationError(f"{where}: an anonymous variable inside a computed term")
        return lambda env: env[name]
    if t == ast.ASTType.UnaryOperation:
        if term.operator_type != ast.UnaryOperator.Minus:
            raise TranslationError(f"{where}: the unary operator in `{term}` (only `-` is translated)")
        arg = compile_term(term.argument, where)

        def neg(env: dict[str, Symbol]) -> object:
            v = arg(env)
            if isinstance(v, Failure):
                return v
            if isinstance(v, Symbol):
                if v.type == SymbolType.Number:
                    return Number(wrap32(-v.number))
                if v.type == SymbolType.Function and v.name:
                    return Function(v.name, v.arguments, not v.positive)
            return UNDEFINED

        return neg
    if t == ast.ASTType.BinaryOperation:
        op = _BINARY.get(term.operator_type)
        if op is None:
            raise TranslationError(f"{where}: the operator in `{term}` (translated: + - * / \\)")
        left, right = compile_term(term.left, where), compile_term(term.right, where)

        def binary(env: dict[str, Symbol]) -> object:
            a, b = left(env), right(env)
            failed = _failure((a, b))
            if failed is not None:
                return failed
            if not (isinstance(a, Symbol) and isinstance(b, Symbol)
                    and a.type == SymbolType.Number and b.type == SymbolType.Number):
                return UNDEFINED
            r = op(a.number, b.number)
            return UNDEFINED if r is None else Number(wrap32(r))

        return binary
    if t == ast.ASTType.Function:
        args = [compile_term(a, where) for a in term.arguments]
        name = term.name
        if term.external:
            fn = getattr(_FUNCTIONS, name, None)
            if fn is None:
                raise TranslationError(f"{where}: the external function @{name} is not one of earlog's "
                                       "(engine/arith.py)")
            return _external(name, fn, args)
        return _constructor(name, args)
    if t == ast.ASTType.Pool:
        raise TranslationError(f"{where}: a pool left after unpooling in `{term}`")
    if t == ast.ASTType.Interval:
        raise TranslationError(f"{where}: the interval `{term}`")
    raise TranslationError(f"{where}: the term `{term}` ({t.name})")


def _constructor(name: str, args: Sequence[Evaluator]) -> Evaluator:
    def build(env: dict[str, Symbol]) -> object:
        vals = [a(env) for a in args]
        failed = _failure(vals)
        if failed is not None:
            return failed
        if not all(isinstance(v, Symbol) for v in vals):
            return UNDEFINED
        return Function(name, vals)

    return build


def _external(name: str, fn: Callable[..., object], args: Sequence[Evaluator]) -> Evaluator:
    def call(env: dict[str, Symbol]) -> object:
        vals = [a(env) for a in args]
        failed = _failure(vals)
        if failed is not None:
            return failed
        if not all(isinstance(v, Symbol) for v in vals):
            return UNDEFINED
        try:
            out = fn(*vals)
        except Exception as e:  # clingo aborts grounding on an error in an @-function
            return Failure(f"@{name}({', '.join(map(str, vals))}) failed: {e}")
        if not isinstance(out, Symbol):
            return Failure(f"@{name}({', '.join(map(str, vals))}) returned {out!r}, not one symbol")
        return out

    return call


class Value:
    """A clingo symbol interned for one evaluation: pyDatalog hashes and compares its
    values all the time, and an interned object does both by identity, in C.  The
    order comparisons (`<` ...) are the symbol's, i.e. clingo's term order."""

    __slots__ = ("sym",)

    def __init__(self, sym: Symbol) -> None:
        self.sym = sym

    def __lt__(self, other: object) -> bool:
        return self.sym < _plain(other)

    def __le__(self, other: object) -> bool:
        return self.sym <= _plain(other)

    def __gt__(self, other: object) -> bool:
        return self.sym > _plain(other)

    def __ge__(self, other: object) -> bool:
        return self.sym >= _plain(other)

    def __repr__(self) -> str:
        return str(self.sym)


def _plain(v: object) -> object:
    return v.sym if isinstance(v, Value) else v


class WideNumber:
    """A sum past 32 bits, compared exactly: clingo checks an aggregate's guards on
    the exact sum and wraps it only when it assigns the sum to a variable."""

    __slots__ = ("n",)

    def __init__(self, n: int) -> None:
        self.n = n

    def _key(self, other: object) -> int | None:
        other = _plain(other)
        if isinstance(other, WideNumber):
            return 0 if other.n == self.n else (1 if self.n > other.n else -1)
        if isinstance(other, Symbol):
            if other.type == SymbolType.Number:
                return 0 if other.number == self.n else (1 if self.n > other.number else -1)
            return 1 if other.type == SymbolType.Infimum else -1  # numbers precede other terms
        return None

    def __eq__(self, other: object) -> bool:
        return self._key(other) == 0

    def __ne__(self, other: object) -> bool:
        return self._key(other) != 0

    def __lt__(self, other: object) -> bool:
        k = self._key(other)
        return k is not None and k < 0

    def __le__(self, other: object) -> bool:
        k = self._key(other)
        return k is not None and k <= 0

    def __gt__(self, other: object) -> bool:
        k = self._key(other)
        return k is not None and k > 0

    def __ge__(self, other: object) -> bool:
        k = self._key(other)
        return k is not None and k >= 0

    def __hash__(self) -> int:
        return hash(self.n)


def _number(n: int, exact: bool) -> object:
    if exact and wrap32(n) != n:
        return WideNumber(n)
    return Number(wrap32(n))


def aggregate(function: int, elements: Sequence[Symbol], exact: bool = False) -> object:
    """The value of a body aggregate over its (distinct) element tuples, as clingo
    computes it: #sum ignores elements whose weight is not an integer; a sum wraps
    like every clingo integer when assigned, and is compared exactly (`exact`)
    when only the aggregate's guards read it."""
    if function == ast.AggregateFunction.Count:
        return _number(len(elements), exact)
    weights = [e.arguments[0] for e in elements if e.arguments]
    if function in (ast.AggregateFunction.Sum, ast.AggregateFunction.SumPlus):
        nums = [w.number for w in weights if w.type == SymbolType.Number]
        if function == ast.AggregateFunction.SumPlus:
            nums = [n for n in nums if n > 0]
        return _number(sum(nums), exact)
    if function == ast.AggregateFunction.Min:
        return min(weights) if weights else clingo.Supremum
    if function == ast.AggregateFunction.Max:
        return max(weights) if weights else clingo.Infimum
    raise TranslationError(f"aggregate function {function}")
