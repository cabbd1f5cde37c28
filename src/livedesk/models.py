"""Every table in one import, for Alembic and for tests."""

from livedesk.accounts.models import AuthToken, OperatorBusiness, OperatorProfile, User
from livedesk.businesses.models import Business, ServerSecret, Widget
from livedesk.conversations.models import (
    Conversation,
    ConversationEvent,
    Message,
    Rating,
    Visitor,
)
from livedesk.db import Base

__all__ = [
    "AuthToken",
    "Base",
    "Business",
    "Conversation",
    "ConversationEvent",
    "Message",
    "OperatorBusiness",
    "OperatorProfile",
    "Rating",
    "ServerSecret",
    "User",
    "Visitor",
    "Widget",
]
from livedesk.routing import models as routing_models  # noqa: F401, I001  (routing tables)
from livedesk.knowledge.models import FaqBotState, FaqBusinessSettings, FaqEntry, FaqProposal, FaqRevision, FaqSuggestionLog  # noqa: E501, F401, I001
from livedesk.leads.models import DeliveryAttempt, DeliveryRoute, Lead, LeadConfig, LeadStatusChange, OutboxItem  # noqa: E501, F401, I001
