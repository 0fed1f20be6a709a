"""One clock for the whole product, built at the composition root and passed down.

Everything that asks the time (the dialogue, services, the scheduler, the inbox and outbox
workers, reminders, rate limits) asks a `Clock`: `clock()` or `clock.now()` is the instant,
an aware UTC datetime; `clock.monotonic()` is seconds for measuring waits. Nothing reads the
wall clock behind its back, so a test sets the time, and a shell or server can be started
at a given instant that then runs on (`RunningClock`, `--clock-start`).

    SystemClock    the wall clock (the default of a running product)
    RunningClock   starts at a given instant and runs on at the wall clock's pace
    ManualClock    stands still until told to move (tests)

A unit of work puts its database's clock in use while it is open (`in_use`), so the
columns stamped by default (`created_at`, `next_attempt_at`, ...) take the same time as
the code that wrote them.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta


class Clock:
    """The time, as the product sees it."""

    def now(self) -> datetime:
        raise NotImplementedError

    def monotonic(self) -> float:
        raise NotImplementedError

    def __call__(self) -> datetime:
        return self.now()


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class RunningClock(Clock):
    """Starts at `start` when built, then runs on: a demo or a test of a whole process at a
    chosen day, with timers that still fire."""

    def __init__(self, start: datetime) -> None:
        self.start = aware(start)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._origin)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock(Clock):
    """Stands still; `advance` moves it (and its monotonic seconds) forward."""

    def __init__(self, start: datetime) -> None:
        self._now = aware(start)
        self._seconds = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._seconds

    def advance(self, delta: timedelta | float) -> None:
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        if seconds < 0:
            raise ValueError("a clock does not run backwards")
        self._seconds += seconds
        self._now += timedelta(seconds=seconds)

    def set(self, instant: datetime) -> None:
        self.advance(aware(instant) - self._now)


def aware(instant: datetime) -> datetime:
    """An instant in UTC; a naive one is taken as UTC, like every stored time."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def parse_instant(value: str) -> datetime:
    """An ISO 8601 instant ("2027-01-04T09:00:00", "…Z", "…+01:00"); naive means UTC.
    ValueError names the value when it is not one."""
    try:
        return aware(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO date-time like 2027-01-04T09:00:00Z") from None


_IN_USE: ContextVar[Clock | None] = ContextVar("chatcrm_clock", default=None)


def in_use(clock: Clock) -> object:
    """Make `clock` the one `utcnow` reads in this context; returns the token to `restore`."""
    return _IN_USE.set(clock)


def restore(token: object) -> None:
    _IN_USE.reset(token)  # type: ignore[arg-type]


def utcnow() -> datetime:
    """The time of the unit of work in progress (its database's clock); the wall clock
    outside one (schema migrations)."""
    clock = _IN_USE.get()
    return clock.now() if clock is not None else datetime.now(UTC)
