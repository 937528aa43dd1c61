"""One message: everything an approver needs beside it, and the actions on it (submit,
approve, reject, send back, withdraw, retry, mark a stakeholder update sent)."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from communications import selectors
from communications.forms import DecisionForm
from communications.messaging import gate
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.messaging.text import MAX_WEIGHTED_LENGTH
from communications.models import Approval, Message
from config.errors import ApplicationError, Conflict
from config.http import HttpRequest
from config.people import User, person_require_signed_in
from config.two_factor import two_factor_required

S = Message.Status


def _actions(user: User, message: Message, valid: list[Approval]) -> dict[str, Any]:
    """What the viewer may do with the message now: the same rules the services apply."""
    pending = message.status == S.PENDING_APPROVAL
    wrote = user.pk in gate.writers(message)
    may_decide = gate.refusal_to_decide(user, message) is None
    may_approve = may_decide and gate.refusal_to_approve(user, message) is None
    already = any(approval.approver_id == user.pk for approval in valid)
    mark_sent = gate.refusal_to_mark_sent(user, message)
    return {
        "can_edit": gate.refusal_to_edit(user, message) is None,
        "can_submit": gate.refusal_to_submit(user, message) is None,
        "can_approve": may_approve and not already,
        "can_refuse": may_decide,
        "approved_already": may_decide and already,
        "author_waits": pending and wrote,
        "can_withdraw": gate.refusal_to_withdraw(user, message) is None,
        "can_retry": gate.refusal_to_retry(user, message) is None,
        "can_mark_sent": mark_sent is None,
        # An approved stakeholder update that may no longer be sent says why, where its button was.
        "do_not_send": mark_sent.message if isinstance(mark_sent, Conflict) else "",
    }


@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(selectors.messages(user=request.user), pk=pk)
    review = selectors.message_review(message=message)
    others = (
        list(gate.other_replies(mention_id=message.reply_to_mention_id, besides=message))
        if message.reply_to_mention_id
        else []
    )
    return render(
        request,
        "communications/message.html",
        {
            "message": message,
            **review,
            "history": selectors.message_history(message=message),
            "limit": MAX_WEIGHTED_LENGTH,
            # A reply answering a mention that others answer too: said beside "Submit", with
            # "Reply anyway" when message_submit will ask for it.
            "other_replies": others,
            "reply_anyway_needed": any(reply.status in gate.REPLY_UNDER_WAY for reply in others),
            **_actions(person_require_signed_in(request.user), message, review["valid_approvals"]),
        },
    )


def _act(
    request: HttpRequest,
    pk: int,
    call: Callable[[Message, str], Any],
    success: str | Callable[[Message], str],
) -> HttpResponse:
    """Run one action on the message; a refusal is said on its page, never a 500."""
    message = get_object_or_404(Message.objects.select_related("incident"), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors["comment"][0]))
        return redirect(message)
    try:
        done = call(message, form.cleaned_data["comment"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success if isinstance(success, str) else success(done))
    return redirect(message)


def submitted_text(message: Message) -> str:
    """What the writer is told on submitting: how many approvals it still needs, and who can
    still give them (or that nobody can)."""
    return _("Sent for approval: %(outlook)s") % {"outlook": gate.approval_count(message).outlook}


@require_POST
def message_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, _comment: message_services.message_submit(
            actor=person_require_signed_in(request.user),
            message=message,
            reply_anyway=request.POST.get("reply_anyway") == "on",
        ),
        submitted_text,
    )


@require_POST
@two_factor_required
def message_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, comment: approvals.message_approve(
            actor=person_require_signed_in(request.user), message=message, comment=comment
        ),
        _("Approved."),
    )


@require_POST
@two_factor_required
def message_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, comment: approvals.message_reject(
            actor=person_require_signed_in(request.user), message=message, comment=comment
        ),
        _("Rejected; the author was told why."),
    )


@require_POST
@two_factor_required
def message_request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, comment: approvals.message_request_changes(
            actor=person_require_signed_in(request.user), message=message, comment=comment
        ),
        _("Sent back to the author for changes."),
    )


@require_POST
def message_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, comment: message_services.message_withdraw(
            actor=person_require_signed_in(request.user), message=message, reason=comment
        ),
        _("Withdrawn."),
    )


@require_POST
def message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, _comment: message_services.message_retry(
            actor=person_require_signed_in(request.user), message=message
        ),
        _("Publishing again."),
    )


@require_POST
def message_mark_sent(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, _comment: message_services.message_mark_sent(
            actor=person_require_signed_in(request.user), message=message
        ),
        _("Recorded as sent; the plan's item is ticked."),
    )
