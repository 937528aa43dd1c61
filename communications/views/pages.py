"""An incident on the public statement page: its headline, switching it on and off
(managers), its page updates, and the link to what the public sees."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communications import selectors
from communications.forms import StatementPageForm
from communications.messaging.services import pages
from communications.messaging.subscribers import subscriber_counts
from communications.models import Message, StatementPage
from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden
from config.people import person_require_signed_in
from config.permissions import DRAFT_MESSAGE, MANAGE_STATEMENT_PAGE, holds
from incidents import selectors as incident_selectors
from incidents.rehearsals import is_rehearsal


@require_http_methods(["GET", "POST"])
def incident_statement_page(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    page = StatementPage.objects.filter(incident=incident).first()
    can_manage = holds(request.user, MANAGE_STATEMENT_PAGE)
    form = StatementPageForm(
        request.POST or None, initial={"headline": page.headline if page else ""}
    )
    if request.method == "POST":
        if not can_manage:
            return forbidden(
                request, _("Your role does not allow you to put incidents on the statement page.")
            )
        actor = person_require_signed_in(request.user)
        try:
            if request.POST.get("action") == "prepared":
                pages.page_switch_on_prepared(
                    actor=actor, incident=incident, name=request.POST.get("prepared", "")
                )
                messages.success(request, _("The prepared page is on the statement page."))
                return redirect("communications:incident-statement-page", reference=reference)
            if request.POST.get("action") == "off":
                pages.page_switch_off(actor=actor, incident=incident)
                messages.success(
                    request, _("Taken off the statement page; it stays in its archive.")
                )
                return redirect("communications:incident-statement-page", reference=reference)
            if form.is_valid():
                pages.page_switch_on(
                    actor=actor, incident=incident, headline=form.cleaned_data["headline"]
                )
                messages.success(request, _("On the statement page."))
                return redirect("communications:incident-statement-page", reference=reference)
        except ApplicationError as exc:
            form_error(form, exc)
    updates = Message.objects.filter(incident=incident, kind=Message.Kind.PAGE_UPDATE).order_by(
        "-created_at", "-id"
    )
    return render(
        request,
        "communications/statement_page.html",
        {
            "incident": incident,
            "page": page,
            "form": form,
            "updates": updates,
            "can_manage": can_manage,
            "can_draft": incident.is_editable and holds(request.user, DRAFT_MESSAGE),
            "drill": is_rehearsal(incident),
            "public_url": settings.STATEMENT_PAGE_URL,
            "prepared_pages": selectors.prepared_pages(incident=incident),
            "subscribers": subscriber_counts() if can_manage else None,
        },
    )
