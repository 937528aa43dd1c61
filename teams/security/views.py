"""The second step of signing in, setting it up, managing it; and the password reset, limited."""

from base64 import b32encode
from typing import Any

import qrcode
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from qrcode.image.svg import SvgPathImage

from config.errors import ApplicationError, form_error
from config.http import HttpRequest
from config.permissions import needs_two_factor
from config.throttling import client_address, rate_limit_hit
from config.two_factor import is_verified, second_step_redirect, two_factor_step

from . import selectors, services
from .forms import CodeForm, SetupCodeForm

# Recovery codes wait here between being made and being shown, once.
RECOVERY_CODES_SESSION_KEY = "security_recovery_codes"


def _back(request: HttpRequest) -> str:
    """Where to go once signed in: a safe ``next`` (a path on this site), else the dashboard."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, back: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': back})}"


def _step_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A page of the second step. Until it is passed the session has not fully signed in, so
    the page shows no navigation (nor the counts in it): ``user`` is anonymous for the
    layout, and the person is ``person``."""
    me = request.user
    layout_user = me if is_verified(me) else AnonymousUser()
    return render(request, template, {**context, "person": me, "user": layout_user})


def _signed_in(request: HttpRequest, device: Any) -> None:
    """The session passed the second step: a new session key, bound to the device."""
    request.session.cycle_key()
    otp_login(request, device)


def qr_code_svg(data: str) -> str:
    """An SVG QR code of ``data``, drawn on the server (no script, no external service)."""
    image = qrcode.make(data, image_factory=SvgPathImage, box_size=14, border=2)
    return str(image.to_string(encoding="unicode"))


def _grouped(secret: str, size: int = 4) -> str:
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


@two_factor_step
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator app, or a recovery code."""
    me: Any = request.user
    back = _back(request)
    if is_verified(me):
        return HttpResponseRedirect(back)
    if not selectors.has_authenticator(person=me):
        if needs_two_factor(me):
            return redirect(_with_next("security:setup", back))
        return HttpResponseRedirect(back)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_check(person=me, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            _signed_in(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; it will not work again. "
                        "%(left)d left. Lost your phone? Set up the app again from My profile, "
                        "Two-factor authentication."
                    )
                    % {"left": selectors.recovery_codes_left(person=me)},
                )
            return HttpResponseRedirect(back)
    return _step_page(request, "teams/security/verify.html", {"form": form, "next": back})


@two_factor_step
@never_cache
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the QR code (or type the key), confirm with a code;
    the first time, recovery codes follow. Replacing the app needs a verified session."""
    me: Any = request.user
    back = _back(request)
    verified = is_verified(me)
    enrolled = selectors.has_authenticator(person=me)
    if enrolled and not verified:
        return redirect(_with_next("security:verify", back))
    if not enrolled and not needs_two_factor(me):
        messages.info(request, _("Your role does not need two-factor authentication."))
        return redirect("security:manage")
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.authenticator_confirm(
                person=me, code=form.cleaned_data["code"], verified=verified
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            _signed_in(request, device)
            if selectors.recovery_device(person=me) is None:
                request.session[RECOVERY_CODES_SESSION_KEY] = services.recovery_codes_create(
                    person=me
                )
                return redirect(_with_next("security:recovery-codes", back))
            messages.success(request, _("Your new authenticator app is set up."))
            return redirect("security:manage")
    device = services.authenticator_begin(person=me)
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": back,
        "qr_svg": qr_code_svg(device.config_url),
        "secret": _grouped(secret),
        "issuer": settings.OTP_TOTP_ISSUER,
        "replacing": enrolled,
    }
    return _step_page(request, "teams/security/setup.html", context)


@never_cache
@require_GET
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just made, shown this once."""
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        messages.info(
            request,
            _("Recovery codes are shown only once. If you lost yours, make new ones here."),
        )
        return redirect("security:manage")
    return render(
        request, "teams/security/recovery_codes.html", {"codes": codes, "next": _back(request)}
    )


@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    me: Any = request.user
    if not is_verified(me):
        return second_step_redirect(request)
    try:
        codes = services.recovery_codes_create(person=me)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("security:manage")
    request.session[RECOVERY_CODES_SESSION_KEY] = codes
    return redirect("security:recovery-codes")


@never_cache
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    """My second factor: the authenticator app, how many recovery codes are left."""
    me: Any = request.user
    context = {
        "needs_two_factor": needs_two_factor(me),
        "verified": is_verified(me),
        "authenticators": selectors.authenticators(person=me),
        "codes_left": selectors.recovery_codes_left(person=me),
    }
    return render(request, "teams/security/manage.html", context)


@method_decorator(never_cache, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per address and per email address. The limit and its
    message are the same whether an account has that address or not."""

    def form_valid(self, form: Any) -> HttpResponse:
        waits = [
            rate_limit_hit(
                scope="password-reset-address",
                key=client_address(self.request),
                rate=settings.PASSWORD_RESET_RATE_PER_ADDRESS,
            ),
            rate_limit_hit(
                scope="password-reset-email",
                key=form.cleaned_data["email"],
                rate=settings.PASSWORD_RESET_RATE_PER_EMAIL,
            ),
        ]
        wait = max((seconds for seconds in waits if seconds is not None), default=None)
        if wait is None:
            return super().form_valid(form)
        minutes = max(1, round(wait / 60))
        form.add_error(
            None,
            ngettext(
                "Too many password reset requests. Please try again in %(minutes)d minute.",
                "Too many password reset requests. Please try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )
        response = self.form_invalid(form)
        response.status_code = 429
        response["Retry-After"] = str(wait)
        return response
