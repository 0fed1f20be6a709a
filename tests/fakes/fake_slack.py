"""A fake Slack Web API: a real HTTP server on 127.0.0.1 (random port) that answers the methods
chatcrm calls with the JSON Slack sends, and records every call.

    async with FakeSlack() as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.base_url)
        slack.users["U1"] = {"email": "rita@example.com"}      # users.info answers from here
        slack.fail_next("chat.postMessage", status=429)         # next call: 429, Retry-After: 1
        ...
        slack.calls_to("chat.postMessage")[0].args["text"]

Methods: auth.test, users.info, chat.postMessage, chat.postEphemeral, conversations.open, and what files_upload_v2
calls: files.getUploadURLExternal, a POST of the bytes to the upload URL it returned (served
here; its calls are recorded as method "upload"), files.completeUploadExternal.
A wrong bot token gets `invalid_auth`, an unknown method `unknown_method`, as on Slack.
A user of another workspace (Slack Connect) is one with a "team_id" of its own in `users`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_TOKEN = "xoxb-fake-bot-token"
BOT_USER_ID = "UBOT0CRM"
BOT_ID = "BBOT0CRM"
TEAM_ID = "T0CRM"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200
    body: bytes = b""  # the raw upload, for method "upload"


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None


@dataclass
class FakeSlack:
    token: str = BOT_TOKEN
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    team_id: str = TEAM_ID
    # users.info: user id → {"email": ..., "name": ..., "is_bot": ..., "team_id": ...};
    # unknown ids → user_not_found; team_id defaults to this workspace's
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    # chat.postMessage / chat.postEphemeral / files.completeUploadExternal here → channel_not_found
    missing_channels: set[str] = field(default_factory=set)
    # chat.postEphemeral to a (channel, user) not in here → user_not_in_channel; None: anyone
    channel_members: set[tuple[str, str]] | None = None
    calls: list[Call] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._failures: dict[str, deque[_Failure]] = {}
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._pending_files: dict[str, dict[str, Any]] = {}
        self._runner: web.AppRunner | None = None
        self.root_url = ""

    # -- knobs and records ------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The Web API root, for AsyncWebClient(base_url=...) and SLACK_API_BASE_URL."""
        return f"{self.root_url}/api/"

    def fail_next(self, method: str, count: int = 1, status: int = 429, error: str | None = None, retry_after: int = 1) -> None:
        """The next `count` calls of `method` fail: 429 (with Retry-After), 5xx, or with
        status 200 and `{"ok": false, "error": error}` when `error` is given."""
        code = error or {429: "ratelimited"}.get(status, "internal_error" if status >= 500 else "invalid_request")
        queue = self._failures.setdefault(method, deque())
        for _ in range(count):
            queue.append(_Failure(200 if error else status, code, retry_after if status == 429 and not error else None))

    def calls_to(self, method: str, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    # -- server -----------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.root_url = f"http://{host}:{port}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- handlers ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        failure = self._take_failure(method)
        if failure is not None:
            self.calls.append(Call(method, args, failure.status))
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        self.calls.append(Call(method, args))
        if _token(request, args) != self.token:
            return _error("invalid_auth")
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        if answer is None:
            return _error("unknown_method")
        result: web.Response = answer(args)
        return result

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        failure = self._take_failure("upload")
        if failure is not None:
            self.calls.append(Call("upload", {"file_id": file_id}, failure.status, data))
            return web.Response(status=failure.status, text=failure.error, content_type="text/plain")
        self.calls.append(Call("upload", {"file_id": file_id}, 200, data))
        if file_id not in self._pending_files:
            return web.Response(status=404, text="file_not_found", content_type="text/plain")
        self.uploads[file_id] = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        return queue.popleft() if queue else None

    # -- the methods ------------------------------------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> web.Response:
        return _ok(
            url="https://chatcrm-test.slack.com/",
            team="chatcrm test",
            user="chatcrm",
            team_id=self.team_id,
            user_id=self.bot_user_id,
            bot_id=self.bot_id,
            is_enterprise_install=False,
        )

    def _users_info(self, args: dict[str, Any]) -> web.Response:
        user_id = str(args.get("user") or "")
        known = self.users.get(user_id)
        if known is None:
            return _error("user_not_found")
        name = known.get("name", "someone")
        profile: dict[str, Any] = {"real_name": name, "display_name": name}
        if known.get("email"):
            profile["email"] = known["email"]
        return _ok(
            user={
                "id": user_id,
                "team_id": known.get("team_id", self.team_id),
                "name": name.lower().replace(" ", "."),
                "deleted": False,
                "real_name": name,
                "tz": known.get("tz", "UTC"),
                "is_bot": bool(known.get("is_bot", False)),
                "profile": profile,
            }
        )

    def _chat_postMessage(self, args: dict[str, Any]) -> web.Response:
        channel = str(args.get("channel") or "")
        if not channel or channel in self.missing_channels:
            return _error("channel_not_found")
        if not args.get("text") and not args.get("blocks"):
            return _error("no_text")
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "text": args.get("text", ""),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "ts": ts,
            "team": self.team_id,
        }
        if args.get("blocks"):
            message["blocks"] = args["blocks"]
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        return _ok(channel=channel, ts=ts, message=message)

    def _chat_postEphemeral(self, args: dict[str, Any]) -> web.Response:
        channel, user = str(args.get("channel") or ""), str(args.get("user") or "")
        if not channel or channel in self.missing_channels:
            return _error("channel_not_found")
        if not user:
            return _error("user_not_found")
        if self.channel_members is not None and (channel, user) not in self.channel_members:
            return _error("user_not_in_channel")
        if not args.get("text") and not args.get("blocks"):
            return _error("no_text")
        return _ok(message_ts=self._next_ts())

    def _conversations_open(self, args: dict[str, Any]) -> web.Response:
        users = str(args.get("users") or "")
        if not users:
            return _error("users_list_not_supplied")
        return _ok(channel={"id": "D" + users.split(",")[0].lstrip("U")})

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> web.Response:
        if not args.get("filename") or not str(args.get("length") or "").isdigit():
            return _error("invalid_arguments")
        file_id = f"F{next(self._file_ids):08d}"
        self._pending_files[file_id] = {"name": str(args["filename"]), "length": int(args["length"])}
        return _ok(upload_url=f"{self.root_url}/upload/{file_id}", file_id=file_id)

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> web.Response:
        files = args.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        channel = args.get("channel_id")
        if channel and channel in self.missing_channels:
            return _error("channel_not_found")
        shown = []
        for item in files or []:
            pending = self._pending_files.get(item.get("id"))
            if pending is None or item["id"] not in self.uploads:
                return _error("file_not_found")
            shown.append(
                {
                    "id": item["id"],
                    "name": pending["name"],
                    "title": item.get("title") or pending["name"],
                    "size": len(self.uploads[item["id"]]),
                }
            )
        return _ok(files=shown)

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Arguments as the SDK sends them: query string, form, or JSON body."""
    args: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            args.update(await request.json())
        else:
            args.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    if isinstance(args.get("blocks"), str):
        args["blocks"] = json.loads(args["blocks"])
    return args


def _token(request: web.Request, args: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ")
    token = args.get("token")
    return str(token) if token else None


def _ok(**data: Any) -> web.Response:
    return web.json_response({"ok": True, **data})


def _error(code: str) -> web.Response:
    return web.json_response({"ok": False, "error": code})


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack signs a request with (v0 HMAC-SHA256 of "v0:{timestamp}:{body}")."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def event_callback(event: dict[str, Any], event_id: str, team_id: str = TEAM_ID) -> str:
    """An Events API delivery of `event`, as the JSON body Slack POSTs."""
    envelope = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": "A0CRM",
        "event": {"event_ts": event.get("ts", "1700000000.000001"), **event},
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
    }
    return json.dumps(envelope)


# -- what a prober sends: requests nobody signed, or nobody could have ---------------------------

JUNK_KINDS = (
    "malformed JSON",
    "non-numeric timestamp",
    "timestamp of 5000 digits",
    "binary body",
    "binary body, signature headers",
    "missing timestamp",
    "non-ASCII signature",
    "empty body",
    "wrong content type",
    "form body without payload",
    "oversized, announced",
    "oversized, chunked",
)


def junk(kind: str, secret: str, too_large: int) -> tuple[bytes | Callable[[], AsyncIterator[bytes]], dict[str, Any]]:
    """One request of a JUNK_KINDS kind for POST /slack/events: its body (bytes, or a function
    giving a stream of chunks, sent chunked) and headers. The event in the bodies that carry
    one says "Mallory", which no log may show; the oversized ones are `too_large` bytes."""
    event = event_callback({"type": "message", "channel": "D0X", "channel_type": "im", "user": "U0X", "text": "hi Mallory here"}, "EvJUNK")
    fresh = str(int(time.time()))
    json_type: dict[str, Any] = {"Content-Type": "application/json"}
    form_type: dict[str, Any] = {"Content-Type": "application/x-www-form-urlencoded"}
    zeros = "v0=" + "0" * 64
    kinds: dict[str, tuple[bytes, dict[str, Any]]] = {
        "malformed JSON": (b'{"x', json_type),
        "non-numeric timestamp": (event.encode(), {**json_type, "X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": zeros}),
        "timestamp of 5000 digits": (event.encode(), {**json_type, "X-Slack-Request-Timestamp": "9" * 5000, "X-Slack-Signature": zeros}),
        "binary body": (bytes(range(256)) * 64, {"Content-Type": "application/octet-stream"}),
        "binary body, signature headers": (bytes(range(256)) * 64, {**json_type, "X-Slack-Request-Timestamp": fresh, "X-Slack-Signature": zeros}),
        "missing timestamp": (event.encode(), {**json_type, "X-Slack-Signature": sign(event, secret)["X-Slack-Signature"]}),
        "non-ASCII signature": (event.encode(), {**json_type, "X-Slack-Request-Timestamp": fresh, "X-Slack-Signature": "v0=\xe9t\xe9".encode("latin-1")}),
        "empty body": (b"", {}),
        "wrong content type": (event.encode(), {"Content-Type": "text/plain"}),
        "form body without payload": (b"text=hello&user_id=U1", form_type),
        "oversized, announced": (b"text=" + b"x" * (too_large - 5), form_type),
    }
    if kind in kinds:
        return kinds[kind]
    assert kind == "oversized, chunked", kind

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, too_large, 65536):
            yield b"x" * min(65536, too_large - start)

    return stream, form_type
