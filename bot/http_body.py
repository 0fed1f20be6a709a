"""Request bodies read with a cap, for the routes that platforms POST to (the Slack events
route, the Telegram webhook): a body longer than the platform ever sends is refused after at
most `limit` bytes, announced (Content-Length) or streamed (chunked), so nobody can make the
server hold or parse an unbounded body before it has checked who sent it."""

from __future__ import annotations

from starlette.requests import Request


async def read_at_most(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is longer than `limit` (announced or chunked)."""
    if _announced(request) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _announced(request: Request) -> int:
    """Content-Length as a number; 0 when absent (the server refuses a malformed one
    before the app sees the request, and the streamed count still applies)."""
    value = request.headers.get("content-length") or ""
    return int(value) if value.isascii() and value.isdigit() else 0
