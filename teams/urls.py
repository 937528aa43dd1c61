"""The team pages under /team/ and the viewer's notifications under /notifications/.

One module and one ``teams`` namespace for both prefixes: config/urls.py includes it at the
root, because two includes under one namespace would hide each other's names from reverse().
"""

from django.urls import include, path

from . import views

app_name = "teams"

team_patterns = [
    path("", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
    path("me/", views.profile, name="profile"),
    path("roster/", views.roster, name="roster"),
    path("roster/add/", views.roster_add, name="roster-add"),
    path("roster/<int:pk>/remove/", views.roster_remove, name="roster-remove"),
    path("on-call/", views.oncall, name="oncall"),
    path("on-call/shifts/<int:pk>/remove/", views.shift_remove, name="shift-remove"),
    path("drills/", views.drills, name="drills"),
    path("drills/new/", views.drill_edit, name="drill-new"),
    path("drills/<int:pk>/", views.drill, name="drill"),
    path("drills/<int:pk>/edit/", views.drill_edit, name="drill-edit"),
]

notification_patterns = [
    path("", views.notifications, name="notifications"),
    path("read-all/", views.notifications_mark_all_read, name="notifications-read-all"),
    path("<int:pk>/open/", views.notification_open, name="notification-open"),
]

urlpatterns = [
    path("team/", include(team_patterns)),
    path("notifications/", include(notification_patterns)),
]
