"""satisfaction and service recovery

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inbox.models.base import UTCDateTime

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _big() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _id() -> sa.Column[int]:
    return sa.Column('id', _big(), nullable=False)


def upgrade() -> None:
    op.create_table('complaint_cases',
    _id(),
    sa.Column('conversation_id', _big(), nullable=False),
    sa.Column('contact_id', _big(), nullable=False),
    sa.Column('message_id', _big(), nullable=True),
    sa.Column('signal', sa.String(length=100), nullable=False),
    sa.Column('detected_at', UTCDateTime(), nullable=False),
    sa.Column('recovery_due_at', UTCDateTime(), nullable=False),
    sa.Column('recovered_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_complaint_cases_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_complaint_cases_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_complaint_cases_message_id_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_cases')),
    sa.UniqueConstraint('conversation_id', name=op.f('uq_complaint_cases_conversation_id'))
    )
    with op.batch_alter_table('complaint_cases', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_cases_open_due', ['recovered_at', 'recovery_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_cases_contact_id'), ['contact_id'], unique=False)

    op.create_table('remedies_given',
    _id(),
    sa.Column('conversation_id', _big(), nullable=False),
    sa.Column('contact_id', _big(), nullable=False),
    sa.Column('agent_id', _big(), nullable=True),
    sa.Column('remedy', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_remedies_given_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_remedies_given_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_remedies_given_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remedies_given'))
    )
    with op.batch_alter_table('remedies_given', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remedies_given_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_remedies_given_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('follow_ups',
    _id(),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('conversation_id', _big(), nullable=False),
    sa.Column('contact_id', _big(), nullable=False),
    sa.Column('agent_id', _big(), nullable=True),
    sa.Column('due_at', UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('reschedules', sa.Integer(), nullable=False),
    sa.Column('done_at', UTCDateTime(), nullable=True),
    sa.Column('done_by_agent_id', _big(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_follow_ups_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_follow_ups_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_follow_ups_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['done_by_agent_id'], ['agents.id'], name=op.f('fk_follow_ups_done_by_agent_id_agents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('key', name=op.f('uq_follow_ups_key'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_agent_status_due', ['agent_id', 'status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('repeat_contacts',
    _id(),
    sa.Column('conversation_id', _big(), nullable=False),
    sa.Column('original_conversation_id', _big(), nullable=False),
    sa.Column('contact_id', _big(), nullable=False),
    sa.Column('message_id', _big(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('agent_id', _big(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_repeat_contacts_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_repeat_contacts_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_repeat_contacts_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_repeat_contacts_message_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['original_conversation_id'], ['conversations.id'], name=op.f('fk_repeat_contacts_original_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repeat_contacts')),
    sa.UniqueConstraint('conversation_id', 'original_conversation_id', name=op.f('uq_repeat_contacts_conversation_id_original_conversation_id'))
    )
    with op.batch_alter_table('repeat_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repeat_contacts_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repeat_contacts_original_conversation_id'), ['original_conversation_id'], unique=False)

    op.create_table('surveys',
    _id(),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('conversation_id', _big(), nullable=False),
    sa.Column('contact_id', _big(), nullable=False),
    sa.Column('agent_id', _big(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('complaint', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('skip_reason', sa.Text(), nullable=True),
    sa.Column('message_id', _big(), nullable=True),
    sa.Column('sent_at', UTCDateTime(), nullable=False),
    sa.Column('answer_until', UTCDateTime(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_at', UTCDateTime(), nullable=True),
    sa.Column('answered_via', sa.String(length=20), nullable=True),
    sa.Column('answer_updates', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_surveys_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_surveys_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_surveys_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_surveys_message_id_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('key', name=op.f('uq_surveys_key'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index('ix_surveys_answered_at', ['answered_at'], unique=False)
        batch_op.create_index('ix_surveys_contact_channel_sent', ['contact_id', 'channel', 'sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_surveys_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_surveys_conversation_id'), ['conversation_id'], unique=False)


def downgrade() -> None:
    for table in ('surveys', 'repeat_contacts', 'follow_ups', 'remedies_given', 'complaint_cases'):
        op.drop_table(table)
