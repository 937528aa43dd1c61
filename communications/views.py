"""Communications pages. Thin: parse the form, call one service or selector, render."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from config.http import HttpRequest

from . import selectors


@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(selectors.messages(user=request.user), pk=pk)
    return render(
        request,
        "communications/message.html",
        {"message": message, **selectors.message_review(message=message)},
    )
