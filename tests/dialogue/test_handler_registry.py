"""What the handler modules declare: the intents they handle and the help that shows them."""

from __future__ import annotations

from intents import permissions
from intents.handlers import HANDLERS, HELP, RECORD_MODULES, smalltalk
from nlp_models.labels import Intent


def test_every_intent_has_a_handler_and_those_not_built_say_so() -> None:
    assert set(HANDLERS) == set(Intent)
    handled = {intent for module in (smalltalk, *RECORD_MODULES) for intent in module.HANDLES}
    assert all((HANDLERS[i] is smalltalk.not_yet) == (i not in handled) for i in Intent)


def test_help_shows_only_intents_a_module_handles_and_each_of_them_once_at_least() -> None:
    shown = {intent for topic in HELP for intent, _ in topic.examples}
    record_intents = {intent for module in RECORD_MODULES for intent in module.HANDLES}
    assert shown == record_intents


def test_no_two_modules_claim_one_intent() -> None:
    claims = [intent for module in (smalltalk, *RECORD_MODULES) for intent in module.HANDLES]
    assert len(claims) == len(set(claims))


def test_the_permission_table_knows_every_role_a_handler_checks() -> None:
    from crm_core.enums import Role

    assert {r.value for r in Role} | {permissions.CUSTOMER} <= set(permissions.ALLOWED)
