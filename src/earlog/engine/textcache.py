"""The policy as the whole-scenario engine needs it, kept on disk for cold commands.

Parsing the .lp files into clingo ASTs and deriving the traced program from them costs
a cold `earlog eval` most of its time, though the result is the same on every run.
What `engine.solve` needs of it is plain data: the traced program as text, in order,
with what each statement derives and needs (for `program.live_program`), the rule
metadata the verdicts read, the policy's facts and its vocabulary.  That is kept in
the cache folder of prepcache.py (`$EARLOG_CACHE_DIR`, `off` turns it off) under the
content hash of the policy's .lp files and of the engine modules that compute it, so
a changed rule or engine gives another file and a cached one is never stale (the folder
keeps the latest KEEP_FILES of them: policy copies in tests would fill it).  clingo
reads the text as it would replay the ASTs: the same statements in the same order
(`str` of a clingo AST is clingo's own rendering, which parses back to it).  A program
the file does not hold (explanations, other traced sets) is derived from the parsed
policy, as without a cache; an unreadable or unwritable cache is ignored.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import clingo

from earlog.engine.astlock import reads_shared_asts
from earlog.engine.policy import Policy, load_policy
from earlog.engine.prepcache import LazySymbols
from earlog.scenario.model import Vocabulary

FORMAT = 1
KEEP_FILES = 8  # the cache folder keeps the latest files (policy copies, earlier versions)


@dataclass(frozen=True)
class WholeState:
    """A policy for `engine.solve` and the vocabulary a scenario is checked against."""

    policy: Policy
    vocabulary: Vocabulary


@functools.lru_cache(maxsize=8)
@reads_shared_asts
def whole_state(policy_dir: str | None = None) -> WholeState:
    """The policy and its vocabulary: from the disk cache when it holds this policy, else
    parsed (and the cache file written for the next process)."""
    from earlog.engine.prepcache import cache_dir, policy_root

    root = policy_root(policy_dir)
    if cache_dir() is None or not root.is_dir():
        return _parsed(policy_dir)
    d = _digest(root)
    path = cache_dir() / f"whole-{d}.pickle"  # type: ignore[operator]
    state = _load(path, d, root)
    if state is None:
        state = _parsed(policy_dir)
        _save(path, d, state)
    return state


def _parsed(policy_dir: str | None) -> WholeState:
    from earlog.engine.vocabulary import vocabulary

    policy = load_policy(policy_dir)
    return WholeState(policy, vocabulary(policy))


def _digest(root: Path) -> str:
    from earlog.engine.prepcache import digest

    h = hashlib.sha256(f"earlog-whole/{FORMAT}/{digest(root)}".encode())
    h.update(Path(__file__).read_bytes())
    h.update((Path(__file__).parent.parent / "scenario" / "model.py").read_bytes())  # the pickled Vocabulary
    return h.hexdigest()[:32]


def _texts(policy: Policy) -> dict[tuple[frozenset[str] | None, bool], tuple[Any, ...]]:
    """The program the whole-scenario engine replays for a verdict (VERDICT_PREDICATES traced, no
    explanation), as text with each statement's shape."""
    from earlog.engine.program import VERDICT_PREDICATES, _shape, program

    shaped = tuple((part, str(stmt), *_shape(stmt)) for part, stmt in program(policy, VERDICT_PREDICATES, False))
    return {(VERDICT_PREDICATES, False): shaped}


def _save(path: Path, d: str, state: WholeState) -> None:
    p = state.policy
    data = {
        "format": FORMAT, "digest": d, "name": p.name, "files": p.files, "signatures": p.signatures,
        "rules": {rid: dataclasses.replace(r, statement=None) for rid, r in p.rules.items()},
        "facts": {k: tuple(str(s) for s in v) for k, v in p.facts.items()},
        "data": {k: tuple(str(s) for s in v) for k, v in p.data.items()},
        "texts": _texts(p), "vocabulary": state.vocabulary,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".whole-")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        older = sorted(path.parent.glob("whole-*.pickle"), key=lambda f: f.stat().st_mtime, reverse=True)
        for f in older[KEEP_FILES:]:
            f.unlink(missing_ok=True)
    except OSError:
        return  # an unwritable cache: the next process parses the policy again


def _load(path: Path, d: str, root: Path) -> WholeState | None:
    try:
        with path.open("rb") as f:
            data = pickle.load(f)
        if data.get("format") != FORMAT or data.get("digest") != d:
            return None
        policy = Policy(name=data["name"], root=str(root), statements=[], rules=data["rules"], files=data["files"],
                        signatures=data["signatures"],
                        facts={k: _parse(v) for k, v in data["facts"].items()},
                        data=LazySymbols(data["data"], _parse), texts=data["texts"])
        return WholeState(policy, data["vocabulary"])
    except Exception:  # a missing, broken or foreign cache file is ignored, never trusted
        return None


def _parse(texts: tuple[str, ...]) -> tuple[clingo.Symbol, ...]:
    return tuple(clingo.parse_term(t) for t in texts)
