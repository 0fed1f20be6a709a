"""The channel tests use the dialogue's fixtures: a SQLite CRM with three staff users, the
language layer's table-driven fake and a clock that stands still."""

from tests.dialogue.conftest import clock, db, dialogue, nlu  # noqa: F401  (fixtures)
