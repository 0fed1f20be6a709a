"""record ids are never reused: SQLite tables of CRM records rebuilt with AUTOINCREMENT

Without AUTOINCREMENT SQLite hands out the highest id again after that row was deleted (an
undone create), so the audit log and undo messages would name two records under one id.
Each record table is copied into one declared AUTOINCREMENT (Alembic's batch "move and
copy"), and its sqlite_sequence entry is seeded with the highest id the table or the audit
log has ever named, so no id used before the upgrade comes back either. The caller
(crm_core.migrate.upgrade) turns SQLite's foreign keys off around the upgrade, as SQLite's
own procedure for rebuilding a table asks: dropping the old table with them on would set the
references to it to NULL. PostgreSQL: nothing to do, its sequences never go back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> its entity name in the audit log
RECORD_TABLES = {
    "staff_users": "staff_user",
    "companies": "company",
    "contacts": "contact",
    "interactions": "interaction",
    "followups": "followup",
}


def _rebuild(table: str, autoincrement: bool) -> None:
    with op.batch_alter_table(
        table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade() -> None:
    """Upgrade schema."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table, entity in RECORD_TABLES.items():
        _rebuild(table, autoincrement=True)
        highest = bind.execute(
            sa.text(
                f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0),"  # noqa: S608 (constant names)
                " coalesce((SELECT max(entity_id) FROM audit_log WHERE entity = :entity), 0))"
            ),
            {"entity": entity},
        ).scalar_one()
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table})
        bind.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :seq)"),
            {"t": table, "seq": highest},
        )


def downgrade() -> None:
    """Downgrade schema."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in reversed(RECORD_TABLES):
        _rebuild(table, autoincrement=False)
