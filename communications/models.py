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
    INTERNAL_KINDS,
    Approval,
    Message,
    Template,
    ThreadPart,
    WordingRule,
    WordingRuleChange,
)

__all__ = [
    "INTERNAL_KINDS",
    "Alert",
    "Approval",
    "Bucket",
    "InboundPost",
    "InboundPostEvent",
    "Message",
    "Platform",
    "PublishingPause",
    "SocialAccount",
    "Template",
    "TermVolumeBucket",
    "ThreadPart",
    "VolumeBucket",
    "WatchTerm",
    "WordingRule",
    "WordingRuleChange",
]
