"""Signing in with a second factor: who must, and the checks the pages and the admin apply.

Whoever ``config.permissions.needs_two_factor`` names signs in in two steps: the password,
then a code (set up at the first sign-in). Between the two the session is logged in but not
verified (django-otp's ``user.is_verified()``): the middleware sends it to the second step
before any page, the API refuses it, and the actions that speak for the brand refuse it again
(``two_factor_required``), so removing one check does not open them. The second step's pages
live in ``teams.security``; this module knows them only by the URL name in
``settings.OTP_LOGIN_URL``.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from rest_framework.views import APIView

from config.http import referer_path
from config.people import AnyUser
from config.permissions import needs_two_factor


def is_verified(user: AnyUser) -> bool:
    """The session passed the second step (django-otp's OTPMiddleware tells)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def must_verify(user: AnyUser) -> bool:
    """Logged in with the password only, by someone whose role needs the second step."""
    return needs_two_factor(user) and not is_verified(user)


def two_factor_step[View: Callable[..., HttpResponse]](view: View) -> View:
    """Mark a view as part of the second step itself, which an unverified session may open."""
    view.two_factor_step = True  # type: ignore[attr-defined]
    return view


def second_step_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """To the second step, coming back afterwards to the page that was asked for (for a form
    posted, to the page it was posted from)."""
    back = request.get_full_path()
    if request.method not in ("GET", "HEAD"):
        back = referer_path(request) or resolve_url(settings.LOGIN_REDIRECT_URL)
    return redirect_to_login(back, settings.OTP_LOGIN_URL)


def two_factor_required[View: Callable[..., HttpResponse]](view: View) -> View:
    """Refuse the view to an unverified session of someone who needs the second step, saying
    why and sending them to it."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if must_verify(request.user):
            messages.error(
                request,
                _(
                    "Deciding what the brand says needs two-factor sign-in. Enter a code from "
                    "your authenticator app, then try again."
                ),
            )
            return second_step_redirect(request)
        return view(request, *args, **kwargs)

    return guarded  # type: ignore[return-value]


class TwoFactorMiddleware:
    """Between the password and the code, a session opens only the second step's pages and the
    public ones (login, logout, password reset): pages redirect there, the API answers 403.

    Installed after django-otp's OTPMiddleware, which tells whether the session is verified.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        view_class = getattr(view_func, "cls", None)
        is_api = isinstance(view_class, type) and issubclass(view_class, APIView)
        # DRF marks its views login_not_required (it authenticates by itself): ask anyway.
        if not is_api and getattr(view_func, "login_required", True) is False:
            return None
        if getattr(view_func, "two_factor_step", False):
            return None
        if not must_verify(request.user):
            return None
        if is_api:
            return JsonResponse(
                {
                    "detail": _(
                        "Finish signing in: your role needs two-factor authentication. Use an "
                        "API token, or enter a code on the sign-in page first."
                    )
                },
                status=403,
            )
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = second_step_redirect(request).url
            return response
        return second_step_redirect(request)
