"""The conversation store's tables."""

from inbox.models.agent import Agent, Team, agent_teams
from inbox.models.api_token import ApiToken
from inbox.models.base import Base, utcnow
from inbox.models.contact import Contact, ContactIdentity
from inbox.models.conversation import Conversation, ConversationStatus
from inbox.models.message import Attachment, Direction, Message, RawPayload
from inbox.models.operations import DeadLetter, Event, OutboxJob, OutboxStatus, Quarantine, SyncCursor
from inbox.models.privacy import EncryptionKey

__all__ = [
    "Agent",
    "ApiToken",
    "Attachment",
    "Base",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "ConversationStatus",
    "DeadLetter",
    "Direction",
    "EncryptionKey",
    "Event",
    "Message",
    "OutboxJob",
    "OutboxStatus",
    "Quarantine",
    "RawPayload",
    "SyncCursor",
    "Team",
    "agent_teams",
    "utcnow",
]
