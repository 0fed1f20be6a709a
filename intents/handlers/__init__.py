"""One handler per intent: `handler(turn, request) -> list[Reply]` (see intents.turn).

Each module declares the intents it handles (`HANDLES`) and what help shows of it (`HELP`);
a new kind of record brings its module and one line in `RECORD_MODULES`. An intent no
module handles yet gets an honest "not available yet".
"""

from __future__ import annotations

from intents.handlers import customers, followups, interactions, smalltalk
from intents.turn import Handler, HelpTopic
from nlp_models.labels import Intent

RECORD_MODULES = (interactions, customers, followups)

HANDLERS: dict[Intent, Handler] = dict(smalltalk.HANDLES)
for _module in RECORD_MODULES:
    HANDLERS.update(_module.HANDLES)
for _intent in Intent:
    HANDLERS.setdefault(_intent, smalltalk.not_yet)

HELP: tuple[HelpTopic, ...] = tuple(module.HELP for module in RECORD_MODULES)
