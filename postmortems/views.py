"""Postmortem pages: the report of an incident (facts, timeline and key events, sections,
review, publishing, action items), the list of postmortems, the open action items, the war
room's postmortem panel.

Thin: parse the form, call one service, render. A refused form comes back on the page with
the error on its field; the key events and the action items answer htmx with their panel.
"""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.errors import ApplicationError, NotPermitted
from config.http import HttpRequest, forbidden, panel_response, run_form
from config.inputs import id_from
from config.markdown import render as markdown
from config.people import person_require_signed_in
from config.permissions import (
    PUBLISH_POSTMORTEM,
    WORK_ACTION_ITEMS,
    WRITE_POSTMORTEM,
)
from incidents import selectors as incident_selectors
from incidents.models import Incident, Status
from teams.models import Deadline

from . import selectors, services
from .export_jobs import export_in_background
from .forms import (
    ActionItemForm,
    ActionItemStatusForm,
    CommentForm,
    KeyEventForm,
    MoveForm,
    SectionsForm,
)
from .models import SECTIONS, Postmortem

P = Postmortem.Status
DETAIL_PAGE = "postmortems/detail.html"
TIMELINE_PANEL = "postmortems/_timeline.html"
ACTION_ITEMS_PANEL = "postmortems/_action_items.html"
TIMELINE_PAGE_SIZE = 100
LIST_PAGE_SIZE = 25


# --- the war room's panel -------------------------------------------------------------------


def war_room_panel_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """The incident's postmortem (its status and a link), or whether the viewer may start
    one."""
    postmortem = selectors.postmortem_of(incident=incident)
    return {
        "incident": incident,
        "postmortem": postmortem,
        "can_start": postmortem is None
        and incident.status != Status.DECLINED
        and request.user.has_perm(WRITE_POSTMORTEM),
    }


@require_POST
def start(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    try:
        postmortem = services.postmortem_start(
            actor=person_require_signed_in(request.user), incident=incident
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(incident)
    messages.success(request, _("The postmortem is started as a draft."))
    return redirect(postmortem)


# --- the postmortem -------------------------------------------------------------------------


def _may(request: HttpRequest, postmortem: Postmortem) -> dict[str, bool]:
    user = request.user
    writer = user.has_perm(WRITE_POSTMORTEM)
    publisher = user.has_perm(PUBLISH_POSTMORTEM)
    return {
        "can_write": writer and not postmortem.is_published,
        "can_submit": writer and postmortem.status == P.DRAFT,
        "can_publish": publisher and postmortem.status == P.IN_REVIEW,
        "can_correct": publisher and postmortem.is_published,
        "can_work_items": user.has_perm(WORK_ACTION_ITEMS),
    }


def _timeline_context(request: HttpRequest, postmortem: Postmortem) -> dict[str, Any]:
    events = selectors.postmortem_timeline(postmortem=postmortem)
    return {
        "postmortem": postmortem,
        "incident": postmortem.incident,
        "events": Paginator(events, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page")),
        "key_events": list(selectors.key_events(postmortem=postmortem)),
        **_may(request, postmortem),
    }


def _action_items_context(
    request: HttpRequest,
    postmortem: Postmortem,
    item_form: ActionItemForm | None = None,
    item_errors: dict[int, str] | None = None,
) -> dict[str, Any]:
    return {
        "postmortem": postmortem,
        "incident": postmortem.incident,
        "items": list(selectors.postmortem_action_items(postmortem=postmortem)),
        "item_form": item_form or ActionItemForm(),
        "item_errors": item_errors or {},
        "statuses": ActionItemStatusForm.base_fields["status"].choices,  # type: ignore[attr-defined]
        **_may(request, postmortem),
    }


def _review_due(postmortem: Postmortem) -> Deadline | None:
    return (
        Deadline.objects.filter(
            kind=Deadline.Kind.POSTMORTEM_REVIEW,
            subject=f"postmortem:{postmortem.pk}",
            met_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .order_by("due_at")
        .first()
    )


def _detail(request: HttpRequest, postmortem: Postmortem, **forms: Any) -> HttpResponse:
    """The whole page; a refused form (``forms``) shows with its errors."""
    section_titles = dict(SECTIONS)
    sections_form = forms.get("sections_form") or SectionsForm(
        initial=SectionsForm.initial_of(postmortem)
    )
    context = {
        "postmortem": postmortem,
        "incident": postmortem.incident,
        "facts": services.postmortem_facts(postmortem),
        "sections": [
            (field, title, markdown(text)) for field, title, text in postmortem.sections()
        ],
        "review_due": _review_due(postmortem),
        "reviewers": list(postmortem.reviewers.all()),
        "comments": [
            (comment, section_titles.get(comment.section, ""))
            for comment in selectors.postmortem_comments(postmortem=postmortem)
        ],
        "revisions": list(selectors.postmortem_revisions(postmortem=postmortem)),
        "sections_form": sections_form,
        "whys": sections_form.whys_to_show(),
        "move_form": forms.get("move_form") or MoveForm(),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "pdf_in_background": export_in_background(postmortem, "pdf"),
        **_timeline_context(request, postmortem),
        **_action_items_context(request, postmortem, forms.get("item_form")),
    }
    return render(request, DETAIL_PAGE, context)


@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = selectors.postmortem_get(user=request.user, reference=reference)
    return _detail(request, postmortem)


@require_POST
def sections(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = selectors.postmortem_get(user=request.user, reference=reference)
    form = SectionsForm(request.POST)
    failed = run_form(
        form,
        lambda: services.postmortem_update(
            actor=person_require_signed_in(request.user), postmortem=postmortem, **form.cleaned_data
        ),
    )
    if isinstance(failed, NotPermitted):
        return forbidden(request, failed.message)
    if failed is not None:
        return _detail(request, postmortem, sections_form=form)
    messages.success(request, _("Postmortem saved."))
    return redirect(postmortem)


def _move(request: HttpRequest, postmortem: Postmortem, data: dict[str, Any]) -> str:
    """Move the postmortem along (submit, publish, correct); what to tell the user."""
    to = data["to"]
    if to == P.IN_REVIEW:
        services.postmortem_submit_review(
            actor=person_require_signed_in(request.user),
            postmortem=postmortem,
            reviewers=data["reviewers"],
        )
        return _("Submitted for review.")
    if to == P.PUBLISHED:
        services.postmortem_publish(
            actor=person_require_signed_in(request.user), postmortem=postmortem
        )
        return _("Published.")
    services.postmortem_correct(
        actor=person_require_signed_in(request.user), postmortem=postmortem, reason=data["reason"]
    )
    return _("Correction begun: the postmortem is a draft again.")


@require_POST
def move(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = selectors.postmortem_get(user=request.user, reference=reference)
    form = MoveForm(request.POST)
    said: list[str] = []
    failed = run_form(form, lambda: said.append(_move(request, postmortem, form.cleaned_data)))
    if isinstance(failed, NotPermitted):
        return forbidden(request, failed.message)
    if failed is not None:
        return _detail(request, postmortem, move_form=form)
    messages.success(request, said[0])
    return redirect(postmortem)


@require_POST
def comment_add(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = selectors.postmortem_get(user=request.user, reference=reference)
    form = CommentForm(request.POST)
    failed = run_form(
        form,
        lambda: services.review_comment_add(
            actor=person_require_signed_in(request.user), postmortem=postmortem, **form.cleaned_data
        ),
    )
    if isinstance(failed, NotPermitted):
        return forbidden(request, failed.message)
    if failed is not None:
        return _detail(request, postmortem, comment_form=form)
    messages.success(request, _("Comment added."))
    return redirect(f"{postmortem.get_absolute_url()}#review")


@require_POST
def key_event(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = selectors.postmortem_get(user=request.user, reference=reference)
    form = KeyEventForm(request.POST)

    def mark() -> None:
        event = get_object_or_404(
            incident_selectors.incident_timeline(incident=postmortem.incident),
            pk=form.cleaned_data["event"],
        )
        services.key_event_set(
            actor=person_require_signed_in(request.user),
            postmortem=postmortem,
            event=event,
            key=form.cleaned_data["key"],
        )

    failed = run_form(form, mark)
    if isinstance(failed, NotPermitted):
        return forbidden(request, failed.message)
    context = _timeline_context(request, postmortem)
    if failed is not None:
        context["timeline_error"] = failed.message
    return panel_response(
        request,
        TIMELINE_PANEL,
        context,
        back_to=f"{postmortem.get_absolute_url()}#timeline",
        failed=failed,
    )


@require_POST
def action_item_add(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = selectors.postmortem_get(user=request.user, reference=reference)
    form = ActionItemForm(request.POST)
    failed = run_form(
        form,
        lambda: services.action_item_add(
            actor=person_require_signed_in(request.user), postmortem=postmortem, **form.cleaned_data
        ),
    )
    if isinstance(failed, NotPermitted):
        return forbidden(request, failed.message)
    if failed is not None and not request.htmx:
        return _detail(request, postmortem, item_form=form)
    context = _action_items_context(request, postmortem, form if failed else None)
    return panel_response(
        request,
        ACTION_ITEMS_PANEL,
        context,
        back_to=f"{postmortem.get_absolute_url()}#action-items",
        failed=failed,
        success=_("Action item added."),
    )


@require_POST
def action_item_status(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = selectors.postmortem_get(user=request.user, reference=reference)
    form = ActionItemStatusForm(request.POST)

    def change() -> None:
        item = get_object_or_404(
            selectors.postmortem_action_items(postmortem=postmortem), pk=form.cleaned_data["item"]
        )
        services.action_item_update(
            actor=person_require_signed_in(request.user),
            item=item,
            status=form.cleaned_data["status"],
        )

    failed = run_form(form, change)
    if isinstance(failed, NotPermitted):
        return forbidden(request, failed.message)
    item_id = id_from(request.POST.get("item"))
    errors = {item_id: failed.message} if failed is not None and item_id else None
    return panel_response(
        request,
        ACTION_ITEMS_PANEL,
        _action_items_context(request, postmortem, item_errors=errors),
        back_to=f"{postmortem.get_absolute_url()}#action-items",
        failed=failed,
        success=_("Action item updated."),
    )


# --- lists ----------------------------------------------------------------------------------


@require_GET
def postmortem_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in P.values:
        status = ""
    postmortems = selectors.postmortem_list(user=request.user, status=status)
    page = Paginator(postmortems, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "postmortems/list.html",
        {"page": page, "status": status, "statuses": P.choices},
    )


@require_GET
def action_items(request: HttpRequest) -> HttpResponse:
    """The open action items of every postmortem: ``?owner=<id>|me``, ``?overdue=1``."""
    wanted = request.GET.get("owner", "")
    owner: Any = None
    if wanted == "me":
        owner = request.user
    elif wanted:
        owner = selectors.person_or_none(pk=id_from(wanted))
    overdue = request.GET.get("overdue") == "1"
    items = selectors.action_items_open(user=request.user, owner=owner, overdue=overdue)
    if wanted and owner is None:
        items = items.none()  # an owner who does not exist owns nothing
    page = Paginator(items, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "postmortems/action_items.html",
        {
            "page": page,
            "owner": owner,
            "wanted_owner": wanted,
            "overdue": overdue,
            "owners": list(selectors.action_item_owners(user=request.user)),
        },
    )
