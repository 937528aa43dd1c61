"""Domain errors and the one place the API turns them into responses."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms import BaseForm
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """An error a user can cause and understand: shown as a form error or a 4xx response.

    One that names a field is about that input: 400. One that names none is about the state
    of what the request acts on (already approved, no longer open, its shift has begun): the
    request was well formed but conflicts with that state, 409."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def status_code(self) -> int:
        return status.HTTP_400_BAD_REQUEST if self.field else status.HTTP_409_CONFLICT


class Conflict(ApplicationError):
    """Well-formed input the current state refuses, even when it names the field it is about:
    a move the lifecycle does not allow from here, a name another record already has."""

    @property
    def status_code(self) -> int:
        return status.HTTP_409_CONFLICT


class NotPermitted(ApplicationError):
    """The actor's role does not allow this action."""

    @property
    def status_code(self) -> int:
        return status.HTTP_403_FORBIDDEN


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {exc.field: [exc.message]} if exc.field else {"detail": exc.message}
        return Response(body, status=exc.status_code)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return exception_handler(exc, context)


def form_error(form: BaseForm, exc: ApplicationError) -> None:
    """Show a service's refusal on the form: on its field when the form shows it, above the
    form otherwise (a field it does not have, or a hidden one nobody would see)."""
    shown = exc.field in form.fields and not form.fields[exc.field].widget.is_hidden
    form.add_error(exc.field if shown else None, exc.message)
