"""A drill's report, typed (drills/report.py computes it; its page, the drill run's panel, the
API and the stored copy of a finished drill read it). Plain JSON like the postmortem's facts
(postmortems.measures), whose update cadence it includes; a key is read with ``report["key"]``,
never ``.get()``.
"""

from typing import TypedDict

from postmortems.measures import UpdateCadence


class DrillTarget(TypedDict):
    key: str
    label: str
    status: str  # met, missed or not_yet
    measured_seconds: float | None
    target_seconds: float | None
    note: str


class DrillMention(TypedDict):
    id: int
    author: str
    followers: int
    posted_at: str
    replied_at: str | None
    outcome: str  # replied or unanswered
    status: str
    measured_seconds: float | None
    target_seconds: float


class CitedClaim(TypedDict):
    id: int
    statement: str
    verified_at: str | None
    verified_before: bool


class CitingMessage(TypedDict):
    id: int
    body: str
    submitted_at: str | None
    status: str
    claims: list[CitedClaim]


class DrillRumours(TypedDict):
    planted: int | None  # None in the API for whoever may not read the scenario while it runs
    recorded: int
    messages: list[CitingMessage]


class DrillMoments(TypedDict):
    started_at: str | None
    spike_alert_at: str | None
    spike_alert_after_seconds: float | None
    declared_at: str | None
    declared_after_seconds: float | None


class DrillRunState(TypedDict):
    id: int
    status: str
    started_at: str | None
    finished_at: str | None


class DrillIncident(TypedDict):
    reference: str
    title: str
    severity: int
    detected_at: str | None
    acknowledged_at: str | None
    first_response_at: str | None


class DrillPolicy(TypedDict):
    acknowledge_minutes: int | None
    statement_minutes: int | None
    update_minutes: int | None
    mention_reply_by_reach: dict[str, int]


class DrillSummary(TypedDict):
    met: int
    missed: int
    not_yet: int


class DrillReport(TypedDict):
    computed_at: str
    run: DrillRunState
    incident: DrillIncident | None
    policy: DrillPolicy | None
    moments: DrillMoments
    targets: list[DrillTarget]
    mentions: list[DrillMention]
    rumours: DrillRumours
    update_cadence: UpdateCadence | None
    summary: DrillSummary
