"""Settings: read from the environment once, every wrong value named in one clear error."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from config import SettingsError, load_settings
from tests.conftest import CHATCRM


def test_every_wrong_value_is_named_with_what_would_be_right(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TIMEZONE", "Berlin")
    monkeypatch.setenv("CRM_CURRENCY", "dollars")
    monkeypatch.setenv("CRM_HTTP_PORT", "99999")
    with pytest.raises(SettingsError) as error:
        load_settings()
    lines = str(error.value).splitlines()
    assert len(lines) == 3
    assert any(line.startswith("CRM_TIMEZONE") and "Europe/Berlin" in line for line in lines)
    assert any(line.startswith("CRM_CURRENCY") and "ISO 4217" in line for line in lines)
    assert any(line.startswith("CRM_HTTP_PORT") for line in lines)


def test_settings_that_only_make_sense_together_are_checked_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        load_settings()
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.com/telegram/webhook")
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        load_settings()


def test_an_empty_variable_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CRM_NLU_MODEL_DIR", "CRM_TIMEZONE", "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        monkeypatch.setenv(name, "")
    settings = load_settings()
    assert settings.nlu_model_dir == settings.crm_var_dir / "nlu"  # not "", the current folder
    assert settings.crm_timezone == "UTC" and not settings.chat_enabled


def test_the_program_stops_with_the_error_and_no_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.run(
        [CHATCRM, "db", "upgrade"], env={"PATH": "/usr/bin:/bin", "CRM_CURRENCY": "dollars"}, cwd=tmp_path,
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0
    assert "CRM_CURRENCY" in proc.stderr and "Traceback" not in proc.stderr


def test_the_clock_start_is_an_instant_and_naive_means_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_CLOCK_START", "2027-01-04T09:00:00")
    assert load_settings().crm_clock_start == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    monkeypatch.setenv("CRM_CLOCK_START", "next monday")
    with pytest.raises(SettingsError, match="CRM_CLOCK_START"):
        load_settings()


def test_the_composed_clock_starts_at_the_instant_asked_for_and_runs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.compose import build_clock
    from crm_core.clock import SystemClock

    assert isinstance(build_clock(load_settings()), SystemClock)
    monkeypatch.setenv("CRM_CLOCK_START", "2027-06-01T08:00:00+02:00")
    clock = build_clock(load_settings())
    start = datetime(2027, 6, 1, 6, 0, tzinfo=UTC)
    first, second = clock(), clock()
    assert start <= first <= second < start + timedelta(hours=1) and first.tzinfo is not None


def test_a_bad_clock_start_on_the_command_line_is_one_clear_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.run(
        [CHATCRM, "shell", "--clock-start", "soon"], env={"PATH": "/usr/bin:/bin", "CRM_VAR_DIR": str(tmp_path)},
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2 and "--clock-start" in proc.stderr and "Traceback" not in proc.stderr
