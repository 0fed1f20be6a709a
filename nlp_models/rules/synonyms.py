"""STAGE, INTERACTION_TYPE and METRIC: closed vocabularies matched as whole words.

One case-insensitive regex per label, longest phrase first, with common misspellings
written out ("metting", "negotation", "pipline"). Longer words also match with one typo
(a deletion, insertion, substitution or swap) through a small deletion index, which costs a
dictionary look-up per word. No intent gating here: the pipeline keeps STAGE only in deal
intents, INTERACTION_TYPE in log_interaction/schedule_followup, METRIC in report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from nlp_models.labels import EntityLabel, InteractionType, Metric, Stage
from nlp_models.types import Entity

# Words of a phrase match across spaces, hyphens, slashes and underscores ("closed-won");
# "top_# customers" also takes a number ("top 10 customers").
STAGE_PHRASES: dict[Stage, tuple[str, ...]] = {
    Stage.LEAD: ("lead", "leads", "new lead", "prospect", "prospects", "prospecting", "lead stage"),
    Stage.QUALIFIED: (
        "qualified", "qualified lead", "qualified leads", "qualify", "qualifying", "qualification",
        "sales qualified", "sql", "qualifed", "qualfied", "quallified", "qualified stage",
    ),
    Stage.PROPOSAL: (
        "proposal", "proposals", "proposal sent", "sent proposal", "sent the proposal",
        "sent a proposal", "quote sent", "sent a quote", "sent the quote", "quoted",
        "proposal stage", "porposal", "propsal", "proposel", "proposl",
    ),
    Stage.NEGOTIATION: (
        "negotiation", "negotiations", "negotiating", "negotiate", "in negotiation",
        "in negotiations", "negotiation stage", "negotation", "negociation", "negotiaton",
        "negotiatons", "negotating", "negociating", "contract negotiation",
    ),
    Stage.WON: (
        "won", "closed won", "closed_won", "closed/won", "closedwon", "win", "wins", "signed",
        "deal signed", "signed the contract", "signed the deal", "contract signed", "closed the deal",
    ),
    Stage.LOST: (
        "lost", "closed lost", "closed_lost", "closed/lost", "closedlost", "dead", "deal dead",
        "went dead", "fell through", "lost the deal", "losses",
    ),
}

INTERACTION_PHRASES: dict[InteractionType, tuple[str, ...]] = {
    InteractionType.CALL: (
        "call", "calls", "called", "calling", "rang", "rung", "phoned", "phone call", "phonecall",
        "cold call", "cold called", "cold calling", "spoke on the phone", "on the phone",
        "talked on the phone", "got off the phone", "voicemail", "left a voicemail",
        "left voicemail", "dialed", "dialled", "ring", "call back", "callback", "called back",
        "intro call", "discovery call", "follow up call", "follow-up call", "calld", "caled", "cald",
        # a conversation without a place is a call, as CRMs log it ("spoke to", "quick chat")
        "spoke to", "spoke with", "speak to", "speak with", "spoken to", "spoken with",
        "talked to", "talked with", "talk to", "talk with", "chatted with", "chatted to",
        "chat with", "had a chat with", "quick chat", "quick chat with", "quick call",
        "vm", "vms", "left vm", "left a vm", "left a vm for", "voice mail", "voice-mail",
        "left a message", "left a msg",
    ),
    InteractionType.MEETING: (
        "met", "meet", "meeting", "meetings", "mtg", "mtgs", "metting", "meting", "meetng",
        "meating", "sat down with", "lunch with", "had lunch with", "coffee with",
        "had coffee with", "dinner with", "video call", "zoom call", "zoom", "teams call",
        "google meet", "in person", "in-person", "catch up", "catch-up", "catchup",
    ),
    InteractionType.EMAIL: (
        "emailed", "email", "emails", "e-mail", "e-mailed", "mail", "mailed", "wrote to",
        "sent an email", "sent a mail", "emailing", "emial", "emal", "emailled", "dropped a line",
        "dropped an email", "sent", "sent over", "sent across",
    ),
    InteractionType.DEMO: (
        "demo", "demos", "demoed", "demo'd", "demod", "demoing", "showed the product",
        "showed them the product", "showed him the product", "showed her the product",
        "product demo", "walkthrough", "walk-through", "presented the product",
    ),
    InteractionType.VISIT: (
        "visited", "visit", "visits", "visiting", "dropped by", "dropped in", "stopped by",
        "popped in", "popped by", "on site", "on-site", "onsite", "site visit", "went to see",
        "vistied", "visted",
    ),
    InteractionType.NOTE: ("note", "notes", "fyi", "noted", "note to self", "memo", "quick note"),
}

METRIC_PHRASES: dict[Metric, tuple[str, ...]] = {
    Metric.SALES: (
        "sales", "revenue", "revenues", "bookings", "sold", "turnover", "income", "sell",
        "selling", "revenu", "revnue", "reveune", "sales figures", "how much did we sell",
    ),
    Metric.PIPELINE: (
        "pipeline", "pipelines", "forecast", "forecasts", "forecasting", "pipline",
        "pipeline value", "weighted pipeline", "forcast",
    ),
    Metric.TICKETS: (
        "tickets", "support tickets", "ticket volume", "ticket count", "support load",
        "complaints", "support volume", "support queue", "open tickets", "ticket backlog",
        "backlog", "tikets",
    ),
    Metric.CSAT: (
        "csat", "satisfaction", "customer satisfaction", "nps", "net promoter",
        "net promoter score", "happiness", "ratings", "average rating", "satisfaction score",
        "satisfation", "satisfacion",
    ),
    Metric.CAMPAIGN: (
        "campaign", "campaigns", "roi", "campaign performance", "open rate", "open rates",
        "click rate", "click rates", "ctr", "campaing", "campain",
    ),
    Metric.CHURN_RISK: (
        "churn", "churning", "churn risk", "at risk", "at-risk", "risk of churning",
        "at risk of churning", "at risk of churn", "likely to churn", "likely to leave",
        "attrition", "retention", "churned", "churn rate", "chrun",
    ),
    Metric.SEGMENTS: (
        "segments", "segment", "segmentation", "rfm", "customer segments", "cohorts", "cohort",
        "segmnets", "segements",
    ),
    Metric.ACTIVITY: (
        "activity", "activities", "calls per rep", "calls per person", "how busy", "busy",
        "rep activity", "team activity", "activty", "workload", "meetings per rep",
        "how many calls", "how many meetings", "how many demos", "how many visits",
        "number of calls", "number of meetings", "calls logged", "meetings logged",
        # in a report, the team's calls or meetings are its activity ("how is the team doing
        # on calls this week"); the pipeline keeps METRIC for reports only
        "calls", "meetings", "demos", "visits", "calls made", "meetings held",
    ),
    Metric.TOP_CUSTOMERS: (
        "top customers", "best customers", "biggest accounts", "biggest customers",
        "top clients", "best clients", "top accounts", "largest customers", "largest accounts",
        "most valuable customers", "top spenders", "biggest clients", "top buyers",
        "top_# customers", "top_# clients", "top_# accounts", "biggest_# accounts",
        "biggest_# customers", "biggest_# clients", "best_# customers", "best_# clients",
        "largest_# customers", "largest_# accounts",
    ),
}

# Longer words (7+ letters) also match with one typo; these real words must not.
_FUZZY_MIN = 7
_FUZZY_STOP = frozenset({
    "demoted", "caller", "callers", "melting", "meeting", "signer", "singed", "visitor",
    "visitors", "revenge", "revenues", "pipelines", "forecasts", "segment", "segments",
    "activity", "qualifies", "proposed", "proposer", "compliant", "compliants", "complains",
    "retentive", "campaigner", "satisfied", "activist", "emailer", "emailers", "reemailed",
    "negotiable", "lasting", "calling", "mailing", "selling", "settling", "visiting",
    "meetings", "proposals", "qualified", "negotiated", "negotiator", "noticed", "satiation",
    "revenue", "cohorts", "cohort", "pipeline", "forecast", "churning", "bookings", "booking",
    "detention", "retentions", "charming", "sailing", "remote", "motes",
})


_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_GAP = re.compile(r"[ \t/_-]{1,3}|\s")
_NUMBER_TOKEN = re.compile(r"\d{1,3}|ten|five|twenty|fifty|hundred", re.IGNORECASE)
_MAX_WORDS = 5


def _key(words: Iterable[str]) -> str:
    return "".join(w.lower().replace("’", "'") for w in words)


def _phrase_keys(phrase: str) -> list[tuple[str, list[str]]]:
    words = [w for w in re.split(r"[\s/_-]+", phrase) if w]
    if "#" in words:
        # "top_# customers": with or without a number ("top 10 customers", "top customers")
        plain = [w for w in words if w != "#"]
        return [(_key(plain), plain), (_key(words), words)]
    return [(_key(words), words)]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class _Vocabulary:
    """All three tables in one: phrase key → (label, value), plus key prefixes and typo index."""

    def __init__(self, tables: Iterable[tuple[EntityLabel, Mapping[Any, Iterable[str]]]]) -> None:
        self.lookup: dict[str, list[tuple[EntityLabel, str]]] = {}
        self.prefixes: set[str] = set()
        self.firsts: set[str] = set()  # first words of phrases: other words skip the n-gram loop
        self.fuzzy: dict[str, tuple[EntityLabel, str]] = {}
        ambiguous: set[str] = set()
        for label, table in tables:
            for value, phrases in table.items():
                for phrase in phrases:
                    for key, words in _phrase_keys(phrase):
                        hits = self.lookup.setdefault(key, [])
                        if (label, str(value)) not in hits:
                            hits.append((label, str(value)))
                        for n in range(1, len(words)):
                            self.prefixes.add(_key(words[:n]))
                        self.firsts.add(_key(words[:1]))
                    if not phrase.isalpha() or len(phrase) < _FUZZY_MIN:
                        continue
                    for variant in {phrase, *_deletes(phrase)}:
                        if self.fuzzy.get(variant, (label, str(value))) != (label, str(value)):
                            ambiguous.add(variant)
                        self.fuzzy[variant] = (label, str(value))
        for variant in ambiguous:
            del self.fuzzy[variant]

    @lru_cache(maxsize=8192)  # noqa: B019 - one module-level instance, words repeat a lot
    def fuzzy_value(self, word: str) -> tuple[EntityLabel, str] | None:
        low = word.lower()
        if len(low) > 24 or not low.isalpha() or low in _FUZZY_STOP:
            return None
        hit = self.fuzzy.get(low)
        if hit is not None:
            return hit
        for variant in _deletes(low):
            hit = self.fuzzy.get(variant)
            if hit is not None:
                return hit
        return None


_VOCABULARY = _Vocabulary(
    (
        (EntityLabel.STAGE, STAGE_PHRASES),
        (EntityLabel.INTERACTION_TYPE, INTERACTION_PHRASES),
        (EntityLabel.METRIC, METRIC_PHRASES),
    )
)


def _inside_address(text: str, start: int, end: int) -> bool:
    """'mail' in 'mail@acme.com' or 'demo' in 'jane@demo.io' belongs to the address."""
    before = text[start - 1 : start]
    after = text[end : end + 2]
    return before in {"@", ".", "/"} or after[:1] == "@" or (after[:1] == "." and after[1:2].isalnum())


def find_synonyms(text: str) -> list[Entity]:
    vocab = _VOCABULARY
    tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    n_tokens = len(tokens)
    keys = ["#" if _NUMBER_TOKEN.fullmatch(t[2]) else t[2].lower().replace("’", "'") for t in tokens]
    found: list[Entity] = []
    # Where each label's last match ended, so one label never yields overlapping spans.
    free_from: dict[EntityLabel, int] = {}
    firsts = vocab.firsts
    for i in range(n_tokens):
        if keys[i] not in firsts and len(keys[i]) < _FUZZY_MIN:
            continue
        start = tokens[i][0]
        key = ""
        best: dict[EntityLabel, tuple[int, str]] = {}
        for j in range(i, min(n_tokens, i + _MAX_WORDS)) if keys[i] in firsts else ():
            if j > i and _GAP.fullmatch(text, tokens[j - 1][1], tokens[j][0]) is None:
                break
            key += keys[j]
            for label, value in vocab.lookup.get(key, ()):
                best[label] = (j, value)
            if key not in vocab.prefixes:
                break
        if not best and len(keys[i]) >= _FUZZY_MIN:
            hit = vocab.fuzzy_value(keys[i])
            if hit is not None:
                best[hit[0]] = (i, hit[1])
        for label, (j, value) in best.items():
            end = tokens[j][1]
            if start < free_from.get(label, 0) or _inside_address(text, start, end):
                continue
            found.append(Entity(label, text[start:end], start, end, value))
            free_from[label] = end
    return found
