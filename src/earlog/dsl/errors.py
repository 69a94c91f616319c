"""Errors in .earlog text, shown the way a compiler shows them: file:line:col, the
line itself, a caret under the offending text, what was expected in words, and a
"did you mean" when a close name or keyword exists."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from earlog.dsl.nodes import Span
from earlog.errors import InputError


class DslError(InputError):
    """An InputError that knows where in the source it happened."""

    def __init__(self, file: str, text: str, span: Span | None, message: str) -> None:
        self.file = file
        self.span = span
        self.source_line = ""
        where = file
        if span is not None:
            where = f"{file}:{span.line}:{span.col}"
            lines = text.splitlines()
            if 0 < span.line <= len(lines):
                self.source_line = lines[span.line - 1]
        super().__init__(where, message)

    def __str__(self) -> str:
        head = f"{self.where}: {self.message}"
        if self.span is None or not self.source_line:
            return head
        line = self.source_line.expandtabs(1)
        width = span_width(self.span, line)
        gutter = f"{self.span.line:>5} | "
        return (f"{head}\n{gutter}{line}\n"
                f"{' ' * (len(gutter) - 2)}| {' ' * (self.span.col - 1)}{'^' * width}")


def span_width(span: Span, line: str) -> int:
    if span.end_line != span.line:
        return max(1, len(line) - span.col + 1)
    return max(1, min(span.end_col, len(line) + 1) - span.col)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """` (did you mean 'x'?)` or the empty string."""
    opts = sorted(set(options))
    close = difflib.get_close_matches(word, opts, n=1, cutoff=0.6)
    if not close:
        low = {o.lower(): o for o in opts}
        close = [low[m] for m in difflib.get_close_matches(word.lower(), sorted(low), n=1, cutoff=0.6)]
    return f" (did you mean {close[0]!r}?)" if close else ""
