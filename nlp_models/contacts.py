"""Reading messages about customers and contacts: what a change asks for (a new owner, a
move to another company, an e-mail or phone), the name written after "add contact", an
address the e-mail rule did not take, and what is left of a lookup once its request words
are gone (where a misspelt or partial name may stand).

Deterministic rules over the text, the same on every build of the model; which record a
name means is the dialogue's business.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_OWNER_WORDS = re.compile(
    r"\b(?:assign|reassign|owner|owned|hand\s*(?:it\s+)?over|handover|transfer|take\s+over|belongs?\s+to|give\b.*\bto)\b",
    re.IGNORECASE,
)
_COMPANY_MOVE_WORDS = re.compile(
    r"\b(?:moved?\s+(?:\w+\s+)?to|now\s+(?:at|with|works)|works\s+(?:at|for)|joined|switched\s+to)\b", re.IGNORECASE
)
_MENTIONS_EMAIL = re.compile(r"\b(?:e-?mail|mail\s+address)\b", re.IGNORECASE)
_MENTIONS_PHONE = re.compile(r"\b(?:phone|mobile|cell|tel|number)\b", re.IGNORECASE)
# "add contact Sam Lee, +1 415 …": capitalised words right after the command, up to a comma
_NAME_AFTER_ADD = re.compile(
    r"^\s*(?:pls\s+|please\s+)?(?:add|new|create)\s+(?:a\s+)?(?:new\s+)?(?:contact|person|lead|customer)\s*:?\s+"
    r"((?:[A-Z][\w'’.-]*)(?:\s+(?:[A-Z][\w'’.-]*|van|von|de|da|del|der|di|du|le|la|bin|al)){0,4})(?=\s*(?:,|$|\s+(?:at|from|of|with)\s))",
)
_ME = re.compile(r"\b(?:me|myself|mine)\b", re.IGNORECASE)


def asks_new_owner(text: str) -> bool:
    """Whether the message gives a record to someone ("assign Acme to Rita", "Omar takes over")."""
    return bool(_OWNER_WORDS.search(text))


def says_changed_company(text: str) -> bool:
    """Whether the message says a person now works elsewhere ("moved to Globex", "joined Initech")."""
    return bool(_COMPANY_MOVE_WORDS.search(text))


def mentions_email(text: str) -> bool:
    return bool(_MENTIONS_EMAIL.search(text))


def mentions_phone(text: str) -> bool:
    return bool(_MENTIONS_PHONE.search(text))


def means_self(text: str) -> bool:
    """Whether the writer names themself ("assign it to me")."""
    return bool(_ME.search(text))


def name_after_add(text: str) -> str | None:
    """The capitalised name right after "add contact" ("add contact Sam Lee, …" → "Sam
    Lee"), up to a comma, the end or "at/from/of/with"; None when there is none."""
    written = _NAME_AFTER_ADD.match(text)
    return written.group(1) if written else None


def address_not_taken(text: str, taken: Iterable[str]) -> str | None:
    """The first word with an "@" that no found e-mail (`taken`, as written) covers
    ("jp@@mail"), without the punctuation around it; None when there is none."""
    taken = list(taken)
    for word in text.split():
        word = word.strip(".,;:!?()[]<>\"'")
        if "@" in word and not word.startswith("@") and word not in taken and not any(word in t for t in taken):
            return word
    return None


_LOOKUP_WORDS = re.compile(
    r"\b(?:what'?s|whats|what|is|up|with|going|on|show|me|tell|about|look|lookup|find|info|"
    r"on|the|status|of|customer|company|contact|account|please|pls|news|how|are|we|doing|any|"
    r"call|called|calls|meeting|met|log|logged|a|an|had|note|email|emailed|demo|visit|visited|"
    r"to|for|at|our|my|latest|summary|details|profile|pull|up|check)\b",
    re.IGNORECASE,
)


def lookup_leftover(text: str) -> list[str]:
    """The words of a request about a customer without its punctuation and its request
    words ("show me globx industries" → ["globx", "industries"]): where a name may stand."""
    return _LOOKUP_WORDS.sub(" ", re.sub(r"[^\w\s&'-]", " ", text)).split()
