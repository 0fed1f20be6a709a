"""The trained model's evaluations, each run once per session."""

from __future__ import annotations

from typing import Any

import pytest

from nlp_models.evaluation import evaluate, read_gold
from nlp_models.pipeline import NluPipeline
from nlp_models.training_data import HELDOUT_FILE, REGRESSION_FILE


@pytest.fixture(scope="session")
def heldout_report(nlu: NluPipeline) -> dict[str, Any]:
    return evaluate(nlu, read_gold(HELDOUT_FILE))


@pytest.fixture(scope="session")
def regression_report(nlu: NluPipeline) -> dict[str, Any]:
    return evaluate(nlu, read_gold(REGRESSION_FILE))
