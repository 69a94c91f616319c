"""The rulebook page's data: the rulebook renderer's own model (earlog.explain.rulebook),
filtered by a search over rule ids, citations and words."""

from __future__ import annotations

import functools
from typing import Any

MAX_CASES = 8  # cases shown per rule; the rest are counted


@functools.lru_cache(maxsize=1)
def _book() -> Any:
    from earlog.commands.rulebook import default_suites
    from earlog.engine import load_policy
    from earlog.explain.rulebook import build_rulebook, case_index

    policy = load_policy()
    paths = default_suites()
    cases, _notes = case_index(policy, paths) if paths else ({}, [])
    return build_rulebook(policy, cases, paths)


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


def search(q: str) -> tuple[list[dict[str, Any]], int, int]:
    """(chapters with the matching rules, matches, all rules); every word of q must occur."""
    words = q.lower().split()
    book = _book()
    chapters, count, total = [], 0, 0
    for ch in book.chapters:
        total += len(ch.entries)
        hits = [_entry(e) for e in ch.entries if all(w in _haystack(e) for w in words)]
        count += len(hits)
        if hits:
            chapters.append({"title": ch.title, "file": ch.file, "intro": ch.intro, "entries": hits})
    return chapters, count, total
