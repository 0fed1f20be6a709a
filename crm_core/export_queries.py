"""The export query of each record kind: ids and foreign-key ids, then the names a person
reads (company name, contact name, owner e-mail), by id. The registry (crm_core.records)
names which kind uses which."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from crm_core.models import Company, Contact, FollowUp, Interaction, StaffUser


def companies() -> Select[Any]:
    owner = aliased(StaffUser)
    return (
        select(
            Company.id,
            Company.name,
            Company.domain,
            Company.phone,
            Company.owner_id,
            owner.email.label("owner_email"),
            Company.created_at,
            Company.updated_at,
        )
        .outerjoin(owner, Company.owner_id == owner.id)
        .order_by(Company.id)
    )


def contacts() -> Select[Any]:
    owner = aliased(StaffUser)
    return (
        select(
            Contact.id,
            Contact.name,
            Contact.email,
            Contact.phone,
            Contact.title,
            Contact.telegram_id,
            Contact.company_id,
            Company.name.label("company_name"),
            Contact.owner_id,
            owner.email.label("owner_email"),
            Contact.created_at,
            Contact.updated_at,
        )
        .outerjoin(Company, Contact.company_id == Company.id)
        .outerjoin(owner, Contact.owner_id == owner.id)
        .order_by(Contact.id)
    )


def interactions() -> Select[Any]:
    author = aliased(StaffUser)
    return (
        select(
            Interaction.id,
            Interaction.type,
            Interaction.occurred_at,
            Interaction.summary,
            Interaction.contact_id,
            Contact.name.label("contact_name"),
            Interaction.company_id,
            Company.name.label("company_name"),
            Interaction.author_id,
            author.email.label("author_email"),
            Interaction.created_at,
        )
        .outerjoin(Contact, Interaction.contact_id == Contact.id)
        .outerjoin(Company, Interaction.company_id == Company.id)
        .outerjoin(author, Interaction.author_id == author.id)
        .order_by(Interaction.id)
    )


def followups() -> Select[Any]:
    owner = aliased(StaffUser)
    return (
        select(
            FollowUp.id,
            FollowUp.title,
            FollowUp.status,
            FollowUp.due_at,
            FollowUp.owner_id,
            owner.email.label("owner_email"),
            FollowUp.contact_id,
            Contact.name.label("contact_name"),
            FollowUp.company_id,
            Company.name.label("company_name"),
            FollowUp.interaction_id,
            FollowUp.completed_at,
            FollowUp.notified_at,
            FollowUp.created_at,
            FollowUp.updated_at,
        )
        .outerjoin(owner, FollowUp.owner_id == owner.id)
        .outerjoin(Contact, FollowUp.contact_id == Contact.id)
        .outerjoin(Company, FollowUp.company_id == Company.id)
        .order_by(FollowUp.id)
    )
