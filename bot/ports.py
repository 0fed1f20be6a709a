"""What the outbox sender needs from a platform adapter, and the errors it understands.

    SendError
     ├── RetryAfter        the platform said 429: wait `seconds`, then try again
     ├── TransientError    5xx, timeout, connection refused: back off and try again
     └── PermanentError    4xx that will not change (chat not found, blocked): give up

    StartupError           a platform or the database refused us at start (wrong token,
                           unreachable): `chatcrm serve` prints its one line and exits non-zero
"""

from __future__ import annotations

from typing import Protocol

from intents.messages import AnyReply


class SendError(Exception):
    """`code` is an HTTP status or an error class name, safe to store (no message text)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class RetryAfter(SendError):
    def __init__(self, seconds: float) -> None:
        super().__init__("429")
        self.seconds = seconds


class TransientError(SendError):
    pass


class PermanentError(SendError):
    pass


class StartupError(Exception):
    """Why the server cannot start, in one line a user can act on (no secrets, no text)."""


class Sender(Protocol):
    """Delivers one reply to one chat (and thread); returns the platform's message id."""

    channel: str
    # per-chat and overall messages per second the platform allows
    per_chat_rate: float
    overall_rate: float

    async def send(self, chat: str, thread: str | None, reply: AnyReply) -> str | None: ...
