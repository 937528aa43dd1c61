"""The API's OpenAPI document, served one generation at a time.

drf-spectacular resolves its extensions' target classes lazily and without a lock on the first
generation in a process; two first requests in a threaded server (the development server of
`make run`) can meet half-way and one answers 500. Generating the document is rare and a few
hundred milliseconds long, so the view simply takes turns."""

import threading
from typing import Any

from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

_GENERATING = threading.Lock()


class SchemaView(SpectacularAPIView):
    def _get_schema_response(self, request: Request) -> Response:
        with _GENERATING:
            response: Any = super()._get_schema_response(request)
        return response
