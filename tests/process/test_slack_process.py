"""The real `chatcrm serve` with only Slack configured: a signed Events API delivery is
answered through chat.postMessage on the fake Slack Web API; a forged one is refused and
changes nothing."""

from __future__ import annotations

import time

from crm_core.models import Contact
from crm_core.services import users
from tests.fakes.fake_slack import FakeSlack, event_callback, sign
from tests.process.conftest import Servers, count_rows, eventually, open_database

SECRET = "process-slack-signing-secret-0123"
RITA = "URITA001"


def dm(text: str, n: int) -> dict[str, str]:
    return {"type": "message", "channel": "D0RITA", "channel_type": "im", "user": RITA, "text": text, "ts": f"{int(time.time())}.{n:06d}"}


async def test_the_server_answers_a_signed_slack_message_and_refuses_a_forged_one(
    sqlite_url: str, servers: Servers
) -> None:
    db = open_database(sqlite_url)
    with db.unit_of_work() as uow:
        users.add_user(uow, "rita@example.com", "Rita Rep", "rep", "UTC", slack_id=RITA)
        uow.commit()
    async with FakeSlack() as slack:
        server = await servers.start(
            sqlite_url,
            extra_env={"SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_BASE_URL": slack.base_url},
        )
        events = f"{server.url}/slack/events"
        forged = event_callback(dm("add contact Mallory Evil", 1), "EvFORGED1")
        refused = await server.http.post(events, content=forged, headers={"Content-Type": "application/json", **sign(forged, "not-the-secret")})
        genuine = event_callback(dm("add contact Bob Jones", 2), "EvGENUINE1")
        accepted = await server.http.post(events, content=genuine, headers={"Content-Type": "application/json", **sign(genuine, SECRET)})

        assert (refused.status_code, accepted.status_code) == (401, 200)
        def replies() -> list[str]:  # in the DM (the morning summary may also go to Rita)
            return [c.args["text"] for c in slack.calls_to("chat.postMessage") if c.args["channel"] == "D0RITA"]

        [reply] = await eventually(replies, 30, "the reply on Slack")
        assert reply.startswith("Added Bob Jones")
        await server.terminate()
    assert len(replies()) == 1  # nothing for the forged delivery
    assert count_rows(db, Contact) == 1
    assert "Bob Jones" not in server.log() and "Mallory" not in server.log()  # no message text in logs
    assert "WARNING" not in server.log()  # a clean start: no warning to puzzle over
    db.dispose()
