"""How fast one real `chatcrm serve` process acks signed Slack events under concurrent senders.

A fake Slack Web API runs here; one `chatcrm serve` process (a separate OS process, the built
language model, Slack only) gets signed Events API deliveries (DMs from linked reps) from
`--senders` concurrent senders, each posting its next event as soon as the last was acked,
`--events` in all. The ack is Slack's 200: the event is stored in the inbox by then, and the
process handles the events it stored (language model, dialogue, outbox, replies to the fake)
at the same time, as it does in use. Slack retries an event it has no 200 for within 3 s.

    python benchmarks/slack_ack_latency.py [--events 2000] [--senders 10 40] [--backends sqlite postgresql]
        [--postgres URL]

SQLite always; PostgreSQL too when --postgres or CRM_TEST_POSTGRES_URL is set (a schema of
its own, dropped afterwards). One JSON object per backend and sender count, then a summary.
The machine's other work makes these figures noisy: compare runs on the same machine only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from benchmarks.telegram_webhook import _drop_schema, _pct, _postgres_schema_url  # noqa: E402
from config import load_settings  # noqa: E402
from crm_core.services import users  # noqa: E402
from nlp_models.build import ensure_model  # noqa: E402
from tests.fakes.fake_slack import FakeSlack, event_callback, sign  # noqa: E402
from tests.process.conftest import Servers, open_database  # noqa: E402

SECRET = "bench-slack-signing-secret-0123456"
TEXTS = ("help", "what are my follow-ups this week?", "list my customers", "hello")


def _seed(url: str, senders: int) -> list[str]:
    db = open_database(url)
    people = [f"UREP{n:05d}" for n in range(senders)]
    with db.unit_of_work() as uow:
        for n, slack_id in enumerate(people):
            users.add_user(uow, f"rep{n}@bench.example", f"Rep {n} Bench", "rep", "UTC", slack_id=slack_id)
        uow.commit()
    db.dispose()
    return people


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _phase(server: Any, people: list[str], events: int, tag: str) -> dict[str, Any]:
    url = f"{server.url}/slack/events"
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    per_sender = events // len(people)

    async def sender(index: int, user: str, http: httpx.AsyncClient) -> None:
        async with http:
            for n in range(per_sender):
                ts = f"{1_800_000_000 + n}.{index:06d}"
                event = {"type": "message", "channel": f"D{user}", "channel_type": "im", "user": user, "text": TEXTS[n % len(TEXTS)], "ts": ts}
                body = event_callback(event, f"Ev{tag}{index:04d}{n:05d}")
                headers = {"Content-Type": "application/json", **sign(body, SECRET)}
                started = time.monotonic()
                try:
                    response = await http.post(url, content=body, headers=headers)
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                latencies.append(time.monotonic() - started)
                statuses[status] = statuses.get(status, 0) + 1

    # a connection per sender, as Slack's deliveries come on connections of their own; made
    # before the clock starts (each client loads its TLS context: tens of milliseconds that
    # would stall this process's loop and count as the server's latency)
    clients = [httpx.AsyncClient(timeout=30.0) for _ in people]
    cpu_before = _cpu_seconds(server.process.pid)
    started = time.monotonic()
    await asyncio.gather(*(sender(i, user, clients[i]) for i, user in enumerate(people)))
    elapsed = time.monotonic() - started
    cpu = _cpu_seconds(server.process.pid) - cpu_before
    return {
        "senders": len(people),
        "events": len(latencies),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "acks_per_s": round(len(latencies) / max(elapsed, 1e-9), 1),
        "ack_p50_ms": _pct(latencies, 0.50),
        "ack_p95_ms": _pct(latencies, 0.95),
        "ack_p99_ms": _pct(latencies, 0.99),
        "ack_max_ms": round(max(latencies) * 1000, 1),
        "over_3s": sum(1 for v in latencies if v > 3.0),
        "over_1s": sum(1 for v in latencies if v > 1.0),
        # the server's CPU time (user + system) per event over the phase: accepting and
        # handling; steadier than the latencies on a machine doing other work
        "server_cpu_ms_per_event": round(cpu * 1000 / max(len(latencies), 1), 2),
    }


async def run_backend(backend: str, url: str, args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    people = _seed(url, max(args.senders))
    results = []
    async with FakeSlack() as slack, httpx.AsyncClient(timeout=30.0) as http:
        servers = Servers(workdir, http)
        try:
            env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_BASE_URL": slack.base_url}
            server = await servers.start(url, extra_env=env)
            for count in args.senders:
                phase = await _phase(server, people[:count], args.events, f"{backend[:2]}{count}")
                results.append({"backend": backend, **phase})
                print(json.dumps(results[-1]), flush=True)
            await server.terminate()
        finally:
            servers.kill_all()
    return results


async def main(args: argparse.Namespace) -> None:
    ensure_model(load_settings().nlu_model_dir)  # built once here, not by the server
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if "sqlite" in args.backends:
            (root / "sqlite").mkdir()
            results += await run_backend("sqlite", f"sqlite:///{root / 'bench.sqlite3'}", args, root / "sqlite")
        postgres = args.postgres or os.environ.get("CRM_TEST_POSTGRES_URL", "")
        if postgres and "postgresql" in args.backends:
            url, schema = _postgres_schema_url(postgres)
            try:
                (root / "postgresql").mkdir()
                results += await run_backend("postgresql", url, args, root / "postgresql")
            finally:
                _drop_schema(postgres, schema)
    summary = {f"{r['backend']}@{r['senders']}": {k: r[k] for k in ("ack_p50_ms", "ack_p99_ms", "ack_max_ms", "over_3s")} for r in results}
    print(json.dumps({"summary": summary, "cpus": os.cpu_count(), "note": "shared machine: noisy"}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000, help="events per sender count, in all")
    parser.add_argument("--senders", type=int, nargs="+", default=[10, 40], help="concurrent senders")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--postgres", default="", help="PostgreSQL URL (default: CRM_TEST_POSTGRES_URL)")
    asyncio.run(main(parser.parse_args()))
