"""Route tests of `earlog serve` (the web workbench) with FastAPI's test client.

The API must answer exactly what the command line answers (`earlog eval --format
json`), bad input must get the CLI's one-line error, user text must stay text in
HTML and SVG, and cross-site or oversized requests must be refused.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from earlog.web import create_app  # noqa: E402
from earlog.web.app import SAMPLE_DEAL  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LOCAL = "http://127.0.0.1:8000"  # a loopback Host: the guard refuses others without a token
CSRF = "test-csrf-secret-0123456789"
H = {"X-CSRF-Token": CSRF}
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
HOSTILE_ASP = 'x). #show. :- not a(1'

HOSTILE_DEAL = {
    "parties": [{"id": HOSTILE, "hq": "BR", "located": "BR"}],
    "items": [{"id": HOSTILE_ASP, "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}],
    "transactions": [{"id": HOSTILE, "kind": "export", "item": HOSTILE_ASP, "quantity": 10, "from": "US",
                      "to": "BR", "consignee": HOSTILE, "end_user": HOSTILE, "end_use": "inference",
                      "date": "2025-06-01", "prior_notification": True, "prior_certification": True}],
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(csrf_secret=CSRF, max_upload=200_000), base_url=LOCAL)


def test_evaluate_api_returns_exactly_the_cli_verdict_json(client: TestClient) -> None:
    path = ROOT / "queries/scenarios/brazil_cloud.json"
    cli = subprocess.run([sys.executable, "-m", "earlog.cli", "eval", str(path), "--format", "json"],
                         capture_output=True, text=True, check=True)
    expected = json.loads(cli.stdout)
    r = client.post("/v1/evaluate", content=path.read_bytes(), headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    got = r.json()
    assert got == (expected if isinstance(expected, list) else [expected])


def test_evaluate_api_takes_the_query_language(client: TestClient) -> None:
    r = client.post("/v1/evaluate", content=SAMPLE_DEAL, headers={"Content-Type": "text/plain"})
    assert r.status_code == 200
    (v,) = r.json()
    assert v["transaction"] == "nuvem_order"
    assert v["outcome"] == "authorized_by_exception" and v["authorization"] == "LPP"
    assert v["outcome_rule"] == "outcome.exception"


def test_bad_input_answers_400_with_the_cli_one_line_error(client: TestClient) -> None:
    bad = SAMPLE_DEAL.replace("export 1,000", "exprt 1,000")
    r = client.post("/v1/evaluate", content=bad, headers={"Content-Type": "text/plain"})
    assert r.status_code == 400
    body = r.json()
    assert body["error"].startswith("deal:4:")
    assert "\n" not in body["error"] and "Traceback" not in r.text
    r = client.post("/v1/evaluate", content=b'{"parties": [', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "malformed JSON" in r.json()["error"]
    r = client.post("/v1/evaluate", content=b"\xff\xfe", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "UTF-8" in r.json()["error"]


def test_why_api_returns_the_explanation_json(client: TestClient) -> None:
    r = client.post("/v1/why", json={"deal": SAMPLE_DEAL, "conclusion": "exception LPP available for nuvem_order"})
    assert r.status_code == 200
    e = r.json()
    assert e["schema"] == "earlog.explanation/1" and e["holds"] is True
    assert e["root"]["rules"][0]["rule"] == "lpp.available"
    r = client.post("/v1/why", json={"deal": SAMPLE_DEAL, "conclusion": "exception AIA available for nuvem_order",
                                     "not": True})
    assert r.status_code == 200 and r.json()["holds"] is False
    r = client.post("/v1/why", json={"deal": SAMPLE_DEAL, "conclusion": "exception XYZ available for nuvem_order"})
    assert r.status_code == 400 and "no license exception named 'XYZ'" in r.json()["error"]


def test_screen_api_returns_report_and_summary(client: TestClient) -> None:
    files = {"orders": ("orders.csv", (ROOT / "queries/orders/sample_orders.csv").read_bytes(), "text/csv"),
             "base": ("base.json", (ROOT / "queries/orders/base.json").read_bytes(), "application/json")}
    r = client.post("/v1/screen", files=files)
    assert r.status_code == 200, r.text
    data = r.json()
    assert len(data["rows"]) == 32 and data["summary"]["rows"] == 32
    assert data["rows"][0]["id"] == "SO-1001"
    r = client.post("/v1/screen", files={"orders": ("orders.exe", b"x", "text/plain"), "base": files["base"]})
    assert r.status_code == 400 and "expected a file ending in .csv" in r.json()["error"]


def test_openapi_schema_and_api_page(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/v1/evaluate", "/v1/why", "/v1/screen"} <= set(schema["paths"])
    assert "/v1/evaluate" in client.get("/api").text


def test_editor_shows_verdict_and_parse_error_with_caret(client: TestClient) -> None:
    r = client.post("/deal/evaluate", data={"deal": SAMPLE_DEAL}, headers=H)
    assert r.status_code == 200
    assert "LPP available [lpp.available]" in r.text and "Outcome: authorized by a license exception" in r.text
    bad = SAMPLE_DEAL.replace("export 1,000", "exprt 1,000")
    r = client.post("/deal/evaluate", data={"deal": bad}, headers=H)
    assert "earlog: error: deal:4:3:" in r.text
    assert "^^^^^" in r.text and "Traceback" not in r.text


def test_examples_load_by_name_never_by_path(client: TestClient) -> None:
    r = client.get("/", params={"example": "tour"})
    assert "nuvem_order" in r.text
    r = client.get("/", params={"example": "../../etc/passwd"})
    assert "no shipped example named" in r.text and "root:" not in r.text
    assert client.get("/static/../app.py").status_code == 404


def test_why_page_renders_memo_and_svg_tree_level_by_level(client: TestClient) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    form = {"deal": SAMPLE_DEAL, "kind": "exception", "tx": "nuvem_order", "code": "LPP", "depth": "1"}
    r = client.post("/deal/why", data=form, headers=H)
    assert r.status_code == 200
    assert "<h2>Why exception LPP available for nuvem_order</h2>" in r.text
    assert "<svg" in r.text and "expand one level" in r.text
    r_all = client.post("/deal/why", data={**form, "depth": "all"}, headers=H)
    assert r_all.text.count("<g id=\"node") > r.text.count("<g id=\"node")
    r = client.post("/deal/why", data={**form, "code": "AIA"}, headers=H)
    assert "Why not" in r.text and "aia.dest_tier1" in r.text


def test_what_if_shows_changed_fields_with_rule(client: TestClient) -> None:
    r = client.post("/deal/whatif", data={"deal": SAMPLE_DEAL, "tier_country": "BR", "tier_value": "1"}, headers=H)
    assert r.status_code == 200
    assert "exceptions.AIA.available" in r.text and "by aia.available" in r.text
    # review_policy: the verdict names no rule; the evaluation's trace does
    assert "by review.a_tier1_approval" in r.text and "(before: review.a_tier2_up_to_cap)" in r.text
    # an exception that was unavailable names the conditions that failed before
    assert "(before: failed aia.dest_tier1, aia.hq_tier1)" in r.text
    assert 'class="changed"' in r.text
    r = client.post("/deal/whatif", data={"deal": SAMPLE_DEAL, "assume.legal_status": "bis_non_enforcement"},
                    headers=H)
    assert "legal_status" in r.text and "bis_non_enforcement" in r.text
    r = client.post("/deal/whatif", data={"deal": SAMPLE_DEAL, "facts": "nobody.located = IN"}, headers=H)
    assert "earlog: error: what-if:1:9: nothing is named &#39;nobody&#39;" in r.text


def test_rulebook_search(client: TestClient) -> None:
    r = client.get("/rulebook", params={"q": "lpp.within_cap"})
    assert r.status_code == 200 and 'id="rule-lpp.within_cap"' in r.text
    r = client.get("/rulebook", params={"q": "740.27"})
    assert 'id="rule-aia.available"' in r.text and 'id="rule-lpp.within_cap"' not in r.text


def test_rulebook_links_the_cases_that_pin_a_rule_once_indexed(client: TestClient) -> None:
    from earlog.web.rulebook import book

    first = client.get("/rulebook", params={"q": "lpp.within_cap"}).text
    assert 'id="cases-state"' in first or "regression case" in first  # indexing started, or already done
    _book, state = book(wait=True)  # every suite run once with tracing (cached on disk)
    assert state == "ready"
    r = client.get("/rulebook", params={"q": "lpp.within_cap"})
    assert 'id="cases-state"' not in r.text
    # queries/exceptions/lpp.earlog pins lpp.within_cap (`expect exception LPP failed lpp.within_cap`)
    rule = r.text.split('id="rule-lpp.within_cap"', 1)[1].split("</article>", 1)[0]
    assert "regression case" in rule and "queries/exceptions/lpp.earlog" in rule


def test_hostile_names_are_escaped_in_html_and_svg(client: TestClient) -> None:
    deal = json.dumps(HOSTILE_DEAL)
    r = client.post("/deal/evaluate", data={"deal": deal}, headers=H)
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    if shutil.which("dot") is not None:
        r = client.post("/deal/why", data={"deal": deal, "kind": "outcome", "tx": HOSTILE, "code": "",
                                           "depth": "all"}, headers=H)
        assert r.status_code == 200, r.text
        assert "<svg" in r.text
        assert "<script>alert" not in r.text and "<img src=x" not in r.text
    r = client.post("/v1/evaluate", content=deal, headers={"Content-Type": "application/json"})
    assert r.json()[0]["transaction"] == HOSTILE
    # in a what-if's error, a rulebook search and the editor's own text
    r = client.post("/deal/whatif", data={"deal": SAMPLE_DEAL, "facts": f'nuvem.located = "{HOSTILE}"'}, headers=H)
    assert "earlog: error:" in r.text and "<script>alert" not in r.text
    r = client.get("/rulebook", params={"q": HOSTILE})
    assert "0 of" in r.text and "<script>alert" not in r.text and "&lt;script&gt;" in r.text
    r = client.get("/", params={"example": HOSTILE})
    assert "<script>alert" not in r.text and "<img src=x" not in r.text


def test_cross_site_posts_and_missing_csrf_are_refused(client: TestClient) -> None:
    r = client.post("/deal/evaluate", data={"deal": SAMPLE_DEAL})
    assert r.status_code == 403 and "CSRF" in r.json()["error"]
    r = client.post("/deal/evaluate", data={"deal": SAMPLE_DEAL}, headers={**H, "Origin": "https://evil.example"})
    assert r.status_code == 403
    r = client.post("/v1/evaluate", content=SAMPLE_DEAL, headers={"Content-Type": "text/plain",
                                                                  "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403


def test_a_foreign_host_name_is_refused_without_a_token() -> None:
    """DNS rebinding: a page at evil.example resolving to 127.0.0.1 sends Host: evil.example."""
    c = TestClient(create_app(csrf_secret=CSRF), base_url="http://evil.example:8000")
    r = c.post("/v1/evaluate", content=SAMPLE_DEAL, headers={"Content-Type": "text/plain"})
    assert r.status_code == 421 and "answers only at" in r.json()["error"]
    assert TestClient(create_app(), base_url="http://localhost:8000").get("/").status_code == 200


def test_upload_limit_answers_413(client: TestClient) -> None:
    big = b"id,kind\n" + b"x,export\n" * 30_000
    r = client.post("/v1/screen", files={"orders": ("o.csv", big, "text/csv"), "base": ("b.json", b"{}", "x")})
    assert r.status_code == 413 and "limit of 200,000 bytes" in r.json()["error"]
    # the page's own upload (htmx) gets the error box it shows
    r = client.post("/screen", files={"orders": ("o.csv", big, "text/csv"), "base": ("b.json", b"{}", "x")},
                    headers={**H, "HX-Request": "true"})
    assert r.status_code == 413 and r.text.startswith('<div class="error"') and "limit of 200,000" in r.text


def test_token_is_required_off_loopback() -> None:
    c = TestClient(create_app(token="t" * 24, csrf_secret=CSRF), base_url=LOCAL)
    assert c.get("/").status_code == 401
    assert c.get("/", headers={"X-Earlog-Token": "t" * 24}).status_code == 200
    r = c.get("/?token=" + "t" * 24, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert c.get("/").status_code == 200  # the cookie the first visit set
    other = TestClient(create_app(token="t" * 24), base_url=LOCAL)
    assert other.get("/", headers={"X-Earlog-Token": "wrong"}).status_code == 401
    # with a token the server answers at any Host name (it listens beyond loopback)
    far = TestClient(create_app(token="t" * 24), base_url="http://192.0.2.7:8000")
    assert far.get("/", headers={"X-Earlog-Token": "t" * 24}).status_code == 200


def test_screen_page_runs_a_job_and_serves_the_report(client: TestClient) -> None:
    import time

    files = {"orders": ("orders.csv", (ROOT / "queries/orders/sample_orders.csv").read_bytes(), "text/csv"),
             "base": ("base.json", (ROOT / "queries/orders/base.json").read_bytes(), "application/json")}
    r = client.post("/screen", files=files, headers=H)
    assert r.status_code == 200
    job_id = r.text.split('id="job-', 1)[1].split('"', 1)[0]
    for _ in range(300):
        page = client.get(f"/screen/jobs/{job_id}").text
        if "state-done" in page or "state-failed" in page:
            break
        time.sleep(0.1)
    assert "state-done" in page, page
    assert "32 rows: 25 screened, 7 in error" in page
    assert "<td>SO-1010</td><td>quantity</td><td>expected a quantity of zero or more, got -50</td>" in page
    report = client.get(f"/screen/jobs/{job_id}/report.csv")
    lines = report.text.splitlines()
    assert report.status_code == 200 and lines[2].split(",")[1] == "SO-1001"
    assert lines[0].startswith("# earlog ") and "orders.csv" in lines[0] and "/tmp/" not in lines[0]


def test_serve_refuses_a_short_token_and_knows_loopback() -> None:
    from earlog.commands.serve import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    r = subprocess.run([sys.executable, "-m", "earlog.cli", "serve", "--host", "0.0.0.0", "--token", "short"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.strip().startswith("earlog: error: --token")


def test_what_if_applies_to_a_json_deal(client: TestClient) -> None:
    deal = (ROOT / "queries/scenarios/brazil_cloud.json").read_text(encoding="utf-8")
    r = client.post("/deal/whatif", data={"deal": deal, "tier_country": "BR", "tier_value": "1"}, headers=H)
    assert r.status_code == 200
    # the JSON ids name what the language's changes reach, as declarations would
    assert "<strong>second-order</strong>" in r.text and "exceptions.LPP.available" in r.text


def test_a_running_job_shows_its_progress(client: TestClient) -> None:
    jobs = client.app.app.state.jobs  # the FastAPI app behind the guard
    book = (ROOT / "queries/orders/sample_orders.csv").read_bytes()
    job = jobs.prepare("orders.csv", book, "base.json", (ROOT / "queries/orders/base.json").read_bytes())
    job.state = "running"  # not started: nothing written yet
    page = client.get(f"/screen/jobs/{job.id}").text
    assert "0 rows screened of about 32" in page and 'hx-trigger="load delay:500ms"' in page
    assert client.get("/screen/jobs/no-such-job").status_code == 404


def test_pages_forbid_inline_scripts(client: TestClient) -> None:
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["server-timing"].startswith("app;dur=")
    assert "<script>" not in r.text  # the page's scripts are files of the package


def test_the_deals_questions_are_answered_as_earlog_run_answers_them(client: TestClient) -> None:
    deal = SAMPLE_DEAL + ("\nask outcome for nuvem_order\n"
                          "expect authorization = LPP for nuvem_order\n"
                          "expect authorization = AIA for nuvem_order\n")
    r = client.post("/deal/run", data={"deal": deal}, headers=H)
    assert r.status_code == 200
    assert "1 passed, 1 failed" in r.text
    assert "nuvem_order: outcome = authorized_by_exception" in r.text
    r = client.post("/deal/run", data={"deal": SAMPLE_DEAL}, headers=H)
    assert "earlog: error: deal: the deal asks no questions" in r.text


BIG_DEAL = SAMPLE_DEAL.replace("export 1,000", "export 2,000")  # past LPP's cap for one consignee


def test_why_not_offers_the_smallest_change_on_demand(client: TestClient) -> None:
    # issue 14 point 3: "for a conclusion that does not hold, the failed conditions (and the
    # smallest change)"; 2,000 H100s exceed LPP's cap (lpp.within_cap), 1,699 do not
    form = {"deal": BIG_DEAL, "kind": "exception", "tx": "nuvem_order", "code": "LPP"}
    r = client.post("/deal/why", data={**form, "depth": "1"}, headers=H)
    assert r.status_code == 200 and "Why not" in r.text and "lpp.within_cap" in r.text
    assert 'hx-post="/deal/fix"' in r.text and "would be available" not in r.text  # not computed yet
    r = client.post("/deal/fix", data=form, headers=H)
    assert r.status_code == 200
    assert "<li>LPP would be available with a quantity of at most 1,699 (now 2,000)</li>" in r.text
    assert "1 fact to change" in r.text
    # a conclusion that holds offers no change, and says so when asked
    r = client.post("/deal/why", data={**form, "deal": SAMPLE_DEAL, "depth": "1"}, headers=H)
    assert 'hx-post="/deal/fix"' not in r.text
    r = client.post("/deal/fix", data={**form, "deal": SAMPLE_DEAL}, headers=H)
    assert "LPP is available already: nothing to change" in r.text
    r = client.post("/deal/fix", data={**form, "code": "NOPE"}, headers=H)
    assert "earlog: error: conclusion: no exception &#39;NOPE&#39;" in r.text
    r = client.post("/deal/fix", data=form)  # no CSRF token
    assert r.status_code == 403


def test_why_api_returns_the_smallest_change_as_the_cli_does(client: TestClient, tmp_path: Path) -> None:
    concl = "exception LPP available for nuvem_order"
    r = client.post("/v1/why", json={"deal": BIG_DEAL, "conclusion": concl, "not": True, "fix": True})
    assert r.status_code == 200
    got = r.json()
    assert got["fewest_changes"] == 1 and got["holds_now"] is False
    (change,) = got["changes"]
    assert change["changes"]["quantity"] == {"values": ["1,699"], "bound": "at most", "now": "2,000"}
    assert change["text"] == "LPP would be available with a quantity of at most 1,699 (now 2,000)"
    path = tmp_path / "deal.earlog"
    path.write_text(BIG_DEAL, encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "earlog.cli", "why", str(path), concl, "--not", "--fix",
                          "--format", "json"], capture_output=True, text=True, check=True)
    expected = json.loads(cli.stdout)
    assert {k: v for k, v in got.items() if k != "seconds"} == {k: v for k, v in expected.items() if k != "seconds"}
    r = client.post("/v1/why", json={"deal": BIG_DEAL, "conclusion": concl, "fix": "yes"})
    assert r.status_code == 400 and r.json()["error"] == "request body.fix: expected true or false"


def test_hostile_names_are_escaped_in_the_smallest_change(client: TestClient) -> None:
    deal = dict(HOSTILE_DEAL, transactions=[dict(HOSTILE_DEAL["transactions"][0], quantity=2000)])
    form = {"deal": json.dumps(deal), "kind": "exception", "tx": HOSTILE, "code": "LPP"}
    r = client.post("/deal/why", data={**form, "depth": "1"}, headers=H)
    assert r.status_code == 200, r.text
    assert 'hx-post="/deal/fix"' in r.text and "<script>alert" not in r.text and "<img src=x" not in r.text
    r = client.post("/deal/fix", data=form, headers=H)
    assert r.status_code == 200, r.text
    assert "at most 1,699 (now 2,000)" in r.text
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
