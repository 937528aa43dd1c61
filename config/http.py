"""What every page view shares: the request type (with django-htmx's details), the 403, and
how a panel of a page answers a form posted to it."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest as DjangoHttpRequest
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from config.errors import ApplicationError, form_error


class HttpRequest(DjangoHttpRequest):
    htmx: HtmxDetails


def forbidden(request: DjangoHttpRequest, message: str) -> HttpResponse:
    """The 403 page, saying in words what the role does not allow."""
    return render(request, "403.html", {"exception": message}, status=403)


def run_form(form: Any, call: Callable[[], Any]) -> ApplicationError | None:
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
