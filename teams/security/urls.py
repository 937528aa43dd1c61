"""The second step of signing in and its management, under /accounts/2fa/."""

from django.urls import path

from . import views

app_name = "security"

urlpatterns = [
    path("", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("recovery-codes/new/", views.recovery_codes_new, name="recovery-codes-new"),
    path("manage/", views.manage, name="manage"),
]
