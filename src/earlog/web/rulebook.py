"""The rulebook page's data: the rulebook renderer's own model (earlog.explain.rulebook),
filtered by a search over rule ids, citations and words.

Linking each rule to the regression cases that pin it means running every suite with
rule tracing once (cached on disk per policy and suites, but a minute on a cold
cache).  The page never waits for it: the first visit starts the indexing in a
background thread and is answered from the rulebook without cases, saying so; later
visits get the cases once they are indexed.
"""

from __future__ import annotations

import threading
from typing import Any

MAX_CASES = 8  # cases shown per rule; the rest are counted

_lock = threading.Lock()
_books: dict[str, Any] = {}  # "plain": without cases; "cases": with them, once indexed
_indexing: list[threading.Thread] = []


def _plain() -> Any:
    from earlog.engine import load_policy
    from earlog.explain.rulebook import build_rulebook

    with _lock:
        if "plain" not in _books:
            _books["plain"] = build_rulebook(load_policy(), {}, [])
        return _books["plain"]


def _index() -> None:
    from earlog.commands.rulebook import default_suites
    from earlog.engine import load_policy
    from earlog.explain.rulebook import build_rulebook, case_index

    policy = load_policy()
    paths = default_suites()
    try:
        cases, _notes = case_index(policy, paths) if paths else ({}, [])
        book = build_rulebook(policy, cases, paths)
    except Exception:  # noqa: BLE001 - without cases the rulebook is still right; the page says they are missing
        book = None
    with _lock:
        _books["cases"] = book


def book(wait: bool = False) -> tuple[Any, str]:
    """(the rulebook, the state of its case links: ready, indexing or unavailable)."""
    # imported here, before the indexing thread starts, so two threads never import these
    # modules at once (a concurrent first import was seen to fail under pytest)
    import earlog.commands.rulebook  # noqa: F401
    import earlog.explain.rulebook  # noqa: F401

    with _lock:
        if "cases" in _books:
            done = _books["cases"]
            return (done, "ready") if done is not None else (None, "unavailable")
        if not _indexing:
            t = threading.Thread(target=_index, daemon=True, name="earlog-rulebook-cases")
            _indexing.append(t)
            t.start()
        t = _indexing[0]
    if wait:
        t.join()
        return book()
    return _plain(), "indexing"


def _entry(e: Any) -> dict[str, Any]:
    return {"id": e.rule.id, "cite": e.cite, "text": e.rule.text, "heading": e.heading,
            "file": e.rule.file, "line": e.rule.line, "source": e.rule.source,
            "seeds": e.seeds, "switches": e.switches,
            "pins": e.pins[:MAX_CASES], "more_pins": max(0, len(e.pins) - MAX_CASES)}


def _haystack(e: Any) -> str:
    parts = [e.rule.id, e.cite, e.rule.cite, e.rule.text, e.heading, e.rule.file]
    parts += [s for pair in e.seeds for s in pair]
    parts += [q for q, _a, _p in e.switches]
    return " ".join(parts).lower()


def search(q: str, wait: bool = False) -> tuple[list[dict[str, Any]], int, int, str]:
    """(chapters with the matching rules, matches, all rules, case-link state); every
    word of q must occur in a rule's id, citation, text, heading or seed sentence."""
    words = q.lower().split()
    found, state = book(wait)
    if found is None:
        found = _plain()
    chapters, count, total = [], 0, 0
    for ch in found.chapters:
        total += len(ch.entries)
        hits = [_entry(e) for e in ch.entries if all(w in _haystack(e) for w in words)]
        count += len(hits)
        if hits:
            chapters.append({"title": ch.title, "file": ch.file, "intro": ch.intro, "entries": hits})
    return chapters, count, total, state
