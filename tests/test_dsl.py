"""The query language: declarations become the same scenario as JSON, errors are for
people (file:line:col, the line, a caret, words, "did you mean"), and the parser only
ever parses or raises a clean InputError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from earlog.dsl.errors import DslError
from earlog.dsl.formatter import format_document
from earlog.dsl.parser import parse_text
from earlog.dsl.session import plan
from earlog.dsl.to_dict import ScenarioBuilder
from earlog.errors import InputError
from earlog.scenario.json_input import load_json_file

ROOT = Path(__file__).resolve().parent.parent
QUERIES = sorted((ROOT / "queries").rglob("*.earlog"))

BASE = """\
party nuvem { hq: BR, located: BR }
item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
transaction t1 { export 1,000 h100 from US to BR, consignee: nuvem, end_use: inference, date: 2025-06-01 }
"""


def model(text: str) -> dict:
    """The scenario dict the declarations of a document build (what the JSON reader reads)."""
    doc = parse_text(text, "m.earlog")
    b = ScenarioBuilder()
    from earlog.dsl.nodes import Declaration, Setting

    for st_ in doc.statements:
        if isinstance(st_, Declaration):
            b.declare(st_, doc.file, doc.text)
        elif isinstance(st_, Setting):
            b.setting(st_, doc.file, doc.text)
    return b.data


def error(text: str) -> DslError:
    with pytest.raises(DslError) as e:
        plan(parse_text(text, "bad.earlog"))
    return e.value


def test_declarations_build_the_same_scenario_as_the_json_file() -> None:
    """queries/scenarios/brazil_cloud.json written in the DSL gives the same model."""
    text = """
    party nuvem { hq: BR, located: BR }
    party acme-us { hq: US, located: US }
    item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
    transaction small-order { export 1,000 h100 from US to BR, consignee: nuvem, end_user: nuvem,
                              end_use: inference, date: 2025-06-01,
                              prior_certification: yes, prior_notification: yes }
    transaction second-order { kind: export, item: h100, quantity: 1000, from: US, to: BR,
                               consignee: nuvem, end_user: nuvem, end_use: inference, date: 2025-07-01,
                               prior_certification: yes, prior_notification: yes }
    """
    ctx = plan(parse_text(text + "ask", "x.earlog"))[0].context
    assert ctx.scenario == _without_src(load_json_file(ROOT / "queries/scenarios/brazil_cloud.json"), ctx.scenario)


def _without_src(expected, actual):
    """Sources differ by nature (a JSON path vs. no file); compare everything else."""
    expected.src = actual.src
    for a, b in zip([*expected.parties, *expected.items, *expected.transactions],
                    [*actual.parties, *actual.items, *actual.transactions], strict=True):
        a.src = b.src
    expected.overlay_src = actual.overlay_src
    return expected


def test_numbers_dates_strings_and_settings() -> None:
    d = model('party "Mega Corp" { hq: CN, government_controlled: CN }  # a comment\n'
              "item w { eccn: 4E091, tpp: 1e3 }\n"
              "parameter lpp_annual_cap_tpp = 26_900_000\nparameter country_allocation_tpp = 1,580,000,000\n"
              "tier SG = 1\ncountry AE { groups: [D:4], supp5_b: no }\nassume cyprus_in_d5 = yes\n")
    assert d["parties"] == [{"id": "Mega Corp", "hq": "CN", "government_controlled": "CN"}]
    assert d["items"] == [{"id": "w", "eccn": "4E091", "tpp": 1000}]
    assert d["parameters"] == {"lpp_annual_cap_tpp": 26900000, "country_allocation_tpp": 1580000000}
    assert d["countries"] == {"SG": {"tier": 1}, "AE": {"groups": ["D:4"], "supp5_b": False}}
    assert d["assume"] == {"cyprus_in_d5": "yes"}


def test_fraction_fields_of_chip_specs_and_attestations_read_as_in_json() -> None:
    """Issue 6's spec fields take fractions (performance density 1.5, die area 814.5): the DSL
    passes them to the JSON reader as written, so they read exactly as in a JSON file, while a
    fraction where a whole number is needed is still an error at the value."""
    text = ('party d { hq: US }\n'
            'item chip { mac_tops: 989.5, bit_length: 8, die_area_mm2: 814.5, '
            'attestations: [{ kind: tpp_performance_density, by: d, tpp: 1_000.25, performance_density: 1.5 }] }\n'
            'transaction t1 { export 1 chip from US to BR, consignee: d, date: 2025-06-01 }\nask')
    sc = plan(parse_text(text, "x.earlog"))[0].context.scenario
    chip = sc.items[0]
    assert chip.processing_units[0].mac_tops_milli == 989_500
    assert chip.die_area_milli == 814_500
    assert (chip.attestations[0].tpp_milli, chip.attestations[0].performance_density_milli) == (1_000_250, 1_500)
    e = error(BASE.replace("tpp: 15_832", "tpp: 15_832.5") + "ask")
    _assert_error(e, 2, 33, "^^^^^^^^", "expected a TPP as a whole number, got 15832.5")
    e = error(BASE.replace("export 1,000 h100", "export 1.5 h100") + "ask")
    _assert_error(e, 3, 25, "^^^", "expected a whole number, got 1.5")


def test_fmt_keeps_an_assumed_yes_or_no_alternative_bare() -> None:
    """`assume cyprus_in_d5 = yes` once came back as `= "yes"`, which the grammar rejects."""
    text = (BASE + "assume cyprus_in_d5 = yes\n"
            "case \"c\" with assume tier1_hq_licenses_count_toward_allocation = no {\n  ask\n}\n")
    out = format_document(parse_text(text, "a.earlog"))
    assert "assume cyprus_in_d5 = yes" in out and "assume tier1_hq_licenses_count_toward_allocation = no" in out
    assert format_document(parse_text(out, "a.earlog")) == out


def test_expectation_on_a_list_entry_without_a_recorded_rule_fails_cleanly() -> None:
    """classification.warnings entries may carry rule null; comparing them once raised a TypeError."""
    from earlog.dsl.questions import expect

    text = ('party n { hq: BR, located: BR }\nitem chip { mac_tops: 300, bit_length: 8, eccn: 3A090.b }\n'
            'transaction t1 { export 10 chip from US to BR, consignee: n, date: 2025-07-01 }\n'
            'expect classification.warnings = "no.such_rule"\n')
    a = expect(plan(parse_text(text, "w.earlog"))[0])
    assert a.passed is False
    assert "3A090.a" in a.actual or "classification.conflict" in a.actual


def _assert_error(e: DslError, line: int, col: int, caret: str, *words: str) -> None:
    text = str(e)
    assert text.startswith(f"bad.earlog:{line}:{col}: "), text
    shown = text.splitlines()
    assert len(shown) == 3, text
    assert shown[2].endswith(" " * (col - 1) + caret), text
    for w in words:
        assert w in text, text


def test_unknown_name_points_at_it_with_did_you_mean() -> None:
    e = error(BASE.replace("consignee: nuvem,", "consignee: nuvm,") + "ask")
    _assert_error(e, 3, 62, "^^^^", "consignee 'nuvm' is not a declared party", "did you mean 'nuvem'?")


def test_duplicate_declaration() -> None:
    e = error(BASE + "party nuvem { hq: US }\nask")
    _assert_error(e, 4, 7, "^^^^^", "'nuvem' is already declared (party at line 1)")


def test_unknown_field_points_at_the_key() -> None:
    e = error(BASE.replace("located: BR", "locatd: BR") + "ask")
    _assert_error(e, 1, 23, "^^^^^^", "unknown field 'locatd' in a party", "did you mean 'located'?")


def test_bad_country_code() -> None:
    e = error(BASE.replace("to BR", "to BX") + "ask")
    _assert_error(e, 3, 47, "^^", "unknown country code 'BX'", "expected an ISO 3166-1 alpha-2 code")


def test_question_naming_a_missing_transaction() -> None:
    e = error(BASE + "ask outcome for t11")
    _assert_error(e, 4, 17, "^^^", "no transaction named 't11'", "did you mean 't1'?", "declared: t1")
    e = error(BASE + "why exception LPP available for t_1")
    _assert_error(e, 4, 33, "^^^", "no transaction named 't_1'", "did you mean 't1'?")


def test_what_if_change_that_names_nothing() -> None:
    e = error(BASE + "what if nuvm.hq = CN")
    _assert_error(e, 4, 9, "^^^^", "nothing is named 'nuvm'", "did you mean 'nuvem'?")
    e = error(BASE + "what if nuvem.hqq = CN")
    _assert_error(e, 4, 15, "^^^", "unknown field 'hqq'", "did you mean 'hq'?")
    e = error(BASE + "what if tier XY = 1")
    _assert_error(e, 4, 14, "^^", "unknown country code 'XY'")


def test_syntax_errors_in_words_with_keyword_suggestions() -> None:
    e = error("prty nuvem { hq: BR }")
    _assert_error(e, 1, 1, "^^^^", "did you mean 'party'?")
    assert "NAME" not in str(e) and "LBRACE" not in str(e)
    e = error(BASE + "expect exceptoin LPP available")
    _assert_error(e, 4, 8, "^^^^^^^^^", "unknown word 'exceptoin'", "did you mean 'exception'?")
    e = error("party nuvem { hq: BR ")
    _assert_error(e, 1, 22, "^", "the text ends in the middle of a statement", "'}'")
    e = error("party nuvem { hq BR }")
    _assert_error(e, 1, 18, "^^", "unexpected 'BR'; expected ':'")


def test_unknown_verdict_field_and_exception_code() -> None:
    e = error(BASE + "expect outcom = authorized_by_exception")
    _assert_error(e, 4, 8, "^^^^^^", "a verdict has no field 'outcom'", "did you mean 'outcome'?")
    e = error(BASE + "expect exception LLP available")
    _assert_error(e, 4, 18, "^^^", "no license exception named 'LLP'", "did you mean 'LPP'?")


def test_errors_reach_the_cli_as_text_with_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    f = tmp_path / "bad.earlog"
    f.write_text(BASE + "what if nuvm.hq = CN\n")
    r = subprocess.run([sys.executable, "-m", "earlog.cli", "run", str(f)], capture_output=True, text=True)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and r.stdout == ""
    lines = r.stderr.splitlines()
    assert lines[0] == (f"earlog: error: {f}:4:9: nothing is named 'nuvm' (did you mean 'nuvem'?); "
                        "a change names a declared party, item or transaction (nuvem, h100, t1)")
    assert lines[1:] == ["    4 | what if nuvm.hq = CN", "      |         ^^^^"]


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fmt_round_trips_every_query_file(path: Path) -> None:
    """parse -> format -> parse gives the same scenario and questions; formatting is idempotent."""
    text = path.read_text()
    doc = parse_text(text, str(path))
    once = format_document(doc)
    again = parse_text(once, str(path))
    assert format_document(again) == once
    assert _shape(doc) == _shape(again)


def _shape(doc) -> str:
    """Statements without source positions."""
    import dataclasses

    def strip(x):
        if dataclasses.is_dataclass(x):
            return {f.name: strip(getattr(x, f.name)) for f in dataclasses.fields(x)
                    if f.name not in ("span", "key_span", "title_span", "text")}
        if isinstance(x, list):
            return [strip(i) for i in x]
        return x

    return json.dumps([strip(s) for s in doc.statements], sort_keys=True, default=str)


SNIPPETS = [BASE, "ask", "what if nuvem.hq = CN, tier BR = 1", "expect exception AIA failed aia.dest_tier1",
            'case "x" with t1.quantity = 5 { expect outcome = none }', "why not review_policy = denial for t1",
            "country AE { groups: [D:4] }", "# c\n", '"', "{", "1,000", "1e26", "2025-13-01", "3A090.a", "D:4"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(SNIPPETS), max_size=6), st.text(max_size=30),
       st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=20))
def test_random_and_mutated_inputs_parse_or_fail_cleanly(parts: list[str], noise: str, at: int, cut: int) -> None:
    text = " ".join(parts)
    text = text[:at] + noise + text[at + cut:]
    try:
        doc = parse_text(text, "fuzz.earlog")
        format_document(doc)
        b = ScenarioBuilder()
        from earlog.dsl.nodes import Declaration

        for s in doc.statements:
            if isinstance(s, Declaration):
                b.declare(s, doc.file, doc.text)
        b.scenario()
    except InputError as e:
        assert str(e).startswith("fuzz.earlog")
