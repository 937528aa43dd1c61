"""The team pages under /team/, the viewer's notifications under /notifications/, and the
war room's roles and checklist panels under /incidents/<reference>/.

One module and one ``teams`` namespace for all prefixes: config/urls.py includes it at the
root, because two includes under one namespace would hide each other's names from reverse().
"""

from django.urls import include, path

from .risks import views as risks
from .views import incidents, notifications, people, roster, schedule

app_name = "teams"

team_patterns = [
    path("", people.people, name="people"),
    path("people/<int:pk>/", people.person, name="person"),
    path("me/", people.profile, name="profile"),
    path("me/language/", people.language_choose, name="language"),
    path("roster/", roster.roster, name="roster"),
    path("roster/add/", roster.roster_add, name="roster-add"),
    path("roster/<int:pk>/remove/", roster.roster_remove, name="roster-remove"),
    path("on-call/", roster.oncall, name="oncall"),
    path("on-call/shifts/<int:pk>/remove/", roster.shift_remove, name="shift-remove"),
    path("risks/", risks.risk_list, name="risks"),
    path("risks/heat-map/", risks.heat_map, name="risk-heat-map"),
    path("risks/new/", risks.risk_edit, name="risk-new"),
    path("risks/<int:pk>/", risks.risk_detail, name="risk"),
    path("risks/<int:pk>/edit/", risks.risk_edit, name="risk-edit"),
    path("risks/<int:pk>/review/", risks.risk_review, name="risk-review"),
    path("risks/<int:pk>/mitigations/", risks.mitigation_add, name="risk-mitigation-add"),
    path(
        "risks/<int:pk>/mitigations/<int:mitigation_id>/",
        risks.mitigation_status,
        name="risk-mitigation-status",
    ),
    path("deadlines/mine/", schedule.my_deadlines, name="my-deadlines"),
    path("deadlines/overdue/", schedule.overdue, name="deadlines-overdue"),
    path("deadlines/<int:pk>/", schedule.deadline, name="deadline"),
    path(
        "deadlines/<int:pk>/acknowledge/",
        schedule.deadline_acknowledge,
        name="deadline-acknowledge",
    ),
    path("deadlines/<int:pk>/snooze/", schedule.deadline_snooze, name="deadline-snooze"),
    path("policies/", schedule.policy_list, name="policies"),
    path("policies/<int:severity>/", schedule.policy, name="policy"),
    path("policies/<int:severity>/edit/", schedule.policy_edit, name="policy-edit"),
    path("schedule/health/", schedule.engine_health, name="schedule-health"),
]

notification_patterns = [
    path("", notifications.notifications, name="notifications"),
    path("read-all/", notifications.notifications_mark_all_read, name="notifications-read-all"),
    path("<int:pk>/open/", notifications.notification_open, name="notification-open"),
]

_INCIDENT = "<str:reference>/"

incident_patterns = [
    path(_INCIDENT + "roles/", incidents.roles_panel, name="incident-roles"),
    path(_INCIDENT + "roles/assign/", incidents.role_assign, name="incident-role-assign"),
    path(
        _INCIDENT + "roles/<int:assignment_id>/relieve/",
        incidents.role_relieve,
        name="incident-role-relieve",
    ),
    path(_INCIDENT + "checklist/", incidents.checklist_panel, name="incident-checklist"),
    path(_INCIDENT + "checklist/add/", incidents.checklist_add, name="incident-checklist-add"),
    path(
        _INCIDENT + "checklist/<int:item_id>/",
        incidents.checklist_update,
        name="incident-checklist-update",
    ),
    path(
        _INCIDENT + "checklist/<int:item_id>/done/",
        incidents.checklist_done,
        name="incident-checklist-done",
    ),
    path(_INCIDENT + "deadlines/", schedule.incident_deadlines, name="incident-deadlines"),
    path(_INCIDENT + "risks/", risks.incident_risk_realised, name="incident-risk-realised"),
]

urlpatterns = [
    path("team/", include(team_patterns)),
    path("notifications/", include(notification_patterns)),
    path("incidents/", include(incident_patterns)),
]
