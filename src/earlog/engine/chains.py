"""Link the running-total chains between the `base` and `cumulative` program parts.

The policy puts each transaction a cap counts into a chain (`chain_member(Chain,
Key, T)`); the engine links each chain's members in evaluation order
(`chain_first(Chain, T)`, `chain_next(Chain, T, T2)`), so a running total is a
fold over a linked list.  Both engines (clingo in solve.py, pyDatalog in
earlog.datalog) call this one function between the two parts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from clingo import Function, Symbol

MEMBER = ("chain_member", 3)
LINKS = frozenset({"chain_first", "chain_next"})


def chain_links(members: Iterable[Symbol], order: Mapping[str, int]) -> list[Symbol]:
    """chain_first/chain_next facts for the given chain_member atoms; `order` gives
    each transaction id's place in evaluation order (date, then file order)."""
    chains: dict[tuple[Symbol, Symbol], list[Symbol]] = defaultdict(list)
    for m in members:
        chain, key, tx = m.arguments
        chains[(chain, key)].append(tx)
    out: list[Symbol] = []
    for (chain, _key), txs in chains.items():
        txs.sort(key=lambda s: order[s.string])
        out.append(Function("chain_first", [chain, txs[0]]))
        for prev, nxt in zip(txs, txs[1:], strict=False):
            out.append(Function("chain_next", [chain, prev, nxt]))
    return out
