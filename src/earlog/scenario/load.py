"""One loader for every command that takes a scenario: a `.earlog` file, a JSON file,
or `-` (stdin).  The kind is read from the file name, and for stdin (or any other
name) from the content: JSON starts with `{` or `[`.  A `.earlog` file gives the scenario
its top-level declarations and settings build (its questions and cases are not
asked here: `earlog run` asks them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from earlog.scenario.limits import read_text
from earlog.scenario.model import Scenario


def _is_json(name: str, text: str) -> bool:
    if name.endswith(".json"):
        return True
    if name.endswith(".earlog"):
        return False
    return text.lstrip().startswith(("{", "["))


def _dsl_builder(text: str, name: str) -> Any:
    from earlog.dsl.parser import parse_text
    from earlog.dsl.to_dict import builder_of

    return builder_of(parse_text(text, name))


def load_scenario(path: str | Path) -> Scenario:
    """The scenario in a file (or on stdin for `-`); every problem is an InputError."""
    from earlog.scenario.json_input import load_json_text

    name = str(path)
    text = read_text(path)
    shown = "<stdin>" if name == "-" else name
    if _is_json(name, text):
        return load_json_text(text, file=shown)
    return _dsl_builder(text, shown).scenario()


def scenario_json(path: str | Path) -> str:
    """The scenario of a file as scenario JSON text, exactly (1e26 stays 1e26): what
    `earlog export --format json` prints and `earlog eval` reads back."""
    from earlog.scenario.json_input import _JsonFloat, parse_json

    name = str(path)
    text = read_text(path)
    shown = "<stdin>" if name == "-" else name
    if _is_json(name, text):
        data = parse_json(text, shown)
    else:
        b = _dsl_builder(text, shown)
        b.scenario()  # checked as any scenario is: nothing invalid is exported
        data = b.data
    raw: list[str] = []

    def mark(v: Any) -> Any:
        if isinstance(v, _JsonFloat):
            raw.append(v.text)
            return f"\0{len(raw) - 1}\0"
        if isinstance(v, dict):
            return {k: mark(x) for k, x in v.items()}
        if isinstance(v, list):
            return [mark(x) for x in v]
        return v

    out = json.dumps(mark(data), indent=2, ensure_ascii=False)
    for i, t in enumerate(raw):
        out = out.replace(f'"\\u0000{i}\\u0000"', t, 1)
    return out
