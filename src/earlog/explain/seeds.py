"""The seed sentence each rule encodes, for `earlog show rule`.

A rule's @cite quotes the phrase of the source it encodes (`seed 004 ("to parties
located in Tier 1 destinations")`).  The source texts are not shipped with earlog,
so the full sentence around each quoted phrase is looked up once, at development
time, and stored beside this module in seed_sentences.json:

    python -m earlog.explain.seeds /path/to/seeds

A rule whose cite quotes nothing (a CFR paragraph alone, an earlog convention)
has no entry; `earlog show rule` says so.
"""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path

from earlog.engine.policy import Policy

DATA = "seed_sentences.json"
_QUOTE = re.compile(r'"([^"]+)"')
_SEED = re.compile(r"seeds? (0\d\d)")
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")


def quoted_phrases(cite: str) -> list[tuple[list[str], str]]:
    """Each quoted phrase of a citation, with the seeds named in its part of the cite."""
    out = []
    for part in cite.split(";"):
        seeds = _SEED.findall(part)
        for m in _QUOTE.finditer(part):
            out.append((seeds, m.group(1)))
    return out


def _norm(text: str) -> str:
    text = text.replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'")
    text = text.replace("–", "-").replace("—", "-")
    return re.sub(r"\s+", " ", text)


def find_sentence(phrase: str, text: str) -> str | None:
    """The sentence(s) of `text` that contain the phrase ("..." in it skips words)."""
    t = _norm(text)
    low = t.lower()
    pieces = [p.strip().strip("'\"").lower() for p in _ELLIPSIS.split(_norm(phrase)) if p.strip().strip("'\"")]
    if not pieces:
        return None
    pos = low.find(pieces[0])
    if pos < 0:
        return None
    end = pos + len(pieces[0])
    for p in pieces[1:]:
        nxt = low.find(p, end)
        if nxt < 0 or nxt - end > 600:
            return None
        end = nxt + len(p)
    start = max(t.rfind(". ", 0, pos) + 2, t.rfind("\n", 0, pos) + 1, t.rfind(": ", 0, pos - 40) + 2, 0)
    stop_candidates = [i for i in (t.find(". ", end), t.find("\n", end)) if i >= 0]
    stop = min(stop_candidates) + 1 if stop_candidates else len(t)
    return t[start:stop].strip()


def build(seeds_dir: Path, policy: Policy) -> dict[str, list[dict[str, str]]]:
    seeds = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))}
    out: dict[str, list[dict[str, str]]] = {}
    for rule in policy.rules.values():
        for named, phrase in quoted_phrases(rule.cite):
            order = named + [s for s in seeds if s not in named]
            for s in order:
                sentence = find_sentence(phrase, seeds.get(s, ""))
                if sentence:
                    out.setdefault(rule.id, []).append({"seed": s, "phrase": phrase, "sentence": sentence})
                    break
    return out


def stored() -> dict[str, list[dict[str, str]]]:
    """The sentences stored with the package (empty when none were built)."""
    f = resources.files("earlog.explain") / DATA
    if not f.is_file():
        return {}
    return json.loads(f.read_text(encoding="utf-8"))


def main(argv: list[str]) -> int:
    from earlog.engine import load_policy

    if len(argv) != 1:
        print("usage: python -m earlog.explain.seeds SEEDS_DIR", file=sys.stderr)
        return 2
    data = build(Path(argv[0]), load_policy())
    target = Path(__file__).with_name(DATA)
    target.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{target}: sentences for {len(data)} rules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
