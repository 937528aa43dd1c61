"""A small crisis with one of everything, made through the services: the objects the whole-site
tests (hostile input, the API against its OpenAPI document) fill path parameters with."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from communications.listening import alerts
from communications.messaging.services import approvals, statements
from communications.messaging.services import messages as message_services
from communications.messaging.services import pauses as pause_services
from communications.messaging.services.pages import page_switch_on
from communications.messaging.services.playbooks import playbook_write
from communications.messaging.services.wording import rule_save
from communications.models import (
    Alert,
    InboundPost,
    Message,
    PublishingPause,
    SocialAccount,
    StatementPage,
    Template,
    WordingRule,
)
from drills import services as drills
from drills.models import Drill, DrillRun
from incidents import services as incident_services
from incidents.models import ChecklistItem, Claim, Incident, Status
from postmortems import flows as postmortem_flows
from postmortems import services as postmortem_services
from postmortems.models import ActionItem, ExportJob, Postmortem
from teams import flows
from teams import services as team_services
from teams.models import (
    CommunicationPlanEntry,
    Deadline,
    Department,
    Mitigation,
    Notification,
    OnCallShift,
    Playbook,
    ResponsePolicy,
    Risk,
    Role,
    RoleAssignment,
    RosterMember,
    StaffBriefing,
    StakeholderContact,
    StakeholderGroup,
    StakeholderUpdate,
)
from teams.risks import services as risk_services
from teams.stakeholders import services as stakeholder_services
from tests.communications.factories import (
    InboundPostFactory,
    SandboxAccountFactory,
    TemplateFactory,
)
from tests.communications.listening_data import STORM_END, quiet_history, storm
from tests.teams.factories import NotificationFactory

# A wording rule that does what its examples say: the world's own; posted to its page and API.
# The prepared statement page the world's playbook offers.
PREPARED_PAGE = "Product safety page"
WORDING_RULE: dict[str, Any] = {
    "name": "Hollow apology",
    "kind": "tone",
    "shape": "phrases",
    "words": "sorry for any inconvenience\naksaklıktan dolayı özür dileriz",
    "reason": "It apologises for nothing in particular.",
    "examples_flagged": "Sorry for any inconvenience.\nAksaklıktan dolayı özür dileriz.",
    "examples_passed": "Sorry your order was late.\nSiparişiniz geciktiği için üzgünüz.",
}


@dataclass
class World:
    manager: Any
    responder: Any
    department: Department
    incident: Incident
    claim: Claim
    item: ChecklistItem
    assignment: RoleAssignment
    account: SocialAccount
    mention: InboundPost
    template: Template
    draft: Message  # the manager's own draft
    pending: Message  # the responder's, waiting for the manager's approval
    failed: Message
    published: Message
    stakeholder_message: Message  # an approved stakeholder update, to be marked sent
    group: StakeholderGroup
    contact: StakeholderContact
    plan_entry: CommunicationPlanEntry
    stakeholder_update: StakeholderUpdate
    briefing: StaffBriefing
    drill: Drill
    roster_member: RosterMember
    shift: OnCallShift
    notifications: dict[int, Notification]  # by recipient id
    policy: ResponsePolicy  # the incident's severity's
    deadline: Deadline  # acknowledging the incident, open
    statement_deadline: Deadline  # the first public statement, open (to snooze)
    postmortem: Postmortem  # a resolved incident's, a draft
    postmortem_in_review: Postmortem  # with a summary: ready to publish
    postmortem_published: Postmortem  # to correct
    action_item: ActionItem  # the draft's, open
    export_jobs: dict[int, ExportJob]  # a written report of the draft, by who asked for it
    pause: PublishingPause  # in force on a second account, holding an approved message
    held: Message  # that message
    playbook: Playbook  # with an approved template, applied to the incident
    approved_template: Template  # the one the playbook offers
    risk: Risk  # realised by the incident, with a mitigation
    mitigation: Mitigation
    alert: Alert  # an open listening alert on a storm of its own account
    drill_run: DrillRun  # a drill playing the English scenario, its first posts stored
    wording_rule: WordingRule  # a tone rule a manager wrote, in force
    statement_page: StatementPage  # the incident, on the public statement page
    dark: Incident  # declared from the playbook that offers PREPARED_PAGE, not on the page


def _resolved_postmortem(manager: Any, title: str) -> Postmortem:
    incident = flows.incident_declare(actor=manager, title=title, severity=3)
    postmortem_flows.incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
    postmortem_flows.incident_transition(actor=manager, incident=incident, to=Status.RESOLVED)
    return Postmortem.objects.get(incident=incident)


def postmortems_build(*, manager: Any, responder: Any) -> tuple[Postmortem, ...]:
    """Three resolved incidents' postmortems: a draft, one in review, one published."""
    draft = _resolved_postmortem(manager, "Recall rumour")
    in_review = _resolved_postmortem(manager, "Fake discount code")
    published = _resolved_postmortem(manager, "Leaked memo")
    for postmortem in (in_review, published):
        postmortem_services.postmortem_update(
            actor=manager, postmortem=postmortem, summary="A rumour spread for six hours."
        )
        postmortem_services.postmortem_submit_review(
            actor=manager, postmortem=postmortem, reviewers=[responder]
        )
    postmortem_services.postmortem_publish(actor=manager, postmortem=published)
    return tuple(Postmortem.objects.get(pk=p.pk) for p in (draft, in_review, published))


def world_build(*, manager: Any, responder: Any, others: tuple[Any, ...] = ()) -> World:
    """One open SEV2 incident with a claim, a checklist item, a role, a mention, a template,
    messages in the states their actions need, the stakeholder records, a drill, a roster
    place, a coming shift, a notification for every person given, and the incident's open
    deadlines (acknowledging it, its first statement) on its severity's policy; and three
    resolved SEV3 incidents whose postmortems are a draft (with an action item), in review and
    published."""
    now = timezone.now()
    department, _created = Department.objects.get_or_create(name="Communications")
    type(responder).objects.filter(pk=responder.pk).update(department=department)
    group = stakeholder_services.stakeholder_group_save(
        actor=manager, name="Media", kind=StakeholderGroup.Kind.MEDIA
    )
    plan_entry = stakeholder_services.plan_entry_save(
        actor=manager, severity=2, group=group, channel="email", within_minutes=60
    )
    contact = stakeholder_services.stakeholder_contact_save(
        actor=manager, group=group, name="Newsroom", email="news@example.org"
    )
    stakeholder_services.stakeholder_contact_save(actor=manager, group=group, name="Editor")
    incident = flows.incident_declare(
        # Declared by a colleague for the manager to lead: not acknowledged yet.
        actor=responder,
        crisis_lead=manager,
        title="Outage rumours",
        severity=2,
        tags=["outage"],
        summary="Down.",
        # Detected days ago: what is back-dated to the last day lies within the incident.
        detected_at=now - timedelta(days=2),
    )
    incident_services.incident_note_add(actor=manager, incident=incident, text="Seen at 9.")
    claim = incident_services.claim_add(actor=manager, incident=incident, statement="All down.")
    item = flows.checklist_item_add(
        actor=manager, incident=incident, title="Call legal", assignee=responder
    )
    assignment = team_services.role_assign(
        actor=manager,
        incident=incident,
        role=Role.objects.get(slug=Role.SCRIBE),
        person=responder,
    )
    stakeholder_update = stakeholder_services.stakeholder_update_record(
        actor=manager, incident=incident, group=group, channel="email", summary="Told them."
    )
    briefing = stakeholder_services.staff_briefing_send(
        actor=manager, incident=incident, text="Say nothing yet.", departments=[department]
    )
    account = SandboxAccountFactory.create(handle="brand")
    mention = InboundPostFactory.create(account=account, incident=incident)
    template = TemplateFactory.create(created_by=responder)

    draft = message_services.message_create(
        actor=manager, incident=incident, account=account, body="We are looking into it."
    )
    pending = message_services.message_create(
        actor=responder,
        incident=incident,
        account=account,
        kind=Message.Kind.REPLY,
        reply_to_mention=mention,
        body="We hear you and are on it.",
        cited_claims=[claim],
    )
    message_services.message_submit(actor=responder, message=pending)
    failed = message_services.message_create(
        actor=responder, incident=incident, account=account, body="This did not go out."
    )
    message_services.message_submit(actor=responder, message=failed)
    approvals.message_approve(actor=manager, message=failed)
    published = message_services.message_create(
        actor=responder, incident=incident, account=account, body="This went out."
    )
    # Publishing runs on commit, which these tests never reach: set the outcomes directly.
    Message.objects.filter(pk=failed.pk).update(
        status=Message.Status.FAILED, last_error="X answered 503."
    )
    Message.objects.filter(pk=published.pk).update(
        status=Message.Status.PUBLISHED,
        published_at=now,
        external_id="1870000000000000999",
        external_url="https://x.com/brand/status/1870000000000000999",
    )
    stakeholder_message = message_services.message_create(
        actor=responder,
        incident=incident,
        account=None,
        kind=Message.Kind.STAKEHOLDER_UPDATE,
        stakeholder_group=group,
        stakeholder_channel="email",
        body="The regulator is told by email.",
    )
    message_services.message_submit(actor=responder, message=stakeholder_message)
    approvals.message_approve(actor=manager, message=stakeholder_message)

    drill = drills.drill_save(
        actor=manager,
        title="Tabletop",
        scenario="A leak.",
        held_at=now - timedelta(days=3),
        participants=[responder],
    )
    roster_member = team_services.roster_add(
        actor=manager,
        role=Role.objects.get(slug=Role.CUSTOMER_CARE_LEAD),
        person=responder,
        kind=RosterMember.Kind.PRIMARY,
    )
    shift = team_services.shift_add(
        actor=manager,
        role=Role.objects.get(slug=Role.APPROVER),
        person=responder,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=8),
    )
    notifications = {
        person.pk: NotificationFactory.create(recipient=person, incident=incident)
        for person in (manager, responder, *others)
    }
    for person in (manager, responder, *others):
        NotificationFactory.create(recipient=person, incident=None, url="")
    postmortem, postmortem_in_review, postmortem_published = postmortems_build(
        manager=manager, responder=responder
    )
    action_item = postmortem_services.action_item_add(
        actor=manager,
        postmortem=postmortem,
        title="Pre-approve a holding statement",
        owner=responder,
        due_date=(now + timedelta(days=14)).date(),
        kind=ActionItem.Kind.PREVENT,
    )
    export_jobs = {
        person.pk: ExportJob.objects.create(
            postmortem=postmortem,
            format="pdf",
            requested_by=person,
            status=ExportJob.Status.READY,
            progress=100,
            content=b"%PDF-1.7\n%%EOF\n",
            size=15,
            filename=f"{postmortem.incident.reference}-postmortem.pdf",
            finished_at=now,
        )
        for person in (manager, responder, *others)
    }
    # The stop switch: a second account, paused while a message on it waits to go out.
    paused_account = SandboxAccountFactory.create(handle="brand_paused")
    held = message_services.message_create(
        actor=responder, incident=incident, account=paused_account, body="Held by the pause."
    )
    message_services.message_submit(actor=responder, message=held)
    approvals.message_approve(actor=manager, message=held)
    pause = pause_services.publishing_pause(
        actor=manager, account=paused_account, reason="The account may be hacked."
    )
    # A playbook offering an approved template, applied to the incident.
    approved_template = statements.template_approve(
        actor=manager, template=TemplateFactory.create(name="Approved", created_by=responder)
    )
    # ... and a prepared statement page (the dark site), approved in advance.
    prepared_page = statements.template_approve(
        actor=manager,
        template=TemplateFactory.create(
            created_by=responder,
            name=PREPARED_PAGE,
            kind="page",
            language="en",
            headline="A question about one of our products",
            body="We know of the reports about {reference} and are looking into them.",
            faq="### Can I get a refund?\nYes, at any shop.",
        ),
    )
    playbook = playbook_write(
        actor=manager,
        name="Product safety rumour",
        category="product_quality",
        scenario="A post says a product hurt someone.",
        checklist=[{"title": "Confirm the facts", "due_minutes": 30}],
        roles=[Role.objects.get(pk=Role.LEGAL_REVIEWER)],
        stakeholders=[{"group": group, "channel": "email", "within_minutes": 60}],
        templates=[approved_template, prepared_page],
    ).playbook
    flows.incident_playbook_apply(actor=manager, incident=incident, playbook=playbook)
    # Declared from that playbook, not on the statement page yet: its prepared page can go up.
    dark = flows.incident_declare(
        actor=manager, title="Batch rumour", severity=2, playbook=playbook
    )
    risk = risk_services.risk_save(
        actor=manager,
        title="A product safety rumour goes viral",
        category="product_quality",
        likelihood=4,
        impact=5,
        owner=manager,
        review_at=now + timedelta(days=30),
        playbook=playbook,
    )
    mitigation = risk_services.mitigation_save(
        actor=manager, risk=risk, text="Keep retained samples", owner=responder
    )
    risk_services.risk_realised(actor=manager, risk=risk, incident=incident)
    listened = SandboxAccountFactory.create(handle="listened")
    quiet_history(listened, days=7)
    storm(listened)
    alert = alerts.alert_evaluate(account_id=listened.pk, end=STORM_END)
    assert alert is not None
    drill_run = drills.drill_start(actor=manager, scenario="product_safety_en", speed=20)
    drills.drill_advance(drill_run.pk, now=drill_run.started_at + timedelta(seconds=10))
    return World(
        manager=manager,
        responder=responder,
        department=department,
        incident=incident,
        claim=claim,
        item=item,
        assignment=assignment,
        account=account,
        mention=mention,
        template=template,
        draft=draft,
        pending=Message.objects.get(pk=pending.pk),
        failed=Message.objects.get(pk=failed.pk),
        published=Message.objects.get(pk=published.pk),
        stakeholder_message=Message.objects.get(pk=stakeholder_message.pk),
        group=group,
        contact=contact,
        plan_entry=plan_entry,
        stakeholder_update=stakeholder_update,
        briefing=briefing,
        drill=drill,
        roster_member=roster_member,
        shift=shift,
        notifications=notifications,
        policy=ResponsePolicy.objects.get(severity=incident.severity),
        deadline=Deadline.objects.get(incident=incident, kind=Deadline.Kind.ACKNOWLEDGE),
        statement_deadline=Deadline.objects.get(
            incident=incident, kind=Deadline.Kind.FIRST_STATEMENT
        ),
        postmortem=postmortem,
        postmortem_in_review=postmortem_in_review,
        postmortem_published=postmortem_published,
        action_item=action_item,
        export_jobs=export_jobs,
        pause=pause,
        held=Message.objects.get(pk=held.pk),
        playbook=playbook,
        approved_template=approved_template,
        risk=risk,
        mitigation=mitigation,
        alert=alert,
        drill_run=drill_run,
        wording_rule=rule_save(actor=manager, **WORDING_RULE),
        statement_page=page_switch_on(actor=manager, incident=incident, headline="Our statement"),
        dark=dark,
    )
