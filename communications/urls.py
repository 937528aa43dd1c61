"""/communications/…: messages and their actions, the approval queue, the log, templates,
accounts, the war room's panel, and the mentions queue (communications.mentions_urls)."""

from django.urls import include, path

from .views import (
    accounts,
    approvals,
    briefings,
    composer,
    log,
    message,
    pages,
    panel,
    pauses,
    playbooks,
    templates,
    wording,
)
from .views import listening as listening_views

app_name = "communications"

urlpatterns = [
    path("messages/new/", composer.message_new, name="message-new"),
    path("messages/<int:pk>/", message.message_detail, name="message"),
    path("messages/<int:pk>/edit/", composer.message_edit, name="message-edit"),
    path("messages/<int:pk>/submit/", message.message_submit, name="message-submit"),
    path("messages/<int:pk>/approve/", message.message_approve, name="message-approve"),
    path("messages/<int:pk>/reject/", message.message_reject, name="message-reject"),
    path(
        "messages/<int:pk>/request-changes/",
        message.message_request_changes,
        name="message-request-changes",
    ),
    path("messages/<int:pk>/withdraw/", message.message_withdraw, name="message-withdraw"),
    path("messages/<int:pk>/retry/", message.message_retry, name="message-retry"),
    path("messages/<int:pk>/mark-sent/", message.message_mark_sent, name="message-mark-sent"),
    path("length/", composer.text_length, name="length"),
    path("preflight/", composer.draft_preflight, name="preflight"),
    path("approvals/", approvals.approvals, name="approvals"),
    path("log/", log.message_log, name="log"),
    path("log.csv", log.message_log, {"as_csv": True}, name="log-csv"),
    path("templates/", templates.template_list, name="templates"),
    path("templates/new/", templates.template_edit, name="template-new"),
    path("templates/<int:pk>/", templates.template_detail, name="template"),
    path("templates/<int:pk>/edit/", templates.template_edit, name="template-edit"),
    path("templates/<int:pk>/approve/", templates.template_approve, name="template-approve"),
    path("wording-rules/", wording.rule_list, name="wording-rules"),
    path("wording-rules/new/", wording.rule_edit, name="wording-rule-new"),
    path("wording-rules/<int:pk>/", wording.rule_detail, name="wording-rule"),
    path("wording-rules/<int:pk>/edit/", wording.rule_edit, name="wording-rule-edit"),
    path("wording-rules/<int:pk>/retire/", wording.rule_retire, name="wording-rule-retire"),
    path("accounts/", accounts.account_list, name="accounts"),
    path("playbooks/", playbooks.playbook_list, name="playbooks"),
    path("playbooks/new/", playbooks.playbook_edit, name="playbook-new"),
    path("playbooks/<int:pk>/", playbooks.playbook_detail, name="playbook"),
    path("playbooks/<int:pk>/edit/", playbooks.playbook_edit, name="playbook-edit"),
    path("playbooks/<int:pk>/archive/", playbooks.playbook_archive, name="playbook-archive"),
    path(
        "incidents/<str:reference>/playbook/",
        playbooks.incident_playbook_apply,
        name="incident-playbook-apply",
    ),
    path("pauses/", pauses.pauses, name="pauses"),
    path("pauses/<int:pk>/resume/", pauses.pause_resume, name="pause-resume"),
    path("incidents/<str:reference>/", panel.incident_panel, name="incident-panel"),
    path(
        "incidents/<str:reference>/statement-page/",
        pages.incident_statement_page,
        name="incident-statement-page",
    ),
    path(
        "incidents/<str:reference>/briefing/",
        briefings.briefing_panel,
        name="incident-briefing-panel",
    ),
    path(
        "incidents/<str:reference>/briefing/submit/",
        briefings.briefing_submit,
        name="incident-briefing",
    ),
    path("mentions/", include("communications.mentions_urls")),
    path("alerts/", listening_views.alert_list, name="alerts"),
    path("alerts/<int:pk>/", listening_views.alert_detail, name="alert"),
    path("alerts/<int:pk>/declare/", listening_views.alert_declare, name="alert-declare"),
    path("alerts/<int:pk>/dismiss/", listening_views.alert_dismiss, name="alert-dismiss"),
    path("alerts/<int:pk>/attach/", listening_views.alert_attach, name="alert-attach"),
]
