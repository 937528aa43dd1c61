from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from communications import selectors
from communications.accounts.pauses import active_pauses
from communications.forms import PauseForm
from communications.messaging.preflight import Finding
from communications.messaging.text import MAX_WEIGHTED_LENGTH, weighted_length
from communications.models import Message, SocialAccount
from config.permissions import PAUSE_PUBLISHING, holds

register = template.Library()

S = Message.Status
STATUS_CLASSES = {
    S.DRAFT: "text-bg-light border",
    S.PENDING_APPROVAL: "text-bg-warning",
    S.APPROVED: "text-bg-info",
    S.PUBLISHING: "text-bg-primary",
    S.PUBLISHED: "text-bg-success",
    S.FAILED: "text-bg-danger",
    S.REJECTED: "text-bg-dark",
    S.CHANGES_REQUESTED: "text-bg-secondary",
    S.WITHDRAWN: "text-bg-light border text-decoration-line-through",
}


@register.simple_tag
def message_status_badge(value: str) -> str:
    status = S(value)
    return format_html(
        '<span class="badge status-badge {}" data-status="{}">{}</span>',
        STATUS_CLASSES[status],
        status.value,
        status.label,
    )


@register.simple_tag
def account_badge(account: SocialAccount | None, kind: str = "") -> str:
    """@handle, and a clear "sandbox" label when nothing is really posted from it; "statement
    page" for a page update, "internal" for staff briefings and stakeholder updates (none of
    them has an account)."""
    if account is None:
        said = _("statement page") if kind == Message.Kind.PAGE_UPDATE else _("internal")
        return format_html('<span class="badge text-bg-light border">{}</span>', said)
    if account.is_sandbox:
        return format_html(
            '{} <span class="badge text-bg-warning" data-testid="sandbox-label" title="{}">'
            "{}</span>",
            account,
            _("No credentials: publishing is simulated, nothing is posted on X."),
            _("sandbox"),
        )
    return format_html("{}", account)


@register.simple_tag
def highlighted(text: str, findings: list[Finding], part: int = 0) -> SafeString:
    """The text with the words the pre-flight checks found marked (<mark>), each saying which
    check found it: the approver sees where, not only what. Everything else is escaped."""
    spans = sorted(
        ((span, finding) for finding in findings for span in finding.spans if span.part == part),
        key=lambda pair: pair[0].start,
    )
    text = text or ""
    pieces, end = [], 0
    for span, finding in spans:
        if span.start < end:
            continue  # already inside a mark
        pieces.append(escape(text[end : span.start]))
        pieces.append(
            format_html(
                '<mark class="preflight-mark" data-check="{}" title="{}">{}</mark>',
                finding.check.value,
                finding.text,
                text[span.start : span.end],
            )
        )
        end = span.end
    pieces.append(escape(text[end:]))
    return mark_safe("".join(pieces))  # noqa: S308 (every piece is escaped above)


@register.inclusion_tag("communications/_length.html")
def length_counter(text: str) -> dict[str, Any]:
    return {"length": weighted_length(text or ""), "limit": MAX_WEIGHTED_LENGTH}


@register.simple_tag(takes_context=True)
def approvals_waiting(context: template.Context) -> int:
    """For the header: how many messages wait for the viewer's approval (one query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return selectors.approvals_waiting_count(user=user)


@register.simple_tag(takes_context=True)
def publishing_paused(context: template.Context) -> list[Any]:
    """For every page: the pauses in force, for the red banner (one query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return list(active_pauses())


@register.inclusion_tag("communications/_pause_switch.html", takes_context=True)
def pause_switch(context: template.Context) -> dict[str, Any]:
    """The header's stop switch, for those who may pause publishing."""
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = holds(user, PAUSE_PUBLISHING)
    form = PauseForm(auto_id="pause-%s") if allowed else None
    choices: list[tuple[Any, Any]] = []
    if form is not None:
        # Read in one query: a template's for loop (or list()) would count the accounts first.
        for choice in form["account"].field.widget.choices:
            choices.append(choice)
    return {
        "allowed": allowed,
        "form": form,
        "account_choices": choices,
        "csrf_token": context.get("csrf_token"),
    }
