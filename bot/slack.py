"""The Slack channel: Events API, the /crm slash command and button presses in; replies out.

In: one Bolt app (`AsyncApp`) behind Starlette at `POST /slack/events`. Before Bolt sees a
request, the route reads at most MAX_BODY_BYTES of its body (longer → 413) and checks its
signature and timestamp on those raw bytes with the SDK's SignatureVerifier (unsigned, forged,
stale or unverifiable → 401); only a verified body is parsed, off the event loop (unreadable →
400). Each refusal is one INFO line with the reason, never the body. Each listener stores the
event in the inbox and acks, so Slack gets its answer within milliseconds, whatever the
database and the language model take:

    DM message (message.im)        → IncomingMessage(chat=D…, thread=thread_ts or None)
    @mention in a channel          → IncomingMessage(text=…), answered in the DM with the user,
                                     with a note only the user sees in the channel (chat.postEphemeral)
    /crm TEXT                      → IncomingMessage(text=TEXT), answered in the DM with the user
                                     (typed in a channel: a note only the user sees, in the ack)
    button press (block_actions)   → IncomingMessage(text=button value) in the message's channel/thread

Answers to a mention or a command typed in a channel go to the DM: they may carry customer
data (contacts' e-mails and phones), and a channel is read by everyone in it.

At start, `auth.test` (once) gives the bot's user id and its workspace (team); Bolt's
`authorize` returns that result for every request, so storing an event never waits on Slack.
A token Slack refuses, or Slack unreachable, stops the start (bot.ports.StartupError).

Who is talking: a staff user linked by Slack id; else one whose e-mail (users.info) is a staff
user's, linked on first contact, but only for a user of the bot's own workspace (the team of
the event and of users.info): a user of another workspace (Slack Connect, shared channels) is
a stranger, who is told to ask an admin. The gateway records each event id with its effect,
so a retried event (same `event_id`) changes nothing.

Out: `SlackSender` renders Reply values for the outbox sender: text escaped for Slack's
mrkdwn (no `<!channel>`, no forged links), buttons as Block Kit, images and files through
files_upload_v2, a text to an `ephemeral_chat(channel, user)` with chat.postEphemeral.
Errors map to bot.ports: 429 → RetryAfter (after the SDK's own retry handler has waited out
the first one), 5xx and network errors → TransientError, the rest → PermanentError.

Logs carry ids (event, channel, user, outbox) and never message text or profile fields.
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

import aiohttp
from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from bot.http_body import read_at_most
from bot.inbox import InboxWorker
from bot.ports import PermanentError, RetryAfter, StartupError, TransientError
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

# Slack sends a few hundred KB at most (a button press carries the message's blocks); more is
# refused unread
MAX_BODY_BYTES = 1024 * 1024
AUTH_TEST_TIMEOUT_S = 15.0
_EPHEMERAL = "ephemeral:"

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


def ephemeral_chat(channel: str, user: str) -> str:
    """The outbox chat of a message only `user` sees in `channel` (chat.postEphemeral)."""
    return f"{_EPHEMERAL}{channel}:{user}"


def _ephemeral_target(chat: str) -> tuple[str, str] | None:
    if not chat.startswith(_EPHEMERAL):
        return None
    channel, _, user = chat.removeprefix(_EPHEMERAL).partition(":")
    return channel, user


class SlackSender:
    """Renders replies with chat.postMessage, chat.postEphemeral (to an `ephemeral_chat`) and
    files_upload_v2; raises bot.ports errors."""

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
        arguments: dict[str, Any] = {"channel": chat, "text": text}
        if thread:
            arguments["thread_ts"] = thread
        if buttons:
            arguments["blocks"] = blocks(text, buttons)
        ephemeral = _ephemeral_target(chat)
        if ephemeral is not None:
            arguments["channel"], arguments["user"] = ephemeral
            response = await self.client.chat_postEphemeral(**arguments)
            ts = response.get("message_ts")
        else:
            response = await self.client.chat_postMessage(**arguments, unfurl_links=False, unfurl_media=False)
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
        self.verifier = SignatureVerifier(settings.slack_signing_secret)
        # what auth.test said at start: the bot's user id and its workspace
        self.authorized: AuthorizeResult | None = None

        async def authorize() -> AuthorizeResult:
            if self.authorized is None:  # the route answers 503 before it comes to this
                raise RuntimeError("SlackAdapter.start() has not run")
            return self.authorized

        # Bolt gets the start's auth.test result for every request (`authorize`) instead of
        # calling auth.test itself on the first one, and so a client without the token (the
        # token travels in the result; a token on both only earns warnings from Bolt).
        # process_before_response: Slack's 200 goes out only after the listener returned,
        # that is after the event is stored in the inbox (one insert, a few milliseconds).
        self.app = AsyncApp(
            client=AsyncWebClient(base_url=self.client.base_url, logger=self.client.logger),
            signing_secret=settings.slack_signing_secret,
            authorize=authorize,
            process_before_response=True,
            logger=_quiet_logger("bot.slack.bolt"),
            name="chatcrm",
        )
        self._sender = SlackSender(self.client)
        inbox.register(CHANNEL, self.handle, self.given_up)
        self._register()

    @property
    def sender(self) -> SlackSender:
        return self._sender

    @property
    def team_id(self) -> str | None:
        """The bot's own workspace (from auth.test at start)."""
        return self.authorized.team_id if self.authorized is not None else None

    def routes(self) -> list[Route]:
        return [Route(EVENTS_PATH, self._endpoint, methods=["POST"])]

    async def start(self) -> None:
        """auth.test, once: the token works, and who the bot is. StartupError otherwise."""
        try:
            response = await asyncio.wait_for(self.client.auth_test(), timeout=AUTH_TEST_TIMEOUT_S)
        except SlackApiError as error:
            status = int(getattr(error.response, "status_code", 0) or 0)
            code = str(error.response.get("error") or f"HTTP {status}")
            if status == 429 or status >= 500 or code in _TRANSIENT_ERRORS or code == "ratelimited":
                raise StartupError(f"Slack did not answer auth.test at {self.client.base_url} ({code})") from error
            raise StartupError(f"Slack refused SLACK_BOT_TOKEN ({code})") from error
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise StartupError(f"Slack unreachable at {self.client.base_url} ({type(error).__name__})") from error
        self.authorized = AuthorizeResult.from_auth_test_response(bot_token=self.client.token, auth_test_response=response)
        log.info("slack connected team=%s bot_user=%s", self.authorized.team_id, self.authorized.bot_user_id)

    async def stop(self) -> None:
        return None

    # -- the route: a capped body, the signature on its bytes, then Bolt -------------------------

    async def _endpoint(self, request: Request) -> Response:
        """Everything here answers with a status, never an exception: a refusal is one log line
        (reason, size, client address; never the body)."""
        peer = request.client.host if request.client else "-"
        if self.authorized is None:  # not started: Slack sends it again
            return _refused(503, "not started", peer)
        try:
            body = await read_at_most(request, MAX_BODY_BYTES)
        except ClientDisconnect:
            return _refused(400, "client went away", peer)
        if body is None:
            return _refused(413, f"body over {MAX_BODY_BYTES} bytes", peer)
        reason = self._unverified(request.headers, body)
        if reason:
            return _refused(401, reason, peer, len(body))
        try:
            # a verified body, parsed in a worker thread all the same: the loop serves the others
            bolt_request = await asyncio.to_thread(to_async_bolt_request, request, body)
        except Exception as error:  # noqa: BLE001  (whatever Bolt cannot read, a list say: Slack's own bug)
            return _refused(400, f"unreadable ({type(error).__name__})", peer, len(body))
        # Bolt checks the signature once more (its own middleware, left on), then the listeners
        return to_starlette_response(await self.app.async_dispatch(bolt_request))

    def _unverified(self, headers: Mapping[str, str], body: bytes) -> str | None:
        """Why these bytes are not a request Slack signed just now; None when they are."""
        timestamp = headers.get("x-slack-request-timestamp")
        signature = headers.get("x-slack-signature")
        if not timestamp or not signature:
            return "unsigned"
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return "malformed timestamp"
        if not (signature.isascii() and signature.startswith("v0=") and len(signature) <= 100):
            return "malformed signature"
        if abs(self.verifier.clock.now() - int(timestamp)) > 5 * 60:
            return "stale timestamp"
        try:
            valid = self.verifier.is_valid(body, timestamp, signature)
        except ValueError:  # not UTF-8 (UnicodeDecodeError): Slack sends JSON or a form
            return "unverifiable body"
        return None if valid else "bad signature"

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
            team=_event_team(body, event),
        )

    async def _on_mention(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        """@chatcrm in a channel: answered in the DM with the user (the answer may carry
        customer data), with a note only the user sees in the thread of the mention."""
        channel = str(event.get("channel") or "")
        if channel.startswith("D") or not _from_a_person(event, context):
            return  # a DM arrives as message.im too
        thread = event.get("thread_ts") or event.get("ts")
        await self._store(
            self._message(event, context, body.get("event_id"), thread),
            Destination(CHANNEL, channel, thread),
            team=_event_team(body, event),
            to_dm=True,
            note=True,
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
        await self._store(message, Destination(CHANNEL, channel, None), team=command.get("team_id"), to_dm=not in_dm)
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
            team = (body.get("user") or {}).get("team_id") or (body.get("team") or {}).get("id")
            await self._store(message, Destination(CHANNEL, channel, thread), team=team)
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

    async def _store(
        self, message: IncomingMessage, reply_to: Destination, team: Any, to_dm: bool = False, note: bool = False
    ) -> None:
        """Into the inbox before Slack hears back; a retry of a stored event changes nothing.
        A database error propagates: Bolt answers 500 and Slack sends the event again.
        `team`: the workspace of the user who wrote; `to_dm`: answer in the DM with them;
        `note`: and say so, to them only, where they wrote."""
        assert message.event_id is not None
        chat_key = f"dm//{message.user}" if to_dm else f"{message.chat}/{message.thread or ''}/{message.user}"
        payload = {
            "message": message_to_json(message),
            "reply_to": asdict(reply_to),
            "to_dm": to_dm,
            "note": note,
            "team": str(team) if team else None,
        }
        await self.inbox.accept(CHANNEL, message.event_id, chat_key, payload)

    # -- the work, after the ack: who is it, then the gateway --------------------------------------

    async def handle(self, payload: dict[str, Any]) -> None:
        """One stored event (the inbox worker calls this). Raising means "try again later":
        nothing of it was committed."""
        message, reply_to = await self._unpack(payload)
        if payload.get("note"):  # said once in the channel (the note has an id of its own)
            asked = message_from_json(payload["message"])
            origin = Destination(**payload["reply_to"])
            note = replace(asked, event_id=f"{asked.event_id}/note")
            where = Destination(CHANNEL, ephemeral_chat(origin.chat, asked.user), origin.thread)
            await asyncio.to_thread(self.gateway.notice, note, where, ANSWER_IN_DM)
        account = Account(CHANNEL, message.user)
        actor: Actor | None = await asyncio.to_thread(self.gateway.who, account)
        if actor is not None and actor.kind is Kind.STRANGER:
            try:
                email = await self._email_of(message.user, payload.get("team"))
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
            message, reply_to = replace(message, chat=dm, thread=None), Destination(CHANNEL, dm, None)
        return message, reply_to

    async def _dm_channel(self, user: str) -> str:
        """The id of the bot's DM with `user` (conversations.open; im:write). A failure raises:
        the inbox tries again later."""
        response = await self.client.conversations_open(users=user)
        return str((response.get("channel") or {})["id"])

    async def _email_of(self, user: str, team: str | None) -> str | None:
        """The e-mail on the user's Slack profile (needs users:read.email), when the user is of
        the bot's own workspace, by the event (`team`) and by users.info: Slack vouches for an
        address to its own workspace only. None when Slack has none to give, or the user is of
        another workspace (Slack Connect); _LookupFailed when Slack could not answer now."""
        if team is None or team != self.team_id:
            log.info("slack user=%s of team=%s: not the bot's workspace, no e-mail link", user, team or "-")
            return None
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
        found = response.get("user") or {}
        if found.get("is_bot"):
            return None
        if found.get("team_id") != self.team_id:
            log.info("slack user=%s of team=%s: not the bot's workspace, no e-mail link", user, found.get("team_id") or "-")
            return None
        email = (found.get("profile") or {}).get("email")
        return str(email) if email else None


class _LookupFailed(Exception):
    """Slack could not say just now who a user is; the inbox hands the event back later."""


def _refused(status: int, reason: str, peer: str, size: int | None = None) -> Response:
    log.info("slack request refused status=%d reason=%s bytes=%s from=%s", status, reason, "-" if size is None else size, peer)
    return Response(status_code=status)


def _event_team(body: Mapping[str, Any], event: Mapping[str, Any]) -> Any:
    """The workspace of the user who wrote: the event's own (in a channel shared with another
    workspace, the writer's), else the workspace the event was delivered for."""
    return event.get("user_team") or event.get("team") or body.get("team_id")


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
