"""routing and presence

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inbox.models.base import UTCDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('routing_offers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('conversation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('agent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('waiting_since', UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('open_conversation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('offered_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('answered_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_routing_offers_agent_id_agents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_routing_offers_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_offers')),
    sa.UniqueConstraint('conversation_id', 'agent_id', 'waiting_since', name=op.f('uq_routing_offers_conversation_id_agent_id_waiting_since')),
    sa.UniqueConstraint('open_conversation_id', name=op.f('uq_routing_offers_open_conversation_id'))
    )
    with op.batch_alter_table('routing_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routing_offers_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index('ix_routing_offers_status_expires', ['status', 'expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('routing_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_routing_offers_status_expires')
        batch_op.drop_index(batch_op.f('ix_routing_offers_agent_id'))

    op.drop_table('routing_offers')
