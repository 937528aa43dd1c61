"""What every REST endpoint shares: who may call it and how errors are documented."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request


class ActionPermission(BasePermission):
    """Refuse early (403 before 400) when the caller's role lacks the action's permission.

    Views list them in ``action_permissions`` as {(action, method): permission}; the services
    check again, so this only decides which error comes first.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        wanted = getattr(view, "action_permissions", {}).get(
            (getattr(view, "action", None), request.method)
        )
        return wanted is None or request.user.has_perm(wanted)


PERMISSIONS = [IsAuthenticated, ActionPermission]
ERRORS = {
    400: OpenApiResponse(description="Invalid input; the body names each field's problem."),
    403: OpenApiResponse(description="Not logged in, or the role does not allow this."),
}
