"""Putting an incident on the brand's public statement page and taking it off (managers).
What the page then says is its approved page updates: messages like any other, through the
same gate and the same count of approvals (communications.messaging.services.messages)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.messaging.models import StatementPage, Template
from communications.messaging.preflight import blocking_words
from communications.messaging.services.statements import (
    HEADLINE_MAX_LENGTH,
    prepared_page_render,
)
from communications.messaging.statement_page import prepared_pages_offered
from communications.messaging.text import unfilled_placeholders
from config.errors import ApplicationError, Conflict
from config.people import User
from config.permissions import MANAGE_STATEMENT_PAGE, require
from incidents.models import Incident, TimelineEvent
from incidents.rehearsals import is_rehearsal
from incidents.services import incident_first_response_record, timeline_event_record
from teams.schedule import engine as schedule
from teams.schedule.policies import incident_policy


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
        _refuse_when_over(incident)
        page = _switched_on(page or StatementPage(incident=incident), actor, timezone.now())
        text = _("Put on the statement page as “%(headline)s”") % {"headline": headline}
    elif page.headline == headline:
        return page
    else:
        text = _("Statement page headline changed to “%(headline)s”") % {"headline": headline}
    page.headline = headline
    for texts in page.prepared.values():
        texts["headline"] = headline  # the one a manager writes now, in every language
    page.save()
    timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.MESSAGE,
        text=text,
        data={"statement_page": page.pk, "live": True},
    )
    return page


def _refuse_when_over(incident: Incident) -> None:
    if not incident.is_editable:
        raise Conflict(
            _("%(reference)s is %(status)s: it is not put on the page again.")
            % {"reference": incident.reference, "status": incident.get_status_display()}
        )


def _switched_on(page: StatementPage, actor: User, now: datetime) -> StatementPage:
    page.is_live = True
    page.switched_on_at = now
    page.switched_on_by = actor
    page.switched_off_at = None
    page.switched_off_by = None
    return page


def _next_update(incident: Incident, templates: list[Template]) -> datetime | None:
    """When the next update is due, for {next_update}: one cadence of the incident's policy
    from now (switching the page on is a public statement; the schedule plans the same)."""
    texts = [text for t in templates for text in (t.headline, t.body, t.faq)]
    if "{next_update}" not in unfilled_placeholders(*texts):
        return None
    minutes = incident_policy(incident)["update_minutes"]
    if not minutes:
        raise Conflict(
            _(
                "This prepared page says when the next update comes ({next_update}), but "
                "%(reference)s's response policy plans no regular updates. Put it on the page "
                "with a headline and write the first update instead."
            )
            % {"reference": incident.reference}
        )
    return timezone.now() + timedelta(minutes=minutes)


@transaction.atomic
def page_switch_on_prepared(*, actor: User, incident: Incident, name: str) -> StatementPage:
    """The dark site goes live: the prepared page ``name`` the incident's playbook offers
    (approved in advance, by someone other than its writer, in each of its languages) is put on
    the statement page with the incident's facts filled in, its opening statement and its
    questions and answers. One manager action: the words were approved with the playbook, and
    only {reference} and {next_update} are filled in. Asked again here, in the transaction
    that puts it up: that each language's page is still approved, that nothing is left
    unfilled and that no never-say rule written since flags it. It is the brand's first public
    statement on the incident: the schedule counts it."""
    require(actor, MANAGE_STATEMENT_PAGE)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _refuse_when_over(incident)
    templates = list(
        prepared_pages_offered(incident)
        .select_for_update()
        .filter(name=name or "")
        .order_by("language")
    )
    if not templates:
        raise Conflict(
            _("No approved prepared page “%(name)s” is offered by %(reference)s's playbook.")
            % {"name": name, "reference": incident.reference},
            field="prepared",
        )
    page = StatementPage.objects.select_for_update().filter(incident=incident).first()
    if page is not None and page.is_live:
        raise Conflict(
            _("%(reference)s is already on the statement page.") % {"reference": incident.reference}
        )
    next_update = _next_update(incident, templates)
    prepared = {}
    for template in templates:
        texts = prepared_page_render(template=template, incident=incident, next_update=next_update)
        for finding in blocking_words([texts["headline"], texts["opening"], texts["faq"]]):
            raise Conflict(
                _("The prepared page in %(language)s cannot go up: %(why)s")
                % {"language": template.language, "why": finding.text},
                field="prepared",
            )
        prepared[template.language] = texts
    now = timezone.now()
    page = _switched_on(page or StatementPage(incident=incident), actor, now)
    page.headline = next(iter(prepared.values()))["headline"]
    page.prepared = prepared
    page.prepared_from = templates[0].name
    page.save()
    timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.MESSAGE,
        text=_("Prepared statement page “%(name)s” switched on (%(languages)s): “%(headline)s”")
        % {
            "name": page.prepared_from,
            "languages": ", ".join(prepared),
            "headline": page.headline,
        },
        data={"statement_page": page.pk, "live": True, "prepared": [t.pk for t in templates]},
    )
    if not is_rehearsal(incident):  # a drill's page is never public: no statement went out
        incident_first_response_record(incident=incident, at=now)
        schedule.public_update_published(incident=incident, at=now, by=actor)
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
