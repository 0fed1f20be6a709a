"""The real `chatcrm serve` with a Telegram webhook: junk with the right secret is refused
with a 400 and one log line, and the same kept-alive connection goes on to carry an update
that is answered."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fakes.fake_telegram import SECRET_HEADER, TgUser
from tests.process.conftest import (
    WEBHOOK_SECRET,
    Servers,
    TimedTelegram,
    eventually,
    needs_postgres,
)

JANE = TgUser(5550001, "Jane", "Doe")


@pytest.mark.parametrize("database", ["sqlite_url", pytest.param("postgres_url", marks=needs_postgres)], ids=["sqlite", "postgres"])
async def test_junk_updates_get_400_and_the_same_connection_then_carries_an_update_that_is_answered(
    tg: TimedTelegram, servers: Servers, database: str, request: pytest.FixtureRequest
) -> None:
    server = await servers.start(request.getfixturevalue(database), telegram=tg)
    hello = tg.text(JANE, "/start")
    junk = {
        "update_id of 200 digits": json.dumps({**tg.text(JANE, "hi"), "update_id": int("9" * 200)}).encode(),
        "JSON nested 100,000 deep": b'{"update_id": 5, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    }
    headers = {"Content-Type": "application/json", SECRET_HEADER: WEBHOOK_SECRET}
    statuses: dict[str, int] = {}
    peers: set[object] = set()
    lines_before = len(server.log().splitlines())
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=1)) as http:
        for name, body in [*junk.items(), ("update", json.dumps(hello).encode())]:
            response = await http.post(server.webhook, content=body, headers=headers)
            statuses[name] = response.status_code
            peers.add(response.extensions["network_stream"].get_extra_info("client_addr"))

    assert statuses == {"update_id of 200 digits": 400, "JSON nested 100,000 deep": 400, "update": 200}
    assert len(peers) == 1  # one connection: neither refusal closed it
    await eventually(lambda: tg.sent_texts(JANE.id), 30, "the answer to /start")
    log = server.log().splitlines()[lines_before:]
    refusals = [line for line in log if "telegram webhook refused" in line]
    assert len(refusals) == 2 and "Traceback" not in "\n".join(log)
    await server.terminate()
