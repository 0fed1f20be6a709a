"""The real `chatcrm serve` (and `chatcrm shell`) when something it needs refuses at start:
one ERROR line saying what failed and what to check, no traceback, a non-zero exit, soon."""

from __future__ import annotations

import socket

from tests.conftest import run_chatcrm
from tests.fakes.fake_telegram import FakeTelegram
from tests.process.conftest import START_TIMEOUT_S, Servers, eventually, free_port, the_one_error

WRONG_TOKEN = "7000000001:AAHnotTheTokenBotFatherGaveForTests01"
PASSWORD = "pw-s3cret-of-the-db"


async def run_to_exit(servers: Servers, database_url: str, telegram: FakeTelegram, **env: str) -> tuple[int, str]:
    """Start `chatcrm serve` and let it run to its exit, well within a start's time: the
    exit code and the log."""
    server = await servers.start(database_url, telegram=telegram, extra_env=env, wait=False)
    await eventually(lambda: server.process.poll() is not None, START_TIMEOUT_S, f"{server.name} to exit")
    return server.process.returncode, server.log()


async def test_a_database_on_a_closed_port_is_one_line_and_exit_1(tg: FakeTelegram, servers: Servers) -> None:
    port = free_port()
    code, log = await run_to_exit(servers, f"postgresql+psycopg://crm:{PASSWORD}@127.0.0.1:{port}/crm", tg)
    assert code == 1
    line = the_one_error(log)
    assert f"cannot reach the database at postgresql+psycopg://crm:***@127.0.0.1:{port}/crm (connection refused)" in line
    assert line.endswith("check CRM_DATABASE_URL")
    assert PASSWORD not in log
    assert tg.calls == []  # it stopped before it spoke to Telegram


async def test_telegram_out_of_reach_at_start_is_one_line_and_exit_1(tg: FakeTelegram, sqlite_url: str, servers: Servers) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    code, log = await run_to_exit(servers, sqlite_url, tg, TELEGRAM_API_BASE_URL=base)
    assert code == 1
    line = the_one_error(log)
    assert line.endswith(f"cannot reach the Telegram Bot API at {base} (getMe: connection failed): check the network and TELEGRAM_API_BASE_URL")


async def test_a_refused_telegram_token_is_one_line_and_exit_1(tg: FakeTelegram, sqlite_url: str, servers: Servers) -> None:
    code, log = await run_to_exit(servers, sqlite_url, tg, TELEGRAM_BOT_TOKEN=WRONG_TOKEN)
    assert code == 1
    assert the_one_error(log).endswith("Telegram refused the bot token (getMe: unauthorized): check TELEGRAM_BOT_TOKEN")
    assert WRONG_TOKEN.split(":")[1] not in log
    assert [(c.method, c.status) for c in tg.calls] == [("getMe", 401)]


async def test_a_port_in_use_is_one_line_and_exit_1_before_telegram_hears_of_it(
    tg: FakeTelegram, sqlite_url: str, servers: Servers
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, log = await run_to_exit(servers, sqlite_url, tg, CRM_HTTP_PORT=str(port))
    assert code == 1
    assert the_one_error(log).endswith(f"cannot listen on 127.0.0.1:{port} (address already in use): stop what uses it, or set CRM_HTTP_HOST and CRM_HTTP_PORT")
    assert tg.calls == []


def test_the_shell_with_a_database_on_a_closed_port_is_one_line_and_exit_1() -> None:
    port = free_port()
    done = run_chatcrm("shell", env={"CRM_DATABASE_URL": f"postgresql+psycopg://crm:{PASSWORD}@127.0.0.1:{port}/crm"}, timeout=START_TIMEOUT_S)
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        f"chatcrm: cannot reach the database at postgresql+psycopg://crm:***@127.0.0.1:{port}/crm (connection refused): "
        "is the database server running, and reachable from here? check CRM_DATABASE_URL"
    ]
