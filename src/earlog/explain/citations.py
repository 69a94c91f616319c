"""Citations in words a reader outside the repository understands.

policy/ cites its sources as `seed 004` (the five law-firm texts the law is
encoded from).  A memo or a rulebook names the document instead: its author
or firm, title and date as the seed itself gives them, never guessed (the table
is data, seed_sources.json beside this module).  The two interim final rules
are listed with their Federal Register page where one is known.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

DATA = "seed_sources.json"
# `seed 004`, `seeds 000, 001`, `seeds 000 and 001`, `seeds 001 fn 3, 003, 004`
_SEEDS = re.compile(r"\bseeds? (0\d\d)((?:(?: fn \d+)?(?:,| and|, and) 0\d\d)*)")
_NUM = re.compile(r"0\d\d")


@functools.cache
def table() -> dict[str, Any]:
    """The sources table as stored with the package."""
    f = resources.files("earlog.explain") / DATA
    return json.loads(f.read_text(encoding="utf-8"))


def seed(number: str) -> dict[str, Any] | None:
    return table()["seeds"].get(number)


def seed_label(number: str) -> str:
    """`seed 004` in words: the document, its author and date as far as the seed states them."""
    s = seed(number)
    return s["short"] if s else f"seed {number}"


def cite_words(cite: str) -> str:
    """A rule's @cite with every `seed NNN` replaced by the document it names."""
    def sub(m: re.Match[str]) -> str:
        nums = _NUM.findall(m.group(0))
        return "; ".join(seed_label(n) for n in nums)
    return _SEEDS.sub(sub, cite)


def seeds_in(cite: str) -> list[str]:
    """The seed numbers a citation names, in order."""
    out: list[str] = []
    for m in _SEEDS.finditer(cite):
        for n in _NUM.findall(m.group(0)):
            if n not in out:
                out.append(n)
    return out


def bibliography(cites: list[str]) -> list[str]:
    """One line per source the citations rely on: the seeds they name, then the
    interim final rules the seeds summarize (with the Federal Register page where known)."""
    nums: list[str] = []
    for c in cites:
        nums.extend(n for n in seeds_in(c) if n not in nums)
    lines = []
    for n in sorted(nums):
        s = seed(n)
        if s is None:
            lines.append(f"seed {n}: not in the sources table")
            continue
        who = s["author"] or "author not named"
        title = f" '{s['title']}'" if s["title"] else ""
        date = f", {s['date']}" if s["date"] else ""
        lines.append(f"seed {n}: {who}, {s['kind']}{title}{date} ({s['note']})")
    for r in table()["rules"].values():
        fr = r["federal_register"] or "Federal Register page not given in the seeds"
        lines.append(f"{r['title']}, {fr}" + (f", {r['date']}" if r["date"] else "") + f" ({r['note']})")
    return lines
