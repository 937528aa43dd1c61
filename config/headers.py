"""Response headers that keep the browser on our side: what a page may load comes from
Django's Content-Security-Policy (settings.SECURE_CSP); this adds Permissions-Policy, which
Django does not set: none of our pages uses the camera, the microphone, the location…"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
