"""What stops a start, as one line: the database (`open_database`, real failures on SQLite,
a closed port and, where CRM_TEST_POSTGRES_URL is set, PostgreSQL), and an adapter that
refuses to start (the runtime stops what it started; the server never listens)."""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.routing import BaseRoute

from app.serve import Runtime, build_app, start_and_serve
from app.startup import listening_socket, open_database
from bot.inbox import InboxWorker
from bot.outbox_sender import OutboxSender
from bot.ports import Sender, StartupError
from bot.scheduler import Scheduler
from config import load_settings
from crm_core.db import CONNECT_TIMEOUT_S, make_engine, make_session_factory
from crm_core.leader import LeaderLock
from crm_core.migrate import upgrade
from crm_core.uow import Database

POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL", "")
needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="CRM_TEST_POSTGRES_URL is not set")


def closed_port() -> int:
    """A port nothing listens on (it was free a moment ago): connections are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def failure(url: str) -> str:
    with pytest.raises(StartupError) as raised:
        open_database(load_settings(CRM_DATABASE_URL=url)).dispose()
    line = str(raised.value)
    assert "\n" not in line
    return line


# -- the database ----------------------------------------------------------------------------


def test_a_closed_port_says_the_database_cannot_be_reached_and_hides_the_password() -> None:
    line = failure(f"postgresql+psycopg://crm:s3cret-pw@127.0.0.1:{closed_port()}/crm")
    assert line.startswith("cannot reach the database at postgresql+psycopg://crm:***@127.0.0.1:")
    assert "(connection refused)" in line and line.endswith("check CRM_DATABASE_URL")
    assert "s3cret-pw" not in line


def test_a_server_that_never_answers_ends_the_start_within_the_connect_timeout() -> None:
    lines: list[str] = []
    with socket.socket() as silent:  # accepts connections (the backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"postgresql+psycopg://crm:pw@127.0.0.1:{silent.getsockname()[1]}/crm"
        attempt = threading.Thread(target=lambda: lines.append(failure(url)), daemon=True)
        attempt.start()
        attempt.join(timeout=CONNECT_TIMEOUT_S + 30)  # without a connect timeout: forever
    assert len(lines) == 1 and "(no answer in time)" in lines[0]


def test_a_file_that_is_no_sqlite_database_is_named_so(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are no tables\n" * 200)
    assert failure(f"sqlite:///{path}") == f"cannot open the database at sqlite:///{path} (not an SQLite database): check CRM_DATABASE_URL"


def test_a_schema_newer_than_this_version_is_named_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    assert "(its schema is newer than this version of chatcrm): run the version that migrated it" in failure(url)


@needs_postgres
def test_a_missing_postgres_database_is_named_so() -> None:
    url = make_url(POSTGRES_URL).set(database="chatcrm_no_such_database").render_as_string(hide_password=False)
    assert "(no such database): create it (createdb) or check CRM_DATABASE_URL" in failure(url)


@needs_postgres
def test_an_unknown_postgres_user_is_named_so() -> None:
    url = make_url(POSTGRES_URL).set(username="chatcrm_nobody", password="pw-of-nobody").render_as_string(hide_password=False)
    line = failure(url)
    assert "(no such user)" in line or "(wrong user or password)" in line  # by the server's authentication
    assert "pw-of-nobody" not in line


# -- the HTTP port ----------------------------------------------------------------------------


def test_a_port_in_use_is_named_with_the_settings_to_change() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StartupError) as raised:
            listening_socket("127.0.0.1", port)
    assert str(raised.value) == f"cannot listen on 127.0.0.1:{port} (address already in use): stop what uses it, or set CRM_HTTP_HOST and CRM_HTTP_PORT"


# -- an adapter that cannot start ------------------------------------------------------------


class Recorded:
    """An adapter that records its start and stop; `refuse` makes its start fail, `then`
    runs at the end of its start."""

    def __init__(self, journal: list[str], name: str, refuse: bool = False, then: Callable[[], object] = lambda: None) -> None:
        self.journal, self.name, self.refuse, self.then = journal, name, refuse, then
        self.channel = name

    @property
    def sender(self) -> Sender:
        return self  # type: ignore[return-value]  (never asked to send here)

    def routes(self) -> Sequence[BaseRoute]:
        return []

    async def start(self) -> None:
        self.journal.append(f"start {self.name}")
        if self.refuse:
            raise StartupError(f"{self.name} refused the token: check ITS_TOKEN")
        self.then()

    async def stop(self) -> None:
        self.journal.append(f"stop {self.name}")


@pytest.fixture
def db(tmp_path: Path) -> Database:
    engine = make_engine(f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    upgrade(engine)
    return Database(engine, make_session_factory(engine))


def runtime_with(db: Database, *adapters: Recorded) -> Runtime:
    return Runtime(db, list(adapters), InboxWorker(db, {}), LeaderLock(db.engine), OutboxSender(db, {}), Scheduler(db))


async def test_a_refused_start_stops_what_had_started_and_starts_nothing_more(db: Database) -> None:
    journal: list[str] = []
    runtime = runtime_with(db, Recorded(journal, "telegram"), Recorded(journal, "slack", refuse=True), Recorded(journal, "third"))
    with pytest.raises(StartupError, match="^slack refused the token: check ITS_TOKEN$"):
        await runtime.start()
    assert journal == ["start telegram", "start slack", "stop slack", "stop telegram"]
    assert runtime._inbox_task is None and runtime._tasks == []  # no worker, no leader loop
    db.dispose()


async def test_a_refused_start_never_opens_the_port(db: Database) -> None:
    journal: list[str] = []
    runtime = runtime_with(db, Recorded(journal, "slack", refuse=True))
    port = closed_port()
    server = uvicorn.Server(uvicorn.Config(build_app(runtime), host="127.0.0.1", port=port, log_level="warning"))
    with pytest.raises(StartupError):
        await start_and_serve(runtime, server)
    assert not server.started
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nobody listens
    db.dispose()


async def test_a_sigterm_during_the_start_stops_the_runtime_and_serves_nothing(db: Database) -> None:
    journal: list[str] = []
    sigterm = lambda: os.kill(os.getpid(), signal.SIGTERM)  # noqa: E731  (while Slack starts)
    runtime = runtime_with(db, Recorded(journal, "slack", then=sigterm))
    before = signal.getsignal(signal.SIGTERM)
    port = closed_port()
    server = uvicorn.Server(uvicorn.Config(build_app(runtime), host="127.0.0.1", port=port, log_level="warning"))
    await start_and_serve(runtime, server)  # returns: the process is still here
    assert journal == ["start slack", "stop slack"] and not server.started
    assert signal.getsignal(signal.SIGTERM) is before
    db.dispose()
