"""Shared fixtures: the real language model, built once (the same build `make run` uses)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import load_settings
from nlp_models.build import load_pipeline
from nlp_models.pipeline import NluPipeline

ROOT = Path(__file__).resolve().parent.parent
CHATCRM = str(Path(sys.executable).parent / "chatcrm")


@pytest.fixture(scope="session")
def nlu() -> NluPipeline:
    """The model in CRM_NLU_MODEL_DIR (default var/nlu), built at CRM_NLU_SEED when missing
    or built at another seed."""
    settings = load_settings()
    return load_pipeline(settings.nlu_model_dir, default_currency="USD", seed=settings.crm_nlu_seed)


def run_chatcrm(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    """Run the installed `chatcrm` program as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [CHATCRM, *args], check=False, input=stdin, capture_output=True, cwd=ROOT, env=full_env, timeout=timeout
    )
