"""Companies and contacts: create, update, look up by name (tolerant of case, typos and legal
suffixes), and the summary of one customer."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from sqlalchemy import ColumnElement, Integer, Select, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from crm_core.cleaning import clean_email, clean_name, clean_phone, name_key
from crm_core.enums import FollowUpStatus
from crm_core.errors import InvalidInput
from crm_core.models import Base, Company, Contact, FollowUp, Interaction, StaffUser
from crm_core.uow import UnitOfWork, snapshot

T = TypeVar("T", Company, Contact)
FUZZY_CUTOFF = 86
MAX_CANDIDATES = 5


_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "æ": "ae", "ø": "o", "å": "a", "ł": "l", "đ": "d"})


@functools.lru_cache(maxsize=1 << 16)  # the same name words, folded for every lookup
def _fold(word: str) -> str:
    """A name word without diacritics, and with German ae / oe / ue read as a / o / u."""
    plain = unicodedata.normalize("NFKD", word.translate(_UMLAUTS))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return plain.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _rank(query: str, keyed: Sequence[tuple[int, str]]) -> list[int]:
    """Ids of the rows whose name key matches `query`: exact, else whole words, else fuzzy."""
    key = name_key(query)
    if not key:
        return []
    exact = [i for i, k in keyed if k == key]
    if exact:
        return exact
    words = key.split()
    # "acme" finds "acme logistics"; "jane" finds "jane smith"; "smith" finds "jane smith"
    by_words = [i for i, k in keyed if all(w in k.split() for w in words)]
    if by_words:
        return by_words[:MAX_CANDIDATES]
    # the same words without accents, umlauts written out or not: "mueller" and "muller"
    # find "müller", "kruger" finds "krüger"
    folded = [_fold(w) for w in words]
    by_folded = [i for i, k in keyed if all(w in {_fold(x) for x in k.split()} for w in folded)]
    if by_folded:
        return by_folded[:MAX_CANDIDATES]
    choices = {i: k for i, k in keyed}
    found = process.extract(key, choices, scorer=fuzz.WRatio, score_cutoff=FUZZY_CUTOFF, limit=MAX_CANDIDATES)
    if found:
        best = found[0][1]
        # a clearly better match is the answer; near-ties are for the user to pick
        return [i for _, score, i in found if score >= best - 4]
    # short names: one typo per five letters ("acne" -> "acme"), on the whole name or its
    # first words ("globx" -> "globex industries")
    allowed = max(1, len(key) // 5)
    n = len(words)
    typo = [
        (Levenshtein.distance(key, " ".join(k.split()[:n])), i)
        for i, k in keyed
        if Levenshtein.distance(key, " ".join(k.split()[:n])) <= allowed
    ]
    closest = min((d for d, _ in typo), default=None)
    return [i for d, i in typo if d == closest][:MAX_CANDIDATES]


def _load(uow: UnitOfWork, model: type[T], ids: list[int]) -> list[T]:
    if not ids:
        return []
    if len(ids) == 1:
        one = _get(uow, model, ids[0])
        return [one] if one is not None else []
    rows = {r.id: r for r in uow.session.scalars(select(model).where(model.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


# One record by id; a contact comes with its company, which its reply almost always names.
# Built once, so a lookup costs neither building the statement nor its cache key.
_BY_ID: dict[type[Base], Select[Any]] = {
    Company: select(Company).where(Company.id == bindparam("id")),
    Contact: select(Contact).options(joinedload(Contact.company)).where(Contact.id == bindparam("id")),
}


def _get(uow: UnitOfWork, model: type[T], ident: int) -> T | None:
    """`session.get`, in one query even for a contact and its company."""
    session = uow.session
    if session.identity_key(model, ident) in session.identity_map:
        return session.get(model, ident)
    return session.scalars(_BY_ID[model], {"id": ident}).one_or_none()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class NameIndex:
    """The name keys of every company and contact, read in one go.

    A long-lived caller (the dialogue) keeps one between messages so that a lookup costs no
    scan of the tables; it may be a few seconds stale, so lookups only trust what it finds
    and ask the database again when it finds nothing.
    """

    companies: tuple[tuple[int, str], ...]
    contacts: tuple[tuple[int, str, int | None], ...]  # id, name key, company id
    company_names: tuple[str, ...]
    contact_names: tuple[str, ...]

    @functools.cached_property
    def company_words(self) -> frozenset[str]:
        """Every word of every company's name key (built once per index)."""
        return frozenset(w for _, key in self.companies for w in key.split())

    @functools.cached_property
    def contact_words(self) -> frozenset[str]:
        return frozenset(w for _, key, _ in self.contacts for w in key.split())


def name_index(uow: UnitOfWork) -> NameIndex:
    companies = uow.session.execute(
        select(Company.id, Company.name_key, Company.name).order_by(Company.name_key, Company.id)
    ).tuples().all()
    contacts = uow.session.execute(
        select(Contact.id, Contact.name_key, Contact.company_id, Contact.name).order_by(Contact.name_key, Contact.id)
    ).tuples().all()
    return NameIndex(
        companies=tuple((i, k) for i, k, _ in companies),
        contacts=tuple((i, k, c) for i, k, c, _ in contacts),
        company_names=tuple(n for _, _, n in companies),
        contact_names=tuple(n for *_, n in contacts),
    )


def names_version(uow: UnitOfWork) -> tuple[object, ...]:
    """Changes whenever a company or contact is added, removed or edited."""
    return tuple(
        uow.session.execute(
            select(
                select(func.count()).select_from(Company).scalar_subquery(),
                select(func.max(Company.updated_at)).scalar_subquery(),
                select(func.count()).select_from(Contact).scalar_subquery(),
                select(func.max(Contact.updated_at)).scalar_subquery(),
            )
        ).one()
    )


def find_companies(uow: UnitOfWork, query: str, index: NameIndex | None = None) -> list[Company]:
    if index is not None:
        found = _load(uow, Company, _rank(query, index.companies))
        if found:
            return found
    keyed = uow.session.execute(select(Company.id, Company.name_key).order_by(Company.name_key, Company.id)).tuples().all()
    return _load(uow, Company, _rank(query, keyed))


def find_contacts(
    uow: UnitOfWork, query: str, company: Company | None = None, index: NameIndex | None = None
) -> list[Contact]:
    if index is not None:
        keyed_index = [(i, k) for i, k, c in index.contacts if company is None or c == company.id]
        found = _load(uow, Contact, _rank(query, keyed_index))
        if found and (company is None or all(f.company_id == company.id for f in found)):
            return found
    stmt = select(Contact.id, Contact.name_key).order_by(Contact.name_key, Contact.id)
    if company is not None:
        stmt = stmt.where(Contact.company_id == company.id)
    keyed = uow.session.execute(stmt).tuples().all()
    return _load(uow, Contact, _rank(query, keyed))


CLOSEST_CUTOFF = 60


def closest_names(uow: UnitOfWork, query: str, index: NameIndex | None = None, limit: int = 3) -> list[str]:
    """The company and contact names nearest to `query`, best first: what to offer when a
    look-up finds nothing (looser than the matching that picks a record)."""
    index = index or name_index(uow)
    key = name_key(query)
    if not key:
        return []
    names = [*index.company_names, *index.contact_names]
    keys = [k for _, k in index.companies] + [k for _, k, _ in index.contacts]
    found = process.extract(key, dict(enumerate(keys)), scorer=fuzz.WRatio, score_cutoff=CLOSEST_CUTOFF, limit=limit * 2)
    out: list[str] = []
    for _, _, i in found:
        if names[i] not in out:
            out.append(names[i])
    return out[:limit]


def contacts_by_email(uow: UnitOfWork, email: str) -> list[Contact]:
    return list(uow.session.scalars(select(Contact).where(Contact.email == email.strip().lower())))


def known_names(uow: UnitOfWork) -> dict[str, list[str]]:
    """Names the language layer should recognise: {"ORG": [...], "PERSON": [...]}."""
    return {
        "ORG": list(uow.session.scalars(select(Company.name))),
        "PERSON": list(uow.session.scalars(select(Contact.name))),
    }


def create_company(uow: UnitOfWork, name: str, owner: StaffUser | None = None, **fields: Any) -> Company:
    name = clean_name(name, "company name")
    company = Company(name=name, name_key=name_key(name), owner=owner)
    _apply_company_fields(company, fields)
    uow.session.add(company)
    uow.created(company)
    return company


def create_contact(
    uow: UnitOfWork,
    name: str,
    company: Company | None = None,
    owner: StaffUser | None = None,
    email: str | None = None,
    phone: str | None = None,
    title: str | None = None,
    telegram_id: int | None = None,
    phone_region: str | None = None,
) -> Contact:
    name = clean_name(name, "contact's name")
    contact = Contact(
        name=name,
        name_key=name_key(name),
        company=company,
        owner=owner,
        email=clean_email(email) if email else None,
        phone=clean_phone(phone, phone_region) if phone else None,
        title=clean_name(title, "title") if title else None,
        telegram_id=telegram_id,
    )
    uow.session.add(contact)
    uow.created(contact)
    return contact


def _apply_company_fields(company: Company, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        if key == "phone":
            company.phone = clean_phone(value, fields.get("phone_region")) if value else None
        elif key == "domain":
            company.domain = value.strip().lower() if value else None
        elif key == "owner":
            company.owner = value
        elif key == "name":
            company.name = clean_name(value, "company name")
            company.name_key = name_key(company.name)
        elif key != "phone_region":
            raise InvalidInput(f"A company has no field “{key}”.", field=key)


CONTACT_FIELDS = ("name", "email", "phone", "title", "company", "owner")


def update_contact(uow: UnitOfWork, contact: Contact, phone_region: str | None = None, **fields: Any) -> Contact:
    """Change fields of a contact: name, email, phone, title, company (a Company) or owner."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        first = min(unknown)
        raise InvalidInput(f"A contact has no field “{first}”.", field=first)
    columns = {"company": "company_id", "owner": "owner_id"}
    before = snapshot(contact, {columns.get(k, k) for k in fields} | ({"name_key"} if "name" in fields else set()))
    for key, value in fields.items():
        if key == "name":
            contact.name = clean_name(value, "contact's name")
            contact.name_key = name_key(contact.name)
        elif key == "email":
            contact.email = clean_email(value) if value else None
        elif key == "phone":
            contact.phone = clean_phone(value, phone_region) if value else None
        elif key == "title":
            contact.title = clean_name(value, "title") if value else None
        else:
            setattr(contact, key, value)
    uow.updated(contact, before)
    return contact


def update_company(uow: UnitOfWork, company: Company, **fields: Any) -> Company:
    columns = {"owner": "owner_id"}
    before = snapshot(company, {columns.get(k, k) for k in fields if k != "phone_region"} | ({"name_key"} if "name" in fields else set()))
    _apply_company_fields(company, fields)
    uow.updated(company, before)
    return company


@dataclass
class CustomerSummary:
    company: Company | None
    contact: Contact | None
    contacts: list[Contact] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    open_followups: list[FollowUp] = field(default_factory=list)
    interaction_count: int = 0


def customer_summary(
    uow: UnitOfWork,
    company: Company | None = None,
    contact: Contact | None = None,
    last: int = 5,
    include_contacts: bool = True,
) -> CustomerSummary:
    """Contacts, the last interactions and the open follow-ups of a company or a contact.

    `include_contacts=False` skips the company's contact list (a contact's own summary
    rarely shows it). Three queries at most, plus one per kind of linked record (contact,
    company, author) not already in the session: the interactions carry their total count
    (a window function), and their links are looked up in the session first.
    """
    if company is None and contact is not None:
        company = contact.company
    session = uow.session
    contacts = (
        list(session.scalars(_CONTACTS_OF_COMPANY, {"company_id": company.id}))
        if company is not None and include_contacts
        else []
    )
    if contact is not None:
        scope = {"contact_id": contact.id, "last": last}
        rows = session.execute(_LAST_INTERACTIONS_OF_CONTACT, scope).all()
        followups = list(session.scalars(_OPEN_FOLLOWUPS_OF_CONTACT, scope))
    else:
        assert company is not None
        scope = {"company_id": company.id, "last": last}
        rows = session.execute(_LAST_INTERACTIONS_OF_COMPANY, scope).all()
        followups = list(session.scalars(_OPEN_FOLLOWUPS_OF_COMPANY, scope))
    interactions = [row[0] for row in rows]
    count = rows[0][1] if rows else 0
    _load_links(uow, interactions, (("contact", Contact), ("author", StaffUser)))
    _load_links(uow, followups, (("owner", StaffUser), ("contact", Contact), ("company", Company)))
    return CustomerSummary(company, contact, contacts, interactions, followups, count)


# Built once: a statement built per call costs its construction and its cache key each time.
_CONTACTS_OF_COMPANY = select(Contact).where(Contact.company_id == bindparam("company_id")).order_by(Contact.name)
_CONTACT_IDS_OF_COMPANY = select(Contact.id).where(Contact.company_id == bindparam("company_id"))


def _last_interactions(scope: ColumnElement[bool]) -> Select[tuple[Interaction, int]]:
    # count(*) over (): the number of all rows in scope, computed before the limit
    return (
        select(Interaction, func.count().over())
        .where(scope)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(bindparam("last", type_=Integer))
    )


def _open_followups(scope: ColumnElement[bool]) -> Select[tuple[FollowUp]]:
    return select(FollowUp).where(scope, FollowUp.status != FollowUpStatus.DONE).order_by(FollowUp.due_at)


_LAST_INTERACTIONS_OF_CONTACT = _last_interactions(Interaction.contact_id == bindparam("contact_id"))
_LAST_INTERACTIONS_OF_COMPANY = _last_interactions(
    or_(Interaction.company_id == bindparam("company_id"), Interaction.contact_id.in_(_CONTACT_IDS_OF_COMPANY))
)
_OPEN_FOLLOWUPS_OF_CONTACT = _open_followups(FollowUp.contact_id == bindparam("contact_id"))
_OPEN_FOLLOWUPS_OF_COMPANY = _open_followups(
    or_(FollowUp.company_id == bindparam("company_id"), FollowUp.contact_id.in_(_CONTACT_IDS_OF_COMPANY))
)


def _load_links(uow: UnitOfWork, rows: Sequence[Base], links: Sequence[tuple[str, type[Base]]]) -> None:
    """Load the many-to-one links of `rows` without a query each: the records not yet in the
    session are read in one query per kind, the rest are found in the identity map."""
    session = uow.session
    for name, model in links:
        column = f"{name}_id"
        ids = {getattr(r, column) for r in rows} - {None}
        missing = [i for i in ids if session.identity_key(model, i) not in session.identity_map]
        loaded = session.scalars(select(model).where(model.id.in_(missing))).all() if len(missing) > 1 else []  # type: ignore[attr-defined]
        for r in rows:
            getattr(r, name)  # set while `loaded` holds them (the identity map holds weakly)
        del loaded
