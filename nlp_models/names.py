"""Learnt names, tidied: what the recogniser found, made into the names a user meant.

- `trimmed`: without the quotes, brackets and commas the recogniser took along;
- `hyphens_joined`: whole over a hyphen ("Vogt-Kramer", "Jean-Luc");
- `is_a_place`: a country or city after "in" is no name ("met Kemal in Istanbul");
- `companies_by_context`: a "person" the words around call a company is one ("Priya from
  Infosys", "add company Wolt");
- `untagged_companies`: a capitalised word the recogniser passed over, right after a person
  and "from", "at", "of" or "@", or in brackets, is that person's company ("Mei Lin of
  Shopee", "Sofía Gómez (Globant)");
- `is_a_role`: a job or a department is no name ("Anna from Marketing");
- `is_no_name`: pronouns, question words, greetings are none ("Why is my ticket...");
- `could_be_a_name`: binary junk is no name.
"""

from __future__ import annotations

import re
import unicodedata

from nlp_models.labels import EntityLabel
from nlp_models.text import WORD
from nlp_models.types import Entity

_AROUND_NAMES = "\"'`“”‘’„«»‹›()[]{}<>,;:*_"


def trimmed(head: str, label: EntityLabel, start: int, end: int) -> Entity | None:
    """A learnt span without the quotes, brackets and commas the recogniser took along
    (`"Black Friday 2026"` is the campaign Black Friday 2026)."""
    while start < end and head[start] in _AROUND_NAMES:
        start += 1
    while end > start and head[end - 1] in _AROUND_NAMES:
        end -= 1
    if start == end:
        return None
    return Entity(label, head[start:end], start, end, head[start:end])


def hyphens_joined(head: str, names: list[Entity]) -> list[Entity]:
    """A name goes on over a hyphen to a capitalised word: the tokenizer splits "Vogt-Kramer"
    and "Jean-Luc", and the recogniser may tag one half, or the halves apart ("Acme-based"
    stays "Acme")."""
    out: list[Entity] = []
    for entity in names:
        start, end = entity.start, entity.end
        while end + 1 < len(head) and head[end] in _HYPHENS and head[end + 1].isupper():
            end += 1
            while end < len(head) and (head[end].isalpha() or head[end] in "'’"):
                end += 1
        while start >= 2 and head[start - 1] in _HYPHENS and head[start - 2].isalpha():
            word = start - 1
            while word > 0 and head[word - 1].isalpha():
                word -= 1
            if not head[word].isupper():
                break  # "e-Acme", "pre-Globex": not part of the name
            start = word
        if out and out[-1].label is entity.label and start <= out[-1].end:
            start = out.pop().start  # the halves tagged apart: one name
        elif out and start < out[-1].end:
            continue  # grown into the name before it
        text = head[start:end]
        out.append(entity if (start, end) == (entity.start, entity.end) else Entity(entity.label, text, start, end, text))
    return out


_HYPHENS = frozenset({"-", "‐", "‑"})
_IN_BEFORE = re.compile(r"(?<!\w)in\s+$", re.IGNORECASE)


def is_a_place(head: str, entity: Entity, places: frozenset[str]) -> bool:
    """A learnt person or company right after "in" that is a country or a city: "met
    Kemal in Istanbul", "our office in Nairobi" (not "in Istanbul's office")."""
    return (
        entity.label in (EntityLabel.PERSON, EntityLabel.ORG)
        and entity.text.lower() in places
        and _IN_BEFORE.search(head, max(0, entity.start - 8), entity.start) is not None
        and not head.startswith(("'s", "’s"), entity.end)
    )

# "Priya from Infosys", "Lena Vogel, head of ops at Trivago", "Jane @ Wolt": what a person is
# at or from is a company. The recogniser knows no names, and a lone capitalised word it has
# not seen is more often a person in its training data.
_AFTER_A_PERSON = re.compile(r"\s*(?:,[^,.;:!?()]{0,40}?)?\s*(?:from|at|of|@)\s*$", re.IGNORECASE)
# What stands between a person and the company a rep names right after ("Mei Lin of Shopee",
# "Sofía Gómez (Globant)"; a bracket must close right after the company).
_LINK_AFTER_A_PERSON = re.compile(r"\s+(?:from|at|of)\s+|\s*@\s*|\s*(?P<bracket>\()\s*", re.IGNORECASE)
# "add company Wolt", "new supplier Brno Plast"; "our contact at Rakuten", "the team at Canva",
# "the CFO of Zalando"; after the name, "the Zalando team" (_GROUP_AFTER)
_COMPANY_WORD = re.compile(
    r"(?<!\w)(?:(?:company|companies|org|organi[sz]ation|firm|supplier|vendor|distributor)"
    r"\s+(?:called\s+|named\s+)?"
    r"|(?:contacts?|team|people|folks|guys|someone|anyone|everyone|buyer|champion|founder"
    r"|ceo|cto|cfo|coo|cmo|cio|vp|director|manager|head\s+of\s+\w+)\s+(?:at|from|of|@)\s*)$",
    re.IGNORECASE,
)


def companies_by_context(head: str, names: list[Entity], learned: list[Entity]) -> list[Entity]:
    """A learnt person becomes a company where the words around it say so: right after a
    person and "from", "at", "of" or "@" (a job title may stand between), alone in brackets
    after a person, right after the word company, supplier and the like, after "contact
    at", "team at", "CTO of", or in "the X team"."""
    out: list[Entity] = []
    for entity in learned:
        if entity.label is EntityLabel.PERSON and _said_to_be_a_company(head, entity, names):
            entity = Entity(EntityLabel.ORG, entity.text, entity.start, entity.end, entity.value)
        out.append(entity)
    return out


# "the Zalando team", "the Acme folks", "the Initech account": a group or an account is a company's.
_THE_BEFORE = re.compile(r"(?<!\w)the\s+$", re.IGNORECASE)
_GROUP_AFTER = re.compile(r"\s+(?:team|folks|people|guys|crew|account|office|hq)(?!\w)", re.IGNORECASE)


def _said_to_be_a_company(head: str, entity: Entity, names: list[Entity]) -> bool:
    if _COMPANY_WORD.search(head[max(0, entity.start - 40) : entity.start]):
        return True
    if _THE_BEFORE.search(head, max(0, entity.start - 8), entity.start) and _GROUP_AFTER.match(head, entity.end):
        return True
    person = max(
        (n for n in names if n.label is EntityLabel.PERSON and n.end <= entity.start),
        key=lambda n: n.end,
        default=None,
    )
    if person is None:
        return False
    between = head[person.end : entity.start]
    link = _LINK_AFTER_A_PERSON.fullmatch(between)
    if link is not None and link.group("bracket"):  # "Sofía Gómez (Globant)", "Priya (Infosys, Pune)"
        return _bracket_closes(head, entity.end)
    return _AFTER_A_PERSON.fullmatch(between) is not None


def _bracket_closes(head: str, end: int) -> bool:
    """Nothing but a company stands in the bracket: it closes, or a comma follows, at `end`."""
    return head[end:].lstrip().startswith((")", ","))


# One to three capitalised words ("Shopee", "VietLink", "Blue Ocean Labs"); "&" may join them.
_CAPITALISED_WORDS = re.compile(r"[^\W\d_][\w'’.&-]*(?:\s+(?:&\s+)?[^\W\d_][\w'’.&-]*){0,2}")
# Capitalised, but not a company: the time words a rep writes after "at" or "from".
_NOT_COMPANIES = frozenset(
    "i monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun "
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec today tomorrow tonight noon midnight "
    "eod eow cob lunch breakfast dinner home".split()
)
# A job or a department, not a company: "Sofía (CEO)", "Anna from Marketing".
_ROLES_AND_DEPARTMENTS = frozenset(
    "ceo cto cfo coo cmo cio cpo cro ciso vp svp evp md gm founder co-founder cofounder owner "
    "director manager head lead intern sales marketing finance accounting accounts procurement "
    "purchasing legal ops operations support it hr engineering product design admin "
    "management board".split()
) | frozenset({"customer success", "the board", "it department", "hr department"})
_NOT_UNTAGGED_COMPANIES = _NOT_COMPANIES | _ROLES_AND_DEPARTMENTS


def untagged_companies(head: str, names: list[Entity], places: frozenset[str]) -> list[Entity]:
    """Companies the recogniser missed: a run of capitalised words right after a person and
    "from", "at", "of" or "@" ("Nguyễn Văn An from VietLink", "call Oluwaseun at Paystack"),
    or alone in brackets after the person ("Sofía Gómez (Globant)"). A time word, a job, a
    department or a known place ("at Noon", "(CEO)", "from Marketing", "from Berlin") is
    none; nor is a span any other name already covers."""
    out: list[Entity] = []
    for person in (n for n in names if n.label is EntityLabel.PERSON):
        link = _LINK_AFTER_A_PERSON.match(head, person.end)
        if link is None:
            continue
        words = _CAPITALISED_WORDS.match(head, link.end())
        if words is None:
            continue
        kept: list[str] = []
        for word in words.group().split():  # "Shopee re pricing": the capitalised part
            if not (word[0].isupper() or (word == "&" and kept)):
                break
            kept.append(word)
        text = " ".join(kept).rstrip(".'’-& ")
        if not text or text.lower() in _NOT_UNTAGGED_COMPANIES or text.lower() in places:
            continue
        start = words.start()
        end = start + len(text)
        if head[start:end] != text:  # a run with double spaces: leave it to the recogniser
            continue
        if link.group("bracket") and not _bracket_closes(head, end):
            continue  # "Sofía (Globant team lead)": more than a company in the bracket
        found = Entity(EntityLabel.ORG, text, start, end, text)
        if not any(found.overlaps(other) for other in names + out):
            out.append(found)
    return out


# Words that are never a name, however capitalised ("Why is my ticket still open", "Thank you",
# "Your courier left my parcel"): pronouns, question words, auxiliaries, greetings. Words
# that are also given names ("Will", "Can", "Mark", "May") are left to the recogniser.
_NEVER_NAMES = frozenset(
    "i you we me us they them he she him her it my your our their his its mine yours ours "
    "why what how when where who whom whose which is are was were am be been do does did "
    "have has had got get could would should shall must "
    "thank thanks thx hi hello hey hallo bonjour hola ciao dear please pls sorry ok okay "
    "yes no not the a an this that these those there here".split()
)
_PRONOUNS = frozenset("i you we me us they them".split())


def is_no_name(entity: Entity) -> bool:
    """A learnt name made only of words that are never names, or a person holding a pronoun:
    the recogniser's "Why", "Thank", "Can I" at the start of a message (a campaign may be
    called "Thank You Week")."""
    words = [w.lower() for w in WORD.findall(entity.text)]
    if not words:
        return False
    return all(w in _NEVER_NAMES for w in words) or (
        entity.label is EntityLabel.PERSON and any(w in _PRONOUNS for w in words)
    )


def is_a_role(entity: Entity) -> bool:
    """A learnt person or company that is a job or a department: "Anna from Marketing",
    "ask the CFO"."""
    return entity.label in (EntityLabel.PERSON, EntityLabel.ORG) and entity.text.lower() in _ROLES_AND_DEPARTMENTS


def could_be_a_name(text: str) -> bool:
    """A learnt span is a name only if it has a letter and nothing undecodable or unprintable
    (binary junk read as text must not become a product, nor be masked as one)."""
    return any(ch.isalpha() for ch in text) and not any(
        ch == "\ufffd" or unicodedata.category(ch) in _NOT_IN_NAMES for ch in text
    )


_NOT_IN_NAMES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
