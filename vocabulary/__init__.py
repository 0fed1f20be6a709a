"""The product's closed sets that more than one layer speaks of, defined once.

The CRM core stores them (interaction types, deal stages) and the language layer finds them
in messages (the values of the STAGE, INTERACTION_TYPE and METRIC entities of
../shared/PRODUCT.md). Both import them from here; this package imports nothing of ours.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    LEAD = "lead"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"


class InteractionType(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    DEMO = "demo"
    VISIT = "visit"
    NOTE = "note"


class Metric(StrEnum):
    SALES = "sales"
    PIPELINE = "pipeline"
    TICKETS = "tickets"
    CSAT = "csat"
    CAMPAIGN = "campaign"
    CHURN_RISK = "churn_risk"
    SEGMENTS = "segments"
    ACTIVITY = "activity"
    TOP_CUSTOMERS = "top_customers"
