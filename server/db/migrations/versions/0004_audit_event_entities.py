"""Which records a change of many touched

A bulk update is one audit event for many records; `auditEvents(entityId:)` lists it with each
of them through this table.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event_entities",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["audit_events.id"],
            name=op.f("fk_audit_event_entities_event_id_audit_events"),
        ),
        sa.PrimaryKeyConstraint(
            "event_id", "entity_type", "entity_id", name=op.f("pk_audit_event_entities")
        ),
    )
    op.create_index(
        "ix_audit_event_entities_entity",
        "audit_event_entities",
        ["entity_type", "entity_id", "event_id"],
        unique=False,
    )
    # the bulk events written before: one row per record in their changes
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer),
        sa.column("entity_type", sa.String),
        sa.column("entity_id", sa.Integer),
        sa.column("changes", sa.JSON),
    )
    links = sa.table(
        "audit_event_entities",
        sa.column("event_id", sa.Integer),
        sa.column("entity_type", sa.String),
        sa.column("entity_id", sa.Integer),
    )
    rows = (
        op.get_bind()
        .execute(
            sa.select(events.c.id, events.c.entity_type, events.c.changes).where(
                events.c.entity_id.is_(None), events.c.entity_type.is_not(None)
            )
        )
        .all()
    )
    found = [
        {"event_id": event_id, "entity_type": kind, "entity_id": entry["id"]}
        for event_id, kind, changes in rows
        if isinstance(changes, list)
        for entry in changes
        if isinstance(entry, dict) and isinstance(entry.get("id"), int)
    ]
    if found:
        op.bulk_insert(links, found)


def downgrade() -> None:
    op.drop_index("ix_audit_event_entities_entity", table_name="audit_event_entities")
    op.drop_table("audit_event_entities")
