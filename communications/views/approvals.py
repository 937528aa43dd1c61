"""The approval queue: what waits for me, what I decided, where my own messages stand."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from communications import selectors
from config.http import HttpRequest
from config.permissions import APPROVE_MESSAGE, holds

PAGE_SIZE = 25


@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.approval_queue(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "communications/approvals.html",
        {
            "page": page,
            "may_approve": holds(request.user, APPROVE_MESSAGE),
            "decided": list(selectors.decided_by(user=request.user)[:PAGE_SIZE]),
            "mine": list(selectors.messages_in_review(user=request.user)[:PAGE_SIZE]),
        },
    )
