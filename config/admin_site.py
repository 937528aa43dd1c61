"""The admin site: staff only, and for those whose role needs it, only after the second step."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse

from config.two_factor import must_verify, second_step_redirect


class AdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not must_verify(request.user)

    @login_not_required
    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # A staff member who gave the password but not yet the code finishes signing in,
        # instead of being told they may not enter.
        if request.user.is_active and request.user.is_staff and must_verify(request.user):
            return second_step_redirect(request)
        return super().login(request, extra_context)
