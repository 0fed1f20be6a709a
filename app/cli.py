"""`chatcrm`: the one command-line program (PRODUCT.md, "Command-line contract")."""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from app.compose import build_clock, build_nlu, log_to_stderr
from bot.ports import StartupError
from config import Settings, SettingsError, load_settings
from crm_core.errors import CrmError
from crm_core.uow import Database

if TYPE_CHECKING:
    from crm_core.services.queue import DurableQueue


app = typer.Typer(no_args_is_help=True, add_completion=False, help="chatcrm: a CRM whose front door is chat.")
nlu_app = typer.Typer(no_args_is_help=True, help="Train, evaluate, benchmark and try the language model.")
app.add_typer(nlu_app, name="nlu")

DEFAULT_DATA_DIR = Path("../shared/data")


def _export_kinds() -> str:
    from crm_core.records import exported

    return ", ".join(k.export or "" for k in exported())


EXPORT_KINDS = _export_kinds()


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(f"chatcrm: configuration error\n{exc}", err=True)
        raise typer.Exit(2) from None


def _zone(name: str | None, settings: Settings) -> ZoneInfo:
    if not name:
        return settings.timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        typer.echo(f"chatcrm: unknown time zone {name!r} (use an IANA name like Europe/Berlin)", err=True)
        raise typer.Exit(2) from None


def _now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        typer.echo(f"chatcrm: --now {value!r} is not an ISO date-time like 2026-11-22T10:00:00", err=True)
        raise typer.Exit(2) from None
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def _stdin_lines():  # type: ignore[no-untyped-def]
    """Lines of stdin as text whatever the bytes: invalid UTF-8 becomes U+FFFD."""
    for raw in sys.stdin.buffer:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _emit(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@nlu_app.command("parse")
def nlu_parse(
    now: Annotated[str | None, typer.Option(help="message time, ISO; naive means UTC; default: the clock")] = None,
    tz: Annotated[str | None, typer.Option(help="the user's time zone (IANA); default CRM_TIMEZONE")] = None,
) -> None:
    """Read one message a line on stdin; write one JSON parse a line on stdout."""
    settings = _settings()
    zone = _zone(tz, settings)
    fixed_now = _now(now)
    clock = build_clock(settings)
    pipeline = build_nlu(settings)
    for line in _stdin_lines():
        message_now = fixed_now or clock()
        _emit(pipeline.parse(line, now=message_now, tz=zone).as_json())


@nlu_app.command("train")
def nlu_train(
    data: Annotated[Path | None, typer.Option(help="training data folder (default: nlp_models/data/train)")] = None,
    out: Annotated[Path | None, typer.Option(help="model folder (default: CRM_NLU_MODEL_DIR or var/nlu)")] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, max=2**31 - 1, help="training seed (default: CRM_NLU_SEED or 0)")
    ] = None,
) -> None:
    """Build the language model from the training data."""
    from nlp_models.build import build
    from nlp_models.training_data import TRAIN_DIR, TrainingDataError

    settings = _settings()
    try:
        meta = build(
            out or settings.nlu_model_dir,
            data or TRAIN_DIR,
            log=log_to_stderr,
            seed=settings.crm_nlu_seed if seed is None else seed,
        )
    except TrainingDataError as exc:
        typer.echo(f"chatcrm: bad training data: {exc}", err=True)
        raise typer.Exit(2) from None
    _emit(meta)


@nlu_app.command("evaluate")
def nlu_evaluate(
    data: Annotated[Path, typer.Option(help="evaluation file (JSON lines with gold intent and entities)")],
    errors: Annotated[bool, typer.Option(help="also list every wrong message")] = False,
) -> None:
    """Score the model on a labelled file; the last line printed is the JSON summary."""
    from nlp_models.evaluation import EvaluationDataError, evaluate, format_report, read_gold

    settings = _settings()
    try:
        gold = read_gold(data)
    except (OSError, EvaluationDataError) as exc:
        typer.echo(f"chatcrm: cannot read {data}: {exc}", err=True)
        raise typer.Exit(2) from None
    report = evaluate(build_nlu(settings), gold)
    typer.echo(format_report(report))
    if errors:
        typer.echo("\nerrors:")
        for err in report["errors"]:
            typer.echo(json.dumps(err, ensure_ascii=False))
    summary = {k: v for k, v in report.items() if k != "errors"}
    _emit(summary)


@nlu_app.command("benchmark")
def nlu_benchmark(
    dataset: Annotated[str, typer.Option(help="clinc150, banking77, hwu64 or snips")],
    data_dir: Annotated[Path, typer.Option(help="folder holding the public data sets")] = DEFAULT_DATA_DIR,
) -> None:
    """Train on the official train split, score the test split; last line is JSON."""
    from nlp_models.benchmark import run_benchmark
    from nlp_models.public_data import DATASETS

    if dataset not in DATASETS:
        typer.echo(f"chatcrm: unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}", err=True)
        raise typer.Exit(2)
    try:
        result = run_benchmark(dataset, data_dir)
    except (OSError, ValueError) as exc:
        typer.echo(f"chatcrm: {exc}", err=True)
        raise typer.Exit(2) from None
    _emit(result)


@nlu_app.command("shell")
def nlu_shell(
    tz: Annotated[str | None, typer.Option(help="time zone for dates (IANA)")] = None,
) -> None:
    """Type a message, see the intent, confidence and entities (for debugging the bot)."""
    settings = _settings()
    zone = _zone(tz, settings)
    pipeline = build_nlu(settings)
    interactive = sys.stdin.isatty()
    if interactive:
        try:
            import readline  # noqa: F401  (line editing and history for input())
        except ImportError:
            pass
        typer.echo("chatcrm language shell — type a message, Ctrl-D to leave.")
    while True:
        try:
            line = input("nlu> " if interactive else "")
        except EOFError:
            break
        if not line.strip():
            continue
        started = time.perf_counter()
        result = pipeline.parse(line, now=build_clock(settings)(), tz=zone)
        elapsed = (time.perf_counter() - started) * 1000
        typer.echo(f"  intent: {result.intent.value}  ({result.confidence:.2f}, {elapsed:.1f} ms)")
        for e in result.entities:
            typer.echo(f"  {e.label.value:<17} {e.text!r:<28} → {e.value}")


ClockStart = Annotated[
    str | None,
    typer.Option(
        "--clock-start",
        help="start the product's clock at this instant (ISO, naive means UTC), then run on; default CRM_CLOCK_START or the wall clock",
    ),
]


def _with_clock_start(settings: Settings, value: str | None) -> Settings:
    if value is None:
        return settings
    from crm_core.clock import parse_instant

    try:
        return settings.model_copy(update={"crm_clock_start": parse_instant(value)})
    except ValueError as exc:
        _fail(f"--clock-start: {exc}")


@app.command("shell")
def shell(
    as_email: Annotated[str | None, typer.Option("--as", help="chat as this staff user (e-mail)")] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="chat as the customer with this phone")] = None,
    clock_start: ClockStart = None,
) -> None:
    """Chat with chatcrm in the terminal (one message a line when stdin is not a terminal)."""
    from sqlalchemy.exc import ArgumentError

    from app.shell import run_shell
    from app.startup import NOT_A_URL
    from crm_core.errors import CrmError

    settings = _with_clock_start(_settings(), clock_start)
    if customer is not None and as_email is not None:
        _fail("--as and --customer are two different people; give one")
    try:
        run_shell(settings, as_email, customer_phone=customer)
    except ArgumentError:
        _fail(NOT_A_URL)
    except StartupError as exc:
        _fail(str(exc), code=1)
    except CrmError as exc:
        hint = "" if customer is not None else " Add staff with `chatcrm users add`."
        typer.echo(f"chatcrm: {exc}{hint}", err=True)
        raise typer.Exit(2) from None


# -- administration: database, staff users, demo data, export ---------------------------------

db_app = typer.Typer(no_args_is_help=True, help="The database schema.")
users_app = typer.Typer(no_args_is_help=True, help="Staff users: add, update, list.")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"chatcrm: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    """The configured database, schema upgraded; core errors become one line on stderr."""
    from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError

    from app.startup import NOT_A_URL, open_database

    try:
        db = open_database(settings)
    except ArgumentError:
        _fail(NOT_A_URL)
    except StartupError as exc:
        _fail(str(exc), code=1)
    try:
        yield db
    except CrmError as exc:
        _fail(str(exc))
    except IntegrityError:
        _fail("that clashes with a record already stored (a Slack or Telegram id of another user?)")
    except SQLAlchemyError as exc:
        _fail(f"database error ({_cause(exc)})", code=1)
    finally:
        db.dispose()


def _cause(exc: Exception) -> str:
    # the driver's message may hold the URL, the statement or customer values: the name only
    return type(getattr(exc, "orig", None) or exc).__name__


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest revision."""
    from crm_core.migrate import current_revision, head_revision

    with _database(_settings()) as db:
        revision = current_revision(db.engine)
    suffix = " (head)" if revision == head_revision() else ""
    typer.echo(f"database at revision {revision}{suffix}")


def _check_user(email: str, name: str, role: str, timezone: str, slack_id: str | None, telegram_id: int | None) -> None:
    """Refuse bad values before the database is opened (the service checks them again)."""
    from crm_core.cleaning import clean_email, clean_name
    from crm_core.services.users import (
        check_role,
        check_slack_id,
        check_telegram_id,
        check_timezone,
    )

    try:
        check_role(role)
        check_slack_id(slack_id)
        check_telegram_id(telegram_id)
        clean_email(email)
        clean_name(name)
        check_timezone(timezone)
    except CrmError as exc:
        _fail(str(exc))


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Option(help="the user's e-mail")],
    name: Annotated[str, typer.Option(help="full name")],
    role: Annotated[str, typer.Option(help="admin, manager, rep or agent")],
    timezone: Annotated[str | None, typer.Option(help="IANA time zone; default CRM_TIMEZONE")] = None,
    slack_id: Annotated[str | None, typer.Option(help="Slack user id (U… or W…)")] = None,
    telegram_id: Annotated[int | None, typer.Option(help="Telegram user id")] = None,
    update: Annotated[bool, typer.Option("--update", help="change the user with this e-mail if there is one")] = False,
) -> None:
    """Add a staff user; with --update, change the one with this e-mail (says what changed)."""
    from sqlalchemy import select

    from crm_core.cleaning import clean_email
    from crm_core.models import StaffUser
    from crm_core.services.users import add_user, changes

    settings = _settings()
    _check_user(email, name, role, timezone or settings.crm_timezone, slack_id, telegram_id)
    with _database(settings) as db, db.unit_of_work() as uow:
        existing = uow.session.scalar(select(StaffUser).where(StaffUser.email == clean_email(email)))
        # an update without --timezone keeps the user's zone
        zone = timezone or (existing.timezone if existing else settings.crm_timezone)
        wanted = changes(existing, name, role, zone, slack_id, telegram_id) if existing else []
        if existing is not None and wanted and not update:
            _fail(
                f"staff user {existing.id} ({existing.email}) exists; add --update to change "
                + ", ".join(wanted)
            )
        user = add_user(uow, email, name, role, zone, slack_id, telegram_id)
        uow.commit()
    if existing is None:
        typer.echo(f"added staff user {user.id}: {user.email} ({user.role.value}, {user.timezone})")
    elif wanted:
        typer.echo(f"updated staff user {user.id} ({user.email}): {', '.join(wanted)}")
    else:
        typer.echo(f"staff user {user.id} ({user.email}) unchanged")


@users_app.command("list")
def users_list() -> None:
    """The staff users, one a line: id, e-mail, name, role, time zone, Slack id, Telegram id."""
    from crm_core.services.users import list_users

    with _database(_settings()) as db, db.unit_of_work() as uow:
        typer.echo("\t".join(["id", "email", "name", "role", "timezone", "slack_id", "telegram_id"]))
        for u in list_users(uow):
            fields = [u.id, u.email, u.name, u.role.value, u.timezone, u.slack_id or "-", u.telegram_id or "-"]
            typer.echo("\t".join(str(f) for f in fields) + ("" if u.active else "\tinactive"))


@app.command("demo")
def demo(
    seed: Annotated[int, typer.Option(help="the same seed gives the same data")] = 7,
    now: Annotated[str | None, typer.Option(help="the time the data is relative to, ISO; default: the clock")] = None,
) -> None:
    """Load a realistic demo data set (staff, companies, contacts, interactions, follow-ups)."""
    from crm_core.demo import load_demo

    with _database(_settings()) as db, db.unit_of_work() as uow:
        summary = load_demo(uow, _now(now) or uow.now(), seed=seed)
        uow.commit()
    for line in summary.lines():
        typer.echo(line)


@app.command("export")
def export(
    kind: Annotated[str, typer.Argument(help=f"one of: {EXPORT_KINDS}")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "csv",
) -> None:
    """Write every record of one kind to stdout, by id, as CSV (with a header) or JSON lines."""
    from crm_core.export import parse_format, parse_kind, write_export

    try:
        kind_, fmt_ = parse_kind(kind), parse_format(fmt)
    except CrmError as exc:
        _fail(str(exc))
    settings = _settings()
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        with _database(settings) as db, db.unit_of_work() as uow:
            write_export(uow, kind_, fmt_, out)
        out.flush()
    except BrokenPipeError:
        # the reader stopped (`| head`): not an error; keep Python from complaining at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        out.detach()


outbox_app = typer.Typer(no_args_is_help=True, help="Replies and pushes waiting to be sent; dead letters.")
app.add_typer(outbox_app, name="outbox")


@app.command("serve")
def serve_command(clock_start: ClockStart = None) -> None:
    """The HTTP server (Slack events, Telegram webhook, /healthz), the Telegram poller, the
    outbox sender and the scheduler (the last three in the leader process only)."""
    from app.serve import serve

    settings = _with_clock_start(_settings(), clock_start)
    if not settings.chat_enabled:
        _fail("neither TELEGRAM_BOT_TOKEN nor SLACK_BOT_TOKEN is set; `chatcrm shell` is the console chat")
    code = serve(settings)
    if code:
        raise typer.Exit(code)


@outbox_app.command("list")
def outbox_list(
    status: Annotated[str | None, typer.Option(help="pending, sending, sent or dead")] = None,
    limit: Annotated[int, typer.Option(help="newest first, at most this many")] = 50,
) -> None:
    """Outbox rows: id, status, attempts, channel, chat, purpose, last error (never the text)."""
    from crm_core.services import outbox

    with _database(_settings()) as db, db.unit_of_work() as uow:
        rows = outbox.QUEUE.latest(uow, _status(outbox.QUEUE, status), limit)
        _table([(r.id, r.status.value, r.attempts, r.channel, r.chat, r.purpose, r.last_error, r.created_at) for r in rows])
        if not rows:
            typer.echo("no outbox rows" + (f" with status {status}" if status else ""))


@outbox_app.command("retry")
def outbox_retry(
    message_id: Annotated[int | None, typer.Argument(help="one dead row; all dead rows when left out")] = None,
) -> None:
    """Send dead rows again (attempts start from zero)."""
    from crm_core.services import outbox

    count = _retry(outbox.QUEUE, message_id)
    typer.echo(f"{count} outbox row{'s' if count != 1 else ''} queued again")


inbox_app = typer.Typer(no_args_is_help=True, help="Incoming events stored before they were handled; failed ones.")
app.add_typer(inbox_app, name="inbox")


@inbox_app.command("list")
def inbox_list(
    status: Annotated[str | None, typer.Option(help="pending, done or failed")] = None,
    limit: Annotated[int, typer.Option(help="newest first, at most this many")] = 50,
) -> None:
    """Inbox events: id, status, attempts, channel, event id, last error (never the text)."""
    from crm_core.services import inbox

    with _database(_settings()) as db, db.unit_of_work() as uow:
        rows = inbox.QUEUE.latest(uow, _status(inbox.QUEUE, status), limit)
        _table([(r.id, r.status.value, r.attempts, r.channel, r.event_id, r.last_error, r.created_at) for r in rows])
        if not rows:
            typer.echo("no inbox events" + (f" with status {status}" if status else ""))


@inbox_app.command("retry")
def inbox_retry(
    event_id: Annotated[int | None, typer.Argument(help="one failed event; all failed ones when left out")] = None,
) -> None:
    """Handle failed events again (attempts start from zero) in the next round of any server."""
    from crm_core.services import inbox

    count = _retry(inbox.QUEUE, event_id)
    typer.echo(f"{count} inbox event{'s' if count != 1 else ''} queued again")


def _status(queue: DurableQueue[Any], value: str | None) -> StrEnum | None:
    """One of the queue's status words, or exit 2 naming them."""
    if value is None:
        return None
    kind = queue.statuses
    try:
        return kind(value)
    except ValueError:
        _fail(f"unknown status {value!r}; one of {', '.join(m.value for m in kind)}")


def _table(rows: list[tuple[object, ...]]) -> None:
    """Tab-separated; None as "-", times in ISO 8601."""
    for row in rows:
        cells = ["-" if v is None else v.isoformat() if isinstance(v, datetime) else str(v) for v in row]
        typer.echo("\t".join(cells))


def _retry(queue: DurableQueue[Any], row_id: int | None) -> int:
    with _database(_settings()) as db, db.unit_of_work() as uow:
        count = queue.requeue(uow, uow.now(), row_id)
        uow.commit()
    return count


def main() -> None:
    """Run the program; a usage error (a bad or missing argument) is one line and exit 2."""
    # typer (0.29) parses with a vendored click: its exceptions, not the click package's
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    try:
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else exc.format_message(), err=True)
        sys.exit(2)
    except ClickException as exc:  # UsageError, BadParameter, NoSuchOption: exit 2
        typer.echo(f"chatcrm: {' '.join(exc.format_message().split())}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("chatcrm: aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
