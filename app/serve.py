"""`chatcrm serve`: one process with the HTTP server (Slack events, the Telegram webhook,
health), and, while it is the leader, the scheduler, the Telegram poller and the outbox
sender. Built by the composition root's builders at start, never at import.

SIGTERM (uvicorn's handler): stop taking requests, let the ones in flight finish (what they
changed and the replies they queued commit together), stop the poller, scheduler and sender,
and exit within 10 s. Replies not yet sent stay in the outbox for the next start.

A start that fails (the database, the HTTP port, a platform's StartupError) is one ERROR
line and exit code 1: the runtime starts before the server serves, so the failure is ours
to report (docs/decisions/0015).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import uvicorn
from sqlalchemy import text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.inbox import InboxWorker
from bot.outbox_sender import OutboxSender
from bot.ports import Sender, StartupError
from bot.scheduler import Scheduler
from config import Settings
from crm_core.clock import Clock
from crm_core.leader import LeaderLock
from crm_core.uow import Database
from intents.gateway import Gateway
from intents.identity import Identity

log = logging.getLogger(__name__)

LEADER_CHECK_S = 5.0
SHUTDOWN_GRACE_S = 6
SENDER_GRACE_S = 2.0
INBOX_GRACE_S = 2.5  # the event in hand finishes (one NLU parse and one transaction)


class Adapter(Protocol):
    @property
    def sender(self) -> Sender: ...

    def routes(self) -> Sequence[BaseRoute]: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class PollingAdapter(Adapter, Protocol):
    async def start_polling(self) -> None: ...
    async def stop_polling(self) -> None: ...


@dataclass
class Runtime:
    db: Database
    adapters: list[Adapter]
    inbox: InboxWorker
    leader: LeaderLock
    sender: OutboxSender
    scheduler: Scheduler
    leader_check_s: float = LEADER_CHECK_S
    leading: bool = False
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _inbox_stop: asyncio.Event = field(default_factory=asyncio.Event)
    _inbox_task: asyncio.Task[None] | None = None
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    _sender_stop: asyncio.Event = field(default_factory=asyncio.Event)
    _sender_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start each adapter, then the inbox worker and the leader loop. When an adapter
        cannot start (StartupError: a refused token, a platform out of reach), the ones
        already started, and the one that failed, are stopped again before it propagates."""
        for started, adapter in enumerate(self.adapters, 1):
            try:
                await adapter.start()
            except BaseException:
                for begun in reversed(self.adapters[:started]):
                    with contextlib.suppress(Exception):  # the start failure is the news
                        await begun.stop()
                raise
        # every process handles stored events (its own, and what a crashed one left)
        self.inbox.on_handled.append(self.sender.wake.set)
        self._inbox_task = asyncio.create_task(self.inbox.run(self._inbox_stop))
        self._tasks.append(asyncio.create_task(self._lead()))

    async def stop(self) -> None:
        """Stop polling, let the event in hand finish (the rest stay stored), then stop
        sending: what is not yet sent stays in the outbox for the next start."""
        self._stop.set()
        for adapter in self.adapters:
            if hasattr(adapter, "stop_polling"):
                await adapter.stop_polling()  # type: ignore[attr-defined]
        self._inbox_stop.set()
        self.inbox.wake.set()
        if self._inbox_task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._inbox_task), timeout=INBOX_GRACE_S)
            except TimeoutError:
                self._inbox_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._inbox_task
        await self._step_down()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for adapter in self.adapters:
            await adapter.stop()
        self.inbox.close()
        await asyncio.to_thread(self.leader.release)

    async def _lead(self) -> None:
        """Take the lead when it is free; give it up when the lock's connection is lost. Any
        failure on the way (a database outage, a scheduler that will not start) gives the lead
        up and tries again after a pause: nobody here acts as leader without the lock, and
        the loop itself never ends before the process does."""
        while not self._stop.is_set():
            try:
                holds = await asyncio.to_thread(self.leader.try_acquire)
                if holds and not self.leading:
                    await self._take_lead()
                elif not holds and self.leading:
                    log.warning("leadership lost: scheduler, poller and outbox sender off")
                    await self._step_down()
            except Exception as error:  # noqa: BLE001  (the loop must outlive any one failure)
                log.error("leader check failed error=%s", type(error).__name__)
                await self._give_up_lead()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.leader_check_s)

    async def _give_up_lead(self) -> None:
        """Stop acting as leader and drop the lock's connection, whatever state either is in."""
        with contextlib.suppress(Exception):
            await self._step_down()
        self.leading = False
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.leader.release)

    async def _take_lead(self) -> None:
        self.leading = True
        log.info("leading: scheduler, poller and outbox sender on")
        self._sender_stop = asyncio.Event()
        self.sender.stopping = False
        self._sender_task = asyncio.create_task(self.sender.run(self._sender_stop))
        self.scheduler.start()
        for adapter in self.adapters:
            if hasattr(adapter, "start_polling"):
                await adapter.start_polling()  # type: ignore[attr-defined]

    async def _step_down(self) -> None:
        if not self.leading:
            return
        self.leading = False
        self.scheduler.shutdown()
        for adapter in self.adapters:
            if hasattr(adapter, "stop_polling"):
                await adapter.stop_polling()  # type: ignore[attr-defined]
        # the send in hand finishes; rows not yet tried are released for the next leader
        self.sender.stopping = True
        self._sender_stop.set()
        self.sender.wake.set()
        task, self._sender_task = self._sender_task, None
        if task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=SENDER_GRACE_S)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def build_runtime(settings: Settings, db: Database, gateway: Gateway, clock: Clock) -> Runtime:
    inbox = InboxWorker(db, clock=clock)
    adapters: list[Adapter] = []
    if settings.telegram_bot_token:
        from bot.telegram import TelegramAdapter

        adapters.append(TelegramAdapter(settings, gateway, inbox, clock=clock))
    if settings.slack_bot_token:
        from bot.slack import SlackAdapter

        adapters.append(SlackAdapter(settings, gateway, inbox, clock=clock))
    sender = OutboxSender(db, {a.sender.channel: a.sender for a in adapters}, clock=clock)
    scheduler = Scheduler(db, on_enqueued=sender.wake.set, clock=clock)
    return Runtime(db, adapters, inbox, LeaderLock(db.engine), sender, scheduler)


HEALTH_TIMEOUT_S = 2.0


async def database_reachable(db: Database, timeout_s: float = HEALTH_TIMEOUT_S) -> bool:
    """One `SELECT 1` on a connection of the pool, off the event loop, within `timeout_s`."""

    def ping() -> None:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(asyncio.to_thread(ping), timeout=timeout_s)
    except (TimeoutError, SQLAlchemyError, OSError):
        return False
    return True


def build_app(runtime: Runtime) -> Starlette:
    async def healthz(request: Request) -> JSONResponse:
        """200 with the database reachable, 503 when it is not; `leader`: this process runs
        the scheduler, poller and sender, and holds the lock for it."""
        reachable = await database_reachable(runtime.db)
        body = {
            "ok": reachable,
            "database": "reachable" if reachable else "unreachable",
            "leader": runtime.leading and runtime.leader.held,
        }
        return JSONResponse(body, status_code=200 if reachable else 503)

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"])]
    for adapter in runtime.adapters:
        routes.extend(adapter.routes())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # started by `start_and_serve` before the server listens: a start failure is ours
        # to report, not the ASGI server's (it would print a traceback)
        try:
            yield
        finally:
            await runtime.stop()

    return Starlette(routes=routes, lifespan=lifespan)


STARTUP_FAILED = 1  # the exit code when the database or a platform stops the start
BAD_CONFIGURATION = 2
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)  # uvicorn's, once it serves


async def start_and_serve(runtime: Runtime, server: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
    """Start the runtime (StartupError propagates), then serve until SIGTERM; the app's
    lifespan stops the runtime. A SIGTERM or SIGINT during the start lets it finish, then
    stops the runtime again, and nothing is served."""
    asked: list[int] = []
    previous = {sig: signal.signal(sig, lambda sig, _frame: asked.append(sig)) for sig in STOP_SIGNALS}
    try:
        await runtime.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if asked:
        log.info("stopped while starting")
        await runtime.stop()
        return
    log.info("serving on http://%s:%d", server.config.host, server.config.port)
    await server.serve(sockets)


def serve(settings: Settings) -> int:
    """Run the server until SIGTERM; the exit code. What stops the start (the database, a
    platform) is one ERROR line naming it and what to check, and STARTUP_FAILED."""
    from app.compose import build_clock, build_dialogue, build_nlu
    from app.startup import NOT_A_URL, listening_socket, open_database

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per job run, every 5 s
    clock = build_clock(settings)
    try:
        db = open_database(settings, clock=clock)  # first: a wrong URL fails in a second
    except ArgumentError:
        log.error(NOT_A_URL)
        return BAD_CONFIGURATION
    except StartupError as failure:
        log.error("%s", failure)
        return STARTUP_FAILED
    listener: socket.socket | None = None
    try:
        host, port = settings.crm_http_host, settings.crm_http_port
        listener = listening_socket(host, port)  # taken: one line, before a platform hears of us
        dialogue = build_dialogue(db, build_nlu(settings), clock)
        gateway = Gateway(db, dialogue, Identity(db, settings.crm_timezone))
        runtime = build_runtime(settings, db, gateway, clock)
        # What start-up built (the language model: some 160,000 objects) lives as long as the
        # process; out of the collector's sight, a full collection no longer stops every
        # request for a fifth of a second.
        gc.collect()
        gc.freeze()
        config = uvicorn.Config(
            build_app(runtime),
            host=host,
            port=port,
            timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
            log_level="info",
            access_log=False,  # paths only, but keep the log about ids
        )
        server = uvicorn.Server(config)
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(start_and_serve(runtime, server, [listener]))
    except StartupError as failure:
        log.error("%s", failure)
        return STARTUP_FAILED
    finally:
        if listener is not None:
            listener.close()
        db.dispose()
    return 0
