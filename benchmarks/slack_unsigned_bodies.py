"""Large unsigned bodies against the Slack route of one real `chatcrm serve` process.

A fake Slack Web API runs here; one `chatcrm serve` process (a separate OS process, the
built language model, Slack only, SQLite) gets POST /slack/events requests that carry no
signature and a large form body, sent over plain sockets in 1 MiB writes with their
Content-Length announced (or chunked, without one: --chunked), while GET /healthz is asked every 20 ms on a connection of its own
(tests/process/pressure.py). Two shapes of body: `pairs` (`text=hello&` repeated: the
costliest to parse, many fields) and `field` (`text=` and one long value).

    single    one --mb MiB body (--shape): the time from the first byte sent to the
              server's answer (the sender stops sending once the answer is in), the slowest
              /healthz answer meanwhile, and how far the server's resident memory rose
    parallel  --parallel bodies of --parallel-mb MiB at once (--parallel-shape; 0 skips it):
              the same, and the server's peak resident memory (VmHWM) over its resident
              memory before

    python benchmarks/slack_unsigned_bodies.py [--mb 20] [--shape pairs] [--parallel 3]
        [--parallel-mb 300] [--parallel-shape field] [--chunked] [--memory-cap-gib 8]

Prints one JSON object per phase, then a JSON summary. Each phase has a server of its own,
so one phase's memory peak does not hide the next one's. The server's address space is
capped (--memory-cap-gib over what it had at start, with prlimit), so that a server that
keeps whole bodies fails with MemoryError rather than taking the machine's memory. The
machine's other work makes the times noisy: compare runs on the same machine only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from config import load_settings  # noqa: E402
from nlp_models.build import ensure_model  # noqa: E402
from tests.fakes.fake_slack import FakeSlack  # noqa: E402
from tests.process.conftest import Servers  # noqa: E402
from tests.process.pressure import MIB, Watch, memory_kib, post_streamed  # noqa: E402

SECRET = "bench-slack-signing-secret-0123456"
PIECES = {
    "pairs": b"text=hello&" * (MIB // len(b"text=hello&") + 1),
    "field": b"x" * MIB,
}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def cap_memory(pid: int, gib: float) -> None:
    """RLIMIT_AS of the server: what it has now plus `gib`."""
    limit = memory_kib(pid)["VmSize"] * 1024 + int(gib * (1 << 30))
    resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))


async def phase(
    servers: Servers, slack: FakeSlack, url: str, count: int, mb: int, shape: str, args: argparse.Namespace
) -> dict[str, Any]:
    server = await servers.start(
        url,
        extra_env={"SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_BASE_URL": slack.base_url},
    )
    cap_memory(server.process.pid, args.memory_cap_gib)
    await asyncio.sleep(1.0)  # the start's own work (leader, scheduler) settles
    before = memory_kib(server.process.pid)
    watch = Watch(server.url, server.process.pid)
    watch.start()
    await asyncio.sleep(0.2)
    started = time.monotonic()
    piece = b"text=" + PIECES[shape][5:]
    posts = await asyncio.gather(
        *(
            post_streamed(server.port, "/slack/events", mb * MIB, piece, args.chunked, headers=FORM, timeout=args.timeout)
            for _ in range(count)
        )
    )
    all_answered_s = time.monotonic() - started
    await asyncio.sleep(0.2)
    await watch.stop()
    after = memory_kib(server.process.pid)
    healthy = await server.health() is not None
    await server.terminate(timeout=30)
    peak = max(after["VmHWM"], *watch.rss_kib)
    return {
        "bodies": count,
        "mib_each": mb,
        "shape": shape,
        "chunked": args.chunked,
        "statuses": sorted(p.status for p in posts),
        "answered_s": [round(p.seconds, 3) for p in posts],
        "sent_mib": [round(p.sent / MIB, 1) for p in posts],
        "all_answered_s": round(all_answered_s, 3),
        "healthz_asked": len(watch.latencies),
        "healthz_failed": watch.failures,
        "healthz_max_ms": round(watch.slowest_s * 1000, 1),
        "healthz_p50_ms": round(watch.median_s * 1000, 1),
        "rss_before_mib": round(before["VmRSS"] / 1024, 1),
        "rss_peak_over_before_mib": round((peak - before["VmRSS"]) / 1024, 1),
        "hwm_before_mib": round(before["VmHWM"] / 1024, 1),
        "hwm_after_mib": round(after["VmHWM"] / 1024, 1),
        "healthy_after": healthy,
    }


async def main(args: argparse.Namespace) -> None:
    ensure_model(load_settings().nlu_model_dir)  # built once here, not by the server
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        async with FakeSlack() as slack, httpx.AsyncClient(timeout=30.0) as http:
            servers = Servers(root, http)
            try:
                single_url = f"sqlite:///{root / 'single.sqlite3'}"
                results["single"] = await phase(servers, slack, single_url, 1, args.mb, args.shape, args)
                print(json.dumps({"phase": "single", **results["single"]}), flush=True)
                if args.parallel and args.parallel_mb:
                    parallel_url = f"sqlite:///{root / 'parallel.sqlite3'}"
                    results["parallel"] = await phase(
                        servers, slack, parallel_url, args.parallel, args.parallel_mb, args.parallel_shape, args
                    )
                    print(json.dumps({"phase": "parallel", **results["parallel"]}), flush=True)
            finally:
                servers.kill_all()
    summary = {
        name: {
            "mib_each": r["mib_each"],
            "shape": r["shape"],
            "bodies": r["bodies"],
            "statuses": r["statuses"],
            "answered_max_s": max(r["answered_s"]),
            "healthz_max_ms": r["healthz_max_ms"],
            "rss_peak_over_before_mib": r["rss_peak_over_before_mib"],
        }
        for name, r in results.items()
    }
    print(json.dumps({"summary": summary, "cpus": os.cpu_count(), "note": "shared machine: noisy"}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=20, help="MiB of the single body")
    parser.add_argument("--shape", choices=sorted(PIECES), default="pairs", help="the single body's shape")
    parser.add_argument("--parallel", type=int, default=3, help="bodies sent at once in the second phase (0: skip it)")
    parser.add_argument("--parallel-mb", type=int, default=300, help="MiB of each parallel body")
    parser.add_argument("--parallel-shape", choices=sorted(PIECES), default="field", help="the parallel bodies' shape")
    parser.add_argument("--chunked", action="store_true", help="send the bodies chunked, without Content-Length")
    parser.add_argument("--memory-cap-gib", type=float, default=8.0, help="address space the server may add (GiB)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for an answer after the last byte")
    asyncio.run(main(parser.parse_args()))
