"""`earlog rules [FILTER]`: the rule catalogue (id, citation, text); and
`earlog show rule RULE_ID`: one rule's ASP source, text, citation and the seed
sentence it encodes."""

from __future__ import annotations

from typing import Annotated

import typer

from earlog.commands.app import app, check_format
from earlog.errors import EarlogError

show_app = typer.Typer(help="Show one part of the policy.", no_args_is_help=True)
app.add_typer(show_app, name="show")


@app.command("rules")
def rules_cmd(
    filter: Annotated[str | None, typer.Argument(help="Only rules whose id, citation or text contains this.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """List every rule of the policy with its id, citation and plain-English text.

    Example: earlog rules lpp
    """
    import json

    from earlog.engine import load_policy

    check_format(format, ("text", "json"))
    policy = load_policy()
    needle = (filter or "").lower()
    chosen = [r for r in policy.rules.values()
              if not needle or needle in r.id.lower() or needle in r.cite.lower() or needle in r.text.lower()]
    if format == "json":
        typer.echo(json.dumps([{"rule": r.id, "cite": r.cite, "text": r.text, "source": f"{r.file}:{r.line}"}
                               for r in chosen], indent=2, ensure_ascii=False))
        return
    if not chosen:
        raise EarlogError(f"no rule matches {filter!r}; `earlog rules` lists them all")
    from earlog.explain.citations import cite_words

    for r in chosen:
        typer.echo(f"{r.id}  [{cite_words(r.cite)}]")
        typer.echo(f"    {r.text}")
    typer.echo(f"({len(chosen)} of {len(policy.rules)} rules)")


@show_app.command("rule")
def show_rule_cmd(rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. lpp.available.")]) -> None:
    """Print a rule's ASP source, text, citation and the seed sentence it encodes.

    Example: earlog show rule lpp.within_cap
    """
    import difflib

    from earlog.engine import load_policy
    from earlog.explain.citations import bibliography, seed_label
    from earlog.explain.seeds import quoted_phrases, stored

    policy = load_policy()
    rule = policy.rules.get(rule_id)
    if rule is None:
        close = difflib.get_close_matches(rule_id, sorted(policy.rules), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise EarlogError(f"no rule {rule_id!r} in the policy{hint}; `earlog rules` lists them")
    typer.echo(f"{rule.id}   {rule.file}:{rule.line}   (program part: {rule.part})")
    typer.echo(f"cite: {rule.cite}")
    typer.echo(f"text: {rule.text}")
    typer.echo("")
    typer.echo(rule.source)
    typer.echo("")
    sentences = stored().get(rule.id, [])
    if sentences:
        typer.echo("encodes:")
        for s in sentences:
            typer.echo(f"  seed {s['seed']} ({seed_label(s['seed'])}): {s['sentence']}")
            typer.echo(f"    (quoted: \"{s['phrase']}\")")
    phrases = [p for _s, p in quoted_phrases(rule.cite) if p not in {s["phrase"] for s in sentences}]
    for p in phrases:
        typer.echo(f"quotes: \"{p}\" (paraphrased or abridged; no verbatim sentence located)")
    if not sentences and not phrases:
        typer.echo("encodes: no seed sentence quoted; the citation above is the source")
    typer.echo("")
    typer.echo("sources:")
    for line in bibliography([rule.cite]):
        typer.echo(f"  {line}")


# The rest of the policy browser registers here too (`show params|tiers|country|interpretation`,
# `rulebook`), so cli.py's list of command modules needs no change for them.
from earlog.commands import rulebook, show  # noqa: E402, F401
