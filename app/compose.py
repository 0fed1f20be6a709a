"""The composition root: builds the parts from settings, at start, never at import."""

from __future__ import annotations

import sys
from pathlib import Path

from config import Settings
from nlp_models.build import load_pipeline
from nlp_models.pipeline import NluPipeline


def log_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def build_nlu(settings: Settings, model_dir: Path | None = None) -> NluPipeline:
    """Load the language model, building it first when missing or out of date."""
    return load_pipeline(
        model_dir or settings.nlu_model_dir,
        default_currency=settings.crm_currency,
        default_tz=settings.timezone,
        log=log_to_stderr,
    )
