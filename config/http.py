"""What every page view shares: the request type (with django-htmx's details), the 403, how
a panel of a page answers a form posted to it, and the 400 and 404 of the whole site (in the
API's error shape under /api/)."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest as DjangoHttpRequest
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django_htmx.middleware import HtmxDetails

from config.errors import ApplicationError, form_error

# The API's prefix in config/urls.py: below it errors are JSON, like the API's own.
API_PREFIX = "/api/"


class HttpRequest(DjangoHttpRequest):
    htmx: HtmxDetails


def is_api(request: DjangoHttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def not_found(request: DjangoHttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404 (config/urls.py's handler404): an address no route matches, or an object
    that does not exist."""
    if is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: DjangoHttpRequest, exception: Exception) -> HttpResponse:
    """The site's 400 (handler400): a request Django itself refuses (too many fields, a body
    too large)."""
    if is_api(request):
        return JsonResponse({"detail": _("The request could not be read.")}, status=400)
    return defaults.bad_request(request, exception)


def _leads_here(request: DjangoHttpRequest, url: str) -> bool:
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def on_this_site(request: DjangoHttpRequest, target: str, otherwise: str) -> str:
    """Where to go back to after a form: ``target`` (a posted ``next``, a Referer) when it
    leads to this site, else ``otherwise``: never to another site."""
    return target if _leads_here(request, target) else otherwise


def referer_path(request: DjangoHttpRequest) -> str | None:
    """The path and query of the page a form was posted from, when that page is on this site
    (None otherwise): where to go back to without the page echoing its own address."""
    referer = request.headers.get("referer", "")
    if not _leads_here(request, referer):
        return None
    page = urlsplit(referer)
    return urlunsplit(("", "", page.path, page.query, "")) if page.path.startswith("/") else None


def forbidden(request: DjangoHttpRequest, message: str) -> HttpResponse:
    """The 403 page, saying in words what the role does not allow."""
    return render(request, "403.html", {"exception": message}, status=403)


def run_form(form: BaseForm, call: Callable[[], Any]) -> ApplicationError | None:
    """Call a service for a valid form. What went wrong is returned (None: nothing): the
    form's first error, or the service's refusal, which also lands on the form."""
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        return ApplicationError(str(errors[0]), field=field)
    try:
        call()
    except ApplicationError as exc:
        form_error(form, exc)
        return exc
    return None


def panel_response(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    back_to: str,
    failed: ApplicationError | None = None,
    changed: str = "",
    success: str = "",
) -> HttpResponse:
    """Answer a form posted to a panel of a page. htmx gets the panel again and, after a
    change, the events other panels listen to (``changed``, e.g. "timeline-changed"); a plain
    form post goes back to the page (``back_to``) with the refusal or ``success`` said."""
    if request.htmx:
        response = render(request, template, context)
        if changed and failed is None:
            response["HX-Trigger"] = changed
        return response
    if failed is not None:
        messages.error(request, failed.message)
    elif success:
        messages.success(request, success)
    return HttpResponseRedirect(back_to)
