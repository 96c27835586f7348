"""inbox serving order

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

The inbox views list work in serving order: the customer's tier first (platinum, gold, silver, then everyone
else), then the longest wait. Tier lives on the customer, so no index on conversations could hold that order and
every page ranked the whole view before cutting it. The conversation now carries its customer's tier as a rank
(``tier_rank``: 0 platinum … 3 bronze and any other tier), and three indexes hold the serving order: the
waiting work per status (Unassigned), per assignee and status (Mine), per status (All, the tier filter, counts).

The rank is kept by triggers on both backends, so every write path keeps it current in its own transaction: a new
conversation takes its customer's rank, a conversation moved to another customer (a merge) takes the new one's,
and a customer whose tier changes (value recomputation, an import, an edit) re-stamps their conversations.

SQLite drops a table's triggers when it rebuilds the table (Alembic's batch mode does so for most column
changes): a later migration that rebuilds ``conversations`` or ``contacts`` must create these triggers again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The views filter on these and read them from the index alone (PostgreSQL INCLUDE).
COVERED = [
    'team_id',
    'channel',
    'contact_id',
    'is_complaint',
    'labels',
    'first_response_at',
    'first_response_due_at',
    'resolved_at',
    'resolution_due_at',
]


# What ix_conversations_team_queue (migration 0004) carries; PostgreSQL only, SQLite has no INCLUDE.
TEAM_QUEUE_COVERED = [
    'channel',
    'contact_id',
    'is_complaint',
    'first_response_at',
    'first_response_due_at',
    'resolved_at',
    'resolution_due_at',
    'assignee_id',
]


def _team_queue(covered: list[str]) -> None:
    op.drop_index('ix_conversations_team_queue', table_name='conversations')
    op.create_index(
        'ix_conversations_team_queue',
        'conversations',
        ['team_id', 'status', 'last_message_at', 'id'],
        unique=False,
        postgresql_include=covered,
    )


def _rank(tier: str) -> str:
    return f"CASE {tier} WHEN 'platinum' THEN 0 WHEN 'gold' THEN 1 WHEN 'silver' THEN 2 ELSE 3 END"


_CONTACT_RANK = f"coalesce((SELECT {_rank('c.tier')} FROM contacts AS c WHERE c.id = {{contact}}), 3)"

SQLITE_UPGRADE = [
    f"""CREATE TRIGGER conversations_tier_rank_insert AFTER INSERT ON conversations BEGIN
        UPDATE conversations SET tier_rank = {_CONTACT_RANK.format(contact="new.contact_id")} WHERE id = new.id;
    END""",
    f"""CREATE TRIGGER conversations_tier_rank_moved AFTER UPDATE OF contact_id ON conversations BEGIN
        UPDATE conversations SET tier_rank = {_CONTACT_RANK.format(contact="new.contact_id")} WHERE id = new.id;
    END""",
    f"""CREATE TRIGGER contacts_tier_rank AFTER UPDATE OF tier ON contacts WHEN old.tier IS NOT new.tier BEGIN
        UPDATE conversations SET tier_rank = {_rank('new.tier')} WHERE contact_id = new.id;
    END""",
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS conversations_tier_rank_insert",
    "DROP TRIGGER IF EXISTS conversations_tier_rank_moved",
    "DROP TRIGGER IF EXISTS contacts_tier_rank",
]

POSTGRES_UPGRADE = [
    f"""CREATE FUNCTION conversations_stamp_tier_rank() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.tier_rank := {_CONTACT_RANK.format(contact="NEW.contact_id")};
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER conversations_tier_rank BEFORE INSERT OR UPDATE OF contact_id ON conversations
        FOR EACH ROW EXECUTE FUNCTION conversations_stamp_tier_rank()""",
    f"""CREATE FUNCTION contacts_restamp_tier_rank() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE conversations SET tier_rank = {_rank('NEW.tier')}
        WHERE contact_id = NEW.id AND tier_rank IS DISTINCT FROM {_rank('NEW.tier')};
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER contacts_tier_rank AFTER UPDATE OF tier ON contacts
        FOR EACH ROW WHEN (OLD.tier IS DISTINCT FROM NEW.tier) EXECUTE FUNCTION contacts_restamp_tier_rank()""",
]
POSTGRES_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS contacts_tier_rank ON contacts",
    "DROP FUNCTION IF EXISTS contacts_restamp_tier_rank()",
    "DROP TRIGGER IF EXISTS conversations_tier_rank ON conversations",
    "DROP FUNCTION IF EXISTS conversations_stamp_tier_rank()",
]

# Only the upper tiers differ from the column's default; bronze and unknown tiers are left at 3.
BACKFILL = f"""
    UPDATE conversations SET tier_rank = {_CONTACT_RANK.format(contact="conversations.contact_id")}
    WHERE contact_id IN (SELECT id FROM contacts WHERE tier IN ('platinum', 'gold', 'silver'))
"""


def upgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tier_rank', sa.SmallInteger(), server_default=sa.text('3'), nullable=False))
    op.execute(BACKFILL)
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        # Unassigned has an index of its own: "assignee IS NULL" does not fix the leading column of a wider
        # index for the planner the way "assignee = me" does, so it could not walk the rest in order.
        batch_op.create_index(
            'ix_conversations_serving_unassigned',
            ['status', 'tier_rank', 'last_message_at', 'id'],
            unique=False,
            postgresql_include=list(COVERED),
            postgresql_where=sa.text('assignee_id IS NULL'),
            sqlite_where=sa.text('assignee_id IS NULL'),
        )
        batch_op.create_index(
            'ix_conversations_serving_by_assignee',
            ['assignee_id', 'status', 'tier_rank', 'last_message_at', 'id'],
            unique=False,
            postgresql_include=list(COVERED),
        )
        batch_op.create_index(
            'ix_conversations_serving',
            ['status', 'tier_rank', 'last_message_at', 'id'],
            unique=False,
            postgresql_include=[*COVERED, 'assignee_id'],
        )
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_UPGRADE:
            op.execute(statement)
    else:
        for statement in POSTGRES_UPGRADE:
            op.execute(statement)
        # The team queue carries labels and the rank too, so that My teams' counts are read from the index.
        _team_queue([*TEAM_QUEUE_COVERED, 'labels', 'tier_rank'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
    else:
        for statement in POSTGRES_DOWNGRADE:
            op.execute(statement)
        _team_queue(TEAM_QUEUE_COVERED)
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_serving')
        batch_op.drop_index('ix_conversations_serving_by_assignee')
        batch_op.drop_index('ix_conversations_serving_unassigned')
        batch_op.drop_column('tier_rank')
