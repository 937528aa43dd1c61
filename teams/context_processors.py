from typing import Any

from django.http import HttpRequest

from .selectors import unread_notification_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """The unread count in the header of every page (one indexed query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_notification_count(user=user)}
