"""Symbols whose parts are read from clingo once.

Every `.name`, `.arguments`, `.string` or `.type` of a clingo Symbol is a call through
cffi that builds new Python objects (`arguments` a new Symbol per argument).  Reading a
verdict asks each atom for its parts many times, and the keyed engine reads the same
atoms again for every variant of a batch and, the batch slots recurring, for every batch:
under cProfile most of a batched miss was these calls (bench/README.md "A batched miss made
cheaper").

A ReadSymbol *is* the clingo symbol (same `_rep`: it hashes, compares and prints as the
Symbol, and clingo accepts it wherever it takes one); it only keeps the parts it has read.
Its `arguments` are ReadSymbols too.  Treat the list it returns as read-only.
"""

from __future__ import annotations

from clingo import Symbol, SymbolType

_FUNCTION = SymbolType.Function
_STRING = SymbolType.String
_NUMBER = SymbolType.Number


class ReadSymbol(Symbol):
    """A clingo symbol with its type, name, arguments, string or number read once."""

    __slots__ = ("_type", "_name", "_args", "_positive", "_value", "_hash")

    def __init__(self, s: Symbol) -> None:
        super().__init__(s._rep)
        t = self._type = s.type
        self._hash = Symbol.__hash__(s)
        self._name: str | None = None
        self._args: list[Symbol] | None = None
        self._value: str | int | None = None
        self._positive = True
        if t == _FUNCTION:
            self._name = s.name
            self._args = [a if isinstance(a, ReadSymbol) else ReadSymbol(a) for a in s.arguments]
            self._positive = s.positive
        elif t == _STRING:
            self._value = s.string
        elif t == _NUMBER:
            self._value = s.number

    @classmethod
    def of(cls, s: Symbol, t: SymbolType, name: str | None = None, args: list[Symbol] | None = None,
           positive: bool = True, value: str | int | None = None) -> ReadSymbol:
        """The ReadSymbol of `s` from parts already read (its arguments ReadSymbols): no call to clingo
        but for the hash."""
        r = cls.__new__(cls)
        Symbol.__init__(r, s._rep)
        r._type, r._name, r._args, r._positive, r._value = t, name, args, positive, value
        r._hash = Symbol.__hash__(s)
        return r

    def __hash__(self) -> int:
        return self._hash

    __eq__ = Symbol.__eq__  # a class that defines __hash__ keeps its base's __eq__ only if restated

    @property
    def type(self) -> SymbolType:
        return self._type

    @property
    def name(self) -> str:
        if self._name is None:
            return super().name  # not a function: clingo's own error
        return self._name

    @property
    def arguments(self) -> list[Symbol]:
        if self._args is None:
            return super().arguments
        return self._args

    @property
    def positive(self) -> bool:
        return self._positive if self._type == _FUNCTION else super().positive

    @property
    def negative(self) -> bool:
        return not self._positive if self._type == _FUNCTION else super().negative

    @property
    def string(self) -> str:
        if self._type != _STRING:
            return super().string
        return self._value  # type: ignore[return-value]

    @property
    def number(self) -> int:
        if self._type != _NUMBER:
            return super().number
        return self._value  # type: ignore[return-value]


def read_symbol(s: Symbol) -> ReadSymbol:
    return s if isinstance(s, ReadSymbol) else ReadSymbol(s)
