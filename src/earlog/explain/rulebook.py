"""The rulebook: policy/ as a document a lawyer reads like an annotated statute
(Catala's literate output is the model).

Chapters are the policy files (one provision family each), in the order of the
regulation (the lowest 15 CFR part and section any of their rules cites; ECCN
entries as part 774, the Commerce Control List; earlog's own conventions last).
Inside a chapter, rules keep the file's order, which follows the paragraphs
(STYLE.md §1), under the file's own `% --- 740.29(b) ---` headings.  Each rule
carries its citation with the sources named, its plain-English text, the seed
sentence it encodes, the named interpretations that switch it (its body reads
`interpretation(Q, A)`), the regression cases that pin it (their `expect` names
the rule) or exercise it (the rule fired in their scenario, found by running
the suites with every rule traced, as `earlog test --coverage` does; cached per
policy and suites), and its ASP source.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from earlog.engine.policy import Policy, Rule
from earlog.explain.citations import cite_words, seed_label, seeds_in
from earlog.explain.seeds import stored

_CFR = re.compile(r"15 CFR (?:part )?(\d+)(?:\.(\d+))?")
_PART = re.compile(r"\bpart (\d+)")
_HEADING = re.compile(r"^%\s*-{3}\s*(.*?)\s*-{3}\s*$")
_DECOR = re.compile(r"^[%\s=-]*|[\s=-]*$")
CACHE_VERSION = "1"


@dataclass
class CaseRef:
    file: str
    line: int
    label: str  # the case's sentence, or the expectation when it is not in a case

    def to_json(self) -> list[Any]:
        return [self.file, self.line, self.label]


@dataclass
class Entry:
    rule: Rule
    heading: str
    cite: str  # in words
    seeds: list[tuple[str, str]]  # (source in words, sentence)
    switches: list[tuple[str, str, bool]]  # (question, alternative, read positively)
    pins: list[CaseRef] = field(default_factory=list)
    exercised: list[CaseRef] = field(default_factory=list)


@dataclass
class Chapter:
    file: str
    title: str
    intro: str
    entries: list[Entry]


@dataclass
class Rulebook:
    policy: str
    chapters: list[Chapter]
    sources: list[str]
    suites: list[str]  # the suite paths the cases came from ([] when none were read)


def _rule_key(r: Rule) -> tuple[int, int, int]:
    """Where a rule sits in the regulation: (part, section, tie-break)."""
    m = _CFR.search(r.cite)
    if m:
        return int(m.group(1)), int(m.group(2) or 0), 0
    if "ECCN" in r.cite:
        return 774, 1, 0  # the Commerce Control List, Supp. No. 1 to part 774
    m = _PART.search(r.cite)
    if m:
        return int(m.group(1)), 9999, 0
    if r.cite.strip().lower().startswith("earlog convention"):
        return 99999, 0, 0
    return 9999, 0, 0


def _chapter_key(rules: list[Rule]) -> tuple[int, int, int]:
    """Where a provision family sits: the place most of its rules cite (the smallest on a tie)."""
    from collections import Counter

    counts = Counter(_rule_key(r) for r in rules)
    best = max(counts.values())
    return min(k for k, n in counts.items() if n == best)


def _sections(rules: list[Rule]) -> str:
    found: list[str] = []
    for r in rules:
        for m in _CFR.finditer(r.cite):
            s = f"{m.group(1)}.{m.group(2)}" if m.group(2) else f"part {m.group(1)}"
            if s not in found:
                found.append(s)
    return ", ".join(found[:6]) + (", …" if len(found) > 6 else "")


def _file_parts(root: str, rel: str) -> tuple[str, dict[int, str]]:
    """The file's opening comment (its introduction) and, per line, the `% --- x ---` heading in force."""
    lines = (Path(root) / rel).read_text(encoding="utf-8").splitlines()
    intro: list[str] = []
    for ln in lines:
        if not ln.startswith("%") or ln.startswith("%%"):
            break
        text = _DECOR.sub("", ln)
        if text:
            intro.append(text)
    headings: dict[int, str] = {}
    current = ""
    for n, ln in enumerate(lines, 1):
        m = _HEADING.match(ln)
        if m:
            current = m.group(1)
        headings[n] = current
    return " ".join(intro), headings


def switches(rule: Rule) -> list[tuple[str, str, bool]]:
    """The named interpretations a rule reads: (question, alternative or "any", positively)."""
    return [(args[0] or "?", args[1] or "any", positive) for positive, pred, args in rule.body
            if pred == "interpretation" and args]


def build_rulebook(policy: Policy, cases: dict[str, dict[str, list[CaseRef]]] | None = None,
                   suites: list[str] | None = None) -> Rulebook:
    seeds = stored()
    by_file: dict[str, list[Rule]] = {}
    for r in policy.rules.values():
        by_file.setdefault(r.file, []).append(r)
    chapters: list[tuple[tuple, Chapter]] = []
    cites: list[str] = []
    for rel, rules in by_file.items():
        rules.sort(key=lambda r: r.line)
        intro, headings = _file_parts(policy.root, rel)
        entries = []
        for r in rules:
            cites.append(r.cite)
            c = (cases or {}).get(r.id, {})
            entries.append(Entry(r, headings.get(r.line, ""), cite_words(r.cite),
                                 [(seed_label(s["seed"]), s["sentence"]) for s in seeds.get(r.id, [])],
                                 switches(r), list(c.get("pins", [])), list(c.get("exercised", []))))
        sections = _sections(rules)
        title = f"{rel}" + (f" — 15 CFR {sections}" if sections else "")
        chapters.append((_chapter_key(rules), Chapter(rel, title, intro, entries)))
    chapters.sort(key=lambda kc: (kc[0], kc[1].file))
    from earlog.explain.citations import bibliography

    return Rulebook(policy.name, [c for _k, c in chapters], bibliography(cites), suites or [])


# --- the cases that pin each rule -----------------------------------------------------------

def _digest(policy: Policy, files: list[Path]) -> str:
    from earlog import __version__

    h = hashlib.sha256(f"{CACHE_VERSION}:{__version__}".encode())
    for rel in policy.files:
        h.update(rel.encode())
        h.update((Path(policy.root) / rel).read_bytes())
    for f in files:
        h.update(str(f).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:24]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "earlog"


def case_index(policy: Policy, paths: list[str | Path], use_cache: bool = True
               ) -> tuple[dict[str, dict[str, list[CaseRef]]], list[str]]:
    """Rule id -> {"pins": cases whose expectation names it, "exercised": cases whose
    scenario fired it}, over the suites under `paths`; and a note per file that could
    not be read (a broken suite is reported, not fatal).  Cached per policy and suite
    contents in $XDG_CACHE_HOME/earlog (running every suite traced takes a while)."""
    from earlog.dsl.suite import expectations, find_files
    from earlog.engine.program import FIRED
    from earlog.errors import EarlogError

    files = find_files(paths)
    key = _digest(policy, files)
    cache = cache_dir() / f"rulebook-cases-{key}.json"
    if use_cache and cache.is_file():
        try:
            raw = json.loads(cache.read_text(encoding="utf-8"))
            return ({r: {k: [CaseRef(*x) for x in v] for k, v in d.items()} for r, d in raw["index"].items()},
                    raw["notes"])
        except (OSError, ValueError, TypeError, KeyError):
            pass  # a damaged cache is rebuilt
    index: dict[str, dict[str, list[CaseRef]]] = {}
    notes: list[str] = []
    for f in files:
        try:
            steps = expectations(f)
        except EarlogError as e:
            notes.append(f"{f}: not read ({str(e).splitlines()[0]})")
            continue
        for step in steps:
            if step.todo:
                continue
            ref = CaseRef(str(f), step.question.span.line, step.case or step.question.text)
            e = step.question.expectation
            named = {r.text for r in (e.rules if e is not None else [])}
            try:
                _verdicts, ans = step.context.evaluate(trace_all=True)
            except EarlogError as err:
                notes.append(f"{f}:{ref.line}: not evaluated ({str(err).splitlines()[0]})")
                continue
            fired = {s.arguments[0].string for s in ans.get(FIRED)}
            for rid in named:
                index.setdefault(rid, {}).setdefault("pins", []).append(ref)
            for rid in fired - named:
                lst = index.setdefault(rid, {}).setdefault("exercised", [])
                if not lst or lst[-1].file != ref.file or lst[-1].label != ref.label:
                    lst.append(ref)
    if use_cache:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps({"index": {r: {k: [c.to_json() for c in v] for k, v in d.items()}
                                                   for r, d in index.items()}, "notes": notes}), encoding="utf-8")
        except OSError:
            pass  # no cache is only slower
    return index, notes


def seeds_of(rule: Rule) -> list[str]:
    return seeds_in(rule.cite)
