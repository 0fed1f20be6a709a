"""Why a command cannot start, in one line a user can act on.

    db = open_database(settings)        # StartupError("cannot reach the database at …")
    sock = listening_socket(host, port) # StartupError("cannot listen on …")

The database is opened (and its schema upgraded) before anything else, so a wrong
CRM_DATABASE_URL is one line on stderr and a non-zero exit, never a traceback. The line names
the database without its password, says what went wrong in a few fixed words and which
setting to check; the driver's own message is read but never printed (it may quote a URL
or a statement).
"""

from __future__ import annotations

import socket
from typing import NamedTuple

from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from app.compose import build_database
from bot.ports import StartupError
from config import Settings
from crm_core.clock import Clock
from crm_core.uow import Database

CHECK_URL = "check CRM_DATABASE_URL"
NOT_A_URL = "CRM_DATABASE_URL is not a database URL (like sqlite:///var/chatcrm.sqlite3)"
UNREACHABLE = "is the database server running, and reachable from here? " + CHECK_URL


class _Cause(NamedTuple):
    said: tuple[str, ...]  # words all found in the driver's message (lower case)
    reach: bool  # True: the server did not answer; False: it answered and refused
    what: str
    advice: str


# the first match wins
_DATABASE_CAUSES = (
    _Cause(("connection refused",), True, "connection refused", UNREACHABLE),
    _Cause(("failed to resolve host",), True, "unknown host", CHECK_URL),
    _Cause(("could not translate host name",), True, "unknown host", CHECK_URL),
    _Cause(("timeout expired",), True, "no answer in time", UNREACHABLE),
    _Cause(("timed out",), True, "no answer in time", UNREACHABLE),
    _Cause(("no route to host",), True, "no route to host", UNREACHABLE),
    _Cause(("network is unreachable",), True, "network unreachable", UNREACHABLE),
    _Cause(("password authentication failed",), False, "wrong user or password", "check the user and password in CRM_DATABASE_URL"),
    _Cause(("permission denied",), False, "permission denied", "check the user's rights (to create tables: run `chatcrm db upgrade` as the owner) or the file's"),
    _Cause(('role "', "does not exist"), False, "no such user", "check the user in CRM_DATABASE_URL"),
    _Cause(('database "', "does not exist"), False, "no such database", "create it (createdb) or " + CHECK_URL),
    _Cause(("no pg_hba.conf entry",), False, "this host may not log in", "allow it in pg_hba.conf or " + CHECK_URL),
    _Cause(("too many clients",), False, "too many connections", "try again when fewer clients are connected"),
    _Cause(("starting up",), False, "the server is starting up", "try again in a moment"),
    _Cause(("shutting down",), False, "the server is shutting down", "try again when it is back"),
    _Cause(("unable to open database file",), False, "cannot open the file", "check that its folder exists and is writable, or " + CHECK_URL),
    _Cause(("no such file or directory",), False, "no such folder, and it cannot be made", CHECK_URL),
    _Cause(("not a directory",), False, "a part of its path is a file", CHECK_URL),
    _Cause(("file is not a database",), False, "not an SQLite database", CHECK_URL),
    _Cause(("readonly database",), False, "the file is read-only", "check the file's permissions, or " + CHECK_URL),
    _Cause(("can't locate revision",), False, "its schema is newer than this version of chatcrm", "run the version that migrated it"),
)


def open_database(settings: Settings, clock: Clock | None = None) -> Database:
    """The configured database, schema upgraded, or StartupError with one line. A URL that is
    no URL at all (ArgumentError) is a configuration error and passes through."""
    try:
        return build_database(settings, clock=clock)
    except ArgumentError:
        raise
    except (SQLAlchemyError, CommandError, OSError) as error:
        raise StartupError(database_failure(settings.database_url, error)) from None


def database_failure(url: str, error: BaseException) -> str:
    """'cannot reach the database at URL (cause): what to check', without the password."""
    driver = getattr(error, "orig", None) or error
    said = str(driver).lower()
    for cause in _DATABASE_CAUSES:
        if all(words in said for words in cause.said):
            verb = "reach" if cause.reach else "open"
            return f"cannot {verb} the database at {_safe_url(url)} ({cause.what}): {cause.advice}"
    return f"cannot open the database at {_safe_url(url)} ({type(driver).__name__}): {CHECK_URL}"


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "CRM_DATABASE_URL"


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound (not yet listening: connections are refused until the
    server serves), or StartupError when the address is taken or not ours."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        reason = (error.strerror or type(error).__name__).lower()
        raise StartupError(f"cannot listen on {host}:{port} ({reason}): stop what uses it, or set CRM_HTTP_HOST and CRM_HTTP_PORT") from None
    sock.set_inheritable(True)
    return sock
