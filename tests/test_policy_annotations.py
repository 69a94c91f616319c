"""The annotation contract of policy/ (STYLE.md §2, §3): every rule carries @rule,
@cite and @text from column 1 directly above it; rule ids are unique public names;
a missing, repeated or unknown tag fails the load with file:line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from earlog.engine.policy import RULE_ID, load_policy
from earlog.errors import PolicyError

GOOD = """\
%% @rule   demo.fact
%% @cite   15 CFR 740.29; seed 004
%% @text   A demo rule.
demo(X) :- base(X).
base(1).
"""


def _policy_dir() -> Path:
    return Path(load_policy().root)


def test_policy_loads_with_many_rules() -> None:
    p = load_policy()
    assert len(p.rules) > 100
    for rid in ("req.rs_worldwide", "lpp.available", "lpp.within_cap", "alloc.within", "review.a_tier2_up_to_cap",
                "aia.designer", "acm.private_sector", "uveu.available", "nveu.available", "hbm.available"):
        assert rid in p.rules


def test_every_rule_has_id_cite_text() -> None:
    for r in load_policy().rules.values():
        assert RULE_ID.match(r.id), r.id
        assert r.cite.strip(), r.id
        assert r.text.strip(), r.id


def test_every_rule_id_is_unique_in_the_source() -> None:
    """Read the .lp files independently of the loader: no @rule id appears twice."""
    seen: dict[str, str] = {}
    dupes = []
    for f in sorted(_policy_dir().rglob("*.lp")):
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            m = re.match(r"^%%\s*@rule\s+(\S+)", line)
            if m:
                if m.group(1) in seen:
                    dupes.append((m.group(1), seen[m.group(1)], f"{f.name}:{n}"))
                seen[m.group(1)] = f"{f.name}:{n}"
    assert dupes == []
    assert set(seen) == set(load_policy().rules)


def test_every_rule_statement_is_annotated() -> None:
    """Every statement with a body (a rule) in policy/ is an annotated rule; facts need none."""
    from clingo import ast

    p = load_policy()
    annotated = {id(r.statement) for r in p.rules.values()}
    bare = [(s.location.begin.filename, s.location.begin.line) for _part, s in p.statements
            if s.ast_type == ast.ASTType.Rule and len(s.body) > 0 and id(s) not in annotated]
    assert bare == []


def _load(tmp_path: Path, text: str) -> None:
    (tmp_path / "demo.lp").write_text(text, encoding="utf-8")
    load_policy(str(tmp_path))


def test_loader_accepts_a_good_folder(tmp_path: Path) -> None:
    _load(tmp_path, GOOD)
    assert list(load_policy(str(tmp_path)).rules) == ["demo.fact"]


@pytest.mark.parametrize("tag", ["rule", "cite", "text"])
def test_loader_rejects_missing_tag(tmp_path: Path, tag: str) -> None:
    text = "\n".join(line for line in GOOD.splitlines() if f"@{tag}" not in line) + "\n"
    with pytest.raises(PolicyError, match=rf"demo\.lp:1: .*lacks @{tag}"):
        _load(tmp_path, text)


def test_loader_rejects_repeated_tag(tmp_path: Path) -> None:
    text = GOOD.replace("%% @text", "%% @cite   again\n%% @text")
    with pytest.raises(PolicyError, match=r"demo\.lp:3: @cite is given twice"):
        _load(tmp_path, text)


def test_loader_rejects_unknown_tag(tmp_path: Path) -> None:
    text = GOOD.replace("%% @text", "%% @author someone\n%% @text")
    with pytest.raises(PolicyError, match=r"demo\.lp:3: unknown annotation tag @author"):
        _load(tmp_path, text)


def test_loader_rejects_unannotated_rule(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"demo\.lp:6: rule without an @rule/@cite/@text"):
        _load(tmp_path, GOOD + "other(X) :- base(X).\n")


def test_loader_rejects_repeated_rule_id(tmp_path: Path) -> None:
    text = GOOD + GOOD.replace("demo(X)", "demo2(X)").replace("base(1).\n", "")
    with pytest.raises(PolicyError, match=r"rule id demo\.fact is used twice"):
        _load(tmp_path, text)


def test_loader_rejects_repeated_rule_id_across_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "other.lp").write_text(GOOD.replace("demo(X)", "demo2(X)"), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"demo\.fact is used twice"):
        _load(tmp_path, GOOD)


def test_loader_rejects_annotation_not_at_column_1(tmp_path: Path) -> None:
    text = GOOD.replace("%% @rule", "  %% @rule")
    with pytest.raises(PolicyError, match=r"demo\.lp:1: annotations start at column 1"):
        _load(tmp_path, text)


def test_loader_rejects_annotation_not_directly_above_a_rule(tmp_path: Path) -> None:
    text = GOOD.replace("%% @text   A demo rule.\n", "%% @text   A demo rule.\n\n")
    with pytest.raises(PolicyError, match=r"demo\.lp:1: annotation block for demo\.fact is not directly above"):
        _load(tmp_path, text)


def test_loader_rejects_bad_rule_id(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"is not family\.condition"):
        _load(tmp_path, GOOD.replace("demo.fact", "DemoFact"))


def test_loader_rejects_syntax_error_with_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"demo\.lp"):
        _load(tmp_path, GOOD.replace("demo(X) :- base(X).", "demo(X) :- base(X"))


def test_loader_rejects_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no .lp files"):
        load_policy(str(tmp_path))
