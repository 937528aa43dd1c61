"""What postmortems hand out as data, typed: the facts of a postmortem (postmortems/facts.py
computes them; the page, the exports, the charts and a drill's report read them), the
exported document (docs/postmortem-export.schema.json, which a test keeps key for key the same
as ``PostmortemExport``). A drill's report (drills.measures) is built from them.

Every one of them is plain JSON (numbers, ISO times, lists) so it can be kept as it was: the
facts of a published postmortem are stored and read back.
A key is read with ``facts["key"]``, never ``.get()``: a renamed key fails mypy and the tests,
rather than printing "—".
"""

from datetime import datetime
from typing import Literal, NotRequired, TypedDict, overload

# --- times, as the facts keep them -------------------------------------------------------------


@overload
def iso(moment: datetime) -> str: ...
@overload
def iso(moment: datetime | None) -> str | None: ...
def iso(moment: datetime | None) -> str | None:
    """A moment as the facts keep it: ISO 8601 with its offset; none stays none."""
    return moment.isoformat() if moment else None


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """Seconds from ``start`` to ``end`` (never below 0); none when either is missing."""
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


# --- the facts of a postmortem -----------------------------------------------------------------


class MissedUpdate(TypedDict):
    due_at: str
    met_at: str | None  # None: never sent
    late_seconds: float | None


class UpdateCadence(TypedDict):
    due: int
    kept: int
    missed: list[MissedUpdate]


class MentionFacts(TypedDict):
    count: int
    answered: int
    answered_share: float | None
    reply_seconds_median: float | None
    reply_seconds_p90: float | None
    within_deadline_share: float | None


class MessageFacts(TypedDict):
    drafted: int
    approved: int
    rejected: int
    published: int
    failed: int
    approval_seconds_median: float | None
    approval_seconds_max: float | None


class Escalations(TypedDict):
    fired: int
    reminders: int


# "from" is a Python keyword, hence the call syntax.
RoleHeld = TypedDict(
    "RoleHeld",
    {"role": str, "person": str, "from": str, "to": str | None},  # to None: still held
)


class HourVolume(TypedDict):
    at: str
    count: int


Phase = Literal["before", "during", "after"]


class RecoveryDay(TypedDict):
    day: str
    count: int
    phase: Phase


class ImageRecovery(TypedDict):
    days: list[RecoveryDay]
    baseline: float
    back_within_baseline: str | None  # None: not yet


class PostmortemFacts(TypedDict):
    computed_at: NotRequired[str]
    detected_at: str | None
    acknowledged_at: str | None
    first_response_at: str | None
    resolved_at: str | None
    closed_at: str | None
    time_to_acknowledge_seconds: float | None
    time_to_first_statement_seconds: float | None
    update_cadence: UpdateCadence
    mentions: MentionFacts
    messages: MessageFacts
    escalations: Escalations
    roles: list[RoleHeld]
    mention_volume: list[HourVolume]
    image_recovery: ImageRecovery


# --- the exported document (docs/postmortem-export.schema.json) --------------------------------


class ExportIncident(TypedDict):
    reference: str
    title: str
    severity: int
    severity_label: str
    status: str
    category: str
    detected_at: str
    acknowledged_at: str | None
    first_response_at: str | None
    resolved_at: str | None
    closed_at: str | None


class ExportSection(TypedDict):
    key: str
    title: str
    markdown: str


class ExportPostmortem(TypedDict):
    status: str
    revision: int
    owner: str | None
    reviewers: list[str]
    created_at: str
    submitted_at: str | None
    published_at: str | None
    published_by: str | None
    root_cause_category: str
    sections: list[ExportSection]
    five_whys: list[str]


class ExportEvent(TypedDict):
    at: str
    kind: str
    actor: str | None
    text: str
    key: bool


class ExportActionItem(TypedDict):
    title: str
    owner: str | None
    due_date: str
    priority: str
    kind: str
    status: str
    follow_up_url: str
    closed_at: str | None


# "$schema" is no Python name, hence the call syntax.
PostmortemExport = TypedDict(
    "PostmortemExport",
    {
        "$schema": str,
        "schema_version": int,
        "generated_at": str,
        "incident": ExportIncident,
        "postmortem": ExportPostmortem,
        "facts": PostmortemFacts,
        "timeline": list[ExportEvent],
        "action_items": list[ExportActionItem],
    },
)
