"""An explanation as JSON: the stable schema "earlog.explanation/1", documented in
docs/explanations.md and used by the verdict's `explanation` field."""

from __future__ import annotations

import json
from typing import Any

from earlog.explain.model import Explanation


def to_json(expl: Explanation) -> dict[str, Any]:
    return expl.to_json()


def render_json(expl: Explanation) -> str:
    return json.dumps(expl.to_json(), indent=2, ensure_ascii=False)
