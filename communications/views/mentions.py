"""The triage queue and the mention page. Thin: parse the form, call one service or selector,
render.

Each mention of the queue is a fragment: its actions post with htmx and get the fragment back
(with the refusal on it, if any); without htmx every form still works and redirects back.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communications import selectors as communication_selectors
from communications.listening.mentions import selectors, services
from communications.listening.mentions.filters import MentionFilter
from communications.listening.mentions.forms import (
    AssignForm,
    BulkForm,
    LinkForm,
    ManualMentionForm,
    PresenceForm,
    TriageForm,
)
from communications.listening.mentions.presence import (
    Doing,
    presence_leave,
    presence_on,
    presence_tell,
)
from communications.listening.mentions.services import Bulk
from communications.listening.models import InboundPost
from config.errors import ApplicationError, NotPermitted, form_error
from config.http import HttpRequest, forbidden, on_this_site
from config.people import person_require_signed_in
from config.permissions import DRAFT_MESSAGE, TRIAGE_MENTIONS, holds, require
from incidents import live
from incidents.rehearsals import is_rehearsal

PAGE_SIZE = 25


def _refusal(request: HttpRequest) -> HttpResponse | None:
    try:
        require(request.user, TRIAGE_MENTIONS)
    except ApplicationError as exc:
        return forbidden(request, exc.message)
    return None


def _actions_context(request: HttpRequest) -> dict[str, Any]:
    """What every mention's actions need, computed once per page."""
    return {
        "can_triage": holds(request.user, TRIAGE_MENTIONS),
        "can_reply": holds(request.user, DRAFT_MESSAGE),
        "incidents": list(selectors.incidents_to_link(user=request.user)),
        # The reply composer takes ?incident=<reference>&reply_to=<mention id>.
        "composer_path": reverse("communications:message-new"),
        "open_states": services.OPEN,
    }


# --- the queue ------------------------------------------------------------------------------


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request, request.GET)


def _queue_page(
    request: HttpRequest, query: QueryDict, *, bulk_error: str = "", status: int = 200
) -> HttpResponse:
    """The queue with these filters; after a refused bulk act, with what to fix (400)."""
    data: QueryDict = query.copy()
    if not any(name in data for name in MentionFilter.base_filters):
        # Without filters the queue shows the real posts that still wait for a decision or an
        # answer: a drill's posts are for the drill's own players.
        data["open"] = "true"
        data["drill"] = "false"
    filterset = MentionFilter(
        data, queryset=selectors.mention_list(user=request.user), request=request
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(query.get("page"))
    chosen = filterset.form.cleaned_data if filterset.is_valid() else {}
    here = reverse("communications:mentions:queue") + (f"?{query.urlencode()}" if query else "")
    context = {
        "filter": filterset,
        "page": page,
        "here": here,
        "bulk_error": bulk_error,
        "live_on": live.MENTIONS,
        # On a phone the filters fold behind a button that says how many are set.
        "active_filters": sum(1 for name in MentionFilter.base_filters if query.get(name)),
        # Who else is on a mention: told about a drill's posts where the queue shows them.
        "presence_drill": chosen.get("drill") is not False,
        **_actions_context(request),
        # Acting on many at once (views.bulk): each mention carries a checkbox.
        "bulk_form": BulkForm() if holds(request.user, TRIAGE_MENTIONS) else None,
    }
    if request.htmx:
        return render(request, "communications/mentions/_results.html", context, status=status)
    statuses = selectors.poll_statuses(user=request.user)
    context.update(poll_statuses=statuses, accounts=[status.account for status in statuses])
    return render(request, "communications/mentions/queue.html", context, status=status)


# --- one mention ----------------------------------------------------------------------------


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    mention = selectors.mention_get(user=request.user, pk=pk)
    return render(
        request,
        "communications/mentions/detail.html",
        {
            "mention": mention,
            "history": list(selectors.mention_history(mention=mention)),
            "replies": list(communication_selectors.mention_replies(mention=mention)),
            "here": request.get_full_path(),
            "present": presence_on(
                mention_ids=[mention.pk], viewer=person_require_signed_in(request.user)
            ).get(mention.pk, []),
            "presence_drill": is_rehearsal(mention),
            **_actions_context(request),
        },
    )


# --- who else is here -----------------------------------------------------------------------


@require_POST
def presence(request: HttpRequest) -> JsonResponse:
    """An open page's beat (static/js/mention-presence.js, every second or so): the viewer is
    on mention ``here`` doing ``doing`` (or ``leaving`` it), and hears who else is on each
    mention it shows that the viewer may see (``drill``: the page shows a drill's posts)."""
    viewer = person_require_signed_in(request.user)
    form = PresenceForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    data = form.cleaned_data
    if data["here"] is not None:
        mention = selectors.mention_get(user=request.user, pk=data["here"])
        doing = Doing(data["doing"] or Doing.VIEWING)
        if data["leaving"]:
            presence_leave(person=viewer, mention=mention, doing=doing)
        else:
            try:
                presence_tell(person=viewer, mention=mention, doing=doing)
            except NotPermitted as refused:
                return JsonResponse({"detail": refused.message}, status=403)
    shown = selectors.mentions_shown(user=request.user, ids=data["mention"], drill=data["drill"])
    return JsonResponse(
        {
            "mentions": {
                str(pk): [
                    {"name": person.name, "doing": person.doing.value, "text": person.text}
                    for person in people
                ]
                for pk, people in presence_on(mention_ids=shown, viewer=viewer).items()
            }
        }
    )


# --- actions --------------------------------------------------------------------------------


def _back(request: HttpRequest, mention: InboundPost) -> HttpResponseRedirect:
    target = on_this_site(
        request, request.POST.get("next", ""), selectors.mention_url(mention=mention)
    )
    return HttpResponseRedirect(target)


def _act(
    request: HttpRequest,
    pk: int,
    form: BaseForm,
    call: Callable[[InboundPost], Any],
    success: str,
) -> HttpResponse:
    """Run one action on a mention: htmx gets the mention's fragment back, a plain post is
    redirected to where it came from."""
    mention = selectors.mention_get(user=request.user, pk=pk)
    if (refused := _refusal(request)) is not None:
        return refused
    error = ""
    if not form.is_valid():
        error = str(next(iter(form.errors.values()))[0])
    else:
        try:
            call(mention)
        except ApplicationError as exc:
            form_error(form, exc)
            error = exc.message
    if request.htmx:
        here = request.POST.get("next", "")
        context = {
            "mention": selectors.mention_get(user=request.user, pk=pk),
            "error": error,
            "here": here,
            **_actions_context(request),
            # Back in the queue, the mention keeps its checkbox for the bulk bar.
            "bulk_form": here.startswith(reverse("communications:mentions:queue")),
        }
        return render(request, "communications/mentions/_mention.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, success)
    return _back(request, mention)


@require_POST
def triage(request: HttpRequest, pk: int) -> HttpResponse:
    form = TriageForm(request.POST)
    return _act(
        request,
        pk,
        form,
        lambda mention: services.mention_triage(
            actor=person_require_signed_in(request.user), mention=mention, **form.cleaned_data
        ),
        _("Decision recorded."),
    )


@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    form = AssignForm(request.POST)
    return _act(
        request,
        pk,
        form,
        lambda mention: services.mention_assign(
            actor=person_require_signed_in(request.user),
            mention=mention,
            assignee=form.cleaned_data["assignee"],
        ),
        _("Assignee saved."),
    )


@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    form = LinkForm(request.POST)
    return _act(
        request,
        pk,
        form,
        lambda mention: services.mention_link(
            actor=person_require_signed_in(request.user),
            mention=mention,
            incident=form.cleaned_data["incident"],
        ),
        _("Linked to the incident."),
    )


@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One act on the mentions chosen in the queue, then back to the queue as it was."""
    if (refused := _refusal(request)) is not None:
        return refused
    form = BulkForm(request.POST)
    target = on_this_site(
        request, request.POST.get("next", ""), reverse("communications:mentions:queue")
    )
    error = ""
    if not form.is_valid():
        error = str(next(iter(form.errors.values()))[0])
    else:
        try:
            count = services.mentions_bulk(
                actor=person_require_signed_in(request.user),
                mention_ids=form.cleaned_data["mentions"],
                **{k: form.cleaned_data[k] for k in ("action", "assignee", "incident", "reason")},
            )
        except ApplicationError as exc:
            error = exc.message
    if error:
        # The queue as it was (its filters from "next"), the refusal above it, nothing done.
        return _queue_page(request, QueryDict(urlsplit(target).query), bulk_error=error, status=400)
    messages.success(
        request,
        ngettext("%(count)d mention: %(action)s.", "%(count)d mentions: %(action)s.", count)
        % {"count": count, "action": Bulk(form.cleaned_data["action"]).label.lower()},
    )
    return HttpResponseRedirect(target)


@require_http_methods(["GET", "POST"])
def add(request: HttpRequest) -> HttpResponse:
    """A post reported by customer care or a colleague, put into the queue by hand."""
    if (refused := _refusal(request)) is not None:
        return refused
    form = ManualMentionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mention = services.mention_add_manual(
                actor=person_require_signed_in(request.user), **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Added to the mentions queue."))
            return redirect(selectors.mention_url(mention=mention))
    return render(request, "communications/mentions/add.html", {"form": form})
