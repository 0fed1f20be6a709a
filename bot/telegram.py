"""The Telegram channel: updates in (webhook or long polling), replies out (the outbox sender
calls `TelegramSender.send`), through python-telegram-bot.

In: the webhook route (secret token checked, 403 otherwise) or the poller stores each update
in the inbox and only then answers 200 or confirms the offset; the inbox worker hands it
back to `handle`, which runs it through the Application's handlers. What Telegram never
sends (not UTF-8 or JSON, nested too deep, an update_id out of range, numbers past 64 bits,
no Update for PTB) is never stored: the webhook answers 400, the poller skips and confirms
it, each with one log line.

    update ─┬─ not a private chat ............ gateway.notice (one polite note)
            ├─ button pressed ................ answerCallbackQuery, then its data as text
            ├─ /start ........................ staff: dialogue ("hello"); else customer_start
            ├─ shared contact (their own) .... gateway.customer_shares_contact
            ├─ text .......................... staff: dialogue; else customer_message
            └─ anything else ................. gateway.notice (text only, please)

It only translates. Who the user is, what a message means and what it changes are the
gateway's business; replies reach the outbox in the gateway's transaction, and the update id
is the event id, so a redelivered update has its effect once.

Logs carry ids only: never message text, names or phone numbers.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hmac
import json
import logging
import math
import os
import traceback
import warnings
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)
from telegram import error as tg_error
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.http_body import read_at_most as _read_at_most
from bot.inbox import InboxWorker
from bot.ports import PermanentError, RetryAfter, StartupError, TransientError
from config.settings import Settings
from crm_core.clock import Clock, SystemClock
from intents.gateway import Gateway
from intents.identity import Account
from intents.messages import (
    AnyReply,
    AskContact,
    Choice,
    Choices,
    ContactLinked,
    Destination,
    File,
    Image,
    IncomingMessage,
    Text,
)

log = logging.getLogger(__name__)
_T = TypeVar("_T")

CHANNEL = "telegram"
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ("message", "callback_query")
COMMANDS = (
    ("start", "Start, or link this chat to your account"),
    ("help", "What I can do"),
    ("cancel", "Drop the current request"),
)
# commands as the words the dialogue understands
COMMAND_WORDS = {"start": "hello", "help": "help", "cancel": "cancel"}

GROUP_NOTE = "Hi! I only talk in private chats. Please send me a direct message."
UNSUPPORTED_NOTE = "Sorry, I can only read text messages. Please type your message."
FOREIGN_CONTACT_NOTE = (
    "Please share your own phone number with the button below the message, or type your e-mail address."
)
SHARE_PHONE_LABEL = "Share my phone number"

MAX_TEXT = 4096  # Telegram's limit for one message, in UTF-16 code units
MAX_CALLBACK_DATA = 64  # bytes
MAX_BUTTONS = 100
MAX_CAPTION = 1024
MAX_UPDATE_BYTES = 1_000_000
MAX_UPDATE_ID = 2**31 - 1  # update ids are positive and fit in 32 bits (Bot API)
POLL_READ_MARGIN_S = 10  # how much longer than the long poll's timeout an answer may take
MAX_DEPTH = 32  # an update nests a dozen levels at most (a button in a keyboard in a reply)
# set by `handle` while it processes one update: the error handler records failures here,
# so that the inbox tries the update again later
_FAILURES: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("telegram_failures", default=None)

Context = ContextTypes.DEFAULT_TYPE


class TelegramAdapter:
    """One bot: updates stored in the inbox by the webhook route or the poller, handled by
    the Application afterwards (`handle`), and a sender."""

    def __init__(
        self,
        settings: Settings,
        gateway: Gateway,
        inbox: InboxWorker,
        *,
        rate_limit_retries: int = 2,
        poll_timeout: int = 10,
        clock: Clock | None = None,
    ) -> None:
        if not settings.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        # PTB 22 warns inside its own RetryAfter() unless retry_after is a timedelta (its next
        # major version's default); _retry_seconds reads either
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        _keep_secrets_out_of_logs()  # Bot() logs its URLs, token included, at DEBUG
        self.settings = settings
        self.gateway = gateway
        self.inbox = inbox
        self.poll_timeout = poll_timeout
        self.clock: Clock = clock or SystemClock()
        self.webhook_url = settings.telegram_webhook_url
        self.webhook_path = urlsplit(self.webhook_url).path if self.webhook_url else DEFAULT_WEBHOOK_PATH
        self.webhook_path = self.webhook_path or DEFAULT_WEBHOOK_PATH
        base = settings.telegram_api_base_url.rstrip("/")
        # No Updater: our poller stores each update before it confirms it (PTB's Updater
        # confirms an update as soon as it is queued in memory, so a crash would lose it).
        self.application: Application = (  # type: ignore[type-arg]
            Application.builder()
            .token(settings.telegram_bot_token)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .rate_limiter(AIORateLimiter(max_retries=rate_limit_retries))
            .job_queue(None)
            .updater(None)
            .build()
        )
        self._poller: asyncio.Task[None] | None = None
        self._sender = TelegramSender(self.application.bot)
        inbox.register(CHANNEL, self.handle, self.given_up)
        self._add_handlers()

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        _keep_secrets_out_of_logs()  # again: logging may have been configured since
        app = self.application
        base = self.settings.telegram_api_base_url
        try:
            await app.initialize()  # getMe: the token, and the API in reach
        except tg_error.TelegramError as error:
            await app.bot.shutdown()  # its connections are open; the Application's shutdown skips it
            raise StartupError(_startup_failure("getMe", error, base)) from None
        try:
            await app.bot.set_my_commands([BotCommand(name, about) for name, about in COMMANDS])
        except tg_error.TelegramError as error:  # the command menu is a convenience, not a reason to stop
            log.warning("telegram setMyCommands failed error=%s", type(error).__name__)
        if self.webhook_url:
            try:
                await app.bot.set_webhook(
                    self.webhook_url,
                    secret_token=self.settings.telegram_webhook_secret,
                    allowed_updates=list(ALLOWED_UPDATES),
                )
            except tg_error.TelegramError as error:
                raise StartupError(_startup_failure("setWebhook", error, base)) from None
            log.info("telegram webhook set path=%s", self.webhook_path)
        await app.start()

    async def stop(self) -> None:
        await self.stop_polling()
        app = self.application
        if app.running:
            await app.stop()
        await app.shutdown()

    async def start_polling(self) -> None:
        """Long polling, on the leader only (Telegram allows one getUpdates at a time)."""
        if self.webhook_url is None and self._poller is None:
            self._poller = asyncio.create_task(self._poll(), name="telegram-poller")

    async def stop_polling(self) -> None:
        poller, self._poller = self._poller, None
        if poller is not None:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller

    @property
    def sender(self) -> TelegramSender:
        return self._sender

    # -- in: store first --------------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [Route(self.webhook_path, self._webhook, methods=["POST"])]

    async def _webhook(self, request: Request) -> Response:
        secret = self.settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("telegram webhook refused: wrong or missing secret token")
            return Response(status_code=403)
        body = await _read_at_most(request, MAX_UPDATE_BYTES)
        if body is None:
            log.warning("telegram webhook refused: body over %d bytes", MAX_UPDATE_BYTES)
            return Response(status_code=413)
        try:
            # parsing a megabyte (or failing on one nested a thousand deep) is CPU work: off
            # the event loop
            data, update = await asyncio.to_thread(read_update, body, self.application.bot)
        except UnreadableUpdate as error:  # Telegram never sends this; a 4xx is not retried
            log.warning("telegram webhook refused: unreadable update reason=%s", error)
            return Response(status_code=400)
        # a database error here propagates (500): Telegram then delivers the update again
        await self.inbox.accept(CHANNEL, str(update.update_id), _chat_key(update), data)
        return Response(status_code=200)

    async def _poll(self) -> None:
        """getUpdates in a loop; an update is confirmed (the next call's offset) only after it
        is stored, so a crash at any point makes Telegram send it again."""
        bot = self.application.bot
        offset: int | None = None
        pause = 1.0
        with contextlib.suppress(tg_error.TelegramError):
            await bot.delete_webhook()  # polling and a webhook exclude each other
        # do_api_request("getUpdates") is meant: the raw updates (see below)
        warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)
        log.info("telegram long polling started")
        while True:
            try:
                # the raw updates, not Bot.get_updates: one malformed update would fail the
                # whole batch there (logged with its content), again on every call
                asked = {"offset": offset, "timeout": self.poll_timeout, "allowed_updates": list(ALLOWED_UPDATES)}
                batch = await bot.do_api_request("getUpdates", asked, read_timeout=self.poll_timeout + POLL_READ_MARGIN_S)
                before = offset
                for data in batch if isinstance(batch, list) else [batch]:
                    try:
                        update = await asyncio.to_thread(update_from, data, bot)
                    except UnreadableUpdate as error:  # Telegram never sends this: skipped, confirmed
                        skipped = _update_id(data)
                        log.warning("telegram polling: unreadable update skipped update=%s reason=%s", skipped, error)
                        offset = offset if skipped is None else skipped + 1
                        continue
                    await self.inbox.accept(CHANNEL, str(update.update_id), _chat_key(update), data)
                    offset = update.update_id + 1
                if batch and offset == before:  # nothing could be confirmed: not again at once
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 30.0)
                    continue
                pause = 1.0
            except asyncio.CancelledError:
                raise
            except tg_error.RetryAfter as error:
                await asyncio.sleep(_retry_seconds(error))
            except Exception as error:  # noqa: BLE001  (network, 5xx, a conflicting poller, the database)
                log.warning("telegram polling failed error=%s; again in %.0f s", type(error).__name__, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)

    async def handle(self, payload: dict[str, Any]) -> None:
        """One stored update, through the Application's handlers (the inbox worker calls
        this). A handler that failed raises here, so the inbox tries again later."""
        try:
            update = update_from(payload, self.application.bot)
        except UnreadableUpdate as error:  # stored before updates were checked on the way in
            log.warning("telegram stored update unreadable, skipped update=%s reason=%s", _update_id(payload), error)
            return
        failures: list[str] = []
        token = _FAILURES.set(failures)
        try:
            await self.application.process_update(update)
        finally:
            _FAILURES.reset(token)
        if failures:
            raise UpdateFailed(failures[0])

    async def given_up(self, payload: dict[str, Any]) -> None:
        """A stored update whose last try failed (the inbox worker calls this): a person in a
        private chat is told, once, that the message could not be processed."""
        update = Update.de_json(payload, self.application.bot)
        chat, user = update.effective_chat, update.effective_user
        if chat is None or chat.type != "private" or user is None or user.is_bot:
            return
        incoming = IncomingMessage(CHANNEL, str(chat.id), str(user.id), "", event_id=str(update.update_id), received_at=self.clock())
        await self._call(self.gateway.failed, incoming, _destination(chat.id))

    # -- handlers: translation only ---------------------------------------------------------

    def _add_handlers(self) -> None:
        private = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
        not_private = (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST) & ~filters.ChatType.PRIVATE
        app = self.application
        app.add_handler(MessageHandler(not_private, self._on_not_private))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(MessageHandler(private & filters.CONTACT, self._on_contact))
        app.add_handler(CommandHandler(list(COMMAND_WORDS), self._on_command, filters=private))
        app.add_handler(MessageHandler(private & filters.TEXT, self._on_text))
        app.add_handler(MessageHandler(private, self._on_other))
        app.add_error_handler(self._on_error)

    async def _on_not_private(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or (message.from_user is not None and message.from_user.is_bot):
            return
        incoming = _incoming(update, message, self.clock(), message.text or "")
        await self._call(self.gateway.notice, incoming, _destination(message.chat_id), GROUP_NOTE)
        self._handled(update, "not_private")

    async def _on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        try:
            await query.answer()
        except tg_error.TelegramError as error:  # too old, or answered before a redelivery
            log.info("telegram callback answer failed update=%s error=%s", update.update_id, type(error).__name__)
        message = query.message
        if message is None or message.chat.type != "private" or not query.data or query.from_user.is_bot:
            self._handled(update, "button_ignored")
            return
        incoming = IncomingMessage(
            channel=CHANNEL,
            chat=str(message.chat.id),
            user=str(query.from_user.id),
            text=query.data,
            event_id=str(update.update_id),
            received_at=self.clock(),  # the press, not the message the button was on
        )
        await self._converse(incoming, query.from_user)
        self._handled(update, "button")

    async def _on_contact(self, update: Update, context: Context) -> None:
        message, user = _message_and_user(update)
        if message is None or user is None:
            return
        contact = message.contact
        assert contact is not None
        incoming = _incoming(update, message, self.clock(), "")
        reply_to = _destination(message.chat_id)
        name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
        account = Account(CHANNEL, str(user.id), name)
        staff = (await self._call(self.gateway.who, account)).is_staff
        if contact.user_id != user.id or staff:
            await self._call(self.gateway.notice, incoming, reply_to, UNSUPPORTED_NOTE if staff else FOREIGN_CONTACT_NOTE)
        else:
            await self._call(self.gateway.share_contact, incoming, account, reply_to, contact.phone_number)
        self._handled(update, "contact")

    async def _on_command(self, update: Update, context: Context) -> None:
        message, user = _message_and_user(update)
        if message is None or user is None:
            return
        command = (message.text or "").split()[0].lstrip("/").split("@")[0].lower()
        incoming = _incoming(update, message, self.clock(), COMMAND_WORDS.get(command, command))
        if command == "start":
            await self._call(self.gateway.start, incoming, _account(user), _destination(message.chat_id))
        else:
            await self._converse(incoming, user)
        self._handled(update, "command")

    async def _on_text(self, update: Update, context: Context) -> None:
        message, user = _message_and_user(update)
        if message is None or user is None:
            return
        await self._converse(_incoming(update, message, self.clock(), message.text or ""), user)
        self._handled(update, "text")

    async def _on_other(self, update: Update, context: Context) -> None:
        message, user = _message_and_user(update)
        if message is None or user is None:
            return
        await self._call(self.gateway.notice, _incoming(update, message, self.clock(), ""), _destination(message.chat_id), UNSUPPORTED_NOTE)
        self._handled(update, "unsupported")

    async def _converse(self, incoming: IncomingMessage, user: User) -> None:
        await self._call(self.gateway.converse, incoming, _account(user), _destination(incoming.chat))

    async def _on_error(self, update: object, context: Context) -> None:
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        # the exception's text may quote user data (SQL parameters, input): its type and frames only
        frames = "".join(traceback.format_tb(error.__traceback__)) if error is not None else ""
        log.error("telegram update failed update=%s error=%s\n%s", update_id, type(error).__name__, frames)
        failures = _FAILURES.get()
        if failures is not None:
            failures.append(type(error).__name__)

    def _handled(self, update: Update, kind: str) -> None:
        log.info("telegram update handled update=%s kind=%s", update.update_id, kind)

    @staticmethod
    async def _call(function: Callable[..., _T], *args: object) -> _T:
        # the gateway is synchronous (database, language model): off the event loop
        return await asyncio.to_thread(function, *args)


class UpdateFailed(Exception):
    """A handler failed on an update (its error class is the message); nothing was committed."""


def _chat_key(update: Update) -> str:
    """The conversation an update belongs to (its chat, else its user), so that one chat's
    updates are handled one at a time and in order."""
    if update.effective_chat is not None:
        return str(update.effective_chat.id)
    if update.effective_user is not None:
        return str(update.effective_user.id)
    return f"update:{update.update_id}"


# -- what Telegram would send ---------------------------------------------------------------


class UnreadableUpdate(ValueError):
    """Not an update Telegram would send; the message says why (never what it contained)."""


def read_update(body: bytes, bot: Bot) -> tuple[dict[str, Any], Update]:
    """A webhook body: the update as JSON data and as PTB's Update. UnreadableUpdate when it is
    no UTF-8, no JSON (a number past Python's digit limit, NaN), nested too deep to parse or
    no update (`update_from`)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableUpdate("not UTF-8") from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise UnreadableUpdate("nested too deep") from None
    except ValueError:
        raise UnreadableUpdate("not JSON") from None
    return data, update_from(data, bot)


def update_from(data: object, bot: Bot) -> Update:
    """PTB's Update of JSON data that is one as Telegram sends it: an object with an update_id
    in Telegram's range, nested at most MAX_DEPTH deep, with 64-bit integers and
    finite numbers. UnreadableUpdate otherwise. (A NUL or a lone surrogate in a
    string is no reason to refuse a message: the inbox cleans them out when it stores it.)"""
    if not isinstance(data, dict):
        raise UnreadableUpdate("not an object")
    if _update_id(data) is None:
        raise UnreadableUpdate("no update_id in range")
    _check_values(data)
    try:
        return Update.de_json(data, bot)
    except Exception:  # noqa: BLE001  (PTB raises KeyError, TypeError, AttributeError ... on junk)
        raise UnreadableUpdate("not an update") from None


def _update_id(data: object) -> int | None:
    """The update's id when it is one Telegram could have given (a positive 32-bit integer)."""
    value = data.get("update_id") if isinstance(data, dict) else None
    return value if type(value) is int and 0 <= value <= MAX_UPDATE_ID else None


def _check_values(data: dict[str, Any]) -> None:
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                raise UnreadableUpdate("nested too deep")
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                raise UnreadableUpdate("nested too deep")
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, int) and not isinstance(value, bool):
            if not -(2**63) <= value < 2**63:
                raise UnreadableUpdate("number out of range")
        elif isinstance(value, float) and not math.isfinite(value):  # 1e999
            raise UnreadableUpdate("number out of range")


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is no JSON")


def _message_and_user(update: Update) -> tuple[Message | None, User | None]:
    message = update.message
    user = message.from_user if message is not None else None
    if user is None or user.is_bot:
        return None, None
    return message, user


def _incoming(update: Update, message: Message, now: datetime, text: str) -> IncomingMessage:
    user = message.from_user
    return IncomingMessage(
        channel=CHANNEL,
        chat=str(message.chat_id),
        user=str(user.id) if user is not None else str(message.chat_id),
        text=text,
        event_id=str(update.update_id),
        received_at=now,  # the product's clock when handled, not Telegram's date
    )


def _account(user: User) -> Account:
    return Account(CHANNEL, str(user.id), user.full_name)


def _destination(chat: int | str) -> Destination:
    return Destination(channel=CHANNEL, chat=str(chat))


def _keep_secrets_out_of_logs() -> None:
    """httpx logs request URLs at INFO (the bot token is in them); python-telegram-bot logs
    updates and request parameters at DEBUG (message text). Neither belongs in our logs."""
    for name, level in (("httpx", logging.WARNING), ("httpcore", logging.WARNING), ("telegram", logging.INFO)):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < level:
            logger.setLevel(level)


# -- sending ------------------------------------------------------------------------------


def _startup_failure(method: str, error: tg_error.TelegramError, base: str) -> str:
    """One line for a call at start that failed; never the token (PTB's InvalidToken
    message quotes it)."""
    if isinstance(error, tg_error.InvalidToken):
        return f"Telegram refused the bot token ({method}: unauthorized): check TELEGRAM_BOT_TOKEN"
    if isinstance(error, tg_error.RetryAfter):
        return f"Telegram asks to wait {_retry_seconds(error):.0f} s ({method}: flood control): start again after that"
    if isinstance(error, tg_error.BadRequest) and method == "setWebhook":
        return f"Telegram refused the webhook ({error.message}): check TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET"
    if isinstance(error, tg_error.TimedOut):
        return f"cannot reach the Telegram Bot API at {base} ({method}: no answer in time): check the network and TELEGRAM_API_BASE_URL"
    if isinstance(error, tg_error.NetworkError) and isinstance(error.__cause__, httpx.HTTPError):
        return f"cannot reach the Telegram Bot API at {base} ({method}: connection failed): check the network and TELEGRAM_API_BASE_URL"
    return f"the Telegram Bot API at {base} failed {method} ({type(error).__name__}): try again later, or check TELEGRAM_API_BASE_URL"


class TelegramSender:
    """bot.ports.Sender for Telegram: renders one reply as Bot API calls.

    Text goes out plain (no parse_mode), so whatever a user typed cannot break markup.
    AIORateLimiter waits out a 429 a few times; a 429 that remains becomes RetryAfter.
    """

    channel = CHANNEL
    per_chat_rate = 1.0
    overall_rate = 30.0

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat: str, thread: str | None, reply: AnyReply) -> str | None:
        try:
            return await self._send(_chat_id(chat), reply)
        except tg_error.RetryAfter as error:
            raise RetryAfter(_retry_seconds(error)) from error
        except (
            tg_error.BadRequest,  # a NetworkError subclass: before it
            tg_error.Forbidden,
            tg_error.InvalidToken,
            tg_error.ChatMigrated,
            tg_error.EndPointNotFound,
        ) as error:
            raise PermanentError(type(error).__name__) from error
        except tg_error.TelegramError as error:  # NetworkError, TimedOut (5xx, timeouts), Conflict
            raise TransientError(type(error).__name__) from error

    async def _send(self, chat: int | str, reply: AnyReply) -> str | None:
        if isinstance(reply, Text):
            return await self._text(chat, reply.text, _inline_keyboard(reply.actions))
        if isinstance(reply, Choices):
            return await self._text(chat, reply.text or "Choose one:", _inline_keyboard(reply.options))
        if isinstance(reply, AskContact):
            keyboard = ReplyKeyboardMarkup(
                [[KeyboardButton(SHARE_PHONE_LABEL, request_contact=True)]],
                one_time_keyboard=True,
                resize_keyboard=True,
            )
            return await self._text(chat, reply.text, keyboard)
        if isinstance(reply, ContactLinked):
            return await self._text(chat, reply.text, ReplyKeyboardRemove())
        if isinstance(reply, Image):
            photo = InputFile(reply.png, filename=f"{_file_stem(reply.title)}.png")
            sent = await self.bot.send_photo(chat, photo, caption=reply.title[:MAX_CAPTION] or None)
            return str(sent.message_id)
        if isinstance(reply, File):
            document = InputFile(reply.content, filename=reply.name)
            sent = await self.bot.send_document(chat, document)
            return str(sent.message_id)
        raise TypeError(f"cannot send {type(reply).__name__}")

    async def _text(
        self, chat: int | str, text: str, markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
    ) -> str | None:
        parts = split_text(text)
        if not parts:
            return None
        last: Message | None = None
        for index, part in enumerate(parts):
            # the buttons go with the last part, under the end of the text
            last = await self.bot.send_message(chat, part, reply_markup=markup if index == len(parts) - 1 else None)
        assert last is not None
        return str(last.message_id)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Parts of at most `limit` UTF-16 code units (Telegram's measure), cut at a line break,
    else at a space, else wherever the limit falls; blank parts are dropped."""
    parts: list[str] = []
    rest = text
    while _utf16_len(rest) > limit:
        end = _prefix_within(rest, limit)
        cut = rest.rfind("\n", 0, end + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, end + 1)
        if cut <= 0:
            head, rest = rest[:end], rest[end:]
        else:
            head, rest = rest[:cut], rest[cut + 1 :]
        if head.strip():
            parts.append(head)
    if rest.strip():
        parts.append(rest)
    return parts


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _prefix_within(text: str, limit: int) -> int:
    """The number of characters of `text` that fit in `limit` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _inline_keyboard(options: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    if not options:
        return None
    rows = [
        [InlineKeyboardButton(option.label or option.value, callback_data=_callback_data(option))]
        for option in options[:MAX_BUTTONS]
    ]
    return InlineKeyboardMarkup(rows)


def _callback_data(option: Choice) -> str:
    """At most 64 bytes of UTF-8, never cut inside a character."""
    value = option.value or option.label
    return value.encode("utf-8")[:MAX_CALLBACK_DATA].decode("utf-8", "ignore")


def _chat_id(chat: str) -> int | str:
    return int(chat) if chat.lstrip("-").isdigit() else chat


def _file_stem(title: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in title.strip().lower()).strip("-")
    return stem[:60] or "image"


def _retry_seconds(error: tg_error.RetryAfter) -> float:
    with warnings.catch_warnings():
        # `retry_after` is an int today and a timedelta tomorrow; either is fine here
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
