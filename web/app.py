"""The composition root: builds the store, the intake service, the worker and the HTTP app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from bot.registry import build_senders
from intake.deferred import PolledIntake
from intake.errors import InspectionError
from intake.flow import ChannelIntake, SmsIntake
from intake.inspection import load_inspection
from intake.models import Channel
from intake.outbox import LogOnlySender, OutboxWorker, parse_rates
from intake.pipeline import decide, settle
from intake.ports import Clock, OutboundChannel
from intake.runner import Job, Runner
from intake.service import IntakeService, SystemClock
from intake.textmodel import activate
from storage.crypto import SealingCodec, load_keyring
from storage.stores import Stores, intake_records, open_stores
from web import error_pages
from web.admin import admin_router
from web.api import api_router
from web.auth import SESSION_MAX_AGE, Passwords, secret_key
from web.citizen import citizen_router
from web.demo import demo_inspection
from web.desk import desk_router
from web.desk_calls import desk_calls_router
from web.followup import followup_router
from web.hooks import HookFastPath, hook_handlers, hooks_router, start_channels
from web.identity import NotSignedIn, require
from web.ledger import ledger_router
from web.runtime import Runtime, runtime, set_runtime
from web.security import DOCS_PATHS, HookRateLimit, SecurityHeaders, security_headers
from web.settings import Settings
from web.signin import signin_router
from web.stats import stats_router
from web.transfer_form import transfer_router

log = logging.getLogger(__name__)


def inspection_dir(settings: Settings) -> Path:
    """Where inspection files saved from the admin page live; they win over the configured ones."""
    return settings.data_dir / "inspections"


def load_inspection_files(settings: Settings) -> dict[str, Path]:
    """The file of every inspection served, by id: the configured ones, then those saved by an admin."""
    files: dict[str, Path] = {}
    for path in settings.inspection_paths():
        ins = load_inspection(path)
        if ins.id in files:
            raise InspectionError(str(path), [f"id: {ins.id!r} is served twice"])
        files[ins.id] = path
    saved = inspection_dir(settings)
    if saved.is_dir():
        for path in sorted(saved.glob("*.toml")):
            files[load_inspection(path).id] = path
    return files


def data_codec(settings: Settings) -> SealingCodec:
    """The codec sealing reporters' data, with the key from the settings or the data directory."""
    return SealingCodec(load_keyring(settings.data_dir, settings.data_key))


def default_senders() -> dict[Channel, OutboundChannel]:
    """Log-only senders for every answerable channel; real channels replace them when configured."""
    return {ch: LogOnlySender(ch) for ch in (Channel.SMS, Channel.EMAIL, Channel.TELEGRAM)}


async def build_runtime(
    settings: Settings,
    *,
    stores: Stores | None = None,
    senders: Mapping[Channel, OutboundChannel] | None = None,
    clock: Clock | None = None,
) -> Runtime:
    """Open the database (migrating it) and wire the service and the worker."""
    files = load_inspection_files(settings)
    inspections = {ins_id: load_inspection(path) for ins_id, path in files.items()}
    clock = clock or SystemClock()
    if settings.demo:
        today = clock.now().date()
        inspections = {ins_id: demo_inspection(ins, today) for ins_id, ins in inspections.items()}
    codec = data_codec(settings)
    if stores is None:
        stores = await open_stores(settings.resolved_database_url(), codec)
    records = intake_records(stores)
    service = IntakeService(records, inspections, decide, clock)
    configured = build_senders(settings, records=records)
    worker = OutboxWorker(
        stores.outbox,
        {**default_senders(), **configured, **(senders or {})},
        clock,
        max_in_flight=settings.outbox_in_flight,
        rates=parse_rates(settings.outbox_rates),
    )
    return Runtime(
        settings,
        service,
        worker,
        inspections,
        stores,
        inspection_files=files,
        seal_file=codec.seal_file,
        codec=codec,
    )


# The background jobs' intervals, in seconds (intake/runner.py has the policy around them).
OUTBOX_INTERVAL_S = 1.0
SWEEP_INTERVAL_S = 60.0
INTAKE_INTERVAL_S = 0.2
INTAKE_PROCESSING_LOCK = "intake-processing"


def background_jobs(rt: Runtime, *, intake: bool = False) -> list[Job]:
    """The process's own background jobs: the outbox, the sweep, the daily digest if on, and
    (`intake`, in `petition worker` when so configured) the committed SMS."""

    async def send_outbox() -> bool:
        # Anything sent, more may be due: the runner goes on at once until a round finds nothing.
        return await rt.worker.run_once() > 0

    async def sweep() -> None:
        # Messages stored long ago without a report (IntakeService.sweep).
        swept = await rt.service.sweep()
        if swept:
            log.info("sweep: processed %d stored messages that had no report", swept)

    jobs = [
        Job("outbox", send_outbox, OUTBOX_INTERVAL_S),
        Job("sweep", sweep, SWEEP_INTERVAL_S, first_after=True),
    ]
    if intake:
        # The SMS the serving processes committed: one worker at a time takes them (a deployment-
        # wide lock), so two never take the same batch; the others stand by and take over.
        poller = PolledIntake(rt.stores.messages, SmsIntake(ChannelIntake(rt.service)).process)

        async def take_committed() -> bool:
            return await poller.run_once() > 0

        jobs.append(Job("intake", take_committed, INTAKE_INTERVAL_S, leader=INTAKE_PROCESSING_LOCK))
    at = rt.settings.digest_time()
    # The digest is a mail to the team: without outbound mail the log-only sender would mark it
    # "sent" while nobody got it, so it is not scheduled (the desk's /desk/digest page still shows it).
    if at is not None and rt.settings.smtp_url and rt.settings.mail_from:
        from web.schedule import CHECK_EVERY_S, DigestScheduler

        jobs.append(Job("digest", DigestScheduler(rt, at, rt.service.clock).run_due, CHECK_EVERY_S))
    return jobs


async def run_worker(settings: Settings) -> None:
    """`petition worker`: recover unprocessed messages, then run the background jobs until stopped."""
    rt = await build_runtime(settings)
    await asyncio.to_thread(settle)  # intake.pipeline: load the decision's data, freeze it out of GC
    try:
        recovered = await rt.service.recover()
        log.info("recovered %d stored messages without a report", recovered)
        intake = settings.intake_processing == "worker"
        runner = Runner(background_jobs(rt, intake=intake), leader_lock=rt.stores.singleton_lock)
        runner.start()
        await runner.wait()
    finally:
        await rt.worker.aclose()
        await rt.stores.close()


def create_app(
    settings: Settings | None = None,
    *,
    stores: Stores | None = None,
    senders: Mapping[Channel, OutboundChannel] | None = None,
    clock: Clock | None = None,
    run_worker: bool = False,
    passwords: Passwords | None = None,
) -> FastAPI:
    """The ASGI app. Tests inject the store, senders, clock and password checker; `serve` runs the
    worker inside."""
    settings = settings or Settings()
    # A missing or broken model file stops the start here (ModelError names the file and the
    # problem): a service that cannot decide must not take in reports.
    model = activate(settings.active_model_path())
    log.info("text model %s", model.version)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = await build_runtime(settings, stores=stores, senders=senders, clock=clock)
        set_runtime(app, rt)
        channels = await start_channels(app, settings, rt, background=run_worker)
        recovered = await rt.service.recover()
        if recovered:
            log.info("recovered %d stored messages without a report", recovered)
        jobs = [*background_jobs(rt), *channels.jobs()] if run_worker else []
        runner = Runner(jobs, leader_lock=rt.stores.singleton_lock)
        if run_worker:
            runner.start()
        try:
            yield
        finally:
            await channels.aclose()
            await runner.aclose()
            await rt.worker.aclose()
            if stores is None:
                await rt.stores.close()

    # The API docs describe every route: for signed-in admins only (`api_docs_routes`).
    app = FastAPI(title="petition-intake", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.passwords = passwords or Passwords()
    app.state.model = model
    hooks = hook_handlers(settings)
    app.include_router(hooks_router(hooks))
    app.include_router(citizen_router())
    app.include_router(signin_router())
    app.include_router(api_router())
    app.include_router(desk_router())
    app.include_router(desk_calls_router())
    app.include_router(transfer_router())
    app.include_router(followup_router())
    app.include_router(ledger_router())
    app.include_router(stats_router())
    app.include_router(admin_router(inspection_dir(settings)))
    app.mount("/static", StaticFiles(directory=str(_static_dir())), name="static")
    add_session_cookie(app, settings)

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if request.url.path.startswith("/api/") and request.url.path not in DOCS_PATHS:
            return JSONResponse({"error": "sign in or send Authorization: Bearer <token>"}, status_code=401)
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    # Sign-in attempts per address (the per-(name, address) wait alone lets one address try many names).
    app.add_middleware(
        HookRateLimit,
        per_minute=settings.login_rate_per_minute,
        burst=settings.login_rate_per_minute,
        prefix="/login",
        methods=frozenset({"POST"}),
    )
    app.add_middleware(HookFastPath, handlers=hooks)
    app.add_middleware(SecurityHeaders, hsts=settings.public_url.startswith("https://"))
    api_docs_routes(app)
    error_pages.install(app)
    app.add_exception_handler(Exception, server_error_handler(settings.public_url.startswith("https://")))

    health_route(app)
    return app


def add_session_cookie(app: FastAPI, settings: Settings) -> None:
    """The signed session cookie of the desk and the citizen page (the session itself is server-side)."""
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key(settings.data_dir, settings.secret_key),
        session_cookie="petition_session",
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )


def health_route(app: FastAPI) -> None:
    """`/healthz`: 200 while the database answers (and, on SQLite, is still the file opened), else 503.
    `/readyz` says the same once the app runs; before, while `serve` loads it, only `/healthz` may
    say 200 (web/starting.py)."""

    @app.get("/healthz")
    @app.get("/readyz")
    async def healthz(request: Request) -> JSONResponse:
        ok = await runtime(request).stores.db.ping()
        return JSONResponse(
            {"status": "ok" if ok else "database unavailable"}, status_code=200 if ok else 503
        )


SERVER_ERROR_PAGE = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>系统出错</title></head>'
    "<body><h1>系统出错</h1><p>很抱歉，系统内部出错，您的请求未能完成。请稍后再试。</p></body></html>"
)


def server_error_handler(hsts: bool) -> Callable[[Request, Exception], Awaitable[Response]]:
    """The answer to an unhandled error: a Chinese page (JSON under /api/ and /hooks/) that says
    nothing of the error (the log has the traceback), with the security headers. Starlette answers
    it outside every middleware, so SecurityHeaders never sees it: they are added here."""

    async def server_error(request: Request, exc: Exception) -> Response:
        tls = hsts or request.url.scheme == "https"
        headers = {k.decode(): v.decode() for k, v in security_headers(request.url.path, hsts=tls)}
        if request.url.path.startswith(("/api/", "/hooks/")):
            return JSONResponse({"error": "internal error"}, status_code=500, headers=headers)
        return HTMLResponse(SERVER_ERROR_PAGE, status_code=500, headers=headers)

    return server_error


def api_docs_routes(app: FastAPI) -> None:
    """/openapi.json and the Swagger page /api/docs, for signed-in admins only: the schema lists
    every route and parameter, which helps an attacker and no citizen."""
    admin = [Depends(require("admin"))]

    @app.get("/openapi.json", include_in_schema=False, dependencies=admin)
    async def openapi_schema() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False, dependencies=admin)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="petition-intake API")


def _static_dir() -> Any:
    from importlib import resources

    return resources.files("web").joinpath("static")
