"""A fake Telegram Bot API: a real HTTP server on 127.0.0.1 (random port) that answers the
methods chatcrm calls with the JSON Telegram sends, and records every call.

    async with FakeTelegram() as tg:
        settings = load_settings(TELEGRAM_BOT_TOKEN=tg.token, TELEGRAM_API_BASE_URL=tg.base_url)
        jane = TgUser(5550001, "Jane", "Doe")
        tg.queue(tg.command(jane, "start"))                  # getUpdates hands it out
        await tg.push(tg.text(jane, "hi"), http)             # or: POST it to the webhook set
        tg.fail_next("sendMessage", status=429)              # next call: 429, retry after 1
        tg.calls_to("sendMessage")[0].args["text"]

Methods live at `{base}/bot{token}/{method}`, files at `{base}/file/bot{token}/{path}`:
getMe, setMyCommands, getMyCommands, setWebhook, deleteWebhook, getWebhookInfo, getUpdates
(long polling: held up to `timeout` seconds until an update is queued; an `offset` confirms
and drops every update below it, as Telegram does, so `confirmed` shows what was confirmed),
sendMessage, sendPhoto and sendDocument (uploads recorded byte for byte), getFile,
answerCallbackQuery. JSON, url-encoded and multipart bodies are all read, as on Telegram.

Answers are Telegram's: `{"ok": true, "result": ...}`, or `{"ok": false, "error_code": 400,
"description": "Bad Request: ..."}` for what Telegram refuses (empty or over-long text,
callback data over 64 bytes, an unknown callback query, a photo that is no image); a
malformed token gets 404 Not Found, a well-formed wrong one 401 Unauthorized; a chat in
`blocked` gets 403 "Forbidden: bot was blocked by the user".
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiohttp import web

BOT_ID = 7000000001
BOT_TOKEN = f"{BOT_ID}:AAHfakeTelegramBotTokenForTests0001"
BOT_USERNAME = "chatcrm_test_bot"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096  # UTF-16 code units
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF")
_INT_FIELDS = {"chat_id", "offset", "limit", "timeout", "message_id", "max_connections", "cache_time", "user_id"}
_BOOL_FIELDS = {"drop_pending_updates", "show_alert", "disable_notification", "protect_content", "resize_keyboard", "one_time_keyboard"}
_JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "entities", "caption_entities", "scope", "link_preview_options", "reply_parameters"}
_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class TgUser:
    """A Telegram account, as it appears in `from`, `chat` and `contact`."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    is_bot: bool = False

    def as_json(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if not self.is_bot:
            user["language_code"] = "en"
        return user

    def private_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "first_name": self.first_name, "type": "private"}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass(frozen=True)
class Upload:
    filename: str | None
    content_type: str
    data: bytes


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200  # 0: the connection was closed without an answer
    files: dict[str, Upload] = field(default_factory=dict)
    result: Any = None  # what Telegram answered, on success

    def upload(self, name: str) -> Upload:
        """The file sent as parameter `name`, directly or as `attach://...`."""
        value = self.args.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.files[value.removeprefix("attach://")]
        return self.files[name]


@dataclass
class _Failure:
    status: int  # 0: close the connection without answering
    description: str
    retry_after: int | None


@dataclass
class FakeTelegram:
    token: str = BOT_TOKEN
    username: str = BOT_USERNAME
    # chats whose user blocked the bot: every send there is 403
    blocked: set[int] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    # update ids confirmed by getUpdates offsets, in order
    confirmed: list[int] = field(default_factory=list)
    # what the bot registered
    commands: list[dict[str, str]] = field(default_factory=list)
    webhook_url: str = ""
    webhook_secret: str | None = None
    allowed_updates: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bot = TgUser(int(self.token.split(":")[0]), "chatcrm", username=self.username, is_bot=True)
        self._failures: dict[str, deque[_Failure]] = {}
        self._pending: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._closing = False
        self._update_ids = itertools.count(100_000_001)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._open_queries: set[str] = set()
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id → (file_path, bytes)
        self._runner: web.AppRunner | None = None
        self.root_url = ""

    # -- knobs and records ------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API root, for TELEGRAM_API_BASE_URL."""
        return self.root_url

    def fail_next(
        self, method: str, status: int = 429, retry_after: int = 1, count: int = 1, description: str | None = None
    ) -> None:
        """The next `count` calls of `method` fail with `status` (429 carries `retry_after`);
        status 0 closes the connection without an answer, a network error mid-request."""
        if status == 429:
            text = description or f"Too Many Requests: retry after {retry_after}"
        else:
            text = description or _DESCRIPTIONS.get(status, "Internal Server Error")
        queue = self._failures.setdefault(method, deque())
        for _ in range(count):
            queue.append(_Failure(status, text, retry_after if status == 429 else None))

    def calls_to(self, method: str, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def sent_texts(self, chat: int | None = None) -> list[str]:
        """The texts the bot delivered (sendMessage answered 200), to one chat or all."""
        return [c.args["text"] for c in self.calls_to("sendMessage") if chat is None or c.args["chat_id"] == chat]

    @property
    def pending(self) -> list[int]:
        """Ids of queued updates not yet confirmed."""
        return [u["update_id"] for u in self._pending]

    def queue(self, *updates: dict[str, Any]) -> None:
        """Updates for getUpdates; a long poll waiting now is answered at once."""
        self._pending.extend(updates)
        self._arrived.set()

    async def push(self, update: dict[str, Any], http: httpx.AsyncClient) -> httpx.Response:
        """Deliver `update` to the webhook the bot set, with the secret it set, as Telegram does."""
        assert self.webhook_url, "no webhook set"
        return await post_update(http, self.webhook_url, update, self.webhook_secret)

    # -- updates as Telegram sends them -----------------------------------------------------

    def text(self, user: TgUser, text: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        message = self._message(user, user.private_chat(), text=text)
        if entities:
            message["entities"] = entities
        return self._update(message=message)

    def command(self, user: TgUser, name: str = "start", payload: str = "") -> dict[str, Any]:
        text = f"/{name}" + (f" {payload}" if payload else "")
        return self.text(user, text, [{"offset": 0, "length": len(name) + 1, "type": "bot_command"}])

    def contact(self, user: TgUser, phone: str, owner: TgUser | None = None, with_user_id: bool = True) -> dict[str, Any]:
        """`user` shares a contact card: their own (the share-contact button) unless `owner` is
        someone else. Telegram sends the number without "+" when it comes from the button."""
        owner = owner or user
        card: dict[str, Any] = {"phone_number": phone, "first_name": owner.first_name}
        if owner.last_name:
            card["last_name"] = owner.last_name
        if with_user_id:
            card["user_id"] = owner.id
        return self._update(message=self._message(user, user.private_chat(), contact=card))

    def button(self, user: TgUser, data: str, on: Call | None = None) -> dict[str, Any]:
        """`user` presses the inline button with `data` under the bot message sent by `on`
        (a sendMessage call), or under a fresh bot message in their private chat."""
        if on is not None:
            message = dict(on.result)
        else:
            message = {
                "message_id": next(self._message_ids),
                "from": self.bot.as_json(),
                "chat": user.private_chat(),
                "date": int(time.time()) - 5,
                "text": "Choose one:",
                "reply_markup": {"inline_keyboard": [[{"text": data, "callback_data": data}]]},
            }
        query_id = f"{user.id}{next(self._query_ids):09d}"
        self._open_queries.add(query_id)
        query = {
            "id": query_id,
            "from": user.as_json(),
            "message": message,
            "chat_instance": f"-{abs(hash((user.id, message['chat']['id']))) % 10**18}",
            "data": data,
        }
        return self._update(callback_query=query)

    def group_text(self, user: TgUser, text: str, group_id: int = -1001234567890, title: str = "Sales team") -> dict[str, Any]:
        chat = {"id": group_id, "title": title, "type": "supergroup" if str(group_id).startswith("-100") else "group"}
        return self._update(message=self._message(user, chat, text=text))

    def photo(self, user: TgUser, caption: str | None = None) -> dict[str, Any]:
        sizes = [
            {"file_id": f"AgACAgIAAxkBAAI{n}", "file_unique_id": f"AQAD{n}", "file_size": size, "width": w, "height": h}
            for n, (size, w, h) in enumerate(((1342, 90, 67), (18234, 320, 240), (72011, 800, 600)))
        ]
        extra: dict[str, Any] = {"photo": sizes}
        if caption:
            extra["caption"] = caption
        return self._update(message=self._message(user, user.private_chat(), **extra))

    def sticker(self, user: TgUser) -> dict[str, Any]:
        sticker = {
            "file_id": "CAACAgIAAxkBAAIBsticker", "file_unique_id": "AgADsticker", "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "👍",
            "set_name": "HotCherry", "file_size": 22510,
        }  # fmt: skip
        return self._update(message=self._message(user, user.private_chat(), sticker=sticker))

    def _message(self, user: TgUser, chat: dict[str, Any], **content: Any) -> dict[str, Any]:
        return {"message_id": next(self._message_ids), "from": user.as_json(), "chat": chat, "date": int(time.time()), **content}

    def _update(self, **kind: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **kind}

    # -- server -----------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.root_url = f"http://{host}:{port}"
        return self

    async def close(self) -> None:
        self._closing = True
        self._arrived.set()  # long polls answer now
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- handlers ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args, files = await _arguments(request)
        call = Call(method, args, 200, files)
        self.calls.append(call)
        token = request.match_info["token"]
        if token != self.token:
            call.status = 404 if not _TOKEN_SHAPE.match(token) else 401
            return _error(call.status, _DESCRIPTIONS[call.status])
        failure = self._take_failure(method)
        if failure is not None:
            call.status = failure.status
            if failure.status == 0:
                assert request.transport is not None
                request.transport.abort()  # no status line, no body: a dropped connection
                return web.Response()
            return _error(failure.status, failure.description, failure.retry_after)
        answer = getattr(self, "_" + method, None)
        if answer is None:
            call.status = 404
            return _error(404, "Not Found")
        response: web.Response = await answer(call)
        call.status = response.status
        if response.status == 200:
            call.result = json.loads(response.text or "{}").get("result")
        return response

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        for file_path, data in self.files.values():
            if file_path == path:
                return web.Response(body=data, content_type="application/octet-stream")
        return _error(404, "Not Found")

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        return queue.popleft() if queue else None

    # -- the methods ------------------------------------------------------------------------

    async def _getMe(self, call: Call) -> web.Response:
        me = {
            **self.bot.as_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        return _ok(me)

    async def _setMyCommands(self, call: Call) -> web.Response:
        commands = call.args.get("commands")
        if not isinstance(commands, list) or not all(isinstance(c, dict) and c.get("command") and c.get("description") for c in commands):
            return _error(400, "Bad Request: can't parse BotCommand array")
        for item in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", item["command"]):
                return _error(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands = commands
        return _ok(True)

    async def _getMyCommands(self, call: Call) -> web.Response:
        return _ok(self.commands)

    async def _setWebhook(self, call: Call) -> web.Response:
        url = str(call.args.get("url") or "")
        secret = call.args.get("secret_token")
        if url and not url.startswith("https://"):
            return _error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            return _error(400, "Bad Request: secret token contains unallowed characters")
        was = self.webhook_url
        self.webhook_url, self.webhook_secret = url, (str(secret) if secret is not None else None)
        self.allowed_updates = list(call.args.get("allowed_updates") or [])
        if call.args.get("drop_pending_updates"):
            self._confirm_below(next(self._update_ids))
        description = "Webhook was set" if url else ("Webhook was deleted" if was else "Webhook is already deleted")
        return _ok(True, description)

    async def _deleteWebhook(self, call: Call) -> web.Response:
        was = self.webhook_url
        self.webhook_url, self.webhook_secret = "", None
        if call.args.get("drop_pending_updates"):
            self._confirm_below(next(self._update_ids))
        return _ok(True, "Webhook was deleted" if was else "Webhook is already deleted")

    async def _getWebhookInfo(self, call: Call) -> web.Response:
        info: dict[str, Any] = {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._pending)}
        if self.allowed_updates:
            info["allowed_updates"] = self.allowed_updates
        return _ok(info)

    async def _getUpdates(self, call: Call) -> web.Response:
        if self.webhook_url:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
        offset = int(call.args.get("offset") or 0)
        limit = max(1, min(100, int(call.args.get("limit") or 100)))
        timeout = float(call.args.get("timeout") or 0)
        if offset > 0:
            self._confirm_below(offset)
        elif offset < 0:  # only the last -offset updates remain
            keep = self._pending[offset:]
            self._confirm_below(keep[0]["update_id"] if keep else next(self._update_ids))
        if "allowed_updates" in call.args:
            self.allowed_updates = list(call.args["allowed_updates"] or [])
        deadline = time.monotonic() + timeout
        while not self._pending and not self._closing and time.monotonic() < deadline:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                break
        return _ok(self._pending[:limit])

    def _confirm_below(self, offset: int) -> None:
        self.confirmed.extend(u["update_id"] for u in self._pending if u["update_id"] < offset)
        self._pending = [u for u in self._pending if u["update_id"] >= offset]

    async def _sendMessage(self, call: Call) -> web.Response:
        chat, refusal = self._chat(call)
        if refusal is not None:
            return refusal
        text = str(call.args.get("text") or "")
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if _utf16_len(text) > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        markup, refusal = _markup(call.args.get("reply_markup"))
        if refusal is not None:
            return refusal
        message = self._sent(chat, text=text)
        if markup and "inline_keyboard" in markup:  # Telegram echoes inline keyboards only
            message["reply_markup"] = markup
        return _ok(message)

    async def _sendPhoto(self, call: Call) -> web.Response:
        return await self._send_file(call, "photo")

    async def _sendDocument(self, call: Call) -> web.Response:
        return await self._send_file(call, "document")

    async def _send_file(self, call: Call, kind: str) -> web.Response:
        chat, refusal = self._chat(call)
        if refusal is not None:
            return refusal
        try:
            upload = call.upload(kind)
        except KeyError:
            if isinstance(call.args.get(kind), str) and str(call.args[kind]) in self.files:
                upload = Upload(None, "application/octet-stream", self.files[str(call.args[kind])][1])
            else:
                return _error(400, f"Bad Request: there is no {kind} in the request")
        caption = str(call.args.get("caption") or "")
        if _utf16_len(caption) > MAX_CAPTION:
            return _error(400, "Bad Request: message caption is too long")
        if not upload.data:
            return _error(400, "Bad Request: file must be non-empty")
        if kind == "photo" and not upload.data.startswith(_IMAGE_MAGIC):
            return _error(400, "Bad Request: IMAGE_PROCESS_FAILED")
        markup, refusal = _markup(call.args.get("reply_markup"))
        if refusal is not None:
            return refusal
        number = next(self._file_ids)
        file_id, unique = f"BQACAgIAAxkDAAI{number:06d}", f"AgAD{number:06d}"
        folder = "photos" if kind == "photo" else "documents"
        self.files[file_id] = (f"{folder}/file_{number}{_suffix(upload.filename)}", upload.data)
        content: dict[str, Any]
        if kind == "photo":
            content = {"photo": [{"file_id": file_id, "file_unique_id": unique, "file_size": len(upload.data), "width": 800, "height": 600}]}
        else:
            content = {"document": {"file_id": file_id, "file_unique_id": unique, "file_size": len(upload.data), "mime_type": upload.content_type}}
            if upload.filename:
                content["document"]["file_name"] = upload.filename
        if caption:
            content["caption"] = caption
        message = self._sent(chat, **content)
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return _ok(message)

    async def _getFile(self, call: Call) -> web.Response:
        file_id = str(call.args.get("file_id") or "")
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        return _ok({"file_id": file_id, "file_unique_id": "AgAD" + file_id[-6:], "file_size": len(data), "file_path": path})

    async def _answerCallbackQuery(self, call: Call) -> web.Response:
        query_id = str(call.args.get("callback_query_id") or "")
        if query_id not in self._open_queries:
            return _error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._open_queries.discard(query_id)
        return _ok(True)

    def _chat(self, call: Call) -> tuple[dict[str, Any], web.Response | None]:
        chat_id = call.args.get("chat_id")
        if chat_id in (None, ""):
            return {}, _error(400, "Bad Request: chat_id is empty")
        if chat_id in self.blocked:
            return {}, _error(403, _DESCRIPTIONS[403])
        if isinstance(chat_id, int) and chat_id > 0:
            return {"id": chat_id, "first_name": "Customer", "type": "private"}, None
        if isinstance(chat_id, int):
            return {"id": chat_id, "title": "Group", "type": "supergroup"}, None
        return {}, _error(400, "Bad Request: chat not found")

    def _sent(self, chat: dict[str, Any], **content: Any) -> dict[str, Any]:
        return {"message_id": next(self._message_ids), "from": self.bot.as_json(), "chat": chat, "date": int(time.time()), **content}


async def post_update(http: httpx.AsyncClient, url: str, update: dict[str, Any], secret: str | None) -> httpx.Response:
    """POST one update to a webhook as Telegram does: JSON, with the secret token header."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return await http.post(url, content=json.dumps(update), headers=headers)


async def _arguments(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parameters as a bot library sends them: query string, JSON, url-encoded or multipart;
    form values are typed as Telegram types them (numbers, booleans, JSON objects)."""
    args: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            args.update(await request.json())
            return args, files
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name is None:
                    continue
                data = await part.read()  # type: ignore[union-attr]
                if part.filename is not None:
                    content_type = part.headers.get("Content-Type", "application/octet-stream")
                    files[part.name] = Upload(part.filename, content_type, bytes(data))
                else:
                    args[part.name] = bytes(data).decode("utf-8")
        else:
            args.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    return {key: _typed(key, value) for key, value in args.items()}, files


def _typed(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_FIELDS:
        return json.loads(value)
    if key in _BOOL_FIELDS:
        return value.lower() == "true"
    if key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


def _markup(markup: Any) -> tuple[dict[str, Any] | None, web.Response | None]:
    if markup is None:
        return None, None
    if isinstance(markup, str):
        markup = json.loads(markup)
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if not button.get("text"):
                return None, _error(400, "Bad Request: text buttons are unallowed in the inline keyboard")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
                return None, _error(400, "Bad Request: BUTTON_DATA_INVALID")
    for row in markup.get("keyboard", []):
        for button in row:
            if not (button if isinstance(button, str) else button.get("text")):
                return None, _error(400, "Bad Request: keyboard button text is empty")
    return markup, None


def _suffix(filename: str | None) -> str:
    return "." + filename.rsplit(".", 1)[1] if filename and "." in filename else ""


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _ok(result: Any, description: str | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": True, "result": result}
    if description:
        body["description"] = description
    return web.json_response(body)


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)
