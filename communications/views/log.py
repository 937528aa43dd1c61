"""The communications log: everything that was approved, went out, failed or was withdrawn,
with its approvals; filterable and exportable as CSV."""

import csv
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from communications import selectors
from communications.filters import MessageLogFilter
from communications.models import Message
from config.http import HttpRequest
from incidents.rehearsals import is_rehearsal

PAGE_SIZE = 25


def _approvals_text(message: Message) -> str:
    return "; ".join(
        "{who} — {decision} {at}{comment}{voided}".format(
            who=approval.approver,
            decision=approval.get_decision_display().lower(),
            at=timezone.localtime(approval.at).strftime("%Y-%m-%d %H:%M %Z"),
            comment=f": {approval.comment}" if approval.comment else "",
            voided=f" ({_('voided by an edit')})" if approval.voided_at else "",
        )
        for approval in message.approvals.all()
    )


def _cell(value: Any) -> str:
    """A spreadsheet must not read a post starting with = + - @ as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else ""


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(rows: Any) -> StreamingHttpResponse:
    header = [
        _("Message"),
        _("When"),
        _("Incident"),
        _("Incident title"),
        _("Account"),
        _("Sandbox"),
        _("Drill"),
        _("Kind"),
        _("Status"),
        _("Text"),
        _("Author"),
        _("Approvals"),
        _("Approved at"),
        _("Published at"),
        _("Post link"),
        _("Last error"),
    ]

    # The rows are written after the view has returned: in the reader's language all the same.
    language = translation.get_language()

    def lines() -> Iterator[str]:
        with translation.override(language):
            yield from _rows()

    def _rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(header)
        for message in rows.iterator(chunk_size=500):
            text = "\n\n".join([message.body, *(part.body for part in message.parts.all())])
            yield writer.writerow(
                [
                    _cell(value)
                    for value in (
                        message.pk,
                        _when(message.logged_at),
                        message.incident.reference,
                        message.incident.title,
                        message.account or _("internal"),
                        _("yes")
                        if message.sandbox or (message.account and message.account.is_sandbox)
                        else _("no"),
                        # A drill's message, whatever became of it: the log keeps both apart.
                        _("yes") if is_rehearsal(message) else _("no"),
                        message.get_kind_display(),
                        message.get_status_display(),
                        text,
                        message.author,
                        _approvals_text(message),
                        _when(message.approved_at),
                        _when(message.published_at),
                        message.external_url,
                        message.last_error,
                    )
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="communications-log-{stamp}.csv"'
    return response


@require_GET
def message_log(request: HttpRequest, as_csv: bool = False) -> HttpResponseBase:
    filterset = MessageLogFilter(
        request.GET or None, queryset=selectors.message_log(user=request.user)
    )
    if as_csv or request.GET.get("format") == "csv":
        return _csv(filterset.qs)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "communications/log.html",
        {
            "filter": filterset,
            "page": page,
            "csv_url": reverse("communications:log-csv")
            + ("?" + query.urlencode() if query else ""),
        },
    )
