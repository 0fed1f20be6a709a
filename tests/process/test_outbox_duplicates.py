"""Duplicate sends, measured: `chatcrm serve` killed with SIGKILL while replies go out, and
its database connections cut while replies are in flight. Every update must be answered
(no loss, ever); a duplicate is possible only for a send that reached Telegram in the
instant of a kill (Telegram has no idempotency key; docs/decisions/0019-outbox-sending-mark.md),
and never because the database went away. The full measurement, with more updates and
kills: benchmarks/outbox_duplicates.py."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import make_url

from tests.process.conftest import POSTGRES_URL, Servers, TimedTelegram
from tests.process.outbox_kills import connection_cutter, cut_while_sending, kill_while_sending
from tests.process.test_database_outage import outage_database  # noqa: F401  (fixture)


async def test_kill_9_while_sending_loses_no_reply(tg: TimedTelegram, sqlite_url: str, servers: Servers) -> None:
    result = await kill_while_sending(tg, servers, sqlite_url, updates=150, kills=3)
    print("kill -9 while sending:", result.as_dict())  # the figure, with pytest -s
    assert result.kills >= 1, "no kill landed while replies went out"
    assert result.losses == 0 and result.not_sent == 0, result
    # a duplicate only of a row that was on the wire at a kill (found SENDING, sent again)
    assert result.duplicates <= result.interrupted, result


async def test_cut_database_connections_while_sending_send_each_reply_once(
    tg: TimedTelegram,
    servers: Servers,
    outage_database: tuple[str, Callable[[bool], None]],  # noqa: F811  (the fixture, imported)
) -> None:
    url, _ = outage_database  # a database of the test's own: cutting its connections touches nobody else's
    cut = connection_cutter(POSTGRES_URL, str(make_url(url).database))
    result = await cut_while_sending(tg, servers, url, cut, updates=20)
    print("connections cut while sending:", result.as_dict())
    assert result.losses == 0 and result.not_sent == 0, result
    assert result.duplicates == 0, result
