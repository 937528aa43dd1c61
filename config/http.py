"""What every page view shares: the request type (with django-htmx's details) and the 403."""

from django.http import HttpRequest as DjangoHttpRequest
from django.http import HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails


class HttpRequest(DjangoHttpRequest):
    htmx: HtmxDetails


def forbidden(request: DjangoHttpRequest, message: str) -> HttpResponse:
    """The 403 page, saying in words what the role does not allow."""
    return render(request, "403.html", {"exception": message}, status=403)
