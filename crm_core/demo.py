"""A realistic demo data set, loaded through the service functions (so it is cleaned and audited).

    with db.unit_of_work() as uow:
        summary = demo.load_demo(uow, now=datetime.now(UTC))
        uow.commit()

Staff (an admin, a manager, three reps in Berlin, New York and Kolkata, an agent), about
forty companies from many countries, a hundred contacts, a few hundred interactions over the
last 120 days and the reps' follow-ups: overdue, due later today in the rep's own time zone,
this week, later, and a few done. The same seed and `now` give the same data. The names
live in `demo_data.yaml`; every domain is under the reserved `.example` top-level domain.
"""

from __future__ import annotations

import random
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import yaml
from sqlalchemy import func, select

from crm_core.cleaning import name_key
from crm_core.enums import InteractionType
from crm_core.errors import InvalidInput
from crm_core.models import Company, Contact, Interaction, StaffUser
from crm_core.services.customers import create_company, create_contact
from crm_core.services.followups import complete_followup, schedule_followup
from crm_core.services.interactions import log_interaction
from crm_core.services.users import add_user
from crm_core.uow import UnitOfWork

CONTACTS = 100
HISTORY_DAYS = 118  # interactions fall in the last 120 days, whatever the hour and zone
MIN_CONTACTS_PER_COMPANY = 2
PHONE_SHARE = 0.9  # some contacts have only an e-mail
# follow-ups of each rep, by when they are due
PER_REP = {"overdue": 3, "today": 2, "week": 4, "later": 3, "done": 3}
# days from today (owner's zone) they fall on; "today" is later today, see _later_today
DUE_DAYS = {"overdue": (-10, -1), "done": (-30, -2), "week": (1, 6), "later": (9, 45)}
# letters NFKD does not take apart, for e-mail addresses
_ASCII = str.maketrans(
    {"ø": "o", "æ": "ae", "ß": "ss", "ł": "l", "đ": "d", "ı": "i", "'": "", " ": "-"}
)


@dataclass(frozen=True)
class DemoSummary:
    """What `load_demo` did; `skipped` when the demo companies were already there."""

    users: int
    users_created: int
    companies: int = 0
    contacts: int = 0
    interactions: int = 0
    followups: int = 0
    skipped: bool = False

    def lines(self) -> list[str]:
        head = (
            "demo data already present: no company, contact, interaction or follow-up added"
            if self.skipped
            else "demo data loaded"
        )
        return [
            head,
            f"staff users: {self.users} ({self.users_created} new)",
            f"companies: {self.companies}",
            f"contacts: {self.contacts}",
            f"interactions: {self.interactions}",
            f"follow-ups: {self.followups}",
        ]


@dataclass
class _Loaded:
    """What this run created, kept for the later steps."""

    companies: list[tuple[Company, str]] = field(default_factory=list)  # with its region
    contacts: list[Contact] = field(default_factory=list)
    by_contact: dict[int, list[Interaction]] = field(default_factory=lambda: defaultdict(list))
    given: dict[int, str] = field(default_factory=dict)  # contact id -> given name
    interactions: int = 0
    followups: int = 0


@cache
def demo_data() -> dict[str, Any]:
    text = resources.files("crm_core").joinpath("demo_data.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def load_demo(uow: UnitOfWork, now: datetime, seed: int = 7) -> DemoSummary:
    """Load the demo data set into the open unit of work (the caller commits)."""
    if now.tzinfo is None:
        raise InvalidInput("The demo needs an aware `now` (with its time zone).", field="now")
    now = now.astimezone(UTC)
    data = demo_data()
    rng = random.Random(seed)
    staff, created = _ensure_staff(uow, data["staff"])
    if _demo_companies_present(uow, data["companies"]):
        return DemoSummary(users=len(staff), users_created=created, skipped=True)
    # a desk (a group of countries) belongs to one rep, even one reused with another role
    by_email = {user.email: user for user in staff}
    desks = {
        entry["desk"]: by_email[entry["email"]] for entry in data["staff"] if entry.get("desk")
    }
    loaded = _Loaded()
    _create_companies(uow, rng, data, desks, loaded)
    _create_contacts(uow, rng, data, loaded)
    _log_interactions(uow, rng, data, now, loaded)
    _schedule_followups(uow, rng, data, now, list(desks.values()), loaded)
    return DemoSummary(
        users=len(staff),
        users_created=created,
        companies=len(loaded.companies),
        contacts=len(loaded.contacts),
        interactions=loaded.interactions,
        followups=loaded.followups,
    )


# -- staff and companies ---------------------------------------------------------------------


def _ensure_staff(uow: UnitOfWork, entries: list[dict[str, str]]) -> tuple[list[StaffUser], int]:
    """The demo staff, reusing a user who already has the e-mail (left as they are)."""
    users: list[StaffUser] = []
    created = 0
    for entry in entries:
        user = uow.session.scalar(select(StaffUser).where(StaffUser.email == entry["email"]))
        if user is None:
            user = add_user(uow, entry["email"], entry["name"], entry["role"], entry["timezone"])
            created += 1
        users.append(user)
    return users, created


def _demo_companies_present(uow: UnitOfWork, entries: list[dict[str, str]]) -> int:
    keys = [name_key(entry["name"]) for entry in entries]
    count = uow.session.scalar(
        select(func.count()).select_from(Company).where(Company.name_key.in_(keys))
    )
    return count or 0


def _create_companies(
    uow: UnitOfWork,
    rng: random.Random,
    data: dict[str, Any],
    desks: dict[str, StaffUser],
    loaded: _Loaded,
) -> None:
    for entry in data["companies"]:
        region = entry["region"]
        owner = desks[data["regions"][region]["desk"]]
        phone = _phone(rng, region) if rng.random() < 0.8 else None
        company = create_company(
            uow,
            entry["name"],
            owner=owner,
            domain=entry["domain"],
            phone=phone,
            phone_region=region,
        )
        loaded.companies.append((company, region))


# -- contacts --------------------------------------------------------------------------------


def _create_contacts(
    uow: UnitOfWork, rng: random.Random, data: dict[str, Any], loaded: _Loaded
) -> None:
    counts = [MIN_CONTACTS_PER_COMPANY] * len(loaded.companies)
    for _ in range(CONTACTS - sum(counts)):
        counts[rng.randrange(len(counts))] += 1
    for (company, region), count in zip(loaded.companies, counts, strict=True):
        pool = data["regions"][region]
        used: set[str] = set()
        for _ in range(count):
            given, family = _distinct_name(rng, pool, used)
            name = f"{family} {given}" if pool.get("family_first") else f"{given} {family}"
            contact = create_contact(
                uow,
                name,
                company=company,
                owner=company.owner,
                email=f"{_mailbox(given, family)}@{company.domain}",
                phone=_phone(rng, region) if rng.random() < PHONE_SHARE else None,
                title=rng.choice(data["titles"]),
                phone_region=region,
            )
            loaded.contacts.append(contact)
            loaded.given[contact.id] = given


def _distinct_name(rng: random.Random, pool: dict[str, Any], used: set[str]) -> tuple[str, str]:
    """A given and family name not yet used at this company (so each e-mail is unique)."""
    pairs = [(g, f) for g in pool["given"] for f in pool["family"] if _mailbox(g, f) not in used]
    given, family = rng.choice(pairs)
    used.add(_mailbox(given, family))
    return given, family


def _mailbox(given: str, family: str) -> str:
    """`lena.muller` for Lena Müller: the first given name and the family name, in ASCII."""
    text = f"{given.split()[0]}.{family}".lower().translate(_ASCII)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _phone(rng: random.Random, region: str) -> str:
    """A valid number of the region (its example mobile number, last digits drawn), written
    the way people type it; the service cleans it to E.164."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    example = example or phonenumbers.example_number(region)
    if example is None:
        raise InvalidInput(f"No phone numbers known for region {region}.", field="phone")
    digits = str(example.national_number)
    for _ in range(50):
        candidate = phonenumbers.PhoneNumber(
            country_code=example.country_code,
            national_number=int(digits[:-4] + f"{rng.randrange(10_000):04d}"),
        )
        if phonenumbers.is_valid_number(candidate):
            return phonenumbers.format_number(
                candidate, phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# -- interactions ----------------------------------------------------------------------------


def _log_interactions(
    uow: UnitOfWork, rng: random.Random, data: dict[str, Any], now: datetime, loaded: _Loaded
) -> None:
    """One to five interactions a contact, in time order, by the contact's rep."""
    planned: list[tuple[datetime, Contact]] = []
    for contact in loaded.contacts:
        for _ in range(rng.randint(1, 5)):
            planned.append((_past_working_time(rng, now, _zone(contact.owner)), contact))
    planned.sort(key=lambda item: (item[0], item[1].id))
    kinds = _interaction_kinds(rng, len(planned))
    for (occurred_at, contact), kind in zip(planned, kinds, strict=True):
        summary = rng.choice(data["summaries"][kind.value]).format(
            **_words(rng, data, contact, loaded)
        )
        interaction = log_interaction(
            uow, kind, summary, occurred_at, contact.owner, contact=contact, now=now
        )
        loaded.by_contact[contact.id].append(interaction)
        loaded.interactions += 1


def _interaction_kinds(rng: random.Random, count: int) -> list[InteractionType]:
    """Calls and e-mails most often, and every type at least once."""
    types = list(InteractionType)
    weights = {"call": 5, "email": 5, "meeting": 3, "note": 3, "demo": 1, "visit": 1}
    kinds = types + rng.choices(
        types, weights=[weights[t.value] for t in types], k=max(0, count - len(types))
    )
    rng.shuffle(kinds)
    return kinds[:count]


def _words(
    rng: random.Random, data: dict[str, Any], contact: Contact, loaded: _Loaded
) -> dict[str, str]:
    company = contact.company.name if contact.company is not None else "their company"
    return {
        "first": loaded.given[contact.id],
        "company": company,
        "topic": rng.choice(data["topics"]),
    }


def _past_working_time(rng: random.Random, now: datetime, zone: ZoneInfo) -> datetime:
    """A working hour on one of the last HISTORY_DAYS days in `zone`, before `now`."""
    day = now.astimezone(zone).date() - timedelta(days=rng.randint(0, HISTORY_DAYS))
    local = datetime.combine(day, time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))), zone)
    if local >= now:
        local -= timedelta(days=1)
    return local.astimezone(UTC)


def _zone(user: StaffUser | None) -> ZoneInfo:
    return ZoneInfo(user.timezone if user is not None else "UTC")


# -- follow-ups ------------------------------------------------------------------------------


def _schedule_followups(
    uow: UnitOfWork,
    rng: random.Random,
    data: dict[str, Any],
    now: datetime,
    reps: list[StaffUser],
    loaded: _Loaded,
) -> None:
    for rep in reps:
        contacts = [c for c in loaded.contacts if c.owner_id == rep.id]
        zone = _zone(rep)
        for when, count in PER_REP.items():
            for _ in range(count):
                contact = rng.choice(contacts)
                _one_followup(uow, rng, data, now, rep, zone, when, contact, loaded)


def _one_followup(
    uow: UnitOfWork,
    rng: random.Random,
    data: dict[str, Any],
    now: datetime,
    rep: StaffUser,
    zone: ZoneInfo,
    when: str,
    contact: Contact,
    loaded: _Loaded,
) -> None:
    due_at = _due_time(rng, now, zone, when)
    # scheduled some days before it is due (and never after now), as a rep would have done
    scheduled_at = min(due_at, now) - timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
    title = rng.choice(data["followups"]).format(**_words(rng, data, contact, loaded))
    earlier = [i for i in loaded.by_contact.get(contact.id, []) if i.occurred_at <= scheduled_at]
    followup = schedule_followup(
        uow,
        title,
        due_at,
        rep,
        contact=contact,
        interaction=earlier[-1] if earlier else None,
        now=scheduled_at,
    )
    if when == "done":
        complete_followup(uow, followup, now=min(now, due_at + timedelta(hours=rng.randint(-3, 6))))
    loaded.followups += 1


def _due_time(rng: random.Random, now: datetime, zone: ZoneInfo, when: str) -> datetime:
    """A due time of the kind `when`, at a working hour of the owner's zone where it can be."""
    if when == "today":
        return _later_today(rng, now, zone)
    day = now.astimezone(zone).date() + timedelta(days=rng.randint(*DUE_DAYS[when]))
    local = datetime.combine(day, time(rng.randint(9, 17), rng.choice((0, 30))), zone)
    return local.astimezone(UTC)


def _later_today(rng: random.Random, now: datetime, zone: ZoneInfo) -> datetime:
    """After `now` and before midnight in `zone`: on a quarter hour when there is room."""
    local_now = now.astimezone(zone)
    midnight = datetime.combine(local_now.date() + timedelta(days=1), time(0), zone).astimezone(UTC)
    room = midnight - now
    if room <= timedelta(hours=1):
        return now + room / 2
    quarters = int((room - timedelta(minutes=30)) / timedelta(minutes=15))
    start = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 15)
    return start + timedelta(minutes=15 * rng.randint(2, max(2, quarters)))
