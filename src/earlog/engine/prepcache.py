"""The prepared policy, kept on disk so a cold command does not prepare it again.

Preparing a policy for the keyed engine — parsing the .lp files, checking the
running-total contract, finding the static closure of an overlay — takes most of
a cold `earlog eval`.  Its results are plain data, so they are kept in a user
cache folder, in a file named by the content hash of every .lp file of the policy
folder and of the engine modules that compute them: a changed rule or a changed
engine gives another name, so a cached file is never stale.  The folder is
$EARLOG_CACHE_DIR, else $XDG_CACHE_HOME/earlog, else ~/.cache/earlog;
EARLOG_CACHE_DIR=off turns the cache off.  An unwritable or unreadable cache is
ignored (the policy is prepared in memory, as without a cache).
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clingo import Symbol

from earlog.engine.astlock import reads_shared_asts
from earlog.engine.readsym import ReadSymbol, read_symbol

FORMAT = 4
KEEP_OVERLAYS = 8
KEEP_STATICS = 512
# the modules whose code decides what is cached
_ENGINE_FILES = ("policy.py", "program.py", "contract.py", "prepared.py", "facts.py", "prepcache.py",
                 "vocabulary.py", "datekeys.py", "quantitykeys.py", "livetests.py")


def cache_dir() -> Path | None:
    env = os.environ.get("EARLOG_CACHE_DIR")
    if env == "off":
        return None
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "earlog" if xdg else Path.home() / ".cache" / "earlog"


def policy_root(policy_dir: str | None) -> Path:
    from earlog.engine.policy import default_policy_dir

    return Path(policy_dir) if policy_dir else default_policy_dir()


def digest(root: Path) -> str:
    h = hashlib.sha256(f"earlog-prepared/{FORMAT}".encode())
    here = Path(__file__).parent
    for name in _ENGINE_FILES:
        h.update(name.encode())
        h.update((here / name).read_bytes())
    for f in sorted(root.rglob("*.lp")):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()[:32]


@dataclass(eq=False)
class PreparedText:
    """A prepared policy as text: the dynamic statements (with what each derives and needs),
    the static program (base and cumulative text) and its facts (encoded, decoded when a
    static closure is first derived), the static predicates, and the static closures derived
    so far (encoded, by overlay and countries; kept on disk with the rest)."""

    statements: tuple[tuple[str, str, frozenset[str], frozenset[str]], ...]  # (part, text, heads, needs)
    static_text: tuple[str, str]
    base_encoded: tuple[Any, ...]
    read: frozenset[str]
    static_predicates: frozenset[str]
    statics: dict[tuple[Any, ...], tuple[Any, ...]] = field(default_factory=dict)

    def static_for(self, overlay: tuple[Symbol, ...], countries: frozenset[Symbol]) -> tuple[Symbol, ...]:
        """The static atoms for an overlay and the countries a batch names (derived once for each)."""
        return _static_for(self, overlay, countries)


@functools.lru_cache(maxsize=4096)
def _static_for(prep: PreparedText, overlay: tuple[Symbol, ...], countries: frozenset[Symbol]) -> tuple[Symbol, ...]:
    from earlog.engine.prepared import static_closure

    key = (_syms(overlay), tuple(sorted(str(c) for c in countries)))
    found = prep.statics.get(key)
    if found is not None:
        return _interned(_unsyms(found))
    atoms = static_closure(prep.static_text, _unsyms(prep.base_encoded) + overlay, countries, prep.read)
    prep.statics[key] = _syms(atoms)
    while len(prep.statics) > KEEP_STATICS:
        prep.statics.pop(next(iter(prep.statics)))
    _DIRTY.append(prep)
    return _interned(atoms)


# One object per static atom, shared by every closure that holds it.  Each batch of a uniform book
# names a country set of its own, so each derives a closure of its own (~1,700 atoms), and the
# closures, the keyed engine's indexes of them and the variants not yet built keep them all: as
# fresh objects per closure they were ~3 KB of every key of a large book (bench/README.md
# "Static atoms shared, fewer Controls kept").  clingo interns symbols, so `_rep` names one atom.
_INTERN_MAX = 262_144
_INTERNED: dict[int, ReadSymbol] = {}


def _interned(atoms: tuple[Symbol, ...]) -> tuple[Symbol, ...]:
    table = _INTERNED
    if len(table) > _INTERN_MAX:  # bounded; clearing only loses sharing with closures made before
        table.clear()
    out = []
    for s in atoms:
        r = table.get(s._rep)
        if r is None:
            r = table[s._rep] = read_symbol(s)
        out.append(r)
    return tuple(out)


_DIRTY: list[PreparedText] = []  # closures derived in this process: the cache file is updated at exit


@dataclass(eq=False)
class KeyedState:
    """What the keyed engine needs of a policy, without its ASTs."""

    root: str
    digest: str
    policy: Any  # earlog.engine.policy.Policy; from the cache: rules without statements
    policy_dir: str | None
    contract: Any  # earlog.engine.contract.Contract
    vocabulary: Any  # earlog.scenario.model.Vocabulary
    prepared: dict[tuple[Any, ...], PreparedText] = field(default_factory=dict)
    dirty: bool = False

    def prepare(self, traced: frozenset[str] | None, shown: frozenset[str]) -> PreparedText:
        """The policy split for the keyed engine (the same for every overlay: the overlay enters
        only the static closure, `PreparedText.static_for`)."""
        key = (traced, shown)
        found = self.prepared.get(key)
        if found is None:
            found = self.prepared[key] = _prepare_text(self.policy_dir, (), traced, shown)
            while len(self.prepared) > KEEP_OVERLAYS:  # the file stays small: the latest overlays
                self.prepared.pop(next(iter(self.prepared)))
            self.dirty = True
            _save(self)
        return found


@reads_shared_asts
def _prepare_text(policy_dir: str | None, overlay: tuple[Symbol, ...], traced: frozenset[str] | None,
                  shown: frozenset[str]) -> PreparedText:
    from earlog.engine.policy import load_policy
    from earlog.engine.prepared import prepare
    from earlog.engine.program import _shape

    prep = prepare(load_policy(policy_dir), overlay, traced, shown)
    statements = []
    for part, stmt in prep.statements:
        heads, needs = _shape(stmt)
        statements.append((part, str(stmt), heads, needs))
    static: dict[str, list[str]] = {"base": [], "cumulative": []}
    for part, stmt in prep.static_statements:
        static.setdefault(part, []).append(str(stmt))
    return PreparedText(tuple(statements), ("\n".join(static["base"]), "\n".join(static["cumulative"])),
                        _syms(prep.base_facts), prep.read, prep.static_predicates)


@functools.lru_cache(maxsize=8)
@reads_shared_asts
def keyed_state(policy_dir: str | None = None) -> KeyedState:
    """The keyed engine's view of a policy: from the disk cache when it holds this policy."""
    root = policy_root(policy_dir)
    d = digest(root) if root.is_dir() else ""
    state = _load(root, d, policy_dir) if d else None
    if state is None:
        from earlog.engine.contract import contract
        from earlog.engine.policy import load_policy
        from earlog.engine.vocabulary import vocabulary

        policy = load_policy(policy_dir)
        state = KeyedState(root=str(root), digest=d, policy=policy, policy_dir=policy_dir,
                           contract=contract(policy), vocabulary=vocabulary(policy))
        state.dirty = True
        _save(state)
    _STATES.append(state)
    return state


def _file(d: str) -> Path | None:
    base = cache_dir()
    return base / f"prepared-{d}.pickle" if base is not None and d else None


def _load(root: Path, d: str, policy_dir: str | None) -> KeyedState | None:
    path = _file(d)
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as f:
            data = pickle.load(f)
        if data.get("format") != FORMAT or data.get("digest") != d:
            return None
        return _decode_state(data, root, policy_dir)
    except Exception:  # a broken or foreign cache file is ignored, never trusted
        return None


def _save(state: KeyedState) -> None:
    path = _file(state.digest)
    if path is None or not state.dirty:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = _encode_state(state)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".prepared-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        state.dirty = False
    except OSError:
        return  # an unwritable cache: prepared in memory only


def _syms(xs: Any) -> tuple[Any, ...]:
    from earlog.engine.keyed import encoded

    return tuple(encoded(s) for s in xs)


def _unsyms(xs: Any) -> tuple[Symbol, ...]:
    from earlog.engine.keyed import decoded

    return tuple(decoded(x) for x in xs)


def _encode_state(state: KeyedState) -> dict[str, Any]:
    p = state.policy
    rules = {rid: dataclasses.replace(r, statement=None, source="") for rid, r in p.rules.items()}
    return {
        "format": FORMAT, "digest": state.digest,
        "policy": {"name": p.name, "files": p.files, "signatures": p.signatures, "rules": rules,
                   "facts": {k: _syms(v) for k, v in p.facts.items()},
                   "data": {k: _syms(v) for k, v in p.data.items()}},
        "contract": state.contract,
        "prepared": {k: (v.statements, v.static_text, v.base_encoded, v.read, v.static_predicates, v.statics)
                     for k, v in state.prepared.items()},
        "vocabulary": state.vocabulary,
    }


def _decode_state(data: dict[str, Any], root: Path, policy_dir: str | None) -> KeyedState:
    from earlog.engine.policy import Policy

    p = data["policy"]
    policy = Policy(name=p["name"], root=str(root), statements=[], rules=p["rules"], files=p["files"],
                    signatures=p["signatures"], facts=LazySymbols(p["facts"], _unsyms),
                    data=LazySymbols(p["data"], _unsyms))
    prepared = {k: PreparedText(*v) for k, v in data["prepared"].items()}
    return KeyedState(root=str(root), digest=data["digest"], policy=policy, policy_dir=policy_dir,
                      contract=data["contract"], vocabulary=data["vocabulary"], prepared=prepared)


class LazySymbols(dict):
    """Symbols by predicate, kept encoded (by this cache or textcache.py) and decoded on first
    access: a cold command reads few of them."""

    def __init__(self, encoded: dict[str, Any], decode: Any) -> None:
        super().__init__(encoded)
        self.decode = decode

    def __getitem__(self, key: str) -> tuple[Symbol, ...]:
        v = super().__getitem__(key)
        if v and not isinstance(v[0], Symbol):
            v = self.decode(v)
            super().__setitem__(key, v)
        return v

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def values(self):  # type: ignore[override]
        return [self[k] for k in self]

    def items(self):  # type: ignore[override]
        return [(k, self[k]) for k in self]


@atexit.register
def _save_dirty() -> None:
    """Closures derived in this process go to the cache file, once, at exit."""
    if not _DIRTY:
        return
    for state in list(_STATES):
        if any(p in state.prepared.values() for p in _DIRTY):
            state.dirty = True
            _save(state)
    _DIRTY.clear()


_STATES: list[KeyedState] = []
