"""The Slack channel: Events API, the /crm slash command and button presses in; replies out.

In: one Bolt app (`AsyncApp`) behind Starlette at `POST /slack/events`. Bolt verifies every
request's signature and timestamp (forged or stale → 401) before any listener runs. Each
listener acks at once and hands the work to a tracked asyncio task, so Slack gets its answer
within milliseconds, whatever the database and the language model take:

    DM message (message.im)        → IncomingMessage(chat=D…, thread=thread_ts or None)
    @mention in a channel          → IncomingMessage(chat=C…, thread=thread_ts or ts): answered in the thread
    /crm TEXT                      → IncomingMessage(text=TEXT), answered in the DM with the user
    button press (block_actions)   → IncomingMessage(text=button value) in the message's channel/thread

Who is talking: a staff user linked by Slack id; else one whose e-mail (users.info) is a staff
user's, linked on first contact; else a stranger, who is told to ask an admin. The gateway
records each event id with its effect, so a retried event (same `event_id`) changes nothing.

Out: `SlackSender` renders Reply values for the outbox sender: text escaped for Slack's
mrkdwn (no `<!channel>`, no forged links), buttons as Block Kit, images and files through
files_upload_v2. Errors map to bot.ports: 429 → RetryAfter (after the SDK's own retry handler
has waited out the first one), 5xx and network errors → TransientError, the rest → PermanentError.

Logs carry ids (event, channel, user, outbox) and never message text or profile fields.
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

import aiohttp
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.inbox import InboxWorker
from bot.ports import PermanentError, RetryAfter, TransientError
from config.settings import Settings
from crm_core.clock import SystemClock
from intents.gateway import Gateway
from intents.identity import Account, Actor, Kind
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
    message_from_json,
    message_to_json,
)

log = logging.getLogger(__name__)

CHANNEL = "slack"
EVENTS_PATH = "/slack/events"
COMMAND = "/crm"
ACTION_PREFIX = "crm_choice_"
ANSWER_IN_DM = "I'll answer in our direct messages."
WHO_ARE_YOU_LATER = "Slack did not tell me who you are just now; I have your message and will try again in a moment."

# Block Kit limits (https://api.slack.com/reference/block-kit)
_SECTION_CHARS = 3000
_BUTTON_LABEL_CHARS = 75
_BUTTON_VALUE_CHARS = 2000
_BUTTONS_PER_BLOCK = 25
# Slack's error codes that a later attempt may get past
_TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
# message subtypes that are a person's new message; the rest (edits, deletes, joins, bots) are not
_USER_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


# -- text: Slack's markup in and out -----------------------------------------------------------


def escape(text: str) -> str:
    """Text as Slack shows it literally: no mentions (`<!channel>`), no links, no entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_TAG = re.compile(r"<([^<>]*)>")


def plain_text(text: str, bot_user_id: str | None) -> str:
    """Slack's message markup as the words the user typed: the bot's own mention dropped,
    links and e-mail addresses as their label, entities unescaped."""

    def untag(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            return "" if bot_user_id and target[1:] == bot_user_id else match.group(0)
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):  # <!here>, <!subteam^S123|@sales>
            return label or "@" + target[1:].split("^")[0]
        if target.startswith("mailto:"):
            return label or target.removeprefix("mailto:")
        return label or target

    words = _TAG.sub(untag, text)
    words = words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(words.split())


# -- out: the Sender the outbox sender calls ----------------------------------------------------


class SlackSender:
    """Renders replies with chat.postMessage and files_upload_v2; raises bot.ports errors."""

    channel = CHANNEL
    per_chat_rate = 1.0  # Slack: about one message a second per channel
    overall_rate = 20.0

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def send(self, chat: str, thread: str | None, reply: AnyReply) -> str | None:
        try:
            if isinstance(reply, Image):
                return await self._upload(chat, thread, f"{reply.title}.png", reply.png, reply.title)
            if isinstance(reply, File):
                return await self._upload(chat, thread, reply.name, reply.content, reply.name)
            return await self._post(chat, thread, reply)
        except SlackApiError as error:
            raise _send_error(error) from error
        except SlackRequestError as error:  # the upload URL answered other than 200
            raise TransientError("upload_failed") from error
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise TransientError(type(error).__name__) from error

    async def _post(self, chat: str, thread: str | None, reply: Text | Choices | AskContact | ContactLinked) -> str | None:
        buttons: Sequence[Choice] = ()
        if isinstance(reply, Text):
            buttons = reply.actions
        elif isinstance(reply, Choices):
            buttons = reply.options
        text = escape(reply.text)
        arguments: dict[str, Any] = {"channel": chat, "text": text, "unfurl_links": False, "unfurl_media": False}
        if thread:
            arguments["thread_ts"] = thread
        if buttons:
            arguments["blocks"] = blocks(text, buttons)
        response = await self.client.chat_postMessage(**arguments)
        ts = response.get("ts")
        return str(ts) if ts else None

    async def _upload(self, chat: str, thread: str | None, filename: str, content: bytes, title: str) -> str | None:
        response = await self.client.files_upload_v2(
            content=content, filename=filename, title=title, channel=chat, thread_ts=thread or None
        )
        file = response.get("file") or {}
        return str(file["id"]) if file.get("id") else None


def blocks(escaped_text: str, buttons: Sequence[Choice]) -> list[dict[str, Any]]:
    """A section with the (already escaped) text, then the buttons; each button's value is
    what comes back as the message when it is pressed."""
    out: list[dict[str, Any]] = []
    for start in range(0, max(len(escaped_text), 1), _SECTION_CHARS):
        chunk = escaped_text[start : start + _SECTION_CHARS] or " "
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    elements = [
        {
            "type": "button",
            "action_id": f"{ACTION_PREFIX}{index}",
            "text": {"type": "plain_text", "text": choice.label[:_BUTTON_LABEL_CHARS] or "…", "emoji": True},
            "value": choice.value[:_BUTTON_VALUE_CHARS],
        }
        for index, choice in enumerate(buttons)
    ]
    for start in range(0, len(elements), _BUTTONS_PER_BLOCK):
        out.append(
            {"type": "actions", "block_id": f"crm_actions_{start // _BUTTONS_PER_BLOCK}", "elements": elements[start : start + _BUTTONS_PER_BLOCK]}
        )
    return out


def _send_error(error: SlackApiError) -> RetryAfter | TransientError | PermanentError:
    status = int(getattr(error.response, "status_code", 0) or 0)
    code = str(error.response.get("error") or status)
    if status == 429 or code == "ratelimited":
        return RetryAfter(_retry_after(error.response.headers))
    if status >= 500 or code in _TRANSIENT_ERRORS:
        return TransientError(code)
    return PermanentError(code)  # channel_not_found, not_in_channel, invalid_auth, is_archived …


def _retry_after(headers: Any) -> float:
    for key in headers or {}:
        if str(key).lower() == "retry-after":
            value = headers[key]
            value = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(float(value), 1.0)
            except ValueError:
                break
    return 1.0


# -- in: the Bolt app ---------------------------------------------------------------------------


class SlackAdapter:
    """Bolt app, HTTP route and sender for one Slack workspace (one bot token)."""

    def __init__(
        self,
        settings: Settings,
        gateway: Gateway,
        inbox: InboxWorker,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not settings.slack_bot_token or not settings.slack_signing_secret:
            raise ValueError("SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are needed for Slack")
        self.gateway = gateway
        self.inbox = inbox
        self.clock = clock or SystemClock()
        self.client = AsyncWebClient(
            token=settings.slack_bot_token,
            base_url=_with_slash(settings.slack_api_base_url),
            retry_handlers=retry_handlers(),
            logger=_quiet_logger("bot.slack.sdk"),
        )
        # The token travels in the client (passing it twice only earns a warning from Bolt).
        # process_before_response: Slack's 200 goes out only after the listener returned,
        # that is after the event is stored in the inbox (one insert, a few milliseconds).
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.slack_signing_secret,
            process_before_response=True,
            logger=_quiet_logger("bot.slack.bolt"),
            name="chatcrm",
        )
        self._handler = AsyncSlackRequestHandler(self.app)
        self._sender = SlackSender(self.client)
        inbox.register(CHANNEL, self.handle, self.given_up)
        self._register()

    @property
    def sender(self) -> SlackSender:
        return self._sender

    def routes(self) -> list[Route]:
        return [Route(EVENTS_PATH, self._endpoint, methods=["POST"])]

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def _endpoint(self, request: Request) -> Response:
        return await self._handler.handle(request)

    # -- listeners: translate, store, ack -------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.error(self._on_error)
        app.event("message")(self._on_message)
        app.event("app_mention")(self._on_mention)
        app.command(COMMAND)(self._on_command)
        app.action(re.compile(f"^{ACTION_PREFIX}"))(self._on_button)
        # Anything else is acked and dropped: an unhandled request would be logged by Bolt
        # with its body, and answered 404, which Slack retries.
        app.event(re.compile(".*"))(self._ignore)
        app.command(re.compile(".*"))(self._ack_only)
        app.action(re.compile(".*"))(self._ack_only)

    async def _ignore(self) -> None:
        return None

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        """Bolt's default handler logs the exception's text, which may quote user data (SQL
        parameters): its type and frames only. The answer stays 500, so Slack retries."""
        frames = "".join(traceback.format_tb(error.__traceback__))
        event_id = body.get("event_id") or body.get("trigger_id") or "-"
        log.error("slack listener failed event=%s error=%s\n%s", event_id, type(error).__name__, frames)

    async def _ack_only(self, ack: AsyncAck) -> None:
        await ack()

    async def _on_message(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        # only direct messages: in channels the bot listens to @mentions (app_mention)
        if event.get("channel_type") != "im" or not _from_a_person(event, context):
            return
        thread = event.get("thread_ts")
        await self._store(
            self._message(event, context, body.get("event_id"), thread),
            Destination(CHANNEL, str(event["channel"]), thread),
        )

    async def _on_mention(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        channel = str(event.get("channel") or "")
        if channel.startswith("D") or not _from_a_person(event, context):
            return  # a DM arrives as message.im too
        thread = event.get("thread_ts") or event.get("ts")
        await self._store(
            self._message(event, context, body.get("event_id"), thread),
            Destination(CHANNEL, channel, thread),
        )

    async def _on_command(self, ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext) -> None:
        """/crm TEXT. Typed in a DM with the bot: answered there. Typed in a channel: answered
        in a DM (customer data stays private, and the bot need not be in that channel), with
        an ephemeral note in the channel saying so."""
        channel, user = str(command.get("channel_id") or ""), str(command.get("user_id") or "")
        trigger = command.get("trigger_id")
        if not (channel and user and trigger):
            await ack()
            return
        text = plain_text(str(command.get("text") or ""), context.bot_user_id) or "help"
        message = IncomingMessage(CHANNEL, channel, user, text, None, f"command:{trigger}", self.clock())
        in_dm = channel.startswith("D")
        await self._store(message, Destination(CHANNEL, channel, None), to_dm=not in_dm)
        await ack(text="" if in_dm else ANSWER_IN_DM)

    async def _on_button(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id") or "")
        container = body.get("container") or {}
        channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
        value = action.get("value")
        action_ts = str(action.get("action_ts") or "")
        if user and channel and value and action_ts:
            thread = (body.get("message") or {}).get("thread_ts") or container.get("thread_ts")
            event_id = f"action:{user}:{action_ts}"
            message = IncomingMessage(CHANNEL, channel, user, str(value), thread, event_id, self.clock())
            await self._store(message, Destination(CHANNEL, channel, thread))
        await ack()

    def _message(
        self, event: dict[str, Any], context: AsyncBoltContext, event_id: str | None, thread: str | None
    ) -> IncomingMessage:
        text = plain_text(str(event.get("text") or ""), context.bot_user_id) or "help"
        return IncomingMessage(
            channel=CHANNEL,
            chat=str(event["channel"]),
            user=str(event["user"]),
            text=text,
            thread=thread,
            # an event without an id (never sent by Slack) is still stored once, by its ts
            event_id=event_id or f"ts:{event.get('channel')}:{event.get('ts')}",
            # the product's clock at receipt, not Slack's ts: one time base for every message
            received_at=self.clock(),
        )

    async def _store(self, message: IncomingMessage, reply_to: Destination, to_dm: bool = False) -> None:
        """Into the inbox before Slack hears back; a retry of a stored event changes nothing.
        A database error propagates: Bolt answers 500 and Slack sends the event again."""
        assert message.event_id is not None
        chat_key = f"{'dm' if to_dm else message.chat}/{message.thread or ''}/{message.user}"
        payload = {"message": message_to_json(message), "reply_to": asdict(reply_to), "to_dm": to_dm}
        await self.inbox.accept(CHANNEL, message.event_id, chat_key, payload)

    # -- the work, after the ack: who is it, then the gateway --------------------------------------

    async def handle(self, payload: dict[str, Any]) -> None:
        """One stored event (the inbox worker calls this). Raising means "try again later":
        nothing of it was committed."""
        message, reply_to = await self._unpack(payload)
        account = Account(CHANNEL, message.user)
        actor: Actor | None = await asyncio.to_thread(self.gateway.who, account)
        if actor is not None and actor.kind is Kind.STRANGER:
            try:
                email = await self._email_of(message.user)
            except _LookupFailed:
                # said once (the notice has an id of its own); the message stays in the inbox,
                # which hands it back with backoff until Slack answers
                later = replace(message, event_id=f"{message.event_id}/who-later")
                await asyncio.to_thread(self.gateway.notice, later, reply_to, WHO_ARE_YOU_LATER)
                raise
            if email:  # the identity step may link a staff user by the address Slack vouches for
                account, actor = replace(account, email=email), None
        await asyncio.to_thread(self.gateway.converse, message, account, reply_to, actor)

    async def given_up(self, payload: dict[str, Any]) -> None:
        """A stored event whose last try failed (the inbox worker calls this): the user is
        told, once, that the message could not be processed."""
        message, reply_to = await self._unpack(payload)
        await asyncio.to_thread(self.gateway.failed, message, reply_to)

    async def _unpack(self, payload: dict[str, Any]) -> tuple[IncomingMessage, Destination]:
        message = message_from_json(payload["message"])
        reply_to = Destination(**payload["reply_to"])
        if payload.get("to_dm"):
            # the conversation continues in the DM, where the user's next messages arrive
            dm = await self._dm_channel(message.user)
            message, reply_to = replace(message, chat=dm), Destination(CHANNEL, dm, None)
        return message, reply_to

    async def _dm_channel(self, user: str) -> str:
        """The id of the bot's DM with `user` (conversations.open; im:write). A failure raises:
        the inbox tries again later."""
        response = await self.client.conversations_open(users=user)
        return str((response.get("channel") or {})["id"])

    async def _email_of(self, user: str) -> str | None:
        """The e-mail on the user's Slack profile (needs users:read.email); None when Slack
        has none to give; _LookupFailed when Slack could not answer now."""
        try:
            response = await self.client.users_info(user=user)
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            if code in ("user_not_found", "user_not_visible", "missing_scope"):
                log.warning("slack users.info user=%s error=%s", user, code)
                return None
            log.warning("slack users.info user=%s failed error=%s", user, code or error.response.status_code)
            raise _LookupFailed from error
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            log.warning("slack users.info user=%s failed error=%s", user, type(error).__name__)
            raise _LookupFailed from error
        profile = (response.get("user") or {}).get("profile") or {}
        if (response.get("user") or {}).get("is_bot"):
            return None
        email = profile.get("email")
        return str(email) if email else None


class _LookupFailed(Exception):
    """Slack could not say just now who a user is; the inbox hands the event back later."""


def retry_handlers() -> list[AsyncRetryHandler]:
    """The SDK waits out one 429 (Retry-After) and retries a dropped connection once; a second
    429 reaches SlackSender, which hands it to the outbox sender as RetryAfter."""
    return [AsyncConnectionErrorRetryHandler(max_retry_count=1), AsyncRateLimitErrorRetryHandler(max_retry_count=1)]


def _from_a_person(event: dict[str, Any], context: AsyncBoltContext) -> bool:
    """A person's new message: not a bot (ours or another), not an edit, delete or join."""
    if event.get("bot_id") or event.get("subtype") not in _USER_SUBTYPES or not event.get("user"):
        return False
    return event.get("user") != context.bot_user_id



def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _quiet_logger(name: str) -> logging.Logger:
    # The SDK and Bolt log request parameters and bodies (message text) at DEBUG, and they
    # test the logger's own level, where NOTSET counts as DEBUG; INFO keeps text out of logs.
    # Bolt copies this logger's level and filters to the loggers of its middleware.
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    if not any(isinstance(f, _NoRequestBodies) for f in logger.filters):
        logger.addFilter(_NoRequestBodies())
    return logger


class _NoRequestBodies(logging.Filter):
    """Bolt puts the request body (message text, button values) into some lines above DEBUG:
    a bad signature (INFO), an unhandled request (WARNING), a failed listener. Such a line
    keeps its words up to the first bracket. Bolt's warning that the client's token wins
    over SLACK_BOT_TOKEN (which it reads by itself; they are the same token) is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message == warning_client_prioritized_and_token_skipped():
            return False
        cuts = [i for i in (message.find("("), message.find("{")) if i >= 0]
        if cuts:
            record.msg, record.args = message[: min(cuts)].rstrip(" :") + " (request body not logged)", None
        return True
