"""The registry of record kinds: undo, export and the audit all read it."""

from __future__ import annotations

import pytest

from crm_core import records
from crm_core.errors import InvalidInput
from crm_core.export import columns, parse_kind
from crm_core.models import AuditEntry, Base
from crm_core.services import customers, undo
from crm_core.uow import Database


def test_every_kind_has_one_key_one_model_and_a_noun() -> None:
    keys = [k.key for k in records.RECORDS]
    models = [k.model for k in records.RECORDS]
    assert len(set(keys)) == len(keys) and len(set(models)) == len(models)
    assert all(k.noun and issubclass(k.model, Base) for k in records.RECORDS)


def test_every_exported_kind_has_a_query_with_an_id_first() -> None:
    for kind in records.exported():
        assert kind.export is not None and parse_kind(kind.export) is kind
        assert columns(kind.export)[0] == "id"


def test_an_export_name_nobody_registered_lists_the_registered_ones() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_kind("unicorns")
    assert all(str(k.export) in str(error.value) for k in records.exported())


def test_a_row_of_a_kind_nobody_registered_cannot_be_audited(db: Database) -> None:
    with db.unit_of_work() as uow, pytest.raises(KeyError):
        uow.created(AuditEntry(actor_id=None, change_set="x", action="create", entity="x", entity_id=1))


def test_undo_names_what_it_reverted_by_the_registry(db: Database) -> None:
    with db.unit_of_work() as uow:
        customers.create_company(uow, "Acme Corp")
        uow.commit()
    with db.unit_of_work() as uow:
        [reverted] = undo.undo_last(uow)
    assert (reverted.entity, reverted.noun, reverted.label) == ("company", records.kind("company").noun, "Acme Corp")
