"""Telegram webhook throughput into one real `chatcrm serve` process.

A fake Telegram Bot API runs here; one `chatcrm serve` process (a separate OS process, the
built language model, webhook mode) gets updates POSTed to its webhook by linked customers,
one update per chat, so the outbox's per-chat limit (1/s) never binds and only Telegram's
overall limit (30 messages/s) does. Two phases per backend:

    burst   --updates POSTed as fast as --concurrency connections allow: accept throughput
            (200s per second) and end-to-end (replies per second at sendMessage), with the
            latency from POST to the reply arriving at the fake's sendMessage — in a burst
            that is mostly the outbox queue behind the 30/s limit
    paced   --paced updates at --paced-rate per second (under the limit): the latency of
            one message through inbox, language model, dialogue, outbox and sender

    python benchmarks/telegram_webhook.py [--updates 300] [--concurrency 16]
        [--paced 60] [--paced-rate 10] [--postgres URL]

SQLite always; PostgreSQL too when --postgres or CRM_TEST_POSTGRES_URL is set (a schema of
its own, dropped afterwards). Prints one JSON object per backend, then a JSON summary.
The machine's other work makes these figures noisy: compare runs on the same machine only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from config import load_settings  # noqa: E402
from crm_core.services import customers  # noqa: E402
from nlp_models.build import ensure_model  # noqa: E402
from tests.fakes.fake_telegram import TgUser  # noqa: E402
from tests.process.conftest import Servers, TimedTelegram, open_database  # noqa: E402

FIRST_CHAT = 6_300_001


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def _seed(url: str, chats: int) -> list[TgUser]:
    db = open_database(url)
    people = [TgUser(FIRST_CHAT + n, f"Buyer{n}", "Bench") for n in range(chats)]
    with db.unit_of_work() as uow:
        for person in people:
            customers.create_contact(uow, f"{person.first_name} Bench", telegram_id=person.id)
        uow.commit()
    db.dispose()
    return people


async def _phase(
    tg: TimedTelegram, server: Any, people: list[TgUser], concurrency: int, rate: float | None
) -> dict[str, Any]:
    updates = [(p, tg.text(p, "hello")) for p in people]
    posted: dict[int, float] = {}
    accepted: dict[int, float] = {}
    gate = asyncio.Semaphore(concurrency)

    async def deliver(index: int, person: TgUser, update: dict[str, Any]) -> None:
        if rate is not None:
            await asyncio.sleep(max(0.0, start + index / rate - time.monotonic()))
        async with gate:
            posted[person.id] = time.monotonic()
            status = await server.post_update(update, timeout=30.0)
            if status == 200:
                accepted[person.id] = time.monotonic()

    start = time.monotonic()
    await asyncio.gather(*(deliver(i, p, u) for i, (p, u) in enumerate(updates)))
    accepted_all = time.monotonic()
    ids = {p.id for p in people}
    deadline = time.monotonic() + 60 + len(people) / 20
    while time.monotonic() < deadline:
        answered = {c.args["chat_id"] for c in tg.calls_to("sendMessage") if c.args["chat_id"] in ids}
        if len(answered) == len(ids):
            break
        await asyncio.sleep(0.05)
    replies: dict[int, float] = {}
    for call in tg.calls_to("sendMessage"):
        chat = call.args["chat_id"]
        if chat in ids and chat not in replies:
            replies[chat] = call.at  # type: ignore[attr-defined]
    e2e = [replies[c] - posted[c] for c in replies]
    accept = [accepted[c] - posted[c] for c in accepted]
    last_reply = max(replies.values()) if replies else start
    return {
        "updates": len(people),
        "accepted": len(accepted),
        "replied": len(replies),
        "accept_per_s": round(len(accepted) / max(accepted_all - start, 1e-9), 1),
        "accept_p50_ms": _pct(accept, 0.50) if accept else None,
        "accept_p99_ms": _pct(accept, 0.99) if accept else None,
        "end_to_end_per_s": round(len(replies) / max(last_reply - start, 1e-9), 1),
        "reply_p50_ms": _pct(e2e, 0.50) if e2e else None,
        "reply_p99_ms": _pct(e2e, 0.99) if e2e else None,
        "reply_mean_ms": round(statistics.fmean(e2e) * 1000, 1) if e2e else None,
    }


async def run_backend(backend: str, url: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    people = _seed(url, args.updates + args.paced)
    async with TimedTelegram() as tg, httpx.AsyncClient(timeout=30.0) as http:
        servers = Servers(workdir, http)
        try:
            started = time.monotonic()
            server = await servers.start(url, telegram=tg)
            start_s = time.monotonic() - started
            burst = await _phase(tg, server, people[: args.updates], args.concurrency, None)
            paced = await _phase(tg, server, people[args.updates :], args.concurrency, args.paced_rate)
            await server.terminate()
        finally:
            servers.kill_all()
    return {
        "backend": backend,
        "start_to_healthy_s": round(start_s, 1),
        "burst": burst,
        "paced": {"rate_per_s": args.paced_rate, **paced},
        "telegram_limit_per_s": 30,
    }


def _postgres_schema_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}", schema


def _drop_schema(base: str, schema: str) -> None:
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


async def main(args: argparse.Namespace) -> None:
    ensure_model(load_settings().nlu_model_dir)  # built once here, not by the server
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sqlite").mkdir()
        results.append(await run_backend("sqlite", f"sqlite:///{root / 'bench.sqlite3'}", args, root / "sqlite"))
        print(json.dumps(results[-1]), flush=True)
        postgres = args.postgres or os.environ.get("CRM_TEST_POSTGRES_URL", "")
        if postgres:
            url, schema = _postgres_schema_url(postgres)
            try:
                (root / "postgresql").mkdir()
                results.append(await run_backend("postgresql", url, args, root / "postgresql"))
            finally:
                _drop_schema(postgres, schema)
            print(json.dumps(results[-1]), flush=True)
    summary = {
        r["backend"]: {
            "accept_per_s": r["burst"]["accept_per_s"],
            "burst_end_to_end_per_s": r["burst"]["end_to_end_per_s"],
            "burst_reply_p99_ms": r["burst"]["reply_p99_ms"],
            "paced_reply_p50_ms": r["paced"]["reply_p50_ms"],
            "paced_reply_p99_ms": r["paced"]["reply_p99_ms"],
        }
        for r in results
    }
    print(json.dumps({"summary": summary, "cpus": os.cpu_count(), "note": "shared machine: noisy"}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=300, help="burst size (one update per chat)")
    parser.add_argument("--concurrency", type=int, default=16, help="webhook POSTs in flight at once")
    parser.add_argument("--paced", type=int, default=60, help="updates of the paced phase")
    parser.add_argument("--paced-rate", type=float, default=10.0, help="updates per second in the paced phase")
    parser.add_argument("--postgres", default="", help="PostgreSQL URL (default: CRM_TEST_POSTGRES_URL)")
    asyncio.run(main(parser.parse_args()))
