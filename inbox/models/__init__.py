"""The conversation store's tables."""

from inbox.models.agent import Agent, Team, agent_teams
from inbox.models.api_token import ApiToken
from inbox.models.base import Base, utcnow
from inbox.models.campaign import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    CustomerPayment,
    RecipientStatus,
    Segment,
)
from inbox.models.collaboration import CannedResponse, Notification
from inbox.models.contact import Contact, ContactIdentity
from inbox.models.conversation import Conversation, ConversationStatus
from inbox.models.inbox_indexes import INBOX_VIEW_INDEXES as INBOX_VIEW_INDEXES
from inbox.models.message import Attachment, Direction, Message, RawPayload
from inbox.models.operations import DeadLetter, Event, OutboxJob, OutboxStatus, Quarantine, SyncCursor
from inbox.models.privacy import EncryptionKey
from inbox.models.recovery import ComplaintCase, FollowUp, FollowUpStatus, RemedyGiven, RepeatContact
from inbox.models.routing import OfferStatus, RoutingOffer
from inbox.models.satisfaction import Survey, SurveyStatus
from inbox.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Agent",
    "ApiToken",
    "Attachment",
    "Base",
    "Campaign",
    "CampaignRecipient",
    "CampaignStatus",
    "CannedResponse",
    "ComplaintCase",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "ConversationStatus",
    "CustomerPayment",
    "DeadLetter",
    "DeliveryStatus",
    "Direction",
    "EncryptionKey",
    "Event",
    "FollowUp",
    "FollowUpStatus",
    "Message",
    "Notification",
    "OfferStatus",
    "OutboxJob",
    "OutboxStatus",
    "Quarantine",
    "RawPayload",
    "RecipientStatus",
    "RemedyGiven",
    "RepeatContact",
    "RoutingOffer",
    "Segment",
    "Survey",
    "SurveyStatus",
    "SyncCursor",
    "Team",
    "WebhookDelivery",
    "WebhookEndpoint",
    "agent_teams",
    "utcnow",
]
