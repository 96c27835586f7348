"""Labels on a conversation: added and removed by agents, shown as chips, filtered on in the inbox; audited."""

from __future__ import annotations

from inbox import audit
from inbox.models import Conversation
from inbox.store import Store

MAX_LABEL_CHARS = 40
MAX_LABELS = 20


class LabelRefused(Exception):
    """The label cannot be set; the reason is written for the agent."""


def clean_label(raw: str) -> str:
    """Labels are compared as typed, once surrounding and repeated spaces are gone."""
    label = " ".join(raw.split())
    if not label:
        raise LabelRefused("a label needs some text")
    if len(label) > MAX_LABEL_CHARS:
        raise LabelRefused(f"a label holds at most {MAX_LABEL_CHARS} characters")
    if any(ch in label for ch in ",<>\"'"):
        raise LabelRefused("a label cannot contain commas, quotes or angle brackets")
    return label


async def _change(store: Store, conversation_id: int, actor_agent_id: int | None, label: str, add: bool) -> bool:
    async with store.write() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise LabelRefused(f"conversation {conversation_id} does not exist")
        before = list(conversation.labels or [])
        if add:
            if label in before:
                return False
            if len(before) >= MAX_LABELS:
                raise LabelRefused(f"a conversation carries at most {MAX_LABELS} labels")
            after = [*before, label]
        else:
            if label not in before:
                return False
            after = [existing for existing in before if existing != label]
        # A new list, so the JSON column is seen as changed.
        conversation.labels = after
        audit.record(
            session,
            "conversation.labels_changed",
            actor_agent_id=actor_agent_id,
            contact_id=conversation.contact_id,
            conversation_id=conversation.id,
            before=before,
            after=after,
        )
        return True


async def do_add_label(store: Store, *, conversation_id: int, label: str, actor_agent_id: int | None) -> bool:
    """True when the label was added (False: it was there already)."""
    return await _change(store, conversation_id, actor_agent_id, clean_label(label), add=True)


async def do_remove_label(store: Store, *, conversation_id: int, label: str, actor_agent_id: int | None) -> bool:
    """True when the label was removed (False: it was not there)."""
    return await _change(store, conversation_id, actor_agent_id, " ".join(label.split()), add=False)
