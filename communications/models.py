"""The models of communications. Each lives in the room that owns it (accounts, listening,
messaging); they are imported here so that Django finds them all under the one app."""

from communications.accounts.models import Platform, PublishingPause, SocialAccount, WatchTerm
from communications.listening.models import (
    Alert,
    Bucket,
    InboundPost,
    InboundPostEvent,
    TermVolumeBucket,
    VolumeBucket,
)
from communications.messaging.models import (
    ACCOUNTLESS_KINDS,
    INTERNAL_KINDS,
    Approval,
    Message,
    PageDelivery,
    PageSubscriber,
    StatementPage,
    Template,
    ThreadPart,
    WordingRule,
    WordingRuleChange,
)

__all__ = [
    "ACCOUNTLESS_KINDS",
    "INTERNAL_KINDS",
    "Alert",
    "Approval",
    "Bucket",
    "InboundPost",
    "InboundPostEvent",
    "Message",
    "PageDelivery",
    "PageSubscriber",
    "Platform",
    "PublishingPause",
    "SocialAccount",
    "StatementPage",
    "Template",
    "TermVolumeBucket",
    "ThreadPart",
    "VolumeBucket",
    "WatchTerm",
    "WordingRule",
    "WordingRuleChange",
]
