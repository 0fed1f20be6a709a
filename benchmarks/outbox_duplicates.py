"""Duplicate and lost replies when `chatcrm serve` dies mid-send or loses its database.

A fake Telegram Bot API runs here; `chatcrm serve` processes (separate OS processes, the
built language model, webhook mode) answer one "hello" from each of --updates linked
customers, one chat each, so every chat must get exactly one reply. Two cases:

    kill    SQLite: --kills times, once the running server has sent a random 5 to 40 more
            replies, SIGKILL and a new server (Telegram delivering again what it got no
            200 for); repeated --runs times with seeds 0, 1, ...
    cut     PostgreSQL (--postgres or CRM_TEST_POSTGRES_URL; a database of its own, dropped
            afterwards): --cut-updates replies, and once the first is out every connection
            of the server's is terminated (pg_terminate_backend) --cuts times, 20 ms apart,
            while the rest are in flight; repeated --runs times

    python benchmarks/outbox_duplicates.py [--updates 600] [--kills 8] [--runs 1]
        [--cut-updates 20] [--cuts 150] [--postgres URL] [--case kill|cut|both]

Counts at the fake: duplicates (replies beyond one in a chat), losses (chats never
answered); in the database: rows not marked sent at the end, rows found SENDING after their
sender died and sent again ("interrupted"; every duplicate is one of them). Prints one JSON object per run, then a summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import create_engine, make_url, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from config import load_settings  # noqa: E402
from nlp_models.build import ensure_model  # noqa: E402
from tests.process.conftest import Servers, TimedTelegram  # noqa: E402
from tests.process.outbox_kills import (  # noqa: E402
    Tally,
    connection_cutter,
    cut_while_sending,
    kill_while_sending,
)


async def _kill_run(updates: int, kills: int, seed: int) -> Tally:
    with tempfile.TemporaryDirectory() as tmp:
        async with httpx.AsyncClient(timeout=10.0) as http, TimedTelegram() as tg:
            servers = Servers(Path(tmp), http)
            try:
                return await kill_while_sending(tg, servers, f"sqlite:///{tmp}/crm.sqlite3", updates, kills, seed=seed)
            finally:
                servers.kill_all()


async def _cut_run(postgres: str, updates: int, cuts: int) -> Tally:
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"cut_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    cut = connection_cutter(postgres, name)
    url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with httpx.AsyncClient(timeout=10.0) as http, TimedTelegram() as tg:
                servers = Servers(Path(tmp), http)
                try:
                    return await cut_while_sending(tg, servers, url, cut, updates=updates, cuts=cuts)
                finally:
                    servers.kill_all()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _summary(case: str, runs: list[Tally]) -> dict[str, Any]:
    updates = sum(r.updates for r in runs)
    duplicates = sum(r.duplicates for r in runs)
    return {
        "case": case,
        "runs": len(runs),
        "updates": updates,
        "kills": sum(r.kills for r in runs),
        "duplicates": duplicates,
        "losses": sum(r.losses for r in runs),
        "not_sent": sum(r.not_sent for r in runs),
        "interrupted": sum(r.interrupted for r in runs),
        "duplicate_rate": round(duplicates / updates, 4) if updates else None,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", choices=["kill", "cut", "both"], default="both")
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--cut-updates", type=int, default=20)
    parser.add_argument("--cuts", type=int, default=150)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--postgres", default=os.environ.get("CRM_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    settings = load_settings()
    ensure_model(settings.nlu_model_dir, seed=settings.crm_nlu_seed)
    summaries = []
    if args.case in ("kill", "both"):
        runs = []
        for seed in range(args.runs):
            runs.append(await _kill_run(args.updates, args.kills, seed))
            print(json.dumps({"case": "kill", "seed": seed, **runs[-1].as_dict()}), flush=True)
        summaries.append(_summary("kill", runs))
    if args.case in ("cut", "both") and args.postgres:
        runs = []
        for _ in range(args.runs):
            runs.append(await _cut_run(args.postgres, args.cut_updates, args.cuts))
            print(json.dumps({"case": "cut", **runs[-1].as_dict()}), flush=True)
        summaries.append(_summary("cut", runs))
    print(json.dumps({"summary": summaries}))


if __name__ == "__main__":
    asyncio.run(main())
