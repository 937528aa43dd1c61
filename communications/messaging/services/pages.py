"""Putting an incident on the brand's public statement page and taking it off (managers).
What the page then says is its approved page updates: messages like any other, through the
same gate and the same count of approvals (communications.messaging.services.messages)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.messaging.models import StatementPage
from config.errors import ApplicationError, Conflict
from config.people import User
from config.permissions import MANAGE_STATEMENT_PAGE, require
from incidents.models import Incident, TimelineEvent
from incidents.services import timeline_event_record

HEADLINE_MAX_LENGTH = 200


@transaction.atomic
def page_switch_on(*, actor: User, incident: Incident, headline: str) -> StatementPage:
    """Put the incident on the page under a public headline (or change the headline of one
    that is on it). A closed or declined incident is not put on it again; a drill's page is
    kept for the drill and never shown to the public."""
    require(actor, MANAGE_STATEMENT_PAGE)
    headline = " ".join((headline or "").split())
    if not headline:
        raise ApplicationError(
            _("Give the public headline: the words the public reads, not the team's title."),
            field="headline",
        )
    if len(headline) > HEADLINE_MAX_LENGTH:
        raise ApplicationError(
            _("Keep the headline within %(count)d characters.") % {"count": HEADLINE_MAX_LENGTH},
            field="headline",
        )
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    page = StatementPage.objects.select_for_update().filter(incident=incident).first()
    if page is None or not page.is_live:
        if not incident.is_editable:
            raise Conflict(
                _("%(reference)s is %(status)s: it is not put on the page again.")
                % {"reference": incident.reference, "status": incident.get_status_display()}
            )
        page = page or StatementPage(incident=incident)
        page.is_live = True
        page.switched_on_at = timezone.now()
        page.switched_on_by = actor
        page.switched_off_at = None
        page.switched_off_by = None
        text = _("Put on the statement page as “%(headline)s”") % {"headline": headline}
    elif page.headline == headline:
        return page
    else:
        text = _("Statement page headline changed to “%(headline)s”") % {"headline": headline}
    page.headline = headline
    page.save()
    timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.MESSAGE,
        text=text,
        data={"statement_page": page.pk, "live": True},
    )
    return page


@transaction.atomic
def page_switch_off(*, actor: User, incident: Incident) -> StatementPage:
    """Take the incident off the page when the crisis is over: it stays in the page's archive
    with its final statement. Updates waiting for approval can no longer go there."""
    require(actor, MANAGE_STATEMENT_PAGE)
    page = StatementPage.objects.select_for_update().filter(incident=incident).first()
    if page is None or not page.is_live:
        raise Conflict(
            _("%(reference)s is not on the statement page.") % {"reference": incident.reference}
        )
    page.is_live = False
    page.switched_off_at = timezone.now()
    page.switched_off_by = actor
    page.save()
    timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.MESSAGE,
        text=_("Taken off the statement page: it stays in its archive"),
        data={"statement_page": page.pk, "live": False},
    )
    return page
