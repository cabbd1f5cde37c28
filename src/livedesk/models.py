"""Every table in one import, for Alembic and for tests."""

from livedesk.accounts.models import AuthToken, OperatorBusiness, OperatorProfile, User
from livedesk.attachments.models import Attachment
from livedesk.audit.models import AuditEntry
from livedesk.businesses.models import Business, ServerSecret, Widget
from livedesk.canned.models import CannedResponse
from livedesk.conversations.models import (
    Conversation,
    ConversationEvent,
    Message,
    Rating,
    Visitor,
)
from livedesk.db import Base
from livedesk.knowledge.models import (
    FaqBotState,
    FaqBusinessSettings,
    FaqEntry,
    FaqEvidence,
    FaqProposal,
    FaqRevision,
    FaqSuggestionLog,
)
from livedesk.leads.models import (
    DeliveryAttempt,
    DeliveryRoute,
    Lead,
    LeadConfig,
    LeadStatusChange,
    OutboxItem,
)
from livedesk.portal.models import ChangeRequest, PortalSettings
from livedesk.privacy.models import Lease, PurgeCount, PurgeRun, RetentionSettings
from livedesk.reports.models import MonthlyReportSent
from livedesk.routing import models as routing_models

__all__ = [
    "Attachment",
    "AuditEntry",
    "AuthToken",
    "Base",
    "Business",
    "CannedResponse",
    "ChangeRequest",
    "Conversation",
    "ConversationEvent",
    "DeliveryAttempt",
    "DeliveryRoute",
    "FaqBotState",
    "FaqBusinessSettings",
    "FaqEntry",
    "FaqEvidence",
    "FaqProposal",
    "FaqRevision",
    "FaqSuggestionLog",
    "Lead",
    "LeadConfig",
    "LeadStatusChange",
    "Lease",
    "Message",
    "MonthlyReportSent",
    "OperatorBusiness",
    "OperatorProfile",
    "OutboxItem",
    "PortalSettings",
    "PurgeCount",
    "PurgeRun",
    "Rating",
    "RetentionSettings",
    "ServerSecret",
    "User",
    "Visitor",
    "Widget",
    "routing_models",
]
