"""Indexes that keep the inbox views fast when the store holds a million conversations.

Declared here rather than on the model so that the views' access paths are read in one place, next to the
queries in ``inbox.inbox_views`` they serve. Each view walks its index in serving order within one tier and
stops at the page size, so a page costs the same whether the store holds a thousand conversations or a million.
"""

from __future__ import annotations

from sqlalchemy import Index

from inbox.models.conversation import Conversation

# Mine (assignee = me) and Unassigned (assignee IS NULL), per status, oldest waiting first.
ASSIGNEE_QUEUE = Index(
    "ix_conversations_assignee_queue", Conversation.assignee_id, Conversation.status, Conversation.last_message_at
)
# My teams and the team filter, per status, oldest waiting first.
TEAM_QUEUE = Index(
    "ix_conversations_team_queue", Conversation.team_id, Conversation.status, Conversation.last_message_at
)

INBOX_VIEW_INDEXES = (ASSIGNEE_QUEUE, TEAM_QUEUE)
