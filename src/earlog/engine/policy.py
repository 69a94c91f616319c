"""Load a policy version: its .lp files, their annotations, and its vocabulary.

A policy is read once per process (`load_policy` is cached): the text is parsed
to clingo ASTs here, and every evaluation replays those ASTs into a fresh solver.
Annotations are parsed strictly (STYLE.md §2): every rule carries @rule, @cite and
@text from column 1 directly above it; a missing, repeated or unknown tag fails
the load with file:line.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import clingo
from clingo import ast

from earlog.engine.astlock import reads_shared_asts
from earlog.errors import PolicyError

TAGS = ("rule", "cite", "text")
_TAG = re.compile(r"^%%\s*@(\w+)\s*(.*)$")
_CONT = re.compile(r"^%%\s{2,}(\S.*)$")
RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


@dataclass
class Rule:
    """One annotated rule of the policy."""

    id: str
    cite: str
    text: str
    file: str
    line: int
    source: str  # the rule's ASP text as written
    statement: ast.AST = field(repr=False, default=None)
    part: str = "base"
    # read from the AST once at load: the head's predicate and its constant
    # arguments (None for a variable), and the body's positive atoms likewise
    head_predicate: str | None = None
    head_args: tuple[str | None, ...] = ()
    body: tuple[tuple[bool, str, tuple[str | None, ...]], ...] = ()


def _atom_shape(node: ast.AST) -> tuple[str, tuple[str | None, ...]] | None:
    """(predicate, constant-or-None per argument) of a plain atom, else None."""
    if node.ast_type != ast.ASTType.SymbolicAtom:
        return None
    sym = node.symbol
    if sym.ast_type != ast.ASTType.Function:
        return None
    args: list[str | None] = []
    for a in sym.arguments:
        if a.ast_type == ast.ASTType.SymbolicTerm and a.symbol.type == clingo.SymbolType.Function:
            args.append(a.symbol.name)
        else:
            args.append(None)
    return sym.name, tuple(args)


def _shapes(stmt: ast.AST) -> tuple[str | None, tuple, tuple]:
    head = stmt.head
    pred, hargs = None, ()
    if head.ast_type == ast.ASTType.Literal:
        shape = _atom_shape(head.atom)
        if shape:
            pred, hargs = shape
    body = []
    for lit in stmt.body:
        if lit.ast_type == ast.ASTType.Literal:
            shape = _atom_shape(lit.atom)
            if shape:
                body.append((lit.sign == ast.Sign.NoSign, shape[0], shape[1]))
    return pred, hargs, tuple(body)


@dataclass(eq=False)
class Policy:
    """A parsed policy version: statements in file order, and its rules by id."""

    name: str
    root: str
    statements: list[tuple[str, ast.AST]]  # (program part, statement)
    rules: dict[str, Rule]
    files: list[str]
    signatures: frozenset[tuple[str, int]] = frozenset()  # every (predicate, arity) in a head
    # ground facts by program part, as symbols: entered through the backend, which is
    # much faster than replaying a thousand fact statements
    facts: dict[str, tuple[clingo.Symbol, ...]] = field(default_factory=dict)
    # every plain fact of the policy by predicate name, read or not by a rule
    data: dict[str, tuple[clingo.Symbol, ...]] = field(default_factory=dict)
    # a policy read from the disk cache (engine/textcache.py) has no ASTs: its program as
    # text by (traced, explain), each statement as (part, text, heads, needs)
    texts: dict[tuple[frozenset[str] | None, bool], tuple[tuple[str, str, frozenset[str], frozenset[str]], ...]] \
        | None = None

    def rules_for(self, predicate: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.head_predicate == predicate]


def default_policy_dir() -> Path:
    """The policy shipped in the package (or the folder named by $EARLOG_POLICY)."""
    env = os.environ.get("EARLOG_POLICY")
    if env:
        return Path(env)
    return Path(str(resources.files("earlog") / "policy"))


@functools.lru_cache(maxsize=8)
@reads_shared_asts
def load_policy(root: str | None = None) -> Policy:
    base = Path(root) if root else default_policy_dir()
    if not base.is_dir():
        raise PolicyError(f"policy folder not found: {base}")
    files = sorted(p for p in base.rglob("*.lp"))
    if not files:
        raise PolicyError(f"no .lp files in the policy folder {base}")
    statements: list[tuple[str, ast.AST]] = []
    rules: dict[str, Rule] = {}
    for f in files:
        rel = f.relative_to(base).as_posix()
        text = f.read_text(encoding="utf-8")
        _load_file(rel, text, statements, rules)
    facts: dict[str, list[clingo.Symbol]] = {}
    data: dict[str, list[clingo.Symbol]] = {}
    rules_left: list[tuple[str, ast.AST]] = []
    annotated = {id(r.statement) for r in rules.values()}
    used = _names_used_in_bodies(statements)
    for part, stmt in statements:
        if stmt.ast_type == ast.ASTType.Comment:
            continue  # comments are statements in clingo's AST; the solver needs none
        sym = _ground_fact(stmt) if id(stmt) not in annotated else None
        if sym is None:
            rules_left.append((part, stmt))
            continue
        data.setdefault(sym.name, []).append(sym)
        # a fact no rule reads cannot change a conclusion: it is kept as data (for
        # the vocabulary and the catalogue) but not entered into every evaluation
        if sym.name in used:
            facts.setdefault(part, []).append(sym)
    signatures = set()
    for _part, stmt in statements:
        if stmt.ast_type == ast.ASTType.Rule and stmt.head.ast_type == ast.ASTType.Literal:
            atom = stmt.head.atom
            if atom.ast_type == ast.ASTType.SymbolicAtom and atom.symbol.ast_type == ast.ASTType.Function:
                signatures.add((atom.symbol.name, len(atom.symbol.arguments)))
    return Policy(name=base.name, root=str(base), statements=rules_left, rules=rules,
                  files=[f.relative_to(base).as_posix() for f in files],
                  signatures=frozenset(signatures),
                  facts={k: tuple(v) for k, v in facts.items()},
                  data={k: tuple(v) for k, v in data.items()})


_NAME = re.compile(r"([a-z_][A-Za-z0-9_']*)\s*\(")


def _names_used_in_bodies(statements: list[tuple[str, ast.AST]]) -> set[str]:
    """Every name applied to arguments anywhere in a rule body (a superset of the
    predicates rules read, which is what matters: nothing used is ever left out)."""
    used: set[str] = set()
    for _part, stmt in statements:
        if stmt.ast_type == ast.ASTType.Rule and stmt.body:
            for lit in stmt.body:
                used.update(_NAME.findall(str(lit)))
        elif stmt.ast_type != ast.ASTType.Rule and stmt.ast_type != ast.ASTType.Comment:
            used.update(_NAME.findall(str(stmt)))
    return used


def _ground_fact(stmt: ast.AST) -> clingo.Symbol | None:
    """The symbol of a plain ground fact (`p(a, "b", 3).`), else None."""
    if stmt.ast_type != ast.ASTType.Rule or stmt.body:
        return None
    head = stmt.head
    if head.ast_type != ast.ASTType.Literal or head.sign != ast.Sign.NoSign:
        return None
    if head.atom.ast_type != ast.ASTType.SymbolicAtom:
        return None
    text = str(head.atom.symbol)
    bare = _outside_strings(text)
    if any(ch in bare for ch in ";@") or ".." in bare or any(c.isupper() for c in bare):
        return None
    try:
        return clingo.parse_term(text)
    except RuntimeError:
        return None


def _outside_strings(text: str) -> str:
    """The text with string literals removed (a capital inside quotes is not a variable)."""
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)


def _annotations(rel: str, lines: list[str]) -> dict[int, dict[str, str]]:
    """Annotation blocks by the line number of the statement they annotate."""
    blocks: dict[int, dict[str, str]] = {}
    i = 0
    while i < len(lines):
        if not _TAG.match(lines[i]):
            if lines[i].lstrip().startswith("%%") and "@" in lines[i] and not lines[i].startswith("%%"):
                raise PolicyError(f"{rel}:{i + 1}: annotations start at column 1")
            i += 1
            continue
        start = i
        tags: dict[str, str] = {}
        last = None
        while i < len(lines) and lines[i].startswith("%%"):
            m = _TAG.match(lines[i])
            if m:
                tag, value = m.group(1), m.group(2).strip()
                if tag not in TAGS:
                    raise PolicyError(f"{rel}:{i + 1}: unknown annotation tag @{tag} "
                                      f"(expected {', '.join('@' + t for t in TAGS)})")
                if tag in tags:
                    raise PolicyError(f"{rel}:{i + 1}: @{tag} is given twice in one annotation block")
                tags[tag] = value
                last = tag
            else:
                c = _CONT.match(lines[i])
                if not c or last is None:
                    raise PolicyError(f"{rel}:{i + 1}: malformed annotation line")
                tags[last] += " " + c.group(1).strip()
            i += 1
        for t in TAGS:
            if not tags.get(t):
                raise PolicyError(f"{rel}:{start + 1}: annotation block lacks @{t}")
        if not RULE_ID.match(tags["rule"]):
            raise PolicyError(f"{rel}:{start + 1}: rule id {tags['rule']!r} "
                              "is not family.condition in lower snake case")
        if i >= len(lines) or not lines[i].strip() or lines[i].startswith("%"):
            raise PolicyError(f"{rel}:{start + 1}: annotation block for {tags['rule']} is not directly above a rule")
        blocks[i + 1] = tags
    return blocks


def _load_file(rel: str, text: str, statements: list, rules: dict[str, Rule]) -> None:
    lines = text.splitlines()
    blocks = _annotations(rel, lines)
    parsed: list[ast.AST] = []
    messages: list[str] = []

    def logger(_code: clingo.MessageCode, msg: str) -> None:
        messages.append(msg.strip())

    try:
        ast.parse_string(text, parsed.append, logger=logger)
    except RuntimeError:
        detail = messages[0] if messages else "syntax error"
        raise PolicyError(f"{rel}: {detail.replace('<string>', rel)}") from None
    part = "base"
    used: set[int] = set()
    for stmt in parsed:
        if stmt.ast_type == ast.ASTType.Program:
            part = stmt.name
            continue
        line = stmt.location.begin.line
        if stmt.ast_type == ast.ASTType.Rule:
            is_rule = len(stmt.body) > 0
            tags = blocks.get(line)
            if tags is None and is_rule:
                raise PolicyError(f"{rel}:{line}: rule without an @rule/@cite/@text annotation block")
            if tags is not None:
                rid = tags["rule"]
                if rid in rules:
                    other = rules[rid]
                    raise PolicyError(f"{rel}:{line}: rule id {rid} is used twice (first at {other.file}:{other.line})")
                end = stmt.location.end.line
                source = "\n".join(lines[line - 1:end])
                pred, hargs, body = _shapes(stmt)
                rules[rid] = Rule(id=rid, cite=tags["cite"], text=tags["text"], file=rel, line=line,
                                  source=source, statement=stmt, part=part,
                                  head_predicate=pred, head_args=hargs, body=body)
                used.add(line)
        statements.append((part, stmt))
    for line, tags in blocks.items():
        if line not in used:
            raise PolicyError(f"{rel}:{line}: annotation {tags['rule']} is not followed by a rule")
