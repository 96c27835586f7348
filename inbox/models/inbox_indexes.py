"""Indexes that keep the inbox views fast when the store holds a million conversations.

Declared here rather than on the model so that the views' access paths are read in one place, next to the
queries in ``inbox.inbox_views`` they serve. Each view walks its index in serving order within one tier and
stops at the page size, so a page costs the same whether the store holds a thousand conversations or a million.
"""

from __future__ import annotations

from sqlalchemy import Index

from inbox.models.contact import Contact
from inbox.models.conversation import Conversation

# The columns the views read and filter on ride along in the index (PostgreSQL INCLUDE), so that a view's page and its
# capped count are read from the index alone, without visiting a million-row table row by row.
COVERED = (
    "team_id",
    "channel",
    "contact_id",
    "is_complaint",
    "first_response_at",
    "first_response_due_at",
    "resolved_at",
    "resolution_due_at",
)

# Mine (assignee = me) and Unassigned (assignee IS NULL), per status, in serving order within a tier: the id
# breaks ties as the views do, so a page is a walk of the index that stops when it has enough.
ASSIGNEE_QUEUE = Index(
    "ix_conversations_assignee_queue",
    Conversation.assignee_id,
    Conversation.status,
    Conversation.last_message_at,
    Conversation.id,
    postgresql_include=list(COVERED),
)
# My teams and the team filter, per status, oldest waiting first.
TEAM_QUEUE = Index(
    "ix_conversations_team_queue",
    Conversation.team_id,
    Conversation.status,
    Conversation.last_message_at,
    Conversation.id,
    postgresql_include=[column for column in COVERED if column != "team_id"] + ["assignee_id", "labels", "tier_rank"],
)

# Serving order (tier rank, then the longest wait) of the waiting work, per status: Unassigned is one walk. A partial
# index of its own because "assignee IS NULL" does not fix the leading column of a wider index for the planner.
# Labels ride along in the serving indexes, so that the label filter is read from the index rather than each row.
SERVING_UNASSIGNED = Index(
    "ix_conversations_serving_unassigned",
    Conversation.status,
    Conversation.tier_rank,
    Conversation.last_message_at,
    Conversation.id,
    postgresql_include=[*COVERED[:4], "labels", *COVERED[4:]],
    postgresql_where=Conversation.assignee_id.is_(None),
    sqlite_where=Conversation.assignee_id.is_(None),
)
# Serving order per assignee and status: Mine is one walk.
SERVING_BY_ASSIGNEE = Index(
    "ix_conversations_serving_by_assignee",
    Conversation.assignee_id,
    Conversation.status,
    Conversation.tier_rank,
    Conversation.last_message_at,
    Conversation.id,
    postgresql_include=[*COVERED[:4], "labels", *COVERED[4:]],
)
# Serving order per status, whoever holds the work: All, a supervisor's reach and the tier filter's counts.
SERVING = Index(
    "ix_conversations_serving",
    Conversation.status,
    Conversation.tier_rank,
    Conversation.last_message_at,
    Conversation.id,
    postgresql_include=[*COVERED[:4], "labels", *COVERED[4:], "assignee_id"],
)

# The customers of one tier, read from the index alone: the views rank conversations by tier with it.
CONTACT_TIER = Index("ix_contacts_tier", Contact.tier, Contact.id)

INBOX_VIEW_INDEXES = (ASSIGNEE_QUEUE, TEAM_QUEUE, SERVING_UNASSIGNED, SERVING_BY_ASSIGNEE, SERVING, CONTACT_TIER)
