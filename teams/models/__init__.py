"""The teams app's models, one module per job; everything is importable from teams.models."""

from .crisis_team import OnCallShift, Role, RoleAssignment, RosterMember
from .notifications import (
    CHOOSABLE_REASONS,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Notification,
    NotificationPreference,
    Reason,
)
from .people import Department, PersonChange, User, validate_timezone
from .playbooks import Playbook, PlaybookRun, PlaybookStakeholder, PlaybookVersion
from .risks import Mitigation, Risk, RiskChange
from .schedule import (
    Deadline,
    DeadlineStep,
    EngineHealth,
    EscalationStep,
    IncidentPlan,
    ResponsePolicy,
)
from .stakeholders import (
    Channel,
    CommunicationPlanEntry,
    StaffBriefing,
    StakeholderContact,
    StakeholderGroup,
    StakeholderUpdate,
    stakeholder_checklist_key,
)

__all__ = [
    "CHOOSABLE_REASONS",
    "Channel",
    "CommunicationPlanEntry",
    "Deadline",
    "DeadlineStep",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryState",
    "Department",
    "EngineHealth",
    "EscalationStep",
    "IncidentPlan",
    "Mitigation",
    "Notification",
    "NotificationPreference",
    "OnCallShift",
    "PersonChange",
    "Playbook",
    "PlaybookRun",
    "PlaybookStakeholder",
    "PlaybookVersion",
    "Reason",
    "ResponsePolicy",
    "Risk",
    "RiskChange",
    "Role",
    "RoleAssignment",
    "RosterMember",
    "StaffBriefing",
    "StakeholderContact",
    "StakeholderGroup",
    "StakeholderUpdate",
    "User",
    "stakeholder_checklist_key",
    "validate_timezone",
]
