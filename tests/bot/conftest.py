"""The console tests use the dialogue's fixtures: a SQLite CRM with three staff users."""

from tests.dialogue.conftest import db, dialogue  # noqa: F401  (fixtures)
