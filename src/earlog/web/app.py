"""The workbench: a FastAPI app with server-rendered pages (Jinja2, htmx) and a JSON API.

Pages: the deal editor with verdicts, why/why-not (memo and SVG tree) and the
readings/what-if comparison (/), the rulebook (/rulebook), order-book screening
(/screen) and the API reference (/api).  API: POST /v1/evaluate, /v1/why, /v1/screen,
schema at /openapi.json.  Every asset is served from the package (no CDN).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from earlog import __version__
from earlog.errors import EarlogError, InputError
from earlog.web import service
from earlog.web.jobs import Jobs
from earlog.web.security import CSRF_HEADER, Guard, error_html

HERE = Path(__file__).parent
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024

SAMPLE_DEAL = """\
item h100 { eccn: 3A090.a, tpp: 15_832, datacenter: yes, designer: approved }
party nuvem { hq: BR, located: BR }
transaction nuvem_order {
  export 1,000 h100 from US to BR,
  consignee: nuvem,
  end_user: nuvem,
  end_use: inference,
  date: 2025-06-01,
  prior_notification: yes,
  prior_certification: yes
}
"""


def create_app(*, token: str | None = None, max_upload: int = DEFAULT_MAX_UPLOAD,
               csrf_secret: str | None = None, hosts: frozenset[str] | None = None) -> Guard:
    """The ASGI app behind its guard (token, Host, cross-site POSTs, upload size).

    hosts: Host names answered besides the loopback names when there is no token."""
    jobs = Jobs()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.close()  # the uploads and reports of this server's jobs go with it

    api = FastAPI(title="earlog", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Export-control verdicts from earlog's policy. Errors answer 400 with "
                              "{\"error\": one line}, as the command line prints them.")
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True
    guard = Guard(api, token=token, max_upload=max_upload, csrf_secret=csrf_secret, hosts=hosts)
    api.state.guard = guard
    api.state.jobs = jobs
    api.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("nav", "")
        return templates.TemplateResponse(request, name, {"csrf": guard.csrf, "version": __version__, **ctx},
                                          status_code=status)

    async def form_of(request: Request) -> dict[str, Any]:
        """The posted form, after the CSRF check every page POST needs."""
        form = await request.form()
        given = request.headers.get(CSRF_HEADER) or form.get("csrf")
        if not guard.check_csrf(given if isinstance(given, str) else None):
            raise CsrfError()
        return dict(form)

    class CsrfError(Exception):
        pass

    def failure(request: Request, status: int, body: dict[str, Any]) -> Response:
        """JSON for the API; the page's error box for a page's own (htmx) request."""
        if request.headers.get("hx-request"):
            return HTMLResponse(error_html(body["error"]), status)
        return JSONResponse(body, status)

    @api.exception_handler(CsrfError)
    async def csrf_error(request: Request, exc: CsrfError) -> Response:
        return failure(request, 403, {"error": "missing or wrong CSRF token: reload the page and try again"})

    @api.exception_handler(EarlogError)
    async def earlog_error(request: Request, exc: EarlogError) -> Response:
        return failure(request, 400, error_body(exc))

    @api.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> Response:
        return failure(request, 500, {"error": f"internal error ({type(exc).__name__}); please report it"})

    # --- pages -----------------------------------------------------------------------

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request, example: str | None = None) -> HTMLResponse:
        text, error = SAMPLE_DEAL, None
        if example:
            try:
                text = service.example_text(example)
            except EarlogError as e:
                error = service.error_parts(e)
        return page(request, "index.html", nav="deal", deal=text, examples=service.available_examples(),
                    example=example, error=error, interps=service.interpretations(),
                    params=service.parameters())

    @api.post("/deal/evaluate", response_class=HTMLResponse, include_in_schema=False)
    async def deal_evaluate(request: Request) -> HTMLResponse:
        form = await form_of(request)
        return await run_in_threadpool(_deal_evaluate, request, form)

    def _deal_evaluate(request: Request, form: dict[str, Any]) -> HTMLResponse:
        try:
            deal = service.read_deal(str(form.get("deal", "")))
            verdicts = service.evaluate(deal)
        except EarlogError as e:
            return page(request, "_error.html", error=service.error_parts(e))
        items = []
        for v in verdicts:
            j = v.to_json()
            items.append({"tx": v.transaction, "text": service.verdict_text(v, deal), "json": j,
                          "conclusions": service.conclusions(j)})
        return page(request, "_verdicts.html", verdicts=items)

    @api.post("/deal/run", response_class=HTMLResponse, include_in_schema=False)
    async def deal_run(request: Request) -> HTMLResponse:
        form = await form_of(request)
        return await run_in_threadpool(_deal_run, request, form)

    def _deal_run(request: Request, form: dict[str, Any]) -> HTMLResponse:
        try:
            deal = service.read_deal(str(form.get("deal", "")))
            answers = service.run_questions(deal)
        except EarlogError as e:
            return page(request, "_error.html", error=service.error_parts(e))
        passed = sum(1 for a in answers if a["passed"] is True)
        failed = sum(1 for a in answers if a["passed"] is False)
        return page(request, "_answers.html", answers=answers, passed=passed, failed=failed)

    @api.post("/deal/why", response_class=HTMLResponse, include_in_schema=False)
    async def deal_why(request: Request) -> HTMLResponse:
        form = await form_of(request)
        return await run_in_threadpool(_deal_why, request, form)

    def _deal_why(request: Request, form: dict[str, Any]) -> HTMLResponse:
        try:
            deal = service.read_deal(str(form.get("deal", "")))
            kind, tx, code = str(form.get("kind", "")), str(form.get("tx", "")), str(form.get("code", ""))
            verdicts = service.verdicts_json(deal)
            atom = service.conclusion_atom(deal, kind, tx, code, verdicts)
            why_not = not service.holds(verdicts, kind, tx, code)
            depth_s = str(form.get("depth", "1"))
            if not (depth_s == "all" or (depth_s.isdigit() and len(depth_s) < 4)):
                raise InputError("depth", f"expected a number of levels or all, got {depth_s!r}")
            expl = service.explanation(deal, atom, why_not)
            levels = service.tree_depth(expl)
            depth = levels if depth_s == "all" else min(int(depth_s), levels)
            memo = service.memo_html(service.memo_markdown(deal, expl))
            try:
                svg, svg_error = service.tree_svg(expl, None if depth >= levels else depth), None
            except EarlogError as e:
                svg, svg_error = None, str(e)
        except EarlogError as e:
            return page(request, "_error.html", error=service.error_parts(e))
        failed = service.failed_of(verdicts, kind, tx, code) if why_not else []
        if why_not and not failed:
            failed = service.failed_conditions(expl)
        return page(request, "_why.html", kind=kind, tx=tx, code=code, why_not=why_not, atom=str(atom),
                    memo=memo, svg=svg, svg_error=svg_error, depth=depth, levels=levels, failed=failed)

    @api.post("/deal/fix", response_class=HTMLResponse, include_in_schema=False)
    async def deal_fix(request: Request) -> HTMLResponse:
        form = await form_of(request)
        return await run_in_threadpool(_deal_fix, request, form)

    def _deal_fix(request: Request, form: dict[str, Any]) -> HTMLResponse:
        """The smallest change for a conclusion that does not hold, loaded only when
        asked for (it searches a space of scenarios; the why panel stays fast)."""
        try:
            deal = service.read_deal(str(form.get("deal", "")))
            kind, tx, code = str(form.get("kind", "")), str(form.get("tx", "")), str(form.get("code", ""))
            verdicts = service.verdicts_json(deal)
            atom = service.conclusion_atom(deal, kind, tx, code, verdicts)
            fix = service.smallest_change(deal, atom, make_true=True)
        except EarlogError as e:
            return page(request, "_error.html", error=service.error_parts(e))
        return page(request, "_fix.html", fix=fix, lines=[c.text for c in fix.changes], text=fix.text())

    @api.post("/deal/whatif", response_class=HTMLResponse, include_in_schema=False)
    async def deal_whatif(request: Request) -> HTMLResponse:
        form = await form_of(request)
        return await run_in_threadpool(_deal_whatif, request, form)

    def _deal_whatif(request: Request, form: dict[str, Any]) -> HTMLResponse:
        try:
            deal = service.read_deal(str(form.get("deal", "")))
            result = service.what_if(deal, service.changes_text(form))
        except EarlogError as e:
            return page(request, "_error.html", error=service.error_parts(e))
        rows = []
        for t, before in result["before"].items():
            after = result["after"].get(t, {})
            b, a = dict(service.flat(before)), dict(service.flat(after))
            fields = [*b, *(k for k in a if k not in b)]
            rows.append({"tx": t, "fields": [(k, b.get(k, ""), a.get(k, ""), (t, k) in result["changed_fields"])
                                             for k in fields]})
        return page(request, "_whatif.html", result=result, rows=rows)

    @api.get("/rulebook", response_class=HTMLResponse, include_in_schema=False)
    def rulebook(request: Request, q: str = "") -> HTMLResponse:
        from earlog.web.rulebook import search

        chapters, count, total, cases = search(q)
        name = "_rules.html" if request.headers.get("hx-request") else "rulebook.html"
        return page(request, name, nav="rulebook", q=q, chapters=chapters, count=count, total=total, cases=cases)

    @api.get("/screen", response_class=HTMLResponse, include_in_schema=False)
    def screen_page(request: Request) -> HTMLResponse:
        return page(request, "screen.html", nav="screen", max_upload=max_upload)

    @api.post("/screen", response_class=HTMLResponse, include_in_schema=False)
    async def screen_start(request: Request) -> HTMLResponse:
        form = await form_of(request)
        try:
            job = await _prepare(jobs, form)
        except EarlogError as e:
            return page(request, "_error.html", error=service.error_parts(e))
        jobs.start(job)
        return page(request, "_job.html", job=job)

    @api.get("/screen/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    def screen_job(request: Request, job_id: str) -> HTMLResponse:
        job = jobs.get(job_id)
        if job is None:
            return page(request, "_error.html", status=404, error={"message": "no such screening job"})
        return page(request, "_job.html", job=job)

    @api.get("/screen/jobs/{job_id}/report.csv", include_in_schema=False)
    def screen_report(job_id: str) -> Response:
        job = jobs.get(job_id)
        if job is None or job.state != "done" or not job.report.is_file():
            return JSONResponse({"error": "no finished screening job with that id"}, 404)
        return FileResponse(job.report, media_type="text/csv", filename="earlog-report.csv")

    @api.get("/api", response_class=HTMLResponse, include_in_schema=False)
    def api_page(request: Request) -> HTMLResponse:
        return page(request, "api.html", nav="api", schema=api.openapi())

    # --- the JSON API ----------------------------------------------------------------

    @api.post("/v1/evaluate", summary="Verdicts of a scenario", responses=_API_RESPONSES,
              openapi_extra=_body_doc("A scenario as JSON (as `earlog eval` reads), or a deal in the "
                                      "query language with Content-Type: text/plain."))
    async def v1_evaluate(request: Request) -> JSONResponse:
        """Exactly the verdict JSON of `earlog eval --format json`: a list with one verdict per
        transaction."""
        ctype, body = await _body(request)
        return JSONResponse(await run_in_threadpool(lambda: service.verdicts_json(_deal_from_body(ctype, body))))

    @api.post("/v1/why", summary="Why or why not of a conclusion", responses=_API_RESPONSES,
              openapi_extra=_body_doc('{"scenario": {...} or "deal": "query language", "conclusion": '
                                      '"exception LPP available for t1" or an atom, "not": false, "all": false, '
                                      '"depth": null, "fix": false}'))
    async def v1_why(request: Request) -> JSONResponse:
        """The explanation JSON of `earlog why --format json` (schema earlog.explanation/1); with
        "fix": true, the smallest change of `earlog why --fix --format json` instead."""

        raw = await request.body()
        return await run_in_threadpool(_v1_why, raw)

    def _v1_why(raw: bytes) -> JSONResponse:
        from earlog.commands.why import parse_conclusion
        from earlog.explain import explain

        body = _json_body(raw)
        if not isinstance(body, dict):
            raise InputError("request body", "expected a JSON object with scenario (or deal) and conclusion")
        unknown = set(body) - {"scenario", "deal", "conclusion", "not", "all", "depth", "fix"}
        if unknown:
            raise InputError(f"request body.{sorted(unknown)[0]}", "unknown field; expected scenario, deal, "
                                                                  "conclusion, not, all, depth, fix")
        if ("scenario" in body) == ("deal" in body):
            raise InputError("request body", "give exactly one of scenario (JSON) or deal (the query language)")
        if "deal" in body:
            if not isinstance(body["deal"], str):
                raise InputError("request body.deal", "expected the deal as a string in the query language")
            deal = service.read_deal(body["deal"])
        else:
            deal = service.read_deal(json.dumps(body["scenario"]), "request body.scenario") \
                if isinstance(body["scenario"], dict) else _bad("request body.scenario", "expected an object")
        conclusion = body.get("conclusion")
        if not isinstance(conclusion, str) or not conclusion.strip():
            raise InputError("request body.conclusion", "expected a conclusion such as "
                                                        "\"exception LPP available for t1\"")
        for flag in ("not", "all", "fix"):
            if not isinstance(body.get(flag, False), bool):
                raise InputError(f"request body.{flag}", "expected true or false")
        depth = body.get("depth")
        if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or depth < 0):
            raise InputError("request body.depth", f"expected a depth of 0 or more, got {depth!r}")
        atom = parse_conclusion(conclusion, deal.scenario)
        if body.get("fix", False):  # the JSON of `earlog why --fix --format json`
            return JSONResponse(service.smallest_change(deal, atom, make_true=body.get("not", False)).to_json())
        expl = explain(deal.scenario, atom, why_not=body.get("not", False), all_failed=body.get("all", False),
                       depth=depth)
        return JSONResponse(expl.to_json())

    @api.post("/v1/screen", summary="Screen an order book", responses=_API_RESPONSES,
              openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                  "type": "object", "required": ["orders", "base"],
                  "properties": {"orders": {"type": "string", "format": "binary",
                                            "description": ".csv, .jsonl, .parquet or .xlsx"},
                                 "base": {"type": "string", "format": "binary",
                                          "description": "the base scenario, .json or .earlog"}}}}}}})
    async def v1_screen(request: Request) -> JSONResponse:
        """The report of `earlog screen` (its rows, as JSON) and its summary; synchronous."""
        import csv

        form = dict(await request.form())
        job = await _prepare(jobs, form)
        await run_in_threadpool(jobs.run, job)
        if job.state != "done":
            return JSONResponse({"error": job.error}, 400)
        with job.report.open(encoding="utf-8", newline="") as f:
            lines = f.read().splitlines()
        stamp: dict[str, Any] = {}
        if lines and lines[0].startswith("# earlog "):
            stamp = json.loads(lines.pop(0)[len("# earlog "):])
            stamp.update(book=job.book_name, base="the uploaded base scenario")
        rows = list(csv.DictReader(lines))
        return JSONResponse({"summary": job.summary, "stamp": stamp, "rows": rows})

    return guard


class _Bad(Exception):
    pass


def _bad(where: str, message: str) -> Any:
    raise InputError(where, message)


def error_body(e: EarlogError) -> dict[str, Any]:
    """{"error": the CLI's one line} (and, for the query language, the caret lines)."""
    parts = service.error_parts(e)
    out: dict[str, Any] = {"error": parts["message"]}
    if parts["caret"]:
        out["source"] = parts["caret"]
    return out


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise InputError("request body", f"not UTF-8 text (byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise InputError(f"request body:{e.lineno}:{e.colno}", f"malformed JSON: {e.msg}") from None
    except (RecursionError, ValueError) as e:
        raise InputError("request body", f"unreadable JSON: {str(e).splitlines()[0][:120]}") from None


async def _body(request: Request) -> tuple[str, bytes]:
    return request.headers.get("content-type", "").split(";")[0].strip().lower(), await request.body()


def _deal_from_body(ctype: str, body: bytes) -> service.Deal:
    if ctype == "text/plain":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError("request body", f"not UTF-8 text (byte {e.start})") from None
        return service.read_deal(text)
    if ctype not in ("application/json", ""):
        raise InputError("Content-Type", f"expected application/json (a scenario) or text/plain (the query "
                                         f"language), got {ctype!r}")
    return service.parse_json_scenario(body)


async def _prepare(jobs: Jobs, form: dict[str, Any]) -> Any:
    orders, base = form.get("orders"), form.get("base")
    if orders is None or not hasattr(orders, "read"):
        raise InputError("orders", "upload the order book as the form file field `orders`")
    if base is None or not hasattr(base, "read"):
        raise InputError("base", "upload the base scenario as the form file field `base`")
    return jobs.prepare(orders.filename or "", await orders.read(), base.filename or "", await base.read())


_API_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad input: the command line's one-line error",
          "content": {"application/json": {"example": {"error": "deal:3:9: ..."}}}},
    413: {"description": "The request is larger than the server's upload limit"},
}


def _body_doc(text: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "description": text, "content": {
        "application/json": {"schema": {"type": "object"}}, "text/plain": {"schema": {"type": "string"}}}}}
