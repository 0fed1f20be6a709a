"""Pressure on a server process: large request bodies sent over a plain socket, and what the
server does meanwhile (/healthz latency, resident memory). For the process tests and
benchmarks/slack_unsigned_bodies.py.

An HTTP client (httpx) sends a whole body before it reads the answer, so it cannot tell when
a server answered a 50 MB body: `post_streamed` writes the body in 1 MiB pieces while it
reads, and stops writing once the status line is in.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

MIB = 1 << 20


@dataclass(frozen=True)
class Answered:
    status: int  # 0: no answer (the connection closed, or the wait timed out)
    seconds: float  # from the first byte of the body sent to the status line read
    sent: int  # body bytes written before the answer came


async def post_streamed(
    port: int,
    path: str,
    size: int,
    piece: bytes = b"x" * MIB,
    chunked: bool = False,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> Answered:
    """POST `size` bytes (`piece` repeated) to 127.0.0.1:`port`, with Content-Length or
    chunked; the server's status and how soon it came."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    answer = asyncio.create_task(reader.readline())
    started = time.monotonic()
    sent = 0
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        while sent < size and not answer.done():
            data = piece[: min(len(piece), size - sent)]
            writer.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            await writer.drain()
            sent += len(data)
        if chunked and not answer.done():
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except (ConnectionError, OSError):
        pass  # the server closed the connection: its answer, if any, is in `answer`
    status = 0
    try:
        line = await asyncio.wait_for(answer, timeout)
        if line.startswith(b"HTTP/"):
            status = int(line.split()[1])
    except (TimeoutError, ConnectionError, OSError, IndexError, ValueError):
        pass
    seconds = time.monotonic() - started
    answer.cancel()
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    return Answered(status, seconds, sent)


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the peak so far) of a process, in KiB (Linux)."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "VmSize"):
            fields[name] = int(value.split()[0])
    return fields


@dataclass
class Watch:
    """GET /healthz every `every` seconds on a connection of its own, and the resident memory
    of `pid` at each, from `start()` until `stop()`."""

    url: str
    pid: int
    every: float = 0.02
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    rss_kib: list[int] = field(default_factory=list)

    def start(self) -> None:
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        await self._task

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=120.0) as client:
            while not self._stop.is_set():
                asked = time.monotonic()
                try:
                    response = await client.get(f"{self.url}/healthz")
                    self.failures += response.status_code != 200
                except httpx.HTTPError:
                    self.failures += 1
                self.latencies.append(time.monotonic() - asked)
                self.rss_kib.append(memory_kib(self.pid)["VmRSS"])
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.every)

    @property
    def slowest_s(self) -> float:
        return max(self.latencies, default=0.0)

    @property
    def median_s(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0
