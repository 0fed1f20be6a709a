"""The real `chatcrm serve` with only Slack configured, under what anyone on the internet can
send to POST /slack/events: bodies far larger than Slack's are refused at once while the
server keeps serving, and junk gets a status and one log line, never a traceback, on a
connection that stays usable. A token Slack refuses stops the start; Slack failing after the
start does not stop events from being stored and answered."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from crm_core.services import users
from tests.fakes.fake_slack import JUNK_KINDS, FakeSlack, event_callback, junk, sign
from tests.process.conftest import Server, Servers, eventually, open_database, the_one_error
from tests.process.pressure import MIB, Watch, memory_kib, post_streamed

SECRET = "process-slack-signing-secret-0123"
RITA = "URITA001"
BIG = 50 * MIB
REFUSED = "slack request refused"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


def slack_env(slack: FakeSlack, token: str | None = None) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": token or slack.token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_BASE_URL": slack.base_url}


def log_since(server: Server, mark: int) -> list[str]:
    return server.log()[mark:].splitlines()


async def test_bodies_far_larger_than_slacks_are_refused_at_once_while_the_server_keeps_serving(
    sqlite_url: str, servers: Servers, slack: FakeSlack
) -> None:
    server = await servers.start(sqlite_url, extra_env=slack_env(slack))
    mark = len(server.log())
    before = memory_kib(server.process.pid)["VmRSS"]
    watch = Watch(server.url, server.process.pid)
    watch.start()
    announced = await post_streamed(server.port, "/slack/events", BIG, headers={"Content-Type": "application/x-www-form-urlencoded"})
    chunked = await post_streamed(server.port, "/slack/events", BIG, chunked=True, headers={"Content-Type": "application/json"})
    await eventually(lambda: len(watch.latencies) >= 5, 30, "a few more /healthz answers")
    await watch.stop()

    assert (announced.status, chunked.status) == (413, 413)
    # refused long before the body is in: at once when announced, after about 1 MiB streamed
    assert announced.seconds < 1.0 and chunked.seconds < 1.0, (announced, chunked)
    assert announced.sent < BIG and chunked.sent < BIG
    # /healthz answered all along (a server parsing 50 MB stalls it for seconds)
    assert watch.failures == 0
    assert watch.slowest_s < 1.0, watch.latencies
    # the bodies were never held: resident memory rose by far less than one of them
    assert max(watch.rss_kib) - before < 25 * 1024, (before, max(watch.rss_kib))

    lines = log_since(server, mark)
    assert [line.split(REFUSED)[1].split(" from=")[0] for line in lines if REFUSED in line] == [
        " status=413 reason=body over 1048576 bytes bytes=-"
    ] * 2
    assert not [line for line in lines if "Traceback" in line or " ERROR " in line]
    await server.terminate()


async def test_junk_gets_a_status_and_one_line_on_a_connection_that_stays_usable_and_events_never_wait_on_slack(
    sqlite_url: str, servers: Servers, slack: FakeSlack
) -> None:
    db = open_database(sqlite_url)
    with db.unit_of_work() as uow:
        users.add_user(uow, "rita@example.com", "Rita Rep", "rep", "UTC", slack_id=RITA)
        uow.commit()
    server = await servers.start(sqlite_url, extra_env=slack_env(slack))
    assert slack.methods().count("auth.test") == 1
    # from now on Slack refuses auth.test: storing an event must not depend on it
    slack.fail_next("auth.test", count=1000, status=500)
    mark = len(server.log())
    events = f"{server.url}/slack/events"
    statuses: dict[str, int] = {}
    async with httpx.AsyncClient(timeout=30.0, limits=httpx.Limits(max_connections=1)) as client:
        for n, kind in enumerate(JUNK_KINDS, start=1):
            body, headers = junk(kind, SECRET, 2 * MIB)
            response = await client.post(events, content=body() if callable(body) else body, headers=headers)
            statuses[kind] = response.status_code
            assert response.headers.get("connection") != "close", kind  # the server keeps it open
            genuine = event_callback(
                {"type": "message", "channel": "D0RITA", "channel_type": "im", "user": RITA, "text": "hi", "ts": f"{int(time.time())}.{n:06d}"},
                f"EvGENUINE{n}",
            )
            after = await client.post(events, content=genuine, headers={"Content-Type": "application/json", **sign(genuine, SECRET)})
            assert after.status_code == 200, kind

    assert {k for k, s in statuses.items() if s == 413} == {"oversized, announced", "oversized, chunked"}
    assert {s for k, s in statuses.items() if "oversized" not in k} == {401}

    def greetings() -> list[str]:  # the morning summary may also go to Rita
        return [c.args["text"] for c in slack.calls_to("chat.postMessage") if c.args["text"].startswith("Hi Rita")]

    await eventually(lambda: len(greetings()) == len(JUNK_KINDS), 60, "an answer to every genuine event")
    await server.terminate()
    lines = log_since(server, mark)
    assert len([line for line in lines if REFUSED in line]) == len(JUNK_KINDS)
    assert not [line for line in lines if "Traceback" in line or " ERROR " in line or "Exception in ASGI" in line]
    assert "Mallory" not in server.log() and "Failed to authorize" not in server.log()
    assert slack.calls_to("auth.test", ok_only=False)[1:] == []  # asked once, at start
    db.dispose()


async def test_a_token_slack_refuses_stops_the_start_with_the_reason_and_not_the_token(
    sqlite_url: str, servers: Servers, slack: FakeSlack
) -> None:
    server = await servers.start(sqlite_url, extra_env=slack_env(slack, token="xoxb-process-wrong-token"), wait=False)
    await eventually(lambda: server.process.poll() is not None, 60, "the server to give up")
    assert server.process.returncode == 1
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in the_one_error(server.log())
    assert "xoxb-process-wrong-token" not in server.log()
