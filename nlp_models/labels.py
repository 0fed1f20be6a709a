"""The label contract of the language layer (../shared/PRODUCT.md, "Language understanding").

These names are fixed: training data, handlers, evaluations and benchmarks all agree on them.
"""

from __future__ import annotations

from enum import StrEnum

from vocabulary import (  # the values STAGE, INTERACTION_TYPE and METRIC take
    InteractionType,
    Metric,
    Stage,
)

__all__ = ["LEARNED_LABELS", "EntityLabel", "Intent", "InteractionType", "Metric", "Stage"]


class Intent(StrEnum):
    GREET = "greet"
    THANKS = "thanks"
    HELP = "help"
    CANCEL = "cancel"
    AFFIRM = "affirm"
    DENY = "deny"
    OUT_OF_SCOPE = "out_of_scope"
    LOG_INTERACTION = "log_interaction"
    ADD_CONTACT = "add_contact"
    UPDATE_CONTACT = "update_contact"
    SHOW_CUSTOMER = "show_customer"
    SCHEDULE_FOLLOWUP = "schedule_followup"
    LIST_FOLLOWUPS = "list_followups"
    COMPLETE_FOLLOWUP = "complete_followup"
    CREATE_DEAL = "create_deal"
    UPDATE_DEAL = "update_deal"
    LIST_DEALS = "list_deals"
    LOG_ORDER = "log_order"
    OPEN_TICKET = "open_ticket"
    TICKET_STATUS = "ticket_status"
    CLOSE_TICKET = "close_ticket"
    RATE_SERVICE = "rate_service"
    UNSUBSCRIBE = "unsubscribe"
    REPORT = "report"
    CREATE_CAMPAIGN = "create_campaign"


class EntityLabel(StrEnum):
    PERSON = "PERSON"
    ORG = "ORG"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    DATE = "DATE"
    MONEY = "MONEY"
    TICKET_ID = "TICKET_ID"
    STAGE = "STAGE"
    INTERACTION_TYPE = "INTERACTION_TYPE"
    PRODUCT = "PRODUCT"
    QUANTITY = "QUANTITY"
    CAMPAIGN = "CAMPAIGN"
    METRIC = "METRIC"


# Labels learnt by the statistical entity recogniser; every other label comes from rules.
LEARNED_LABELS: tuple[EntityLabel, ...] = (
    EntityLabel.PERSON,
    EntityLabel.ORG,
    EntityLabel.PRODUCT,
    EntityLabel.CAMPAIGN,
)
