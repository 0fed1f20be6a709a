"""The channel tests use the dialogue's fixtures: a SQLite CRM with three staff users, the
language layer's table-driven fake and a clock that stands still."""

import asyncio

from tests.dialogue.conftest import clock, db, dialogue, nlu  # noqa: F401  (fixtures)


class RecordedSleeps:
    """Stands in for the `asyncio` module of a library that waits (`asyncio.sleep`): the waits
    asked for are recorded and not slept, so a test checks the wait, not the wall clock."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    def __getattr__(self, name: str) -> object:
        return getattr(asyncio, name)

    async def sleep(self, seconds: float, result: object = None) -> object:
        self.asked.append(float(seconds))
        return await asyncio.sleep(0, result)
