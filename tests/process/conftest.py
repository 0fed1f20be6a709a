"""The real `chatcrm serve` program, run as separate OS processes against fakes of the
Telegram Bot API and the Slack Web API that run in the test process.

    async def test_x(tg: TimedTelegram, sqlite_url: str, servers: Servers) -> None:
        server = await servers.start(sqlite_url, telegram=tg)   # returns once GET /healthz answers
        await server.post_update(tg.text(user, "hi"))           # the webhook, with the secret
        server.kill()                                           # SIGKILL; or await server.terminate()

Each process gets its own port, the already-built language model (CRM_NLU_MODEL_DIR and
CRM_NLU_SEED, so nothing is rebuilt), a working directory without a `.env`, and a log file in
tmp_path whose tail is printed when a start fails. Processes still running at the end are killed.

PostgreSQL tests use `postgres_url`: the CI database with a schema of its own
(`-csearch_path=`), dropped afterwards; they skip when CRM_TEST_POSTGRES_URL is unset.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from config import load_settings
from crm_core.clock import RunningClock
from crm_core.db import make_engine, make_session_factory
from crm_core.migrate import upgrade
from crm_core.uow import Database
from nlp_models.build import ensure_model
from tests.conftest import CHATCRM
from tests.fakes.fake_telegram import Call, FakeTelegram, post_update

POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL", "")
WEBHOOK_SECRET = "process-test-secret_0123456789"
# The product's time in these tests: 1 December 2026, 09:00 UTC when the session starts, then
# running on. Every server starts its own clock at this clock's time (CRM_CLOCK_START), and
# the tests' own view of the database stamps by it, so no test depends on today's date.
CLOCK = RunningClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
START_TIMEOUT_S = float(os.environ.get("PROCESS_TEST_START_TIMEOUT_S", "60"))  # a cold start loads spaCy and the model: seconds on a busy machine
needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="CRM_TEST_POSTGRES_URL is not set")


class TimedTelegram(FakeTelegram):
    """FakeTelegram that also stamps each sendMessage call with the moment it arrived
    (`call.at`, time.monotonic()), for kill windows and reply latency."""

    async def _sendMessage(self, call: Call) -> Any:  # noqa: N802 (the Bot API's name)
        call.at = time.monotonic()  # type: ignore[attr-defined]
        return await super()._sendMessage(call)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def eventually(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.05) -> Any:
    """Poll `condition` (sync, or returning an awaitable) until it is truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(every)


def the_one_error(log: str) -> str:
    """The one ERROR line of a process's log that has no traceback (a start that failed)."""
    assert "Traceback" not in log, log
    errors = [line for line in log.splitlines() if "ERROR" in line]
    assert len(errors) == 1, log
    return errors[0]


@dataclass
class Server:
    """One `chatcrm serve` process."""

    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes]
    http: httpx.AsyncClient

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook(self) -> str:
        return f"{self.url}/telegram/webhook"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def health(self) -> dict[str, Any] | None:
        try:
            response = await self.http.get(f"{self.url}/healthz", timeout=2.0)
        except httpx.HTTPError:
            return None
        return response.json() if response.status_code == 200 else None

    async def wait_healthy(self, timeout: float = START_TIMEOUT_S) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            health = await self.health()
            if health is not None:
                return health
            await asyncio.sleep(0.1)
        # where it is stuck: faulthandler (PYTHONFAULTHANDLER) prints every thread's stack
        self.process.send_signal(signal.SIGABRT)
        self.process.wait(timeout=10)
        raise AssertionError(f"{self.name} not healthy after {timeout:.0f} s:\n{self.log()[-6000:]}")

    async def is_leader(self) -> bool:
        health = await self.health()
        return bool(health and health.get("leader"))

    async def post_update(self, update: dict[str, Any], timeout: float = 10.0) -> int:
        """POST one update to the webhook as Telegram does; the status, or 0 when the
        connection failed (Telegram would then deliver it again)."""
        try:
            response = await post_update(self.http, self.webhook, update, WEBHOOK_SECRET)
        except httpx.HTTPError:
            return 0
        return response.status_code

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs at all."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    async def terminate(self, timeout: float = 15.0) -> float:
        """SIGTERM; how many seconds the process took to exit (AssertionError past `timeout`)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        await eventually(lambda: self.process.poll() is not None, timeout, f"{self.name} to exit on SIGTERM")
        return time.monotonic() - started


@dataclass
class Servers:
    """Starts `chatcrm serve` processes; kills whatever is left at the end of the test."""

    tmp_path: Path
    http: httpx.AsyncClient
    started: list[Server] = field(default_factory=list)

    async def start(
        self,
        database_url: str,
        telegram: FakeTelegram | None = None,
        extra_env: dict[str, str] | None = None,
        wait: bool = True,
    ) -> Server:
        port = free_port()
        name = f"serve-{len(self.started) + 1}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "TELEGRAM_", "SLACK_"))}
        env.update(
            CRM_DATABASE_URL=database_url,
            CRM_NLU_MODEL_DIR=str(load_settings().nlu_model_dir),
            CRM_NLU_SEED=str(load_settings().crm_nlu_seed),
            CRM_HTTP_PORT=str(port),
            CRM_CLOCK_START=CLOCK().isoformat(),
            PYTHONUNBUFFERED="1",
            PYTHONFAULTHANDLER="1",
        )
        if telegram is not None:
            env.update(
                TELEGRAM_BOT_TOKEN=telegram.token,
                TELEGRAM_API_BASE_URL=telegram.base_url,
                # Telegram calls webhooks over HTTPS (a proxy in front of us ends TLS); the
                # path is what the server serves, and the fake refuses plain http
                TELEGRAM_WEBHOOK_URL=f"https://127.0.0.1:{port}/telegram/webhook",
                TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            )
        env.update(extra_env or {})
        workdir = self.tmp_path / name
        workdir.mkdir()
        log_path = self.tmp_path / f"{name}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [CHATCRM, "serve"], cwd=workdir, env=env, stdout=log_file, stderr=subprocess.STDOUT
            )
        server = Server(name, port, env, log_path, process, self.http)
        self.started.append(server)
        if wait:
            await server.wait_healthy()
        return server

    def kill_all(self) -> None:
        for server in self.started:
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait(timeout=10)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10.0) as client:
        yield client


@pytest.fixture(scope="session")
def built_model() -> Path:
    """The language model, current for the training data in the tree (built here at most
    once, like `make run`, at CRM_NLU_SEED), so that no server process starts a build of its own."""
    settings = load_settings()
    return ensure_model(settings.nlu_model_dir, seed=settings.crm_nlu_seed)


@pytest.fixture
async def servers(tmp_path: Path, http: httpx.AsyncClient, built_model: Path) -> AsyncIterator[Servers]:
    running = Servers(tmp_path, http)
    try:
        yield running
    finally:
        running.kill_all()


@pytest.fixture
async def tg() -> AsyncIterator[TimedTelegram]:
    async with TimedTelegram() as fake:
        yield fake


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crm.sqlite3'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The CI database, in a schema of this test's own (every process of the test shares it)."""
    if not POSTGRES_URL:
        pytest.skip("CRM_TEST_POSTGRES_URL is not set")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    schema = f"p_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def open_database(url: str) -> Database:
    """The test's own view of the database the servers use (schema built by the migrations)."""
    engine = make_engine(url, poolclass=NullPool)
    upgrade(engine)
    return Database(engine, make_session_factory(engine), CLOCK)


@pytest.fixture
def database_for() -> Iterator[Callable[[str], Database]]:
    opened: list[Database] = []

    def open_(url: str) -> Database:
        opened.append(open_database(url))
        return opened[-1]

    yield open_
    for db in opened:
        db.dispose()


def count_rows(db: Database, model: Any, *where: Any) -> int:
    with db.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def today_utc() -> date:
    return CLOCK().date()
