"""The outbox sender against a fake platform sender (our own port, not a mock): delivery,
order per chat, rate limits, 429, transient and permanent failures, dead letters, retry,
release at shutdown. Time is virtual: the sender's clock, pacing and sleeps all read one
`VirtualTime`, so the pacing is checked exactly and no test waits for real seconds."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from bot.outbox_sender import OutboxSender
from bot.ports import PermanentError, RetryAfter, TransientError
from crm_core.enums import OutboxStatus
from crm_core.models import OutboxMessage
from crm_core.services import outbox
from crm_core.uow import Database
from intents.messages import AnyReply, Image, Text, to_payload

START = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
EPSILON = 1e-9  # float sums of intervals
T = TypeVar("T")


class CountingExecutor(ThreadPoolExecutor):
    """The event loop's default executor (asyncio.to_thread), counting work still running."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(max_workers=4)
        self.loop = loop
        self.running = 0
        self.changes = 0  # work started or finished

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.running += 1
        self.changes += 1
        future = super().submit(fn, *args, **kwargs)
        # registered once run_in_executor has added asyncio's own callback, so the count drops
        # only after the awaiting task's wake-up is queued: until then, time stands still
        self.loop.call_soon(future.add_done_callback, lambda _: self.loop.call_soon_threadsafe(self._finished))
        return future

    def _finished(self) -> None:
        self.running -= 1
        self.changes += 1


class VirtualTime:
    """Seconds since START that pass only when nothing else can happen: `run` drives a
    coroutine, and whenever every task waits for a `sleep` (no task ready, no database work
    in a thread) it moves time on to the earliest sleeper's wake-up and wakes it."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.sleeps: list[float] = []
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = itertools.count()

    def monotonic(self) -> float:
        return self.seconds

    def clock(self) -> datetime:
        return START + timedelta(seconds=self.seconds)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.seconds + seconds, next(self._count), woken))
        await woken

    async def run(self, work: Awaitable[T]) -> T:
        loop = asyncio.get_running_loop()
        executor = CountingExecutor(loop)
        loop.set_default_executor(executor)
        task = asyncio.ensure_future(work)
        try:
            await self._drive(task, executor)
        except asyncio.CancelledError:  # cancelled from outside: so is the work
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise
        return task.result()

    async def _drive(self, task: asyncio.Future[Any], executor: CountingExecutor) -> None:
        while not task.done():
            changes = executor.changes
            for _ in range(20):  # let every task that can run get to its next wait
                await asyncio.sleep(0)
            if task.done():
                break
            if executor.running or executor.changes != changes or not self._timers:
                await asyncio.sleep(0.001)  # a database write under way (real time, not ours)
                continue
            wake, _, woken = heapq.heappop(self._timers)
            self.seconds = max(self.seconds, wake)
            woken.set_result(None)


class FakePlatform:
    channel = "fake"

    def __init__(self, time: VirtualTime, per_chat_rate: float = 1000.0, overall_rate: float = 1000.0) -> None:
        self.time = time
        self.per_chat_rate = per_chat_rate
        self.overall_rate = overall_rate
        self.sent: list[tuple[str, str | None, AnyReply, float]] = []
        self.failures: list[Exception] = []
        self.failing_chat: str | None = None  # the failures hit this chat only (chats go side by side)

    async def send(self, chat: str, thread: str | None, reply: AnyReply) -> str | None:
        if self.failures and self.failing_chat in (None, chat):
            raise self.failures.pop(0)
        self.sent.append((chat, thread, reply, self.time.monotonic()))
        return str(len(self.sent))

    def texts(self, chat: str | None = None) -> list[str]:
        return [str(getattr(r, "text", "")) for c, _, r, _ in self.sent if chat is None or c == chat]

    def times(self, chat: str | None = None) -> list[float]:
        return [at for c, _, _, at in self.sent if chat is None or c == chat]


class VirtualSender(OutboxSender):
    """The sender on the platform's virtual time; `drain_once` driven by it."""

    def __init__(self, db: Database, platform: FakePlatform, batch: int = 100, owner: str | None = None) -> None:
        self.time = platform.time
        super().__init__(
            db, {"fake": platform}, clock=self.time.clock, batch=batch, monotonic=self.time.monotonic, sleep=self.time.sleep, owner=owner
        )
        self.recorder = None  # the executor VirtualTime watches: time stands still while a write runs

    async def drain_once(self) -> int:
        return await self.time.run(super().drain_once())


def sender_for(db: Database, platform: FakePlatform, batch: int = 100) -> OutboxSender:
    return VirtualSender(db, platform, batch)


def put(db: Database, chat: str, *replies: AnyReply | str, thread: str | None = None) -> None:
    """Queue replies to `chat`, due at START."""
    with db.unit_of_work() as uow:
        for reply in replies:
            payload, blob = to_payload(Text(reply) if isinstance(reply, str) else reply)
            outbox.enqueue(uow, "fake", chat, payload, thread=thread, blob=blob, now=START)
        uow.commit()


def rows(db: Database) -> list[OutboxMessage]:
    with db.unit_of_work() as uow:
        found = list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        uow.session.expunge_all()  # loaded, and readable after the unit of work
        return found


def statuses(db: Database) -> list[tuple[str, OutboxStatus, int]]:
    return [(r.payload.get("text", ""), r.status, r.attempts) for r in rows(db)]


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:], strict=False)]


async def test_rows_are_delivered_once_in_order_per_chat(db: Database) -> None:
    platform = FakePlatform(VirtualTime())
    put(db, "A", "a1", "a2", "a3")
    put(db, "B", "b1", thread="t9")
    sender = sender_for(db, platform)
    assert await sender.drain_once() == 4
    assert await sender.drain_once() == 0
    assert platform.texts("A") == ["a1", "a2", "a3"]
    assert [(c, th) for c, th, _, _ in platform.sent if c == "B"] == [("B", "t9")]
    assert statuses(db) == [("a1", OutboxStatus.SENT, 1), ("a2", OutboxStatus.SENT, 1), ("a3", OutboxStatus.SENT, 1), ("b1", OutboxStatus.SENT, 1)]
    assert sorted(r.platform_id or "" for r in rows(db)) == ["1", "2", "3", "4"]


async def test_images_keep_their_bytes(db: Database) -> None:
    platform = FakePlatform(VirtualTime())
    put(db, "A", Image(b"\x89PNG-bytes", "chart"))
    await sender_for(db, platform).drain_once()
    image = platform.sent[0][2]
    assert isinstance(image, Image) and image.png == b"\x89PNG-bytes" and image.title == "chart"


async def test_per_chat_rate_is_kept_and_chats_go_side_by_side(db: Database) -> None:
    time = VirtualTime()
    platform = FakePlatform(time, per_chat_rate=10.0)
    put(db, "A", "1", "2", "3", "4")
    put(db, "B", "1", "2", "3", "4")
    assert await sender_for(db, platform).drain_once() == 8
    for chat in ("A", "B"):
        assert min(gaps(platform.times(chat))) >= 0.1 - EPSILON  # 10 a second in one chat
    # the two chats did not wait for each other: 4 each at 10/s take 0.3 s, one after the other 0.7 s
    assert max(platform.times()) < 0.35
    assert time.sleeps and min(time.sleeps) > 0


async def test_telegrams_limits_one_a_second_per_chat_and_thirty_in_all(db: Database) -> None:
    time = VirtualTime()
    platform = FakePlatform(time, per_chat_rate=1.0, overall_rate=30.0)
    for n in range(60):
        put(db, f"chat{n}", "first", "second")
    assert await sender_for(db, platform, batch=200).drain_once() == 120
    times = sorted(platform.times())
    assert min(b - a for a, b in zip(times, times[30:], strict=False)) >= 1.0 - EPSILON  # never 31 in one second
    for n in range(60):
        assert min(gaps(platform.times(f"chat{n}"))) >= 1.0 - EPSILON
    assert times[-1] < 4.1  # and not slower than the limits make it: 120 at 30/s in about 4 s


async def test_429_pauses_the_chat_and_its_rows_go_after_the_time_asked(db: Database) -> None:
    time = VirtualTime()
    platform = FakePlatform(time)
    platform.failures, platform.failing_chat = [RetryAfter(30)], "A"
    put(db, "A", "first", "second")
    put(db, "B", "other")
    sender = sender_for(db, platform)
    assert await sender.drain_once() == 2  # "first" tried; "second" waits behind it; B unaffected
    assert platform.texts() == ["other"]
    first, second, _ = rows(db)
    assert (first.status, first.attempts, first.last_error) == (OutboxStatus.PENDING, 1, "429")
    assert (second.status, second.attempts) == (OutboxStatus.PENDING, 0)  # not tried, not counted
    # 30 s after the 429 (B's row may have taken the first 1 ms slot)
    assert (first.next_attempt_at - START).total_seconds() == pytest.approx(30.0, abs=0.0015)
    assert first.next_attempt_at <= second.next_attempt_at

    time.seconds = 29.0
    assert await sender.drain_once() == 0  # too early
    time.seconds = 31.0  # "second" was released a moment after "first" failed
    assert await sender.drain_once() == 2
    assert platform.texts("A") == ["first", "second"]
    assert platform.times("A") == pytest.approx([31.0, 31.001])
    assert statuses(db) == [("first", OutboxStatus.SENT, 2), ("second", OutboxStatus.SENT, 1), ("other", OutboxStatus.SENT, 1)]


async def test_transient_errors_back_off_2_4_8_s_then_die_and_retry_revives(db: Database) -> None:
    time = VirtualTime()
    platform = FakePlatform(time)
    put(db, "A", "hello")
    sender = sender_for(db, platform)
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS):
        platform.failures = [TransientError("503")]
        assert await sender.drain_once() == 1
        [row] = rows(db)
        waits.append((row.next_attempt_at - time.clock()).total_seconds())
        time.seconds = (row.next_attempt_at - START).total_seconds()  # exactly when it is due
    assert waits[:-1] == [2, 4, 8, 16, 32, 64, 128]
    assert statuses(db) == [("hello", OutboxStatus.DEAD, outbox.MAX_ATTEMPTS)]
    time.seconds += 3600
    assert await sender.drain_once() == 0  # dead rows are not tried
    with db.unit_of_work() as uow:
        assert outbox.QUEUE.requeue(uow, time.clock()) == 1
        uow.commit()
    assert await sender.drain_once() == 1
    assert statuses(db) == [("hello", OutboxStatus.SENT, 1)] and len(platform.sent) == 1


async def test_a_permanent_error_is_dead_at_once(db: Database) -> None:
    platform = FakePlatform(VirtualTime())
    platform.failures = [PermanentError("chat_not_found")]
    put(db, "A", "hello")
    await sender_for(db, platform).drain_once()
    assert statuses(db) == [("hello", OutboxStatus.DEAD, 1)]


async def test_a_stopping_sender_releases_what_it_claimed_and_has_not_tried(db: Database) -> None:
    time = VirtualTime()
    platform = FakePlatform(time)
    put(db, "A", "1", "2")
    put(db, "B", "3")
    sender = sender_for(db, platform)
    sender.stopping = True
    assert await sender.drain_once() == 0
    assert platform.sent == []
    assert statuses(db) == [("1", OutboxStatus.PENDING, 0), ("2", OutboxStatus.PENDING, 0), ("3", OutboxStatus.PENDING, 0)]
    assert all(r.next_attempt_at <= time.clock() for r in rows(db))  # due at once, for whoever sends next


class Hanging(FakePlatform):
    """A platform whose calls to chat "A" never answer (`on_the_wire` is set once one is made)."""

    def __init__(self, time: VirtualTime) -> None:
        super().__init__(time)
        self.on_the_wire = asyncio.Event()

    async def send(self, chat: str, thread: str | None, reply: AnyReply) -> str | None:
        if chat == "A":
            self.on_the_wire.set()
            await asyncio.Event().wait()
        return await super().send(chat, thread, reply)


async def test_a_send_cancelled_at_the_end_of_the_grace_leaves_its_chat_for_the_next_sender(db: Database) -> None:
    platform = Hanging(VirtualTime())
    put(db, "A", "1", "2")
    put(db, "B", "3")
    task = asyncio.create_task(sender_for(db, platform).drain_once())
    await asyncio.wait_for(platform.on_the_wire.wait(), 10)
    for _ in range(1000):  # B's row goes out and is marked sent while A's first send hangs
        if statuses(db)[2][1] == OutboxStatus.SENT:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    # "1" was on the wire: it stays SENDING (the platform may have it) until its lease runs
    # out; "2" was never tried: released at once, its claim not counted
    assert statuses(db) == [("1", OutboxStatus.SENDING, 1), ("2", OutboxStatus.PENDING, 0), ("3", OutboxStatus.SENT, 1)]


async def test_a_row_left_sending_by_a_dead_sender_goes_out_again_once_its_lease_runs_out(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    time = VirtualTime()
    put(db, "A", "where is my quote?")
    hanging = Hanging(time)
    dying = asyncio.create_task(VirtualSender(db, hanging, owner="host-a:101").drain_once())
    await asyncio.wait_for(hanging.on_the_wire.wait(), 10)  # the call is under way, the row marked
    dying.cancel()  # the process dies mid-call: nobody renews the lease
    await asyncio.gather(dying, return_exceptions=True)

    platform = FakePlatform(time)
    taking_over = sender_for(db, platform)
    assert await taking_over.drain_once() == 0  # the lease still runs: the dead sender might be slow
    time.seconds = 7.0
    with caplog.at_level("WARNING", logger="bot.outbox_sender"):
        assert await taking_over.drain_once() == 1
    assert platform.texts() == ["where is my quote?"]  # at least once: sent again
    [row] = rows(db)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 2, "interrupted")
    [warning] = [r.getMessage() for r in caplog.records if "found sending" in r.getMessage()]
    assert "rows=1" in warning and "host-a:101" in warning and "quote" not in warning


async def test_a_sent_row_whose_record_fails_is_recorded_later_and_never_sent_again(db: Database) -> None:
    time = VirtualTime()
    platform = FakePlatform(time)
    put(db, "A", "hello")
    cuts = [OperationalError("UPDATE outbox SET status=?", {}, Exception("server closed the connection"))]

    def cut_the_first_record_of_sent(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE outbox") and "sent_at" in statement and cuts:
            raise cuts.pop()

    event.listen(db.engine, "before_cursor_execute", cut_the_first_record_of_sent)
    sender = sender_for(db, platform)
    try:
        await sender.drain_once()
    except OperationalError:
        pass  # as `run` does: the round failed, the next one goes on
    time.seconds += 60.0  # long past any lease
    await sender.drain_once()
    assert platform.texts() == ["hello"]
    assert statuses(db) == [("hello", OutboxStatus.SENT, 1)]
    assert not cuts and 0.5 in time.sleeps  # recorded again after a backoff
