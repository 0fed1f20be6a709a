"""The Slack adapter through the real Bolt app and Slack SDK: signed HTTP requests into the
Starlette route, the real gateway, dialogue and language model over SQLite, the outbox
sender, and a fake Slack Web API on loopback that records what the bot sent."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.http_retry import builtin_async_handlers
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette

from bot.inbox import InboxWorker
from bot.outbox_sender import OutboxSender
from bot.ports import PermanentError, RetryAfter, StartupError, TransientError
from bot.slack import (
    ANSWER_IN_DM,
    MAX_BODY_BYTES,
    WHO_ARE_YOU_LATER,
    SlackAdapter,
    SlackSender,
    escape,
    plain_text,
)
from config import Settings, load_settings
from crm_core.clock import ManualClock
from crm_core.enums import OutboxStatus
from crm_core.models import Contact, InboxEvent, OutboxMessage, StaffUser
from crm_core.services import customers, inbox, users
from crm_core.uow import Database
from intents.dialogue import Dialogue, enqueue_replies
from intents.gateway import COULD_NOT_PROCESS, STRANGER, Gateway
from intents.identity import Account, Actor, Identity
from intents.messages import Choice, Choices, Destination, Image, IncomingMessage, Text
from tests.bot.conftest import RecordedSleeps
from tests.dialogue.conftest import NOW
from tests.fakes import fake_slack
from tests.fakes.fake_slack import JUNK_KINDS, FakeSlack, event_callback, junk

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
RITA = "URITA001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
_ids = itertools.count(1)


# -- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
def rita_on_slack(db: Database) -> None:
    with db.unit_of_work() as uow:
        users.add_user(uow, "rita@example.com", "Rita Rep", "rep", "America/New_York", slack_id=RITA)
        uow.commit()


class CountingGateway(Gateway):
    """The real gateway, counting the messages it was given."""

    handled = 0

    def converse(self, message: IncomingMessage, account: Account, reply_to: Destination, actor: Actor | None = None) -> None:
        self.handled += 1
        super().converse(message, account, reply_to, actor)


@pytest.fixture
def gateway(db: Database, dialogue: Dialogue) -> Gateway:
    return Gateway(db, dialogue, Identity(db))


@pytest.fixture
async def adapter(slack: FakeSlack, gateway: Gateway, db: Database) -> SlackAdapter:
    return await _adapter(slack, gateway, db)


def _settings(slack: FakeSlack) -> Settings:
    return load_settings(SLACK_BOT_TOKEN=slack.token, SLACK_SIGNING_SECRET=SECRET, SLACK_API_BASE_URL=slack.base_url)


async def _adapter(slack: FakeSlack, gateway: Gateway, db: Database) -> SlackAdapter:
    """A started adapter (auth.test answered), as the server's start leaves it."""
    adapter = SlackAdapter(_settings(slack), gateway, InboxWorker(db, clock=db.clock), clock=db.clock)
    await adapter.start()
    slack.calls.clear()  # the start's auth.test: the tests look at what follows
    return adapter


@pytest.fixture
async def http(adapter: SlackAdapter) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=adapter.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


def sign(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    return fake_slack.sign(body, secret, timestamp)


async def post_event(
    http: httpx.AsyncClient, event: dict[str, Any], event_id: str | None = None, headers: dict[str, str] | None = None
) -> tuple[httpx.Response, str]:
    event_id = event_id or f"Ev{next(_ids):08d}"
    body = event_callback(event, event_id)
    response = await http.post(
        "/slack/events", content=body, headers={"Content-Type": "application/json", **sign(body), **(headers or {})}
    )
    return response, event_id


def dm_undo(channel: str) -> dict[str, Any]:
    return dm("undo", channel=channel)


def dm(text: str, user: str = RITA, channel: str = "D0RITA", **extra: Any) -> dict[str, Any]:
    ts = f"{int(time.time())}.{next(_ids):06d}"
    return {"type": "message", "channel": channel, "channel_type": "im", "user": user, "text": text, "ts": ts, **extra}


async def post_form(http: httpx.AsyncClient, fields: dict[str, str]) -> httpx.Response:
    body = urlencode(fields)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    return await http.post("/slack/events", content=body, headers=headers)


async def settle(adapter: SlackAdapter) -> int:
    """Handle what the adapter stored in the inbox before it acked (the server's inbox
    worker does this in the background); how many events were handled."""
    return await adapter.inbox.drain_once()


async def deliver(db: Database, adapter: SlackAdapter) -> int:
    return await OutboxSender(db, {"slack": adapter.sender}, clock=db.clock).drain_once()


def outbox_rows(db: Database) -> list[tuple[str, str | None, dict[str, Any], OutboxStatus]]:
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [(r.chat, r.thread, dict(r.payload), r.status) for r in rows]


def posted(slack: FakeSlack) -> list[dict[str, Any]]:
    return [c.args for c in slack.calls_to("chat.postMessage")]


# -- in and out ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("rita_on_slack")
async def test_a_direct_message_is_acked_answered_through_the_outbox_and_posted(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database
) -> None:
    response, _ = await post_event(http, dm("hi"))
    assert response.status_code == 200
    await settle(adapter)

    rows = outbox_rows(db)
    assert [(chat, thread, status) for chat, thread, _, status in rows] == [("D0RITA", None, OutboxStatus.PENDING)]
    assert rows[0][2]["text"].startswith("Hi Rita!")

    assert await deliver(db, adapter) == 1
    [message] = posted(slack)
    assert message["channel"] == "D0RITA" and message["text"].startswith("Hi Rita!")
    assert "thread_ts" not in message
    assert outbox_rows(db)[0][3] == OutboxStatus.SENT
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(OutboxMessage.platform_id)) == "1700000000.000001"


@pytest.fixture
def acme_with_a_contact(db: Database) -> None:
    with db.unit_of_work() as uow:
        company = customers.create_company(uow, "Acme")
        customers.create_contact(uow, "Jana Vogt", company=company, email="jana.vogt@acme.example", phone="+49 30 1234567")
        uow.commit()


def in_channel(slack: FakeSlack, channel: str) -> list[dict[str, Any]]:
    """What anyone in `channel` can read: messages posted there (in any thread)."""
    return [m for m in posted(slack) if m["channel"] == channel]


@pytest.mark.usefixtures("rita_on_slack", "acme_with_a_contact")
async def test_a_mention_in_a_channel_is_answered_in_the_dm_with_a_note_only_the_asker_sees(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database
) -> None:
    mention = {
        "type": "app_mention", "channel": "C0GENERAL", "user": RITA, "team": slack.team_id,
        "text": f"<@{slack.bot_user_id}> what's up with Acme?", "ts": "1700000100.000200",
    }  # fmt: skip
    response, _ = await post_event(http, mention)
    assert response.status_code == 200
    await settle(adapter)
    await deliver(db, adapter)

    # the answer, with the contact's e-mail and phone, in Rita's DM (conversations.open)
    [answer] = posted(slack)
    assert answer["channel"] == "DRITA001" and "thread_ts" not in answer
    assert "Jana Vogt" in answer["text"] and "jana.vogt@acme.example" in answer["text"]
    # in #general: nothing anyone else can read, a note only Rita sees, in the mention's thread
    assert in_channel(slack, "C0GENERAL") == []
    [note] = [c.args for c in slack.calls_to("chat.postEphemeral")]
    assert (note["channel"], note["user"], note["thread_ts"]) == ("C0GENERAL", RITA, "1700000100.000200")
    assert note["text"] == escape(ANSWER_IN_DM) and "acme" not in note["text"].lower()

    # the conversation goes on in the DM
    await post_event(http, dm("add contact Bob Jones", channel="DRITA001"))
    await settle(adapter)
    await deliver(db, adapter)
    assert posted(slack)[-1]["channel"] == "DRITA001" and posted(slack)[-1]["text"].startswith("Added Bob Jones")

    # a mention inside a thread: the note goes into that thread; a retried delivery of the
    # same event adds neither a second note nor a second answer
    reply = {**mention, "text": f"<@{slack.bot_user_id}> hi", "ts": "1700000100.000300", "thread_ts": "1700000100.000200"}
    _, event_id = await post_event(http, reply)
    await post_event(http, reply, event_id, headers={"X-Slack-Retry-Num": "1"})
    await settle(adapter)
    await deliver(db, adapter)
    notes = [c.args for c in slack.calls_to("chat.postEphemeral")]
    assert len(notes) == 2 and notes[-1]["thread_ts"] == "1700000100.000200"
    assert posted(slack)[-1]["channel"] == "DRITA001" and posted(slack)[-1]["text"].startswith("Hi Rita!")
    assert len(posted(slack)) == 3 and in_channel(slack, "C0GENERAL") == []


@pytest.mark.usefixtures("rita_on_slack")
async def test_a_note_slack_refuses_is_given_up_and_the_answer_still_reaches_the_dm(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database
) -> None:
    slack.channel_members = set()  # chat.postEphemeral: user_not_in_channel
    mention = {"type": "app_mention", "channel": "C0SALES", "user": RITA, "text": f"<@{slack.bot_user_id}> hi", "ts": "1700000100.000200"}
    await post_event(http, mention)
    await settle(adapter)
    await deliver(db, adapter)
    assert [m["channel"] for m in posted(slack)] == ["DRITA001"]
    statuses = {payload["text"]: status for _, _, payload, status in outbox_rows(db)}
    assert statuses[ANSWER_IN_DM] == OutboxStatus.DEAD  # a permanent error: not tried again


def test_slack_markup_becomes_the_words_typed() -> None:
    text = "<@UBOT> mail <mailto:jane@acme.com|jane@acme.com> at <https://acme.com|acme.com> &lt;b&gt; &amp; <!here> <#C1|sales> <@U2>"
    assert plain_text(text, "UBOT") == "mail jane@acme.com at acme.com <b> & @here #sales <@U2>"
    assert escape("<!channel> & <http://evil|x>") == "&lt;!channel&gt; &amp; &lt;http://evil|x&gt;"


@pytest.mark.usefixtures("rita_on_slack")
async def test_the_slash_command_is_acked_at_once_and_answered_after_in_a_dm(
    slack: FakeSlack, db: Database, dialogue: Dialogue
) -> None:
    gateway = CountingGateway(db, dialogue, Identity(db))
    adapter = await _adapter(slack, gateway, db)
    app = Starlette(routes=adapter.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        fields = {
            "token": "legacy", "team_id": "T0CRM", "channel_id": "C0SALES", "channel_name": "sales",
            "user_id": RITA, "user_name": "rita", "command": "/crm", "text": "add contact Bob Jones",
            "response_url": "https://hooks.slack.com/commands/T0CRM/1/abc", "trigger_id": "13345224609.738474920.8088930838d88f008e0",
            "api_app_id": "A0CRM",
        }  # fmt: skip
        response = await post_form(http, fields)
        # acked before any handling: the command is stored, the dialogue has not seen it yet;
        # in a channel: an ephemeral note there, the answer in the DM (the bot need not be in #sales)
        assert response.status_code == 200 and gateway.handled == 0
        assert "direct message" in response.text
        assert outbox_rows(db) == []
        await settle(adapter)
        assert gateway.handled == 1
        await deliver(db, adapter)
        [message] = posted(slack)
        dm = "DRITA001"  # conversations.open with Rita
        assert message["channel"] == dm and "thread_ts" not in message
        assert message["text"].startswith("Added Bob Jones")

        # the conversation goes on in the DM: "undo" there undoes what /crm did
        await post_event(http, dm_undo(dm))
        await settle(adapter)
        await deliver(db, adapter)
        assert posted(slack)[-1]["text"] == "Undone: removed the contact Bob Jones."

        # typed in the DM itself: answered right there, no note
        in_dm = {**fields, "channel_id": dm, "channel_name": "directmessage", "text": "hi", "trigger_id": "2.2.2"}
        response = await post_form(http, in_dm)
        assert response.status_code == 200 and response.text == ""
        await settle(adapter)
        await deliver(db, adapter)
        assert posted(slack)[-1]["channel"] == dm and posted(slack)[-1]["text"].startswith("Hi Rita!")


@pytest.mark.usefixtures("rita_on_slack")
async def test_a_button_press_comes_back_as_its_value_in_the_same_chat(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database
) -> None:
    await post_event(http, dm("add contact Bob Jones"))
    await settle(adapter)
    await deliver(db, adapter)
    [card] = posted(slack)
    section, actions = card["blocks"]
    assert section["text"]["text"] == card["text"] and card["text"].startswith("Added Bob Jones")
    [button] = actions["elements"]
    assert (button["text"]["text"], button["value"], button["action_id"]) == ("Undo", "undo", "crm_choice_0")

    payload = {
        "type": "block_actions",
        "user": {"id": RITA, "username": "rita", "team_id": "T0CRM"},
        "api_app_id": "A0CRM",
        "token": "legacy",
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "D0RITA", "is_ephemeral": False},
        "trigger_id": "1234.5678.abcd",
        "team": {"id": "T0CRM", "domain": "chatcrm"},
        "channel": {"id": "D0RITA", "name": "directmessage"},
        "message": {"type": "message", "ts": "1700000000.000001", "text": card["text"], "blocks": card["blocks"], "bot_id": slack.bot_id},
        "actions": [{**button, "block_id": actions["block_id"], "action_ts": f"{time.time():.6f}"}],
    }
    response = await post_form(http, {"payload": json.dumps(payload)})
    assert response.status_code == 200
    await settle(adapter)
    await deliver(db, adapter)
    last = posted(slack)[-1]
    assert last["channel"] == "D0RITA" and last["text"] == "Undone: removed the contact Bob Jones."
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Contact)) == 0


async def test_an_image_goes_through_files_upload_v2_into_the_thread(
    adapter: SlackAdapter, slack: FakeSlack, db: Database
) -> None:
    with db.unit_of_work() as uow:
        enqueue_replies(uow, Destination("slack", "C0SALES", "1700000100.000200"), [Image(PNG, "pipeline")])
        uow.commit()
    assert await deliver(db, adapter) == 1

    assert slack.methods() == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    url_call, upload, complete = slack.calls
    assert url_call.args["filename"] == "pipeline.png" and int(url_call.args["length"]) == len(PNG)
    assert upload.body == PNG
    assert complete.args["channel_id"] == "C0SALES" and complete.args["thread_ts"] == "1700000100.000200"
    assert json.loads(complete.args["files"]) == [{"id": upload.args["file_id"], "title": "pipeline"}]
    with db.unit_of_work() as uow:
        row = uow.session.scalars(select(OutboxMessage)).one()
        assert (row.status, row.platform_id) == (OutboxStatus.SENT, upload.args["file_id"])


# -- limits and errors ---------------------------------------------------------------------------


async def test_one_429_is_waited_out_by_the_sdk_and_a_second_surfaces_as_retry_after(
    adapter: SlackAdapter, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack.fail_next("chat.postMessage", status=429)
    sleeps = RecordedSleeps()
    monkeypatch.setattr(builtin_async_handlers, "asyncio", sleeps)
    ts = await adapter.sender.send("C0SALES", None, Text("pipeline is ready"))
    assert len(sleeps.asked) == 1 and 1.0 <= sleeps.asked[0] < 2.0  # Retry-After: 1
    assert [c.status for c in slack.calls] == [429, 200] and ts == "1700000000.000001"

    slack.fail_next("chat.postMessage", count=2, status=429)
    with pytest.raises(RetryAfter) as caught:
        await adapter.sender.send("C0SALES", None, Text("again"))
    assert caught.value.seconds == 1.0
    assert [c.status for c in slack.calls] == [429, 200, 429, 429]


@pytest.mark.parametrize(
    ("status", "error", "expected", "code"),
    [
        (500, None, TransientError, "internal_error"),
        (503, "service_unavailable", TransientError, "service_unavailable"),
        (200, "channel_not_found", PermanentError, "channel_not_found"),
        (200, "not_in_channel", PermanentError, "not_in_channel"),
        (200, "invalid_auth", PermanentError, "invalid_auth"),
    ],
)
async def test_slack_errors_map_to_the_senders_errors(
    slack: FakeSlack, status: int, error: str | None, expected: type[Exception], code: str
) -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    sender = SlackSender(AsyncWebClient(token=slack.token, base_url=slack.base_url, retry_handlers=[]))
    slack.fail_next("chat.postMessage", status=status, error=error)
    with pytest.raises(expected) as caught:
        await sender.send("C0SALES", None, Text("hello"))
    assert caught.value.code == code  # type: ignore[attr-defined]


async def test_a_refused_connection_is_transient(slack: FakeSlack) -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    base_url = slack.base_url
    await slack.close()
    sender = SlackSender(AsyncWebClient(token=slack.token, base_url=base_url, retry_handlers=[]))
    with pytest.raises(TransientError):
        await sender.send("C0SALES", None, Text("hello"))


# -- trust ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("rita_on_slack")
async def test_forged_and_stale_requests_are_refused_before_anything_happens(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = json.dumps({"type": "event_callback", "event_id": "EvFORGED", "team_id": "T0CRM", "event": dm("hi Mallory here")})
    forged = sign(body, secret="not-the-secret")
    response = await http.post("/slack/events", content=body, headers={"Content-Type": "application/json", **forged})
    assert response.status_code == 401

    stale = sign(body, timestamp=int(time.time()) - 6 * 60)
    response = await http.post("/slack/events", content=body, headers={"Content-Type": "application/json", **stale})
    assert response.status_code == 401

    unsigned = await http.post("/slack/events", content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401

    await settle(adapter)
    assert slack.calls == [] and outbox_rows(db) == []
    # one line each, with the reason and never the body
    refusals = [r.getMessage() for r in caplog.records if r.name == "bot.slack"]
    assert [line.split(" bytes=")[0] for line in refusals] == [
        "slack request refused status=401 reason=bad signature",
        "slack request refused status=401 reason=stale timestamp",
        "slack request refused status=401 reason=unsigned",
    ]
    assert "Mallory" not in caplog.text


JUNK = {
    "malformed JSON": (401, "unsigned"),
    "non-numeric timestamp": (401, "malformed timestamp"),
    "timestamp of 5000 digits": (401, "malformed timestamp"),
    "binary body": (401, "unsigned"),
    "binary body, signature headers": (401, "unverifiable body"),
    "missing timestamp": (401, "unsigned"),
    "non-ASCII signature": (401, "malformed signature"),
    "empty body": (401, "unsigned"),
    "wrong content type": (401, "unsigned"),
    "form body without payload": (401, "unsigned"),
    "oversized, announced": (413, f"body over {MAX_BODY_BYTES} bytes"),
    "oversized, chunked": (413, f"body over {MAX_BODY_BYTES} bytes"),
}
assert tuple(JUNK) == JUNK_KINDS


@pytest.mark.usefixtures("rita_on_slack")
@pytest.mark.parametrize("kind", list(JUNK))
async def test_junk_is_refused_with_a_status_and_one_line_and_the_next_request_is_served(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    caplog.set_level(logging.INFO)
    status, reason = JUNK[kind]
    body, headers = junk(kind, SECRET, MAX_BODY_BYTES + 1)
    content = body() if callable(body) else body
    response = await http.post("/slack/events", content=content, headers=headers)  # an app error would raise here
    assert response.status_code == status

    [line] = [r for r in caplog.records if r.name.startswith("bot.slack")]
    assert line.levelno == logging.INFO and line.exc_info is None
    assert line.getMessage().startswith(f"slack request refused status={status} reason={reason} ")
    assert "Mallory" not in caplog.text and "Traceback" not in caplog.text
    await settle(adapter)
    assert outbox_rows(db) == [] and slack.calls == []

    genuine, _ = await post_event(http, dm("hi"))
    assert genuine.status_code == 200


@pytest.mark.usefixtures("rita_on_slack")
@pytest.mark.parametrize("body", [b'{"x', b"[1, 2]", b"\xff\xfe not utf-8"], ids=["malformed JSON", "a list", "not UTF-8"])
async def test_a_signed_body_bolt_cannot_read_is_400_with_one_line(
    http: httpx.AsyncClient, adapter: SlackAdapter, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    """Only Slack (or someone with the secret) can send these: still a status and a line."""
    caplog.set_level(logging.INFO)
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}
    response = await http.post("/slack/events", content=body, headers=headers)
    expected = (401, "unverifiable body") if body.startswith(b"\xff") else (400, "unreadable")
    assert response.status_code == expected[0]
    [line] = [r for r in caplog.records if r.name.startswith("bot.slack")]
    assert line.getMessage().startswith(f"slack request refused status={expected[0]} reason={expected[1]}")


async def test_the_url_verification_challenge_is_answered(http: httpx.AsyncClient) -> None:
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"})
    response = await http.post("/slack/events", content=body, headers={"Content-Type": "application/json", **sign(body)})
    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text


@pytest.mark.usefixtures("rita_on_slack")
async def test_a_retried_event_has_its_effect_once(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database
) -> None:
    event = dm("add contact Bob Jones")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    first, event_id = await post_event(http, event)
    # the retry arrives while the first delivery is still being handled, and once more after
    second, _ = await post_event(http, event, event_id, headers=retry)
    await settle(adapter)
    third, _ = await post_event(http, event, event_id, headers={**retry, "X-Slack-Retry-Num": "2"})
    await settle(adapter)

    assert [r.status_code for r in (first, second, third)] == [200, 200, 200]
    assert len(outbox_rows(db)) == 1
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Contact)) == 1


async def test_an_unknown_slack_user_is_told_to_ask_an_admin_and_nothing_else(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database
) -> None:
    slack.users["USTRANGER"] = {"email": "someone@elsewhere.org", "name": "Some One"}
    await post_event(http, dm("add contact Bob Jones", user="USTRANGER", channel="D0STRANGER"))
    await settle(adapter)
    await deliver(db, adapter)

    assert [c.args["user"] for c in slack.calls_to("users.info")] == ["USTRANGER"]
    [message] = posted(slack)
    assert message["channel"] == "D0STRANGER" and message["text"] == escape(STRANGER)
    assert "ask an admin" in message["text"].lower()
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Contact)) == 0
        assert uow.session.scalars(select(StaffUser.slack_id).where(StaffUser.slack_id.is_not(None))).all() == []


async def test_a_slack_user_with_a_staff_email_is_linked_and_served(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database
) -> None:
    slack.users["UMAX0001"] = {"email": "Max@Example.com", "name": "Max Manager"}
    await post_event(http, dm("hi", user="UMAX0001", channel="D0MAX"))
    await settle(adapter)
    with db.unit_of_work() as uow:
        assert users.user_by_email(uow, "max@example.com").slack_id == "UMAX0001"

    await post_event(http, dm("add contact Bob Jones", user="UMAX0001", channel="D0MAX"))
    await settle(adapter)
    assert len(slack.calls_to("users.info")) == 1  # linked: no second look-up
    assert [payload["text"].split("!")[0] for _, _, payload, _ in outbox_rows(db)][:1] == ["Hi Max"]
    assert outbox_rows(db)[1][2]["text"].startswith("Added Bob Jones")


@pytest.mark.usefixtures("rita_on_slack")
async def test_user_text_relayed_to_slack_is_escaped(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database
) -> None:
    with db.unit_of_work() as uow:  # a name as a customer typed it (Telegram, CSV import)
        acme = customers.create_company(uow, "Acme")
        customers.create_contact(uow, "Jane <!channel> <http://evil|x> Smith", company=acme)
        uow.commit()
    await post_event(http, dm("what's up with Acme?"))
    await settle(adapter)
    await deliver(db, adapter)

    [message] = posted(slack)
    assert "Jane &lt;!channel&gt; &lt;http://evil|x&gt; Smith" in message["text"]
    assert "<!channel>" not in message["text"] and "<http" not in message["text"]

    await adapter.sender.send("C0SALES", None, Choices("Which <!here>?", (Choice("<@U1> & co", "#7"), Choice("B", "#9"))))
    card = posted(slack)[-1]
    assert card["text"] == "Which &lt;!here&gt;?" and card["blocks"][0]["text"]["text"] == card["text"]
    buttons = card["blocks"][1]["elements"]
    assert [(b["value"], b["action_id"]) for b in buttons] == [("#7", "crm_choice_0"), ("#9", "crm_choice_1")]
    assert buttons[0]["text"] == {"type": "plain_text", "text": "<@U1> & co", "emoji": True}  # plain text: shown as is


@pytest.mark.usefixtures("rita_on_slack")
@pytest.mark.parametrize(
    "event",
    [
        dm("hi", user="UBOT0CRM", bot_id="BBOT0CRM"),  # our own reply, echoed back as message.im
        dm("hi", subtype="bot_message", bot_id="BOTHER01", user=None),  # another bot
        dm("hi", subtype="message_changed"),  # an edit
        dm("hi", channel="C0SALES", channel_type="channel"),  # a channel message (mentions come as app_mention)
    ],
    ids=["own", "other-bot", "edit", "channel"],
)
async def test_messages_that_are_not_a_persons_new_dm_are_ignored(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database, event: dict[str, Any]
) -> None:
    if event.get("user") is None:
        del event["user"]
    response, _ = await post_event(http, event)
    assert response.status_code == 200
    await settle(adapter)
    assert outbox_rows(db) == []
    assert set(slack.methods()) <= {"auth.test"}


async def test_when_slack_cannot_say_who_wrote_the_message_waits_and_is_answered_later(
    http: httpx.AsyncClient, slack: FakeSlack, gateway: Gateway, db: Database
) -> None:
    slack.users["UMAX0001"] = {"email": "max@example.com", "name": "Max Manager"}
    slack.fail_next("users.info", count=2, status=500)
    clock = [NOW]
    adapter = SlackAdapter(_settings(slack), gateway, InboxWorker(db, clock=lambda: clock[0]))
    await adapter.start()
    app = Starlette(routes=adapter.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await post_event(client, dm("add contact Bob Jones", user="UMAX0001", channel="D0MAX"))
    for _ in range(2):  # Slack fails twice; the user hears about it once
        assert await settle(adapter) == 1
        clock[0] += timedelta(minutes=1)
    await deliver(db, adapter)
    assert [m["text"] for m in posted(slack)] == [escape(WHO_ARE_YOU_LATER)]

    assert await settle(adapter) == 1  # Slack answers now: the same message, handled
    await deliver(db, adapter)
    assert posted(slack)[1]["text"].startswith("Added Bob Jones")
    assert len(posted(slack)) == 2
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Contact)) == 1
        assert users.user_by_email(uow, "max@example.com").slack_id == "UMAX0001"


class BrokenGateway(Gateway):
    """The real gateway, whose database fails on every message."""

    def converse(self, message: IncomingMessage, account: Account, reply_to: Destination, actor: Actor | None = None) -> None:
        raise ConnectionError("database went away")


@pytest.mark.usefixtures("rita_on_slack")
async def test_a_command_that_fails_every_try_is_answered_once_in_the_dm_that_it_could_not_be_processed(
    slack: FakeSlack, db: Database, dialogue: Dialogue, clock: ManualClock
) -> None:
    adapter = await _adapter(slack, BrokenGateway(db, dialogue, Identity(db)), db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=Starlette(routes=adapter.routes())), base_url="http://t") as http:
        fields = {"command": "/crm", "text": "add contact Bob Jones", "user_id": RITA, "channel_id": "C0SALES", "trigger_id": "T1"}
        assert (await post_form(http, fields)).status_code == 200
    for _ in range(inbox.MAX_ATTEMPTS):
        assert await settle(adapter) == 1
        clock.advance(timedelta(minutes=6))
    assert await settle(adapter) == 0
    await deliver(db, adapter)
    assert [(m["channel"], m["text"]) for m in posted(slack)] == [("DRITA001", escape(COULD_NOT_PROCESS))]


async def arrive(http: httpx.AsyncClient, how: str, user: str, team: str, text: str = "hi") -> httpx.Response:
    """One message from `user` of workspace `team`, the way `how` says: a DM, a mention in a
    channel shared with another workspace (Slack Connect), /crm, or a button press."""
    ts = f"{int(time.time())}.{next(_ids):06d}"
    if how == "dm":
        response, _ = await post_event(http, dm(text, user=user, channel="D0" + user, team=team, user_team=team))
        return response
    if how == "mention":
        mention = {"type": "app_mention", "channel": "C0SHARED", "user": user, "team": team, "user_team": team, "text": text, "ts": ts}
        response, _ = await post_event(http, mention)
        return response
    if how == "command":
        fields = {"team_id": team, "channel_id": "C0SHARED", "user_id": user, "command": "/crm", "text": text, "trigger_id": ts}
        return await post_form(http, fields)
    assert how == "button"
    payload = {
        "type": "block_actions", "user": {"id": user, "team_id": team}, "team": {"id": team},
        "channel": {"id": "D0" + user}, "container": {"type": "message", "channel_id": "D0" + user},
        "trigger_id": ts, "actions": [{"action_id": "crm_choice_0", "value": text, "action_ts": ts}],
    }  # fmt: skip
    return await post_form(http, {"payload": json.dumps(payload)})


@pytest.mark.parametrize("how", ["dm", "mention", "command", "button"])
async def test_a_user_of_another_workspace_with_a_staff_email_stays_a_stranger(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database, how: str
) -> None:
    # Slack Connect: someone whose profile in their own workspace says max@example.com
    slack.users["UEXT0001"] = {"email": "max@example.com", "name": "Max Manager", "team_id": "T0OTHER"}
    assert (await arrive(http, how, "UEXT0001", "T0OTHER")).status_code == 200
    await settle(adapter)
    await deliver(db, adapter)

    assert slack.calls_to("users.info") == []  # the event says: not ours; nobody asks for an e-mail
    assert [m["text"] for m in posted(slack)] == [escape(STRANGER)]
    with db.unit_of_work() as uow:
        assert users.user_by_email(uow, "max@example.com").slack_id is None


async def test_users_info_saying_another_workspace_is_enough_to_keep_the_email_unused(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database
) -> None:
    # the event carries no team of the writer's (only the workspace it was delivered for)
    slack.users["UEXT0002"] = {"email": "max@example.com", "name": "Max Manager", "team_id": "T0OTHER"}
    await post_event(http, dm("hi", user="UEXT0002", channel="D0EXT"))
    await settle(adapter)
    await deliver(db, adapter)
    assert [c.args["user"] for c in slack.calls_to("users.info")] == ["UEXT0002"]
    assert [m["text"] for m in posted(slack)] == [escape(STRANGER)]
    with db.unit_of_work() as uow:
        assert users.user_by_email(uow, "max@example.com").slack_id is None


@pytest.mark.parametrize("how", ["dm", "mention", "command", "button"])
async def test_a_user_of_the_bots_own_workspace_is_linked_by_email_however_they_arrive(
    http: httpx.AsyncClient, adapter: SlackAdapter, slack: FakeSlack, db: Database, how: str
) -> None:
    slack.users["UMAX0001"] = {"email": "max@example.com", "name": "Max Manager"}
    assert (await arrive(http, how, "UMAX0001", slack.team_id)).status_code == 200
    await settle(adapter)
    with db.unit_of_work() as uow:
        assert users.user_by_email(uow, "max@example.com").slack_id == "UMAX0001"


# -- start: auth.test once, then never again per request ------------------------------------------


async def test_the_start_asks_auth_test_once_and_events_are_stored_while_slack_is_unreachable(
    slack: FakeSlack, gateway: Gateway, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    adapter = SlackAdapter(_settings(slack), gateway, InboxWorker(db, clock=db.clock), clock=db.clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=Starlette(routes=adapter.routes())), base_url="http://t") as http:
        # not started (the server never serves before): 503, so Slack sends the event again
        early, _ = await post_event(http, dm("add contact Bob Jones"))
        assert early.status_code == 503
        await adapter.start()
        assert slack.methods() == ["auth.test"]
        assert (adapter.team_id, adapter.authorized and adapter.authorized.bot_user_id) == (slack.team_id, slack.bot_user_id)

        await slack.close()  # Slack unreachable from now on: events are stored all the same
        mention = {"type": "app_mention", "channel": "C0SALES", "user": RITA, "text": f"<@{slack.bot_user_id}> hi", "ts": "1700000100.000200"}
        responses = [(await post_event(http, dm("add contact Bob Jones")))[0], (await post_event(http, mention))[0]]
        assert [r.status_code for r in responses] == [200, 200]
    assert slack.methods() == ["auth.test"]
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(InboxEvent)) == 2
    assert "Failed to authorize" not in caplog.text


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("wrong token", "Slack refused SLACK_BOT_TOKEN (invalid_auth)"),
        ("account_inactive", "Slack refused SLACK_BOT_TOKEN (account_inactive)"),
        ("500", "Slack did not answer auth.test at {base_url} (internal_error)"),
        ("unreachable", "Slack unreachable at {base_url} (ClientConnectorError)"),
    ],
)
async def test_a_start_slack_refuses_raises_one_line_without_the_token(
    slack: FakeSlack, gateway: Gateway, db: Database, breakage: str, message: str
) -> None:
    settings = _settings(slack)
    if breakage == "wrong token":
        settings = load_settings(SLACK_BOT_TOKEN="xoxb-not-the-token-42", SLACK_SIGNING_SECRET=SECRET, SLACK_API_BASE_URL=slack.base_url)
    elif breakage == "500":
        slack.fail_next("auth.test", count=3, status=500)
    elif breakage == "unreachable":
        await slack.close()
    elif breakage:
        slack.fail_next("auth.test", error=breakage)
    adapter = SlackAdapter(settings, gateway, InboxWorker(db, clock=db.clock), clock=db.clock)
    with pytest.raises(StartupError) as caught:
        await adapter.start()
    assert str(caught.value) == message.format(base_url=adapter.client.base_url)
    assert "xoxb" not in str(caught.value) and "\n" not in str(caught.value)
    assert adapter.authorized is None


# -- stored before the ack -------------------------------------------------------------------------


@pytest.mark.usefixtures("rita_on_slack")
async def test_an_acked_event_is_handled_after_a_crash_that_came_right_after_the_ack(
    http: httpx.AsyncClient, slack: FakeSlack, db: Database, dialogue: Dialogue
) -> None:
    response, _ = await post_event(http, dm("add contact Bob Jones"))
    assert response.status_code == 200
    # the process dies here, before any listener work: a new one starts on the same database
    restarted = await _adapter(slack, Gateway(db, dialogue, Identity(db)), db)
    assert await settle(restarted) == 1
    assert await deliver(db, restarted) == 1
    assert [m["text"].startswith("Added Bob Jones") for m in posted(slack)] == [True]
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Contact)) == 1


class BrokenInbox(InboxWorker):
    async def accept(self, channel: str, event_id: str, chat_key: str, payload: dict[str, Any]) -> bool:
        # as SQLAlchemy words it: the statement and its parameters, message text included
        raise OperationalError("INSERT INTO inbox (payload) VALUES (?)", [json.dumps(payload)], Exception("disk I/O error"))


@pytest.mark.usefixtures("rita_on_slack")
async def test_an_event_that_could_not_be_stored_is_not_acked_so_slack_sends_it_again(
    slack: FakeSlack, db: Database, gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    broken = SlackAdapter(_settings(slack), gateway, BrokenInbox(db))
    await broken.start()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=Starlette(routes=broken.routes())), base_url="http://t") as http:
        response, event_id = await post_event(http, dm("add contact Bob Jones"))
    assert response.status_code == 500
    assert "OperationalError" in caplog.text and "Bob Jones" not in caplog.text  # ids, never text

    working = await _adapter(slack, gateway, db)  # the database is back; Slack retries
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=Starlette(routes=working.routes())), base_url="http://t") as http:
        retry, _ = await post_event(http, dm("add contact Bob Jones"), event_id, headers={"X-Slack-Retry-Num": "1"})
    assert retry.status_code == 200
    assert await settle(working) == 1
    await deliver(db, working)
    assert [m["text"].startswith("Added Bob Jones") for m in posted(slack)] == [True]
