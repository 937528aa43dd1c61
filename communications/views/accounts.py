"""The social accounts: sandbox or real, 2FA, whose credentials are due for rotation."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from communications import selectors
from config.http import HttpRequest
from config.permissions import MANAGE_ACCOUNTS, holds

PAGE_SIZE = 25


@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.accounts(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "communications/accounts.html",
        {
            "page": page,
            "rotation_days": settings.CREDENTIALS_ROTATION_DAYS,
            "can_manage": holds(request.user, MANAGE_ACCOUNTS),
        },
    )
