"""The composition root: builds the parts from settings, at start, never at import.

The heavy parts (the language model's libraries, the dialogue) are imported inside their
builders, so commands that never parse a message (`db upgrade`, `users`, `export`) start
in about a second instead of four.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from config import Settings
from crm_core.clock import Clock, RunningClock, SystemClock
from crm_core.db import make_engine, make_session_factory
from crm_core.migrate import upgrade
from crm_core.uow import Database

if TYPE_CHECKING:
    from intents.dialogue import Dialogue
    from intents.language import Understanding
    from nlp_models.pipeline import NluPipeline


def log_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def build_clock(settings: Settings) -> Clock:
    """The wall clock, or one that starts at CRM_CLOCK_START (`--clock-start`) and runs on."""
    if settings.crm_clock_start is not None:
        return RunningClock(settings.crm_clock_start)
    return SystemClock()


def build_nlu(settings: Settings, model_dir: Path | None = None) -> NluPipeline:
    """Load the language model, building it at CRM_NLU_SEED first when missing, out of date
    or built at another seed."""
    from nlp_models.build import load_pipeline

    return load_pipeline(
        model_dir or settings.nlu_model_dir,
        default_currency=settings.crm_currency,
        default_tz=settings.timezone,
        log=log_to_stderr,
        seed=settings.crm_nlu_seed,
    )


def build_database(
    settings: Settings, url: str | None = None, migrate: bool = True, clock: Clock | None = None
) -> Database:
    """Engine, session factory and clock of the configured database, schema upgraded to head."""
    engine = make_engine(url or settings.database_url)
    if migrate:
        upgrade(engine)
    return Database(engine, make_session_factory(engine), clock or build_clock(settings))


def build_dialogue(db: Database, nlu: Understanding, clock: Clock) -> Dialogue:
    from intents.dialogue import Dialogue

    return Dialogue(db, nlu, clock=clock)
