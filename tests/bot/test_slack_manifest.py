"""The Slack app manifest in the repository asks for what bot/slack.py handles and uses."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.slack import COMMAND, EVENTS_PATH

MANIFEST = Path(__file__).resolve().parents[2] / "config" / "slack_manifest.yml"


def test_the_manifest_points_every_request_at_the_one_events_route_and_the_handled_events() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    settings = manifest["settings"]
    urls = [settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]]
    urls += [c["url"] for c in manifest["features"]["slash_commands"]]
    assert {url.removeprefix("https://YOUR-HOST") for url in urls} == {EVENTS_PATH}
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == ["app_mention", "message.im"]
    assert settings["interactivity"]["is_enabled"] and not settings["socket_mode_enabled"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    # what the adapter calls: chat.postMessage, files_upload_v2, users.info (+ e-mail), DMs, /crm
    assert {"chat:write", "files:write", "users:read", "users:read.email", "im:history", "app_mentions:read", "commands"} <= scopes
