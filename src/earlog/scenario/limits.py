"""The bounds every input is held to, so that no input can crash, hang or exhaust memory.

Each bound is far beyond what a real deal needs and is named in the error that
enforces it (docs/input-limits.md lists them):

- a scenario or .earlog file of at most 16 MiB (about 200,000 parties);
- JSON and DSL values nested at most 64 levels (a scenario needs five);
- amounts (TPP, operations, quantities, parameters) below 10^60: the largest
  quantity the rules speak of is 10^26 operations, and an exponent is never
  expanded before it is checked;
- numbers that enter the solver as 32-bit integers (bit lengths, process nodes)
  at most 2,147,483,647;
- names without control characters (NUL, newline, bidirectional overrides, lone
  surrogates), at most 10,000 characters: a NUL would merge two ids inside clingo,
  a newline would forge a line of a report.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from earlog.errors import InputError

MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64
MAX_AMOUNT_DIGITS = 60
MAX_AMOUNT = 10**MAX_AMOUNT_DIGITS
MAX_SMALL = 2**31 - 1
MAX_NAME = 10_000
# characters that are not printed as themselves: C0/C1 controls, surrogates, line and
# paragraph separators, and the bidirectional formatting characters that reorder a line
# (Unicode categories Cc, Cs, Zl and Zp, and the bidi controls, as one character class)
_BAD = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029"
                  "\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def read_bytes(path: Path | str) -> bytes:
    """The bytes of an input file (`-` reads stdin), refused beyond MAX_BYTES."""
    name = str(path)
    try:
        if name == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            p = Path(path)
            if p.is_file() and p.stat().st_size > MAX_BYTES:
                raise InputError(name, f"the file has {p.stat().st_size:,} bytes; earlog reads inputs of at most "
                                       f"{MAX_BYTES:,} bytes (16 MiB, about 200,000 parties)")
            with p.open("rb") as f:
                data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise InputError(name, f"cannot read the file: {e.strerror}") from None
    if len(data) > MAX_BYTES:
        raise InputError(name, f"the input is larger than {MAX_BYTES:,} bytes (16 MiB, about 200,000 parties), "
                               "the most earlog reads")
    return data


def decode(data: bytes, name: str) -> str:
    """UTF-8 text, or an error that says which encoding the bytes look like."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 1 and (data[0] == 0 or data[1] == 0)):
        raise InputError(name, "the file is UTF-16 text; earlog reads UTF-8 (save it as UTF-8)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(name, f"the file is not UTF-8 text (byte {data[e.start]:#04x} at offset {e.start:,}); "
                               "save it as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def read_text(path: Path | str) -> str:
    return decode(read_bytes(path), str(path))


def bad_character(s: str) -> str | None:
    """A description of the first character of `s` that is not printed as itself, or None."""
    m = _BAD.search(s)
    return f"the character U+{ord(m.group()):04X}" if m else None


def escape(s: str) -> str:
    """`s` with every character that is not printed as itself written as an escape, so
    user text can never add a line to a report or reorder one."""
    return _BAD.sub(_escaped, s)


def _escaped(m: re.Match[str]) -> str:
    ch = m.group()
    o = ord(ch)
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch) or (f"\\x{o:02x}" if o < 256 else f"\\u{o:04x}")


def key(k: str) -> str:
    """A JSON key as it appears in a JSON path of an error message."""
    return escape(k)


def check_depth(data: Any, file: str | None) -> None:
    """Refuse values nested deeper than MAX_DEPTH (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 0)] if isinstance(data, (dict, list)) else []
    while stack:
        v, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(file or "", f"JSON nested deeper than {MAX_DEPTH} levels; a scenario needs a handful")
        children = v.values() if isinstance(v, dict) else v
        stack.extend((x, depth + 1) for x in children if isinstance(x, (dict, list)))


def small_value(v: Any) -> bool:
    """Whether a list or object is small and shallow enough to quote in a message."""
    stack, seen = [(v, 0)], 0
    while stack:
        x, d = stack.pop()
        seen += 1
        if d > 3 or seen > 20:
            return False
        if isinstance(x, dict):
            stack.extend((y, d + 1) for y in x.values())
        elif isinstance(x, list):
            stack.extend((y, d + 1) for y in x)
    return True
