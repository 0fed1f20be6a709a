"""The language layer as the dialogue sees it: a port.

    parse(text, now, tz, known_names) -> ParseResult (intent, confidence, typed entities)

The trained pipeline (`nlp_models.pipeline.NluPipeline`) is one implementation; the tests
of the dialogue, the gateway, the console and the adapters use a fake driven by a table
(`tests/fakes/fake_language.py`), so they test the conversation, not one build of a model.
`known_names` turns the CRM's names into whatever the implementation matches them with; the
dialogue only hands that value back to `parse`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from nlp_models.labels import EntityLabel
from nlp_models.types import ParseResult

Names = Mapping[EntityLabel | str, Iterable[str]]


class Understanding(Protocol):
    def parse(
        self,
        text: str,
        now: datetime | None = None,
        tz: ZoneInfo | None = None,
        known_names: Any = None,
    ) -> ParseResult: ...

    def known_names(self, names: Names) -> Any: ...

    def is_common_word(self, word: str) -> bool: ...
