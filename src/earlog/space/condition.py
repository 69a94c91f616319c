"""Conditions over the verdict of a space's transaction, compiled into the ground program.

A condition is built from the atoms `why` names (dsl/conclusion.py): `exception
LPP available` is exception_available(t, lpp), `review_policy = denial` is
review_policy(t, denial), `license_required` is license_required(t); any predicate
an annotated rule concludes about a transaction may be named (`tier3_entity`,
`tx_family = a`, `dest_tier = 1`).  They combine with `not`, `and`, `or` and
`implies`.  Compiling adds one auxiliary atom per connective through the clingo
backend, so a condition is a single program literal that the solver can assume
true (find) or false (check) on the same ground program.
"""

from __future__ import annotations

from dataclasses import dataclass

from clingo import Function, Number, Symbol

from earlog.engine.policy import Policy
from earlog.errors import InputError

# the scenario's own facts about a transaction (engine/facts.py), nameable in a
# condition beside what the policy concludes: `tx_kind = in_country_transfer`
INPUTS = {"tx_kind": 2, "tx_end_use": 2, "tx_quantity": 2, "tx_date": 2, "tx_to": 2, "tx_from": 2}


@dataclass(frozen=True)
class Atom:
    pred: str
    value: Symbol | None
    text: str

    def symbol(self, tx: Symbol, prefix: str = "") -> Symbol:
        args = [tx] if self.value is None else [tx, self.value]
        return Function(prefix + self.pred, args)


@dataclass(frozen=True)
class Not:
    arg: Cond


@dataclass(frozen=True)
class And:
    args: tuple[Cond, ...]


@dataclass(frozen=True)
class Or:
    args: tuple[Cond, ...]


@dataclass(frozen=True)
class Implies:
    left: Cond
    right: Cond


Cond = Atom | Not | And | Or | Implies


def atom(policy: Policy, kind: str, name: str, value: str | int | None, where: str = "condition") -> Atom:
    """The atom a condition names, checked against the heads of the policy's rules."""
    from earlog.dsl.conclusion import _arities, _head_constants
    from earlog.dsl.errors import did_you_mean

    if kind in ("exception", "veu"):
        pred = "exception_available" if kind == "exception" else "veu_available"
        codes = _head_constants(policy, pred)
        code = name.lower()
        if code not in codes:
            what = "license exception" if kind == "exception" else "VEU authorization"
            raise InputError(where, f"no {what} named {name!r} in the policy"
                             f"{did_you_mean(name.upper(), {c.upper() for c in codes})}; "
                             f"known: {', '.join(sorted(c.upper() for c in codes))}")
        return Atom(pred, Function(code), f"{kind} {code.upper()} available")
    arities = {**INPUTS, **_arities(policy)}
    if name == "authorization":  # the verdict's field: the route the shipment takes
        name = "route"
        value = None if value is None else (str(value).lower() if isinstance(value, str) else value)
    if name not in arities:
        raise InputError(where, f"the policy draws no conclusion named {name!r}{did_you_mean(name, arities)}; "
                         "write e.g. `outcome = license_presumption_denial`, `review_policy = denial`, "
                         "`license_required`, `exception LPP available`")
    if arities[name] == 1:
        if value is not None:
            raise InputError(where, f"{name} takes no value")
        return Atom(name, None, name)
    if value is None:
        raise InputError(where, f"{name} needs a value: `{name} = ...`")
    if isinstance(value, int):
        return Atom(name, Number(value), f"{name} = {value}")
    if name in ("tx_to", "tx_from"):  # country codes are lower-case constants in the solver
        return Atom(name, Function(value.lower()), f"{name} = {value.upper()}")
    rules = policy.rules_for(name)
    values = _head_constants(policy, name) if rules and all(
        len(r.head_args) == 2 and r.head_args[1] for r in rules) else set()
    if values and value not in values:
        raise InputError(where, f"{name} is never {value!r} in the policy{did_you_mean(value, values)}; "
                         f"it can be: {', '.join(sorted(values))}")
    return Atom(name, Function(value), f"{name} = {value}")


def text(c: Cond) -> str:
    if isinstance(c, Atom):
        return c.text
    if isinstance(c, Not):
        return f"not {_paren(c.arg)}"
    if isinstance(c, And):
        return " and ".join(_paren(a) for a in c.args)
    if isinstance(c, Or):
        return " or ".join(_paren(a) for a in c.args)
    return f"{_paren(c.left)} implies {_paren(c.right)}"


def _paren(c: Cond) -> str:
    return text(c) if isinstance(c, (Atom, Not)) else f"({text(c)})"


def atoms(c: Cond) -> list[Atom]:
    if isinstance(c, Atom):
        return [c]
    if isinstance(c, Not):
        return atoms(c.arg)
    if isinstance(c, Implies):
        return atoms(c.left) + atoms(c.right)
    return [a for x in c.args for a in atoms(x)]


def holds(c: Cond, true: set[Symbol], tx: Symbol) -> bool:
    """The condition's value in an answer set (for checking a counterexample with the engine)."""
    if isinstance(c, Atom):
        return c.symbol(tx) in true
    if isinstance(c, Not):
        return not holds(c.arg, true, tx)
    if isinstance(c, And):
        return all(holds(a, true, tx) for a in c.args)
    if isinstance(c, Or):
        return any(holds(a, true, tx) for a in c.args)
    return (not holds(c.left, true, tx)) or holds(c.right, true, tx)


def compile_literal(g, c: Cond, prefix: str = "") -> int | bool:  # g: program.Grounded
    """One program literal true exactly when the condition holds, or True/False when
    the condition is decided by grounding alone (an atom the policy can never derive
    in this space is false)."""
    ctl = g.ctl
    tx = g.layout.tx
    lits = {a: g.lit(a.symbol(tx, prefix)) for a in atoms(c)}
    with ctl.backend() as be:
        def lit(x: Cond) -> int | bool:
            if isinstance(x, Atom):
                got = lits[x]
                return got if got is not None else False
            if isinstance(x, Not):
                inner = lit(x.arg)
                return (not inner) if isinstance(inner, bool) else -inner
            if isinstance(x, Implies):
                return lit(Or((Not(x.left), x.right)))
            parts = [lit(a) for a in x.args]
            if isinstance(x, And):
                if any(p is False for p in parts):
                    return False
                rest = [p for p in parts if p is not True]
                if not rest:
                    return True
                aux = be.add_atom()
                be.add_rule([aux], rest)
                return aux
            if any(p is True for p in parts):
                return True
            rest = [p for p in parts if p is not False]
            if not rest:
                return False
            aux = be.add_atom()
            for p in rest:
                be.add_rule([aux], [p])
            return aux

        return lit(c)
