"""Configuration from the environment (and an optional `.env`), validated once at start.

Every variable of ../shared/PRODUCT.md's runtime contract is read here and nowhere else.
A wrong value stops the program with one clear line per problem (`SettingsError`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"

# ISO 4217 codes the money rules and the CRM accept as the default currency.
KNOWN_CURRENCIES = frozenset(
    ["USD", "EUR", "GBP", "JPY", "CNY", "INR", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "BRL", "MXN", "ZAR", "SGD", "HKD", "KRW", "TRY", "AED", "SAR", "ILS", "RUB", "UAH", "NGN", "KES", "EGP", "THB", "IDR", "MYR", "PHP", "VND", "ARS", "CLP", "COP", "PEN"]
)


class SettingsError(Exception):
    """Configuration is wrong; the message lists every problem, one per line."""


class Settings(BaseSettings):
    # an empty variable ("CRM_NLU_MODEL_DIR=") means the default, not "" (the current folder)
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    crm_database_url: str = Field(default="", validation_alias="CRM_DATABASE_URL")
    crm_timezone: str = Field(default="UTC", validation_alias="CRM_TIMEZONE")
    crm_currency: str = Field(default="USD", validation_alias="CRM_CURRENCY")
    crm_http_host: str = Field(default="127.0.0.1", validation_alias="CRM_HTTP_HOST")
    crm_http_port: int = Field(default=8080, ge=1, le=65535, validation_alias="CRM_HTTP_PORT")
    crm_var_dir: Path = Field(default=DEFAULT_VAR_DIR, validation_alias="CRM_VAR_DIR")
    crm_nlu_model_dir: Path | None = Field(default=None, validation_alias="CRM_NLU_MODEL_DIR")
    # the language model's training seed; 0 is nlp_models.build.DEFAULT_SEED (config imports nothing of ours)
    crm_nlu_seed: int = Field(default=0, ge=0, le=2**31 - 1, validation_alias="CRM_NLU_SEED")
    # the instant the product's clock starts at, then runs on (demos, tests); unset: the wall clock
    crm_clock_start: datetime | None = Field(default=None, validation_alias="CRM_CLOCK_START")

    telegram_bot_token: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org", validation_alias="TELEGRAM_API_BASE_URL"
    )
    telegram_webhook_url: str | None = Field(default=None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str | None = Field(
        default=None, validation_alias="TELEGRAM_WEBHOOK_SECRET"
    )
    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_api_base_url: str = Field(
        default="https://slack.com/api/", validation_alias="SLACK_API_BASE_URL"
    )
    slack_support_channel: str | None = Field(
        default=None, validation_alias="SLACK_SUPPORT_CHANNEL"
    )

    @field_validator("crm_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)")
        return value

    @field_validator("crm_clock_start")
    @classmethod
    def _utc_instant(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:  # naive means UTC, like every stored time
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("crm_currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in KNOWN_CURRENCIES:
            raise ValueError(f"unknown currency {value!r} (use an ISO 4217 code like USD or EUR)")
        return code

    @field_validator("telegram_api_base_url", "slack_api_base_url", "telegram_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set")
        if bool(self.slack_bot_token) != bool(self.slack_signing_secret):
            raise ValueError("SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET must be set together")
        return self

    @property
    def database_url(self) -> str:
        return self.crm_database_url or f"sqlite:///{self.crm_var_dir / 'chatcrm.sqlite3'}"

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.crm_timezone)

    @property
    def nlu_model_dir(self) -> Path:
        return self.crm_nlu_model_dir or self.crm_var_dir / "nlu"

    @property
    def chat_enabled(self) -> bool:
        return bool(self.telegram_bot_token or self.slack_bot_token)


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; raise SettingsError naming each wrong variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "configuration"
            message = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"{where.upper()}: {message}")
        raise SettingsError("\n".join(lines)) from None
