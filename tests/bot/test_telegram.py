"""The Telegram adapter through the real python-telegram-bot Application: updates POSTed to
the webhook route (or handed out by getUpdates), stored in the inbox, handled by the inbox
worker through the real gateway, dialogue and language model over SQLite, and replies
delivered by the outbox sender to a fake Telegram Bot API on loopback that records them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import struct
import time
import zlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from telegram.ext import _aioratelimiter

from bot.inbox import InboxWorker
from bot.outbox_sender import OutboxSender
from bot.telegram import (
    FOREIGN_CONTACT_NOTE,
    GROUP_NOTE,
    SHARE_PHONE_LABEL,
    UNSUPPORTED_NOTE,
    TelegramAdapter,
)
from config import load_settings
from crm_core.clock import ManualClock
from crm_core.enums import InboxStatus, OutboxStatus
from crm_core.models import Contact, InboxEvent, OutboxMessage
from crm_core.services import customers, inbox, users
from crm_core.uow import Database
from intents.dialogue import Dialogue, enqueue_replies
from intents.gateway import COULD_NOT_PROCESS, LINK_PROMPT, Gateway
from intents.identity import Account, Actor, Identity
from intents.messages import Choice, Choices, Destination, File, Image, IncomingMessage, Text
from tests.bot.conftest import RecordedSleeps
from tests.dialogue.conftest import NOW
from tests.fakes.fake_telegram import FakeTelegram, TgUser, post_update

SECRET = "wh-Secret_7f3a9c2e81d4"
WEBHOOK_URL = "https://crm.example.com/telegram/webhook"
JANE = TgUser(5550001, "Jane", "Doe", "janedoe")
MALLORY = TgUser(5550666, "Mallory", "Mole")
RITA = TgUser(4440001, "Rita", "Rep", "ritarep")  # a staff user, linked with `users add --telegram-id`


def _png() -> bytes:
    """A real 2x2 PNG (signature, IHDR, IDAT, IEND, with their CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([255, 0, 0, 0, 255, 0]) for _ in range(2))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PNG = _png()


# -- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def gateway(db: Database, dialogue: Dialogue) -> Gateway:
    return Gateway(db, dialogue, Identity(db))


def _adapter(tg: FakeTelegram, gateway: Gateway, db: Database, *, webhook: bool = True, **options: Any) -> TelegramAdapter:
    env: dict[str, Any] = {"TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url}
    if webhook:
        env.update(TELEGRAM_WEBHOOK_URL=WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET=SECRET)
    return TelegramAdapter(load_settings(**env), gateway, InboxWorker(db, clock=db.clock), clock=db.clock, **options)


@contextlib.asynccontextmanager
async def running(adapter: TelegramAdapter) -> AsyncIterator[httpx.AsyncClient]:
    """The adapter started (getMe, setMyCommands, setWebhook), and a client for its route."""
    await adapter.start()
    try:
        app = Starlette(routes=adapter.routes())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://crm.example.com") as client:
            yield client
    finally:
        await adapter.stop()


@pytest.fixture
async def adapter_and_http(tg: FakeTelegram, gateway: Gateway, db: Database) -> AsyncIterator[tuple[TelegramAdapter, httpx.AsyncClient]]:
    adapter = _adapter(tg, gateway, db)
    async with running(adapter) as client:
        yield adapter, client


@pytest.fixture
def adapter(adapter_and_http: tuple[TelegramAdapter, httpx.AsyncClient]) -> TelegramAdapter:
    return adapter_and_http[0]


@pytest.fixture
def http(adapter_and_http: tuple[TelegramAdapter, httpx.AsyncClient]) -> httpx.AsyncClient:
    return adapter_and_http[1]


@pytest.fixture
def rita_on_telegram(db: Database) -> None:
    with db.unit_of_work() as uow:
        users.add_user(uow, "rita@example.com", "Rita Rep", "rep", "America/New_York", telegram_id=RITA.id)
        uow.commit()


@pytest.fixture
def jane_linked(db: Database) -> None:
    with db.unit_of_work() as uow:
        customers.create_contact(uow, "Jane Doe", email="jane@example.com", telegram_id=JANE.id)
        uow.commit()


def later(seconds: float) -> Callable[[], datetime]:
    """The tests' clock (tests/dialogue/conftest.py), `seconds` on."""
    return lambda: NOW + timedelta(seconds=seconds)


async def handle(adapter: TelegramAdapter) -> int:
    """What the server's inbox worker does in the background: handle what was stored."""
    return await adapter.inbox.drain_once()


async def deliver(db: Database, adapter: TelegramAdapter, clock: Callable[[], datetime] | None = None) -> int:
    """What the server's outbox sender does in the background: send the due replies."""
    sender = OutboxSender(db, {"telegram": adapter.sender}, clock=clock or db.clock)
    return await sender.drain_once()


async def say(tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database, update: dict[str, Any]) -> None:
    """Telegram delivers one update to the webhook; it is handled and its replies are sent."""
    response = await tg.push(update, http)
    assert response.status_code == 200
    await handle(adapter)
    await deliver(db, adapter)


def outbox_rows(db: Database) -> list[tuple[str, dict[str, Any], OutboxStatus]]:
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [(r.chat, dict(r.payload), r.status) for r in rows]


def contacts(db: Database) -> list[tuple[str, str | None, str | None, int | None]]:
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(select(Contact).order_by(Contact.id)).all()
        return [(c.name, c.phone, c.email, c.telegram_id) for c in rows]


def inbox_count(db: Database) -> int:
    with db.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(InboxEvent)) or 0)


def inbox_status(db: Database) -> list[InboxStatus]:
    with db.unit_of_work() as uow:
        return list(uow.session.scalars(select(InboxEvent.status).order_by(InboxEvent.id)))


def queue_reply(db: Database, chat: int, *replies: Any) -> None:
    with db.unit_of_work() as uow:
        enqueue_replies(uow, Destination("telegram", str(chat)), list(replies))
        uow.commit()


def sent(tg: FakeTelegram, chat: int | None = None) -> list[dict[str, Any]]:
    return [c.args for c in tg.calls_to("sendMessage") if chat is None or c.args["chat_id"] == chat]


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


# -- customers: linking the chat to an account -----------------------------------------------------


async def test_start_greets_a_new_customer_with_the_share_contact_button(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database
) -> None:
    await say(tg, http, adapter, db, tg.command(JANE, "start"))

    [message] = sent(tg)
    assert message["chat_id"] == JANE.id and message["text"] == LINK_PROMPT
    assert "parse_mode" not in message
    markup = message["reply_markup"]
    assert markup["keyboard"] == [[{"text": SHARE_PHONE_LABEL, "request_contact": True}]]
    assert markup["one_time_keyboard"] is True
    assert contacts(db) == []


async def test_sharing_their_own_contact_links_the_customer_with_that_phone(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database
) -> None:
    with db.unit_of_work() as uow:
        customers.create_contact(uow, "Jane Doe", phone="+15551234567")
        customers.create_contact(uow, "Other Person", phone="+15559990000")
        uow.commit()
    await say(tg, http, adapter, db, tg.command(JANE, "start"))
    await say(tg, http, adapter, db, tg.contact(JANE, "15551234567"))  # the button sends no "+"

    assert sent(tg)[-1]["text"] == "Thanks, Jane — this chat is now linked to your account. How can we help?"
    assert sent(tg)[-1]["reply_markup"] == {"remove_keyboard": True}  # the share button goes away
    assert contacts(db) == [("Jane Doe", "+15551234567", None, JANE.id), ("Other Person", "+15559990000", None, None)]

    # linked: /start welcomes her back, and she is answered as the customer she is
    await say(tg, http, adapter, db, tg.command(JANE, "start"))
    assert sent(tg)[-1]["text"] == "Welcome back, Jane! How can we help?"
    await say(tg, http, adapter, db, tg.text(JANE, "hello"))
    assert sent(tg)[-1]["text"] == "Hi Jane! How can we help?"


async def test_sharing_their_own_contact_creates_a_contact_when_no_one_has_that_phone(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database
) -> None:
    await say(tg, http, adapter, db, tg.contact(JANE, "+44 20 7946 0958"))

    assert contacts(db) == [("Jane Doe", "+442079460958", None, JANE.id)]
    [message] = sent(tg)
    assert message["chat_id"] == JANE.id and message["text"].startswith("Thanks, Jane — you're set up.")


@pytest.mark.parametrize(
    "share",
    [
        lambda tg: tg.contact(MALLORY, "15551234567", owner=JANE),  # someone else's card
        lambda tg: tg.contact(MALLORY, "15551234567", owner=JANE, with_user_id=False),  # a phone-book entry
    ],
    ids=["other-telegram-user", "no-user-id"],
)
async def test_sharing_someone_elses_contact_is_refused_politely_and_links_nothing(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database, share: Callable[[FakeTelegram], dict[str, Any]]
) -> None:
    with db.unit_of_work() as uow:
        customers.create_contact(uow, "Jane Doe", phone="+15551234567")
        uow.commit()
    await say(tg, http, adapter, db, share(tg))

    assert [m["text"] for m in sent(tg)] == [FOREIGN_CONTACT_NOTE]
    assert sent(tg)[0]["chat_id"] == MALLORY.id
    assert contacts(db) == [("Jane Doe", "+15551234567", None, None)]


async def test_typing_an_email_creates_a_linked_contact(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database
) -> None:
    await say(tg, http, adapter, db, tg.text(JANE, "it's Jane.Doe@Example.com"))

    assert contacts(db) == [("Jane Doe", None, "jane.doe@example.com", JANE.id)]
    assert sent(tg)[-1]["text"].startswith("Thanks, Jane — you're set up.")
    # the share-contact button /start put up is no longer needed
    assert sent(tg)[-1]["reply_markup"] == {"remove_keyboard": True}


async def test_typing_the_email_of_an_existing_account_is_answered_as_any_address_and_gets_none_of_it(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database
) -> None:
    with db.unit_of_work() as uow:
        customers.create_contact(uow, "Jane Doe", email="jane@example.com")
        uow.commit()
    await say(tg, http, adapter, db, tg.text(MALLORY, "jane@example.com"))

    # what anyone typing an address no one has hears: nothing tells Mallory that it is known
    [message] = sent(tg)
    assert message["text"] == "Thanks, Mallory — you're set up. How can we help?"
    assert message["reply_markup"] == {"remove_keyboard": True}
    # a record of her own, without the address; Jane's is untouched
    assert contacts(db) == [("Jane Doe", None, "jane@example.com", None), ("Mallory Mole", None, None, MALLORY.id)]


# -- staff, text round trip, buttons ---------------------------------------------------------------


@pytest.mark.usefixtures("rita_on_telegram")
async def test_a_staff_user_gets_the_staff_dialogue_with_buttons_answered_and_handled(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database
) -> None:
    await say(tg, http, adapter, db, tg.command(RITA, "start"))
    assert sent(tg)[-1]["text"].startswith("Hi Rita!")

    await say(tg, http, adapter, db, tg.text(RITA, "add contact Bob Jones"))
    card_call = tg.calls_to("sendMessage")[-1]
    assert card_call.args["text"].startswith("Added Bob Jones")
    assert card_call.args["reply_markup"] == {"inline_keyboard": [[{"text": "Undo", "callback_data": "undo"}]]}
    assert [c[0] for c in contacts(db)] == ["Bob Jones"]

    press = tg.button(RITA, "undo", on=card_call)
    await say(tg, http, adapter, db, press)
    [answer] = tg.calls_to("answerCallbackQuery")
    assert answer.args["callback_query_id"] == press["callback_query"]["id"]
    assert sent(tg)[-1] == {"chat_id": RITA.id, "text": "Undone: removed the contact Bob Jones."}
    assert contacts(db) == []
    assert not any(c.status != 200 for c in tg.calls)


@pytest.mark.usefixtures("jane_linked")
async def test_a_text_round_trip_is_sent_as_plain_text_and_recorded_as_sent(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database
) -> None:
    response = await tg.push(tg.text(JANE, "thanks!"), http)
    assert response.status_code == 200
    assert outbox_rows(db) == []  # stored, not yet handled: the webhook answers at once
    assert await handle(adapter) == 1
    [(chat, payload, status)] = outbox_rows(db)
    assert (chat, payload["text"], status) == (str(JANE.id), "You're welcome!", OutboxStatus.PENDING)

    assert await deliver(db, adapter) == 1
    [call] = tg.calls_to("sendMessage")
    assert call.args == {"chat_id": JANE.id, "text": "You're welcome!"}  # no parse_mode, no markup
    with db.unit_of_work() as uow:
        row = uow.session.scalars(select(OutboxMessage)).one()
        assert (row.status, row.platform_id) == (OutboxStatus.SENT, str(call.result["message_id"]))


async def test_choices_become_an_inline_keyboard_with_valid_callback_data(
    tg: FakeTelegram, adapter: TelegramAdapter, db: Database
) -> None:
    long_value = "Ünïcödé-" * 10  # 100+ bytes of UTF-8: Telegram refuses callback data over 64
    choices = Choices("Which Jane?", (Choice("Jane Smith (Acme)", "#12"), Choice("Jane Smith (Globex)", "#13"), Choice("Other", long_value)))
    queue_reply(db, JANE.id, choices)
    assert await deliver(db, adapter) == 1

    [call] = tg.calls_to("sendMessage")
    assert call.args["text"] == "Which Jane?"
    rows = call.args["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows] == [["Jane Smith (Acme)"], ["Jane Smith (Globex)"], ["Other"]]
    assert [row[0]["callback_data"] for row in rows[:2]] == ["#12", "#13"]
    data = rows[2][0]["callback_data"]
    assert len(data.encode()) <= 64 and long_value.startswith(data)
    assert outbox_rows(db)[0][2] == OutboxStatus.SENT


# -- what is not a private text message -----------------------------------------------------------


@pytest.mark.usefixtures("rita_on_telegram")
async def test_a_group_message_gets_the_private_chats_only_note_once_and_nothing_else(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database
) -> None:
    update = tg.group_text(RITA, "add contact Bob Jones")
    await say(tg, http, adapter, db, update)
    await say(tg, http, adapter, db, update)  # redelivered

    assert sent(tg) == [{"chat_id": -1001234567890, "text": GROUP_NOTE}]
    assert contacts(db) == []
    assert set(tg.methods()) == {"getMe", "setMyCommands", "setWebhook", "sendMessage"}


@pytest.mark.parametrize("kind", ["photo", "sticker"])
async def test_a_photo_or_sticker_gets_the_text_only_note(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database, kind: str
) -> None:
    update = tg.photo(JANE, caption="my broken order") if kind == "photo" else tg.sticker(JANE)
    await say(tg, http, adapter, db, update)

    assert sent(tg) == [{"chat_id": JANE.id, "text": UNSUPPORTED_NOTE}]
    assert contacts(db) == []


# -- replies: long texts, images, files -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "\n".join(f"{n:04d} " + "pipeline line " * 6 for n in range(110)),  # ~10,000 chars in lines
        "word " * 2500,  # spaces only
        "😀" * 5000,  # 10,000 UTF-16 units, no place to cut
    ],
    ids=["lines", "words", "emoji"],
)
async def test_a_reply_longer_than_4096_characters_is_split_with_the_buttons_on_the_last_part(
    tg: FakeTelegram, adapter: TelegramAdapter, db: Database, text: str
) -> None:
    queue_reply(db, JANE.id, Text(text, (Choice("Done", "done"),)))
    assert await deliver(db, adapter) == 1

    calls = tg.calls_to("sendMessage", ok_only=False)
    assert all(c.status == 200 for c in calls) and len(calls) >= 3
    parts = [c.args["text"] for c in calls]
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
    assert [("reply_markup" in c.args) for c in calls] == [False] * (len(calls) - 1) + [True]
    assert outbox_rows(db)[0][2] == OutboxStatus.SENT


async def test_an_image_goes_through_send_photo_and_a_file_through_send_document_bytes_intact(
    tg: FakeTelegram, adapter: TelegramAdapter, db: Database
) -> None:
    csv = b"name,email\nJane Doe,jane@example.com\n"
    queue_reply(db, JANE.id, Image(PNG, "Pipeline by stage"), File("contacts.csv", csv))
    assert await deliver(db, adapter) == 2

    [photo] = tg.calls_to("sendPhoto")
    upload = photo.upload("photo")
    assert upload.data == PNG and upload.filename == "pipeline-by-stage.png" and upload.content_type == "image/png"
    assert photo.args["chat_id"] == JANE.id and photo.args["caption"] == "Pipeline by stage"
    [document] = tg.calls_to("sendDocument")
    upload = document.upload("document")
    assert (upload.data, upload.filename, upload.content_type) == (csv, "contacts.csv", "text/csv")
    assert [status for _, _, status in outbox_rows(db)] == [OutboxStatus.SENT, OutboxStatus.SENT]
    # what Telegram stored is what we sent: fetched back through the file URL
    file = await adapter.application.bot.get_file(photo.result["photo"][-1]["file_id"])
    assert bytes(await file.download_as_bytearray()) == PNG


# -- limits and failures ---------------------------------------------------------------------------


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """python-telegram-bot 22's opt-in to `RetryAfter.retry_after` as a timedelta (the
    default of its next major version). Without it PTB warns inside its own RetryAfter
    constructor, and under warnings-as-errors every 429 fails (the adapter opts in itself)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.mark.usefixtures("ptb_timedelta")
async def test_a_429_is_waited_out_and_the_message_arrives_once(
    tg: FakeTelegram, adapter: TelegramAdapter, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_reply(db, JANE.id, Text("your order shipped"))
    tg.fail_next("sendMessage", status=429, retry_after=1)
    sleeps = RecordedSleeps()
    monkeypatch.setattr(_aioratelimiter, "asyncio", sleeps)
    assert await deliver(db, adapter) == 1

    assert len(sleeps.asked) == 1 and 1.0 <= sleeps.asked[0] < 2.0  # Retry-After: 1
    assert [c.status for c in tg.calls_to("sendMessage", ok_only=False)] == [429, 200]
    assert sent(tg) == [{"chat_id": JANE.id, "text": "your order shipped"}]
    assert outbox_rows(db)[0][2] == OutboxStatus.SENT


@pytest.mark.usefixtures("ptb_timedelta")
async def test_a_429_that_persists_is_retried_by_the_outbox_after_the_time_telegram_asked(
    tg: FakeTelegram, gateway: Gateway, db: Database
) -> None:
    adapter = _adapter(tg, gateway, db, rate_limit_retries=0)
    async with running(adapter):
        queue_reply(db, JANE.id, Text("your order shipped"))
        tg.fail_next("sendMessage", status=429, retry_after=30)
        assert await deliver(db, adapter) == 1
        assert sent(tg) == [] and outbox_rows(db)[0][2] == OutboxStatus.PENDING
        with db.unit_of_work() as uow:
            row = uow.session.scalars(select(OutboxMessage)).one()
            wait = row.next_attempt_at.replace(tzinfo=UTC) - NOW
            assert timedelta(seconds=25) < wait <= timedelta(seconds=30)

        assert await deliver(db, adapter, clock=later(10)) == 0  # too early
        assert await deliver(db, adapter, clock=later(31)) == 1
        assert await deliver(db, adapter, clock=later(3600)) == 0
        assert sent(tg) == [{"chat_id": JANE.id, "text": "your order shipped"}]
        assert outbox_rows(db)[0][2] == OutboxStatus.SENT


async def test_a_429_is_waited_out_in_the_default_ptb_configuration(
    tg: FakeTelegram, gateway: Gateway, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PTB_TIMEDELTA", raising=False)  # as `chatcrm serve` starts
    adapter = _adapter(tg, gateway, db)
    async with running(adapter):
        queue_reply(db, JANE.id, Text("your order shipped"))
        tg.fail_next("sendMessage", status=429, retry_after=1)
        assert await deliver(db, adapter) == 1
    assert sent(tg) == [{"chat_id": JANE.id, "text": "your order shipped"}]


async def test_a_blocked_bot_makes_the_row_dead_and_other_chats_still_get_theirs(
    tg: FakeTelegram, adapter: TelegramAdapter, db: Database
) -> None:
    tg.blocked.add(MALLORY.id)
    queue_reply(db, MALLORY.id, Text("your order shipped"))
    queue_reply(db, JANE.id, Text("your order shipped too"))
    assert await deliver(db, adapter) == 2

    assert [(chat, status) for chat, _, status in outbox_rows(db)] == [
        (str(MALLORY.id), OutboxStatus.DEAD),
        (str(JANE.id), OutboxStatus.SENT),
    ]
    with db.unit_of_work() as uow:
        dead = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DEAD)).one()
        assert dead.last_error == "Forbidden" and dead.attempts == 1
    assert await deliver(db, adapter, clock=later(3600)) == 0  # never tried again
    assert sent(tg) == [{"chat_id": JANE.id, "text": "your order shipped too"}]
    queue_reply(db, JANE.id, Text("and again"))
    assert await deliver(db, adapter) == 1 and sent(tg)[-1]["text"] == "and again"


@pytest.mark.parametrize("status", [0, 502, 500], ids=["connection-dropped", "bad-gateway", "internal-error"])
async def test_a_network_error_during_a_send_is_retried_later_and_delivered_once(
    tg: FakeTelegram, adapter: TelegramAdapter, db: Database, status: int
) -> None:
    queue_reply(db, JANE.id, Text("your order shipped"))
    tg.fail_next("sendMessage", status=status)
    assert await deliver(db, adapter) == 1
    assert sent(tg) == [] and outbox_rows(db)[0][2] == OutboxStatus.PENDING
    assert [c.status for c in tg.calls_to("sendMessage", ok_only=False)] == [status]

    assert await deliver(db, adapter, clock=later(60)) == 1
    assert await deliver(db, adapter, clock=later(3600)) == 0
    assert sent(tg) == [{"chat_id": JANE.id, "text": "your order shipped"}]
    assert outbox_rows(db)[0][2] == OutboxStatus.SENT


class FlakyGateway(Gateway):
    """The real gateway, whose database fails once in the middle of a customer message."""

    failures = 1

    def converse(self, message: IncomingMessage, account: Account, reply_to: Destination, actor: Actor | None = None) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database went away")
        super().converse(message, account, reply_to, actor)


@pytest.mark.usefixtures("jane_linked")
async def test_an_update_whose_handling_failed_is_handled_again_later_once(
    tg: FakeTelegram, db: Database, dialogue: Dialogue
) -> None:
    adapter = _adapter(tg, FlakyGateway(db, dialogue, Identity(db)), db)
    async with running(adapter) as http:
        assert (await tg.push(tg.text(JANE, "thanks"), http)).status_code == 200
        assert await handle(adapter) == 1
        assert outbox_rows(db) == [] and inbox_status(db) == [InboxStatus.PENDING]
        later_worker = InboxWorker(db, {"telegram": adapter.handle}, clock=later(60))
        assert await later_worker.drain_once() == 1
        assert await later_worker.drain_once() == 0
        assert inbox_status(db) == [InboxStatus.DONE]
        await deliver(db, adapter)
        assert sent(tg) == [{"chat_id": JANE.id, "text": "You're welcome!"}]


@pytest.mark.usefixtures("jane_linked")
async def test_an_update_that_fails_every_try_is_answered_once_that_it_could_not_be_processed(
    tg: FakeTelegram, db: Database, dialogue: Dialogue, clock: ManualClock
) -> None:
    gateway = FlakyGateway(db, dialogue, Identity(db))
    gateway.failures = inbox.MAX_ATTEMPTS
    adapter = _adapter(tg, gateway, db)
    async with running(adapter) as http:
        assert (await tg.push(tg.text(JANE, "thanks"), http)).status_code == 200
        for _ in range(inbox.MAX_ATTEMPTS):
            assert await handle(adapter) == 1
            clock.advance(timedelta(minutes=6))
        assert await handle(adapter) == 0
        assert inbox_status(db) == [InboxStatus.FAILED]
        await deliver(db, adapter)
        assert sent(tg) == [{"chat_id": JANE.id, "text": COULD_NOT_PROCESS}]


# -- the webhook: trust and redelivery ------------------------------------------------------------


@pytest.mark.parametrize("secret", ["not-the-secret", None, ""], ids=["wrong", "missing", "empty"])
@pytest.mark.usefixtures("rita_on_telegram")
async def test_a_webhook_request_without_the_right_secret_is_refused_and_nothing_happens(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database, secret: str | None
) -> None:
    response = await post_update(http, WEBHOOK_URL, tg.text(RITA, "add contact Bob Jones"), secret)
    assert response.status_code == 403

    assert inbox_count(db) == 0
    assert await handle(adapter) == 0 and await deliver(db, adapter) == 0
    assert contacts(db) == [] and outbox_rows(db) == []
    assert "sendMessage" not in tg.methods()


@pytest.mark.parametrize("chunked", [False, True], ids=["announced", "chunked"])
async def test_a_webhook_body_over_a_megabyte_is_refused_unread_and_nothing_is_stored(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database, chunked: bool
) -> None:
    update = tg.text(JANE, "x" * 1_100_000)
    body = json.dumps(update).encode()

    async def parts() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    response = await http.post(WEBHOOK_URL, content=parts() if chunked else body, headers=headers)
    assert response.status_code == 413
    assert inbox_count(db) == 0 and await handle(adapter) == 0


def _with(update: dict[str, Any], path: str, value: Any) -> bytes:
    """`update` as JSON with the field at `path` ("message.chat.id") set to `value`."""
    *parents, last = path.split(".")
    part = update
    for key in parents:
        part = part[key]
    part[last] = value
    return json.dumps(update).encode()


# what Telegram never sends, all with the right secret (the update's id is not the point)
NO_UPDATES: dict[str, Callable[[FakeTelegram], bytes]] = {
    "not-json": lambda tg: b"{not json",
    "not-an-object": lambda tg: b"[1, 2]",
    "no-update-id": lambda tg: b'{"message": {"text": "hi"}}',
    "update-id-200-digits": lambda tg: _with(tg.text(JANE, "hi"), "update_id", int("9" * 200)),
    "update-id-5000-digits": lambda tg: b'{"update_id": ' + b"9" * 5000 + b"}",  # past Python's int digit limit
    "update-id-negative": lambda tg: _with(tg.text(JANE, "hi"), "update_id", -5),
    "update-id-a-string": lambda tg: _with(tg.text(JANE, "hi"), "update_id", "100000001"),
    "update-id-a-float": lambda tg: _with(tg.text(JANE, "hi"), "update_id", 1.5),
    "update-id-true": lambda tg: _with(tg.text(JANE, "hi"), "update_id", True),
    "update-id-nan": lambda tg: b'{"update_id": NaN}',
    "nested-100000-deep": lambda tg: b'{"update_id": 5, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "nested-40-deep": lambda tg: _with(tg.text(JANE, "hi"), "message.x", json.loads("[" * 40 + "]" * 40)),
    "chat-id-past-64-bits": lambda tg: _with(tg.text(JANE, "hi"), "message.chat.id", 2**64),
    "not-utf-8": lambda tg: json.dumps(tg.text(JANE, "hi")).encode().replace(b'"hi"', b'"h\xff"'),
    "utf-16": lambda tg: json.dumps(tg.text(JANE, "hi")).encode("utf-16"),
    "message-a-number": lambda tg: _with(tg.text(JANE, "hi"), "message", 5),
    "message-without-date": lambda tg: _with(tg.text(JANE, "hi"), "message", {"chat": 5}),
}


@pytest.mark.parametrize("junk", list(NO_UPDATES.values()), ids=list(NO_UPDATES))
async def test_a_webhook_body_that_is_no_update_is_refused_with_one_line_and_nothing_is_stored(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database, caplog: pytest.LogCaptureFixture,
    junk: Callable[[FakeTelegram], bytes],
) -> None:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    caplog.set_level(logging.INFO)
    response = await http.post(WEBHOOK_URL, content=junk(tg), headers=headers)

    assert response.status_code == 400
    [line] = [r for r in caplog.records if r.name != "httpx"]  # httpx: the test's own client
    assert line.getMessage().startswith("telegram webhook refused: unreadable update reason=")
    assert line.exc_info is None and "Traceback" not in caplog.text
    assert inbox_count(db) == 0 and await handle(adapter) == 0


@pytest.mark.usefixtures("rita_on_telegram")
async def test_a_redelivered_update_has_one_effect(
    tg: FakeTelegram, http: httpx.AsyncClient, adapter: TelegramAdapter, db: Database
) -> None:
    update = tg.text(RITA, "add contact Bob Jones")
    first = await tg.push(update, http)
    second = await tg.push(update, http)  # Telegram did not see the first answer in time
    await handle(adapter)
    third = await tg.push(update, http)  # and once more after it was handled
    await handle(adapter)
    await deliver(db, adapter)

    assert [r.status_code for r in (first, second, third)] == [200, 200, 200]
    assert inbox_count(db) == 1
    assert [c[0] for c in contacts(db)] == ["Bob Jones"]
    assert len(sent(tg)) == 1 and sent(tg)[0]["text"].startswith("Added Bob Jones")


async def test_start_registers_the_commands_and_the_webhook_with_its_secret(
    tg: FakeTelegram, adapter: TelegramAdapter
) -> None:
    assert tg.methods()[:1] == ["getMe"]
    assert [c["command"] for c in tg.commands] == ["start", "help", "cancel"]
    assert all(c["description"] for c in tg.commands)
    [hook] = tg.calls_to("setWebhook")
    assert hook.args["url"] == WEBHOOK_URL and hook.args["secret_token"] == SECRET
    assert (tg.webhook_url, tg.webhook_secret) == (WEBHOOK_URL, SECRET)
    assert sorted(tg.allowed_updates) == ["callback_query", "message"]
    assert "getUpdates" not in tg.methods()
    assert adapter.routes()[0].path == "/telegram/webhook"


# -- long polling ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("jane_linked")
async def test_long_polling_stores_handles_and_confirms_updates(tg: FakeTelegram, gateway: Gateway, db: Database) -> None:
    tg.webhook_url = "https://old.example.com/hook"  # left over from a webhook deployment
    first, second = tg.text(JANE, "hello"), tg.text(JANE, "thanks")
    tg.queue(first, second)
    adapter = _adapter(tg, gateway, db, webhook=False, poll_timeout=5)
    async with running(adapter):
        await adapter.start_polling()
        await eventually(lambda: inbox_count(db) == 2)
        # the offset of the next getUpdates confirms them, once they are stored
        await eventually(lambda: tg.confirmed == [first["update_id"], second["update_id"]])
        third = tg.text(JANE, "hi")
        tg.queue(third)  # the long poll in progress (up to 5 s) answers at once
        await eventually(lambda: inbox_count(db) == 3, timeout=1.0)
        assert await handle(adapter) == 3
        await deliver(db, adapter)

    assert tg.webhook_url == "" and "deleteWebhook" in tg.methods()
    polls = tg.calls_to("getUpdates")
    assert polls and all(sorted(c.args["allowed_updates"]) == ["callback_query", "message"] for c in polls)
    assert all(c.args["timeout"] == 5 for c in polls)
    assert "setWebhook" not in tg.methods()

    assert [m["text"] for m in sent(tg)] == ["Hi Jane! How can we help?", "You're welcome!", "Hi Jane! How can we help?"]


async def test_polling_stops_promptly_and_an_update_handed_out_twice_is_stored_once(
    tg: FakeTelegram, gateway: Gateway, db: Database
) -> None:
    adapter = _adapter(tg, gateway, db, webhook=False, poll_timeout=600)
    await adapter.start()
    await adapter.start_polling()
    update = tg.text(JANE, "hello")
    tg.queue(update)
    await eventually(lambda: tg.confirmed == [update["update_id"]])
    # a long poll of 10 minutes is in progress: stopping does not wait for it to end (the
    # deadline only catches a stop that hangs; it measures nothing)
    await asyncio.wait_for(adapter.stop(), timeout=60)

    # the confirmation got lost (the process died just before its next getUpdates): Telegram
    # hands the update out again after the restart, and the inbox keeps one copy
    tg.queue(update)
    again = _adapter(tg, gateway, db, webhook=False, poll_timeout=1)
    async with running(again):
        await again.start_polling()
        await eventually(lambda: tg.confirmed == [update["update_id"]] * 2)
        assert inbox_count(db) == 1
        assert await handle(again) == 1
        await deliver(db, again)
    assert [m["text"] for m in sent(tg)] == [LINK_PROMPT]


@pytest.mark.usefixtures("jane_linked")
async def test_polling_skips_and_confirms_an_unreadable_update_and_goes_on_with_the_next(
    tg: FakeTelegram, gateway: Gateway, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    not_a_message = {"update_id": tg.text(JANE, "x")["update_id"], "message": 5}
    huge_chat = tg.text(JANE, "x")
    huge_chat["message"]["chat"]["id"] = 10**200
    hello = tg.text(JANE, "hello")
    tg.queue(not_a_message, huge_chat, hello)
    caplog.set_level(logging.INFO, logger="bot.telegram")
    adapter = _adapter(tg, gateway, db, webhook=False, poll_timeout=5)
    async with running(adapter):
        await adapter.start_polling()
        await eventually(lambda: tg.confirmed == [not_a_message["update_id"], huge_chat["update_id"], hello["update_id"]])
        assert await handle(adapter) == 1
        await deliver(db, adapter)

    assert inbox_count(db) == 1
    assert [m["text"] for m in sent(tg)] == ["Hi Jane! How can we help?"]
    skipped = [r.getMessage() for r in caplog.records if "unreadable" in r.getMessage()]
    assert skipped == [
        f"telegram polling: unreadable update skipped update={not_a_message['update_id']} reason=not an update",
        f"telegram polling: unreadable update skipped update={huge_chat['update_id']} reason=number out of range",
    ]
    assert "Traceback" not in caplog.text and "polling failed" not in caplog.text


async def test_a_stored_update_that_is_no_update_is_skipped_once_not_retried(
    adapter: TelegramAdapter, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    # stored by a version that did not check updates on the way in
    await adapter.inbox.accept("telegram", "100000001", "5550001", {"update_id": 100000001, "message": 5})
    caplog.set_level(logging.INFO, logger="bot")

    assert await handle(adapter) == 1
    assert inbox_status(db) == [InboxStatus.DONE]
    [line] = [r.getMessage() for r in caplog.records]
    assert line == "telegram stored update unreadable, skipped update=100000001 reason=not an update"


# -- logs -----------------------------------------------------------------------------------------


def debug_everything(caplog: pytest.LogCaptureFixture) -> None:
    """A process started with DEBUG logging: the libraries' loggers as nothing has set them yet
    (an adapter started by an earlier test leaves them quieter; caplog restores them after)."""
    for name in (None, "telegram", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)


@pytest.mark.usefixtures("rita_on_telegram")
async def test_logs_carry_neither_the_bot_token_nor_what_people_wrote(
    tg: FakeTelegram, gateway: Gateway, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = _adapter(tg, gateway, db)
    debug_everything(caplog)
    async with running(adapter) as http:
        await say(tg, http, adapter, db, tg.text(RITA, "add contact Zebulon Quixote"))
        await say(tg, http, adapter, db, tg.contact(JANE, "15557654321"))
        await say(tg, http, adapter, db, tg.text(MALLORY, "mallory.secret@example.org"))
        await post_update(http, WEBHOOK_URL, tg.text(JANE, "forged Xylophone"), "wrong")
        tg.blocked.add(MALLORY.id)
        tg.fail_next("sendMessage", status=0)
        queue_reply(db, MALLORY.id, Text("Zebulon Quixote again"))
        queue_reply(db, JANE.id, Text("Zebulon Quixote once more"))
        await deliver(db, adapter)

    assert [c[0] for c in contacts(db)] == ["Zebulon Quixote", "Jane Doe", "Mallory Mole"]
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert caplog.records  # the adapter does log, by ids
    token_secret = tg.token.split(":")[1]
    for secret in (token_secret, SECRET, "Zebulon", "Quixote", "15557654321", "7654321", "mallory.secret", "Xylophone"):
        assert secret not in logged, secret


async def test_building_the_adapter_with_debug_logging_does_not_log_the_token(
    tg: FakeTelegram, gateway: Gateway, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    debug_everything(caplog)
    async with running(_adapter(tg, gateway, db)):
        pass
    assert tg.token.split(":")[1] not in caplog.text
