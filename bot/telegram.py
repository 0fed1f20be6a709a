"""The Telegram channel: updates in (webhook or long polling), replies out (the outbox sender
calls `TelegramSender.send`), through python-telegram-bot.

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
import contextvars
import hmac
import json
import logging
import traceback
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

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
from telegram.warnings import PTBDeprecationWarning

from bot.ports import PermanentError, RetryAfter, TransientError
from config.settings import Settings
from intents.gateway import Gateway
from intents.messages import AnyReply, AskContact, Choice, Choices, Destination, File, Image, IncomingMessage, Text

log = logging.getLogger(__name__)

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
# an update that failed while polling is tried again this many times (a webhook answers 500
# instead, and Telegram delivers it again)
POLLING_RETRIES = 3

# set by the webhook route while it processes one update: the error handler records failures
# here, so that the route can answer 500 and Telegram redelivers the update
_FAILURES: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("telegram_failures", default=None)

Context = ContextTypes.DEFAULT_TYPE


class TelegramAdapter:
    """One bot: an Application fed by the webhook route or by long polling, and a sender."""

    def __init__(
        self,
        settings: Settings,
        gateway: Gateway,
        *,
        wake: Callable[[], None] | None = None,
        rate_limit_retries: int = 2,
        poll_timeout: float = 10.0,
    ) -> None:
        if not settings.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.settings = settings
        self.gateway = gateway
        # called after an update was handled (replies may wait in the outbox): wakes the sender
        self.wake = wake
        self.poll_timeout = poll_timeout
        self.webhook_url = settings.telegram_webhook_url
        self.webhook_path = urlsplit(self.webhook_url).path if self.webhook_url else DEFAULT_WEBHOOK_PATH
        self.webhook_path = self.webhook_path or DEFAULT_WEBHOOK_PATH
        base = settings.telegram_api_base_url.rstrip("/")
        builder = (
            Application.builder()
            .token(settings.telegram_bot_token)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .rate_limiter(AIORateLimiter(max_retries=rate_limit_retries))
            .job_queue(None)
        )
        if self.webhook_url:
            builder = builder.updater(None)
        self.application: Application = builder.build()  # type: ignore[type-arg]
        self._retries: dict[int, int] = {}
        self._add_handlers()

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        _keep_secrets_out_of_logs()
        app = self.application
        await app.initialize()
        try:
            await app.bot.set_my_commands([BotCommand(name, about) for name, about in COMMANDS])
        except tg_error.TelegramError as error:  # the command menu is a convenience, not a reason to stop
            log.warning("telegram setMyCommands failed error=%s", type(error).__name__)
        if self.webhook_url:
            await app.bot.set_webhook(
                self.webhook_url,
                secret_token=self.settings.telegram_webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )
            log.info("telegram webhook set path=%s", self.webhook_path)
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=timedelta(seconds=self.poll_timeout), allowed_updates=list(ALLOWED_UPDATES)
            )
            log.info("telegram long polling started")
        await app.start()

    async def stop(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    @property
    def sender(self) -> TelegramSender:
        return TelegramSender(self.application.bot)

    # -- webhook ----------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [Route(self.webhook_path, self._webhook, methods=["POST"])]

    async def _webhook(self, request: Request) -> Response:
        secret = self.settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("telegram webhook refused: wrong or missing secret token")
            return Response(status_code=403)
        if int(request.headers.get("content-length") or 0) > MAX_UPDATE_BYTES:
            return Response(status_code=413)
        body = await request.body()
        try:
            data = json.loads(body)
            update = Update.de_json(data, self.application.bot)
        except Exception as error:  # not an update: Telegram never sends this, so no retry
            log.warning("telegram webhook: unreadable update error=%s", type(error).__name__)
            return Response(status_code=400)
        failures: list[str] = []
        token = _FAILURES.set(failures)
        try:
            await self.application.process_update(update)
        finally:
            _FAILURES.reset(token)
        # nothing was committed for a failed update: 500 makes Telegram deliver it again
        return Response(status_code=500 if failures else 200)

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
        incoming = _incoming(update, message, message.text or "")
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
            received_at=datetime.now(UTC),  # the press, not the message the button was on
        )
        await self._converse(incoming, query.from_user)
        self._handled(update, "button")

    async def _on_contact(self, update: Update, context: Context) -> None:
        message, user = _message_and_user(update)
        if message is None or user is None:
            return
        contact = message.contact
        assert contact is not None
        incoming = _incoming(update, message, "")
        reply_to = _destination(message.chat_id)
        staff = await self._call(self.gateway.staff_id, CHANNEL, str(user.id))
        if contact.user_id != user.id or staff is not None:
            await self._call(self.gateway.notice, incoming, reply_to, FOREIGN_CONTACT_NOTE if staff is None else UNSUPPORTED_NOTE)
        else:
            name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
            await self._call(self.gateway.customer_shares_contact, incoming, reply_to, user.id, contact.phone_number, name)
        self._handled(update, "contact")

    async def _on_command(self, update: Update, context: Context) -> None:
        message, user = _message_and_user(update)
        if message is None or user is None:
            return
        command = (message.text or "").split()[0].lstrip("/").split("@")[0].lower()
        incoming = _incoming(update, message, COMMAND_WORDS.get(command, command))
        if command == "start":
            staff = await self._call(self.gateway.staff_id, CHANNEL, str(user.id))
            if staff is None:
                await self._call(self.gateway.customer_start, incoming, _destination(message.chat_id), user.id)
            else:
                await self._call(self.gateway.staff_message, incoming, staff, _destination(message.chat_id))
        else:
            await self._converse(incoming, user)
        self._handled(update, "command")

    async def _on_text(self, update: Update, context: Context) -> None:
        message, user = _message_and_user(update)
        if message is None or user is None:
            return
        await self._converse(_incoming(update, message, message.text or ""), user)
        self._handled(update, "text")

    async def _on_other(self, update: Update, context: Context) -> None:
        message, user = _message_and_user(update)
        if message is None or user is None:
            return
        await self._call(self.gateway.notice, _incoming(update, message, ""), _destination(message.chat_id), UNSUPPORTED_NOTE)
        self._handled(update, "unsupported")

    async def _converse(self, incoming: IncomingMessage, user: User) -> None:
        reply_to = _destination(incoming.chat)
        staff = await self._call(self.gateway.staff_id, CHANNEL, incoming.user)
        if staff is not None:
            await self._call(self.gateway.staff_message, incoming, staff, reply_to)
        else:
            await self._call(self.gateway.customer_message, incoming, reply_to, user.id, user.full_name)

    async def _on_error(self, update: object, context: Context) -> None:
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        # the exception's text may quote user data (SQL parameters, input): its type and frames only
        frames = "".join(traceback.format_tb(error.__traceback__)) if error is not None else ""
        log.error("telegram update failed update=%s error=%s\n%s", update_id, type(error).__name__, frames)
        failures = _FAILURES.get()
        if failures is not None:
            failures.append(type(error).__name__)
        elif isinstance(update, Update):
            self._retry_later(update)

    def _retry_later(self, update: Update) -> None:
        """Polling has confirmed the update to Telegram already: try it again here, a few times."""
        attempts = self._retries.get(update.update_id, 0) + 1
        if attempts > POLLING_RETRIES:
            self._retries.pop(update.update_id, None)
            log.error("telegram update dropped after %s attempts update=%s", POLLING_RETRIES, update.update_id)
            return
        self._retries[update.update_id] = attempts

        async def again() -> None:
            await asyncio.sleep(2**attempts)
            await self.application.update_queue.put(update)

        self.application.create_task(again(), name=f"telegram-retry-{update.update_id}")

    def _handled(self, update: Update, kind: str) -> None:
        self._retries.pop(update.update_id, None)
        log.info("telegram update handled update=%s kind=%s", update.update_id, kind)
        if self.wake is not None:
            self.wake()

    @staticmethod
    async def _call(function: Callable[..., object], *args: object) -> object:
        # the gateway is synchronous (database, language model): off the event loop
        return await asyncio.to_thread(function, *args)


def _message_and_user(update: Update) -> tuple[Message | None, User | None]:
    message = update.message
    user = message.from_user if message is not None else None
    if user is None or user.is_bot:
        return None, None
    return message, user


def _incoming(update: Update, message: Message, text: str) -> IncomingMessage:
    user = message.from_user
    return IncomingMessage(
        channel=CHANNEL,
        chat=str(message.chat_id),
        user=str(user.id) if user is not None else str(message.chat_id),
        text=text,
        event_id=str(update.update_id),
        received_at=message.date,
    )


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
        self, chat: int | str, text: str, markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None
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
