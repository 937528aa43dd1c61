"""What every request passes through: input no page can read is refused with a clear 400,
and times are shown in the viewer's own timezone (everything is stored in UTC), in the language
they chose."""

import re
import zoneinfo
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import unquote

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.http import is_api, not_found
from config.languages import language_named
from config.when import zone_named

TIMEZONE_COOKIE = "tz"


class ViewerTimezoneMiddleware:
    """Activates the viewer's timezone: the one chosen in their profile, else the one the
    browser reported (cookie set by static/js/app.js), else the site's (settings.TIME_ZONE,
    Django's default when none is active)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = self._profile_zone(request) or zone_named(
            unquote(request.COOKIES.get(TIMEZONE_COOKIE, ""))
        )
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        return self.get_response(request)

    @staticmethod
    def _profile_zone(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return zone_named(getattr(user, "timezone", ""))


class ViewerLanguageMiddleware:
    """Activates the language on the viewer's profile. Without one, the language Django's
    LocaleMiddleware chose from the language cookie or the browser's Accept-Language stays
    (config.languages); LocaleMiddleware then says it in Content-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = (
            language_named(getattr(user, "language", ""))
            if user is not None and user.is_authenticated
            else None
        )
        language = chosen or translation.get_language()
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", language)
        # The thread goes back to the site's language: whatever runs on it next (the next
        # request before its own middleware, a test, a worker's task) is not said in this one.
        translation.deactivate()
        return response


class ApiNotFoundMiddleware:
    """Under /api/ a 404 is JSON in the API's error shape, also where Django answers with its
    own HTML page (the technical 404 of a developer's machine, DEBUG on, which skips the
    site's handler404): an API client never has to read a page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and is_api(request)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return not_found(request, Http404())
        return response


# --- input no page can read ----------------------------------------------------------------

# C0 controls and DEL: nothing a person types into an address or a search box.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# PostgreSQL stores no NUL; every other character of a posted text is the writer's business.
NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _shown(name: str) -> str:
    """A parameter's name as it can be printed: its control characters escaped."""
    return CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", name)[:60]


class Refusal(NamedTuple):
    message: str
    field: str | None = None


def unreadable_input(request: HttpRequest) -> Refusal | None:
    """What in the request no page or endpoint can read, said for a person; None: nothing.

    A control character in the path or the query string, or a NUL in a posted form field.
    Without this check such input reached PostgreSQL through some lookup and failed there (a
    500) instead of being refused."""
    if CONTROL_CHARACTERS.search(request.path_info):
        return Refusal(_("The address contains a control character; remove it and try again."))
    for name, values in request.GET.lists():
        if CONTROL_CHARACTERS.search(name) or any(CONTROL_CHARACTERS.search(v) for v in values):
            return Refusal(
                _("The query parameter “%(name)s” contains a control character; remove it.")
                % {"name": _shown(name)},
                _shown(name),
            )
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.content_type not in FORM_TYPES:
        return None  # the API's JSON is read by config.rest.InputSerializer, field by field
    try:
        posted = list(request.POST.lists())
    except MultiPartParserError:
        return Refusal(_("The form data could not be read; send the form again."))
    holding_nul = [n for n, values in posted if NUL in n or any(NUL in v for v in values)]
    if not holding_nul:
        return None
    name = holding_nul[0]
    return Refusal(
        _("“%(name)s” contains a NUL character, which cannot be stored; remove it.")
        % {"name": _shown(name) or _("The text")},
        _shown(name),
    )


class UnreadableInputMiddleware:
    """Answers 400 to input no page can read (``unreadable_input``): a short page saying what
    to fix, or under /api/ the API's error shape naming the parameter or field."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = unreadable_input(request)
        if refusal is None:
            return self.get_response(request)
        if is_api(request):
            key = refusal.field or "detail"
            body = {key: [refusal.message]} if refusal.field else {key: refusal.message}
            return JsonResponse(body, status=400)
        return render(request, "400.html", {"problem": refusal.message}, status=400)
