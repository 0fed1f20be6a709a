"""End to end through the console path: messages per second and latency per message.

One process, one core. For each database (SQLite file; PostgreSQL when --postgres URL or
CRM_TEST_POSTGRES_URL is given) three figures side by side, so the overhead shows:
  - nlu_only: `NluPipeline.parse` of the same messages (with the CRM's known names);
  - bare_insert_commit: one small INSERT and COMMIT per message through a unit of work;
  - console_path: ConsoleChannel.send → Dialogue.handle (processed id, memory, NLU, handler,
    audit, one transaction) → rendered reply.
Messages are a realistic mix of rep requests that each finish in one turn (log a call with
a next step, look a customer up, list and schedule follow-ups, change an e-mail).
Targets: >= 200 messages/s in one process and p99 <= 50 ms on SQLite.

    python benchmarks/console_e2e.py [--messages 2000] [--postgres URL]

Prints one JSON object.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse
import io
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bot.console import ConsoleChannel
from config import load_settings
from crm_core.clock import Clock
from crm_core.db import make_engine, make_session_factory
from crm_core.migrate import upgrade
from crm_core.models import ProcessedMessage
from crm_core.services import customers, users
from crm_core.uow import Database
from intents.dialogue import Dialogue
from intents.identity import Account, Identity
from nlp_models.build import load_pipeline
from nlp_models.labels import EntityLabel

COMPANIES = [
    "Acme Corp", "Globex Industries GmbH", "Initech LLC", "Umbrella AS", "Stark Kogyo KK", "Wayne Holdings Ltd",
    "Tata Bearings Pvt Ltd", "Soylent SA", "Hooli Inc", "Vandelay Imports", "Kowalski i Syn Sp. z o.o.",
    "Oceanic Airlines", "Nakatomi Trading", "Pied Piper", "Massive Dynamic", "Cyberdyne Systems",
]  # fmt: skip
PEOPLE = [
    "Jane Smith", "Kwame Mensah", "Nguyễn Thị Mai", "Olga Petrova", "Rahul Sharma", "Aiko Tanaka",
    "Carlos Mendoza", "Fatima Zahra", "Lars Eriksen", "Chen Wei", "Ama Owusu", "Marta Kowalska",
    "Yusuf Demir", "Sofia Rossi", "Liam O'Brien", "Priya Nair",
]  # fmt: skip
TEMPLATES = [
    "called {person} at {company}, she wants pricing for 50 seats, f/u next tue",
    "what's up with {company}?",
    "remind me to send the proposal to {person} friday 10am",
    "what's due this week?",
    "met {person} from {company} yesterday, demo went well",
    "change {person}'s email to {email}",
    "show me {person}",
    "emailed {company} the contract today",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def figures(latencies_ms: list[float], wall_s: float) -> dict[str, float]:
    return {
        "messages": len(latencies_ms),
        "per_s": round(len(latencies_ms) / wall_s, 1),
        "p50_ms": round(percentile(latencies_ms, 50), 3),
        "p99_ms": round(percentile(latencies_ms, 99), 3),
    }


def timed(calls: list[Callable[[], object]]) -> dict[str, float]:
    latencies = []
    started = time.perf_counter()
    for call in calls:
        t0 = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - t0) * 1000)
    return figures(latencies, time.perf_counter() - started)


def messages(n: int) -> list[str]:
    out = []
    for i in range(n):
        person = PEOPLE[i % len(PEOPLE)]
        company = COMPANIES[(i // len(PEOPLE) + i) % len(COMPANIES)]
        email = f"{person.split()[0].lower()}.{i}@example.com"
        out.append(TEMPLATES[i % len(TEMPLATES)].format(person=person, company=company, email=email))
    return out


def seed(db: Database) -> int:
    with db.unit_of_work() as uow:
        rep = users.add_user(uow, "rita@example.com", "Rita Rep", "rep", "America/New_York")
        for i, name in enumerate(COMPANIES):
            company = customers.create_company(uow, name, owner=rep)
            customers.create_contact(uow, PEOPLE[i % len(PEOPLE)], company=company, owner=rep)
        uow.commit()
        return rep.id


def run(url: str, n: int, nlu) -> dict[str, object]:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine, make_session_factory(engine))
    actor = seed(db)
    texts = messages(n)

    def insert_commit() -> None:
        with db.unit_of_work(actor) as uow:
            uow.session.add(ProcessedMessage(channel="bench", event_id=uuid.uuid4().hex))
            uow.commit()

    with db.unit_of_work() as uow:
        names = customers.known_names(uow)
    known = nlu.known_names({EntityLabel.ORG: names["ORG"], EntityLabel.PERSON: names["PERSON"]})
    now = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    tz = ZoneInfo("America/New_York")
    result: dict[str, object] = {"backend": engine.dialect.name}
    result["nlu_only"] = timed([lambda t=t: nlu.parse(t, now=now, tz=tz, known_names=known) for t in texts])
    result["bare_insert_commit"] = timed([insert_commit for _ in texts])
    clock = iter(now + timedelta(seconds=i) for i in range(10 * n))
    dialogue = Dialogue(db, nlu, clock=SteppingClock(clock))
    rita = Identity(db).who(Account("console", "rita@example.com"))
    sink = io.StringIO()
    channel = ConsoleChannel(lambda m: dialogue.handle(m, rita), "rita@example.com", out=sink, clock=lambda: next(clock))
    dialogue.handle  # noqa: B018  (warm: first message builds the known-names matcher)
    channel.send("hi")
    result["console_path"] = timed([lambda t=t: channel.send(t) for t in texts])
    result["replies_chars"] = len(sink.getvalue())
    engine.dispose()
    return result


class SteppingClock(Clock):
    """A second further on every time it is asked."""

    def __init__(self, instants: Iterator[datetime]) -> None:
        self.instants = instants
        self.seconds = 0.0

    def now(self) -> datetime:
        return next(self.instants)

    def monotonic(self) -> float:
        self.seconds += 1.0
        return self.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--postgres", default=os.environ.get("CRM_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    settings = load_settings()
    nlu = load_pipeline(settings.nlu_model_dir, default_currency="USD")
    out: dict[str, object] = {"messages": args.messages, "targets": {"sqlite_per_s": 200, "sqlite_p99_ms": 50}}
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.messages, nlu)
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.postgres)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            sep = "&" if "?" in args.postgres else "?"
            out["postgresql"] = run(f"{args.postgres}{sep}options=-csearch_path%3D{schema}", args.messages, nlu)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
