from django.urls import include, path

from . import views

app_name = "communications"

urlpatterns = [
    path("messages/new/", views.message_new, name="message-new"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("messages/<int:pk>/edit/", views.message_edit, name="message-edit"),
    path("messages/<int:pk>/submit/", views.message_submit, name="message-submit"),
    path("messages/<int:pk>/approve/", views.message_approve, name="message-approve"),
    path("messages/<int:pk>/reject/", views.message_reject, name="message-reject"),
    path(
        "messages/<int:pk>/request-changes/",
        views.message_request_changes,
        name="message-request-changes",
    ),
    path("messages/<int:pk>/withdraw/", views.message_withdraw, name="message-withdraw"),
    path("messages/<int:pk>/retry/", views.message_retry, name="message-retry"),
    path("messages/<int:pk>/mark-sent/", views.message_mark_sent, name="message-mark-sent"),
    path("length/", views.text_length, name="length"),
    path("approvals/", views.approvals, name="approvals"),
    path("log/", views.message_log, name="log"),
    path("log.csv", views.message_log, {"as_csv": True}, name="log-csv"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_edit, name="template-new"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template-edit"),
    path("templates/<int:pk>/approve/", views.template_approve, name="template-approve"),
    path("accounts/", views.account_list, name="accounts"),
    path("incidents/<str:reference>/", views.incident_panel, name="incident-panel"),
    path("mentions/", include("communications.mentions.urls")),
]
