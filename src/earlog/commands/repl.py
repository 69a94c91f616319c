"""`earlog repl`: declare and ask interactively.

The loop (`Repl.feed`) is separate from the terminal (`run_terminal`), so tests
drive it with plain strings.  Input is complete when its braces and brackets
balance and it does not end in a comma; until then Enter continues the
statement on a new line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated

import typer

from earlog.commands.app import FORMATS_TEXT_JSON, app, check_format
from earlog.errors import EarlogError

HELP = """Write declarations and questions as in a .earlog file, e.g.
  party nuvem { hq: BR, located: BR }
  item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
  transaction t1 { export 1,000 h100 from US to BR, consignee: nuvem, date: 2025-06-01 }
  ask
  why not exception AIA available
  what if nuvem.hq = US
Commands: :load FILE (declarations and questions of a file), :reset, :names, :help, :quit"""

_TOKEN = re.compile(r'"([^"\\\n]|\\.)*"|#[^\n]*|[{}\[\]]|,\s*$')


def complete(text: str) -> bool:
    """Whether the input forms whole statements (balanced braces, no dangling comma or `what if`)."""
    depth = 0
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if tok in "{[":
            depth += 1
        elif tok in "}]":
            depth -= 1
    stripped = re.sub(r"#[^\n]*", "", text).rstrip()
    return depth <= 0 and not stripped.endswith((",", "=", ":")) and not stripped.endswith(" with")


class Repl:
    """The REPL's state: the scenario declared so far."""

    def __init__(self, write: Callable[[str], None], format: str = "text") -> None:
        from earlog.dsl.to_dict import ScenarioBuilder

        self.write = write
        self.format = format
        self.builder = ScenarioBuilder()
        self.count = 0

    def names(self) -> list[str]:
        return list(self.builder.names)

    def feed(self, text: str) -> bool:
        """Handle one complete input; False when the user asked to quit."""
        from earlog.dsl.parser import parse_text

        cmd = text.strip()
        if not cmd:
            return True
        if cmd in (":quit", ":q", "quit", "exit"):
            return False
        if cmd == ":help":
            self.write(HELP)
            return True
        if cmd == ":reset":
            from earlog.dsl.to_dict import ScenarioBuilder

            self.builder = ScenarioBuilder()
            self.write("(everything declared is forgotten)")
            return True
        if cmd == ":names":
            self.write(", ".join(f"{n} ({e.kind})" for n, e in self.builder.names.items()) or "(nothing declared)")
            return True
        self.count += 1
        try:
            if cmd.startswith(":load "):
                from earlog.dsl.parser import parse_file

                doc = parse_file(Path(cmd[6:].strip()))
            elif cmd.startswith(":"):
                self.write(f"unknown command {cmd.split()[0]!r}; :help lists them")
                return True
            else:
                doc = parse_text(text, f"<repl {self.count}>")
            self.run(doc)
        except EarlogError as e:
            self.write(f"error: {e}")
        return True

    def run(self, doc) -> None:
        from earlog.dsl.questions import answer
        from earlog.dsl.session import plan

        b = self.builder.copy()
        steps = plan(doc, b)
        self.builder = b
        for step in steps:
            a = answer(step)
            if self.format == "json":
                self.write(json.dumps(a.to_json(), indent=2))
            else:
                self.write(a.text)


def run_lines(lines: Iterable[str], write: Callable[[str], None], format: str = "text") -> None:
    """Feed lines as a terminal would: accumulate until the input is complete."""
    r = Repl(write, format)
    buf: list[str] = []
    for line in lines:
        buf.append(line)
        text = "\n".join(buf)
        if complete(text):
            buf = []
            if not r.feed(text):
                return
    if buf:
        r.feed("\n".join(buf))


def _lexer():
    from prompt_toolkit.document import Document
    from prompt_toolkit.lexers import Lexer

    from earlog.dsl.parser import word_keywords

    kws = word_keywords()
    pattern = re.compile(r'(?P<comment>#[^\n]*)|(?P<string>"([^"\\\n]|\\.)*"?)|(?P<date>\d{4}-\d{2}-\d{2})'
                         r"|(?P<number>\d[\w.,:]*)|(?P<word>[A-Za-z_][\w-]*)|(?P<other>.)")

    class EarlogLexer(Lexer):
        def lex_document(self, document: Document):
            lines = document.lines

            def get_line(i: int):
                out = []
                for m in pattern.finditer(lines[i]):
                    kind = m.lastgroup
                    tok = m.group(0)
                    style = {"comment": "ansibrightblack", "string": "ansigreen", "date": "ansicyan",
                             "number": "ansicyan"}.get(kind, "")
                    if kind == "word" and tok in kws:
                        style = "ansiblue bold"
                    out.append((style, tok))
                return out

            return get_line

    return EarlogLexer()


def run_terminal(format: str) -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer, Completion
    from prompt_toolkit.history import FileHistory, InMemoryHistory
    from prompt_toolkit.key_binding import KeyBindings

    from earlog.dsl.parser import word_keywords

    repl = Repl(typer.echo, format)

    class Names(Completer):
        def get_completions(self, document, complete_event):
            word = document.get_word_before_cursor(pattern=re.compile(r"[\w-]+"))
            for w in sorted(word_keywords() | set(repl.names()) | {":load", ":reset", ":names", ":help", ":quit"}):
                if word and w.startswith(word) and w != word:
                    yield Completion(w, start_position=-len(word))

    keys = KeyBindings()

    @keys.add("enter")
    def _(event) -> None:
        buf = event.current_buffer
        if complete(buf.text):
            buf.validate_and_handle()
        else:
            buf.insert_text("\n")

    try:
        history = FileHistory(str(Path.home() / ".earlog_history"))
    except OSError:
        history = InMemoryHistory()
    session = PromptSession(multiline=True, key_bindings=keys, history=history, completer=Names(),
                            lexer=_lexer(), prompt_continuation="...... ", complete_while_typing=False)
    typer.echo("earlog repl — :help for help, :quit or Ctrl-D to leave")
    while True:
        try:
            text = session.prompt("earlog> ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            return
        if not repl.feed(text):
            return


@app.command("repl")
def repl_cmd(
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Declare parties, items and transactions and ask questions interactively.

    Example: earlog repl   then   :load queries/tour.earlog   and   what if nuvem.hq = US

    History, multi-line input (Enter inside braces continues), Tab completion of
    keywords and declared names, syntax colouring.  Without a terminal, reads
    statements from standard input.
    """
    import sys

    check_format(format, FORMATS_TEXT_JSON)
    if sys.stdin.isatty():
        run_terminal(format)
    else:
        run_lines(sys.stdin.read().splitlines(), typer.echo, format)
