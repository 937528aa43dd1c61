"""Demo data for a laptop: people in every group and incidents in different states.

Idempotent: running it again resets the demo passwords and adds only what is missing.
"""

import base64
import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from communications.accounts import services as accounts
from communications.listening import alerts
from communications.listening.services import volume_rollup
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.messaging.services.playbooks import playbook_write
from communications.models import Alert, InboundPost, SocialAccount, Template, WatchTerm
from config.permissions import ADMIN, MANAGER, RESPONDER, needs_two_factor
from drills.models import Drill
from drills.services import drill_save, scenarios_shipped
from incidents import services
from incidents.models import Category, ClaimStatus, Incident, Source, Status
from postmortems import flows as postmortem_flows
from teams import flows
from teams import services as team
from teams.models import (
    Department,
    OnCallShift,
    Playbook,
    Risk,
    Role,
    RosterMember,
    StakeholderGroup,
)
from teams.risks import services as risks
from teams.security.services import recovery_codes_create
from teams.stakeholders import services as stakeholders

PEOPLE = [
    # username, password, first, last, group, staff, department, title
    ("admin", "demo-admin-pass", "Deniz", "Arslan", ADMIN, True, "Security and IT", "IT lead"),
    (
        "manager",
        "demo-manager-pass",
        "Maria",
        "Kaya",
        MANAGER,
        False,
        "Communications",
        "Head of communications",
    ),
    (
        "responder",
        "demo-responder-pass",
        "Ali",
        "Demir",
        RESPONDER,
        False,
        "Communications",
        "Social media specialist",
    ),
    (
        "responder2",
        "demo-responder2-pass",
        "Zeynep",
        "Çelik",
        RESPONDER,
        False,
        "Customer care",
        "Customer care team lead",
    ),
]

STAKEHOLDER_GROUPS = [
    ("Employees", "employees", "Everyone on the payroll, stores and offices."),
    ("Customers", "customers", "People who bought from us in the last two years."),
    ("Regulators", "regulators", "Food safety and consumer protection authorities."),
    ("Media", "media", "Journalists who cover us."),
    ("Investors", "investors", "Shareholders and the board."),
]

# severity, group, channel, within minutes, what to tell
PLAN = [
    (1, "Employees", "intranet", 30, "What happened, what to say if asked, who speaks."),
    (1, "Regulators", "phone", 60, "Facts known, measures taken, next report time."),
    (1, "Media", "press_release", 60, "The holding statement."),
    (1, "Investors", "email", 120, "Impact assessment and response plan."),
    (2, "Employees", "intranet", 60, "What happened and what to say if asked."),
    (2, "Customers", "website", 120, "A statement on the website."),
    (3, "Employees", "email", 240, "A short note to the teams concerned."),
]

# role, username, primary/backup: the standing crisis team (approver backup left as a gap).
ROSTER = [
    ("crisis_lead", "manager", "primary"),
    ("crisis_lead", "admin", "backup"),
    ("communications_lead", "manager", "primary"),
    ("communications_lead", "responder", "backup"),
    ("approver", "manager", "primary"),
    ("social_media_operator", "responder", "primary"),
    ("social_media_operator", "responder2", "backup"),
    ("customer_care_lead", "responder2", "primary"),
]


# name, kind, text: the approved words the playbooks offer in the composer.
PLAYBOOK_TEMPLATES = [
    (
        "Holding statement: product safety",
        Template.Kind.HOLDING_STATEMENT,
        "We have seen the reports about {what_happened}. Our quality team is testing retained "
        "samples now; until we know more, please do not consume the product concerned. Next "
        "update by {next_update}.",
    ),
    (
        "Reply: we are checking the batch",
        Template.Kind.REPLY,
        "@{handle} Thank you for telling us. We are testing this batch right now and will "
        "update on our profile by {next_update}. If anyone feels unwell, please call "
        "0800 000 00 00.",
    ),
    (
        "Holding statement: data security",
        Template.Kind.HOLDING_STATEMENT,
        "We are investigating a possible security incident affecting some customer accounts. "
        "We have secured our systems and will tell affected customers directly. Update by "
        "{next_update}.",
    ),
    (
        "Reply: an employee's post",
        Template.Kind.REPLY,
        "@{handle} Thank you for raising this. The post does not reflect our values; we are "
        "looking into it with the team concerned.",
    ),
]

# name, category, severity hint, scenario, first steps, checklist (minutes, title, the role
# that owns it, and the incident's promise it does when it does one), roles,
# stakeholders (group, channel, minutes), templates
PLAYBOOKS: list[dict[str, Any]] = [
    {
        "name": "Product safety rumour",
        "category": Category.PRODUCT_QUALITY,
        "severity_hint": 2,
        "scenario": "A post, video or news story claims one of our products made someone ill "
        "or is contaminated, before we know whether it is true.",
        "first_steps": "1. **Do not confirm or deny** until quality has the facts.\n"
        "2. Post the holding statement within 30 minutes: silence reads as guilt.\n"
        "3. Get the batch number from the post and ask the lab for retained samples.\n"
        "4. Give customer care the approved lines before the calls peak.",
        "checklist": [
            (
                15,
                "Confirm the facts with quality and the lab (batch number, retained samples)",
                Role.SUBJECT_MATTER_EXPERT,
            ),
            # The policy's first public statement: one job, one deadline.
            (30, "Publish the holding statement", Role.COMMUNICATIONS_LEAD, "first_statement"),
            (45, "Brief customer care with the approved lines", Role.CUSTOMER_CARE_LEAD),
            (60, "Decide on a precautionary recall with legal and operations", Role.CRISIS_LEAD),
            (120, "Post an update with what is known", Role.COMMUNICATIONS_LEAD),
        ],
        "roles": [
            Role.COMMUNICATIONS_LEAD,
            Role.LEGAL_REVIEWER,
            Role.CUSTOMER_CARE_LEAD,
            Role.SUBJECT_MATTER_EXPERT,
        ],
        "stakeholders": [
            ("Regulators", "phone", 60),
            ("Employees", "intranet", 60),
            ("Customers", "website", 120),
        ],
        "templates": ["Holding statement: product safety", "Reply: we are checking the batch"],
    },
    {
        "name": "Data breach",
        "category": Category.SECURITY_BREACH,
        "severity_hint": 1,
        "scenario": "Customer data (accounts, addresses, payment details) may have been "
        "exposed or stolen, or someone claims so in public.",
        "first_steps": "1. Contain first: IT rotates credentials and closes the access.\n"
        "2. Call the data protection officer: the regulator may have to be told **within 72 "
        "hours**.\n"
        "3. Say only what is confirmed; never guess the number of people affected.",
        "checklist": [
            (15, "Contain: rotate credentials and close the access", Role.SUBJECT_MATTER_EXPERT),
            (30, "Call the data protection officer", Role.LEGAL_REVIEWER),
            (60, "Decide whether the 72-hour regulator notice applies", Role.LEGAL_REVIEWER),
            (120, "Prepare the notice to affected customers with legal", Role.LEGAL_REVIEWER),
            (None, "Set up a help page and a dedicated phone line", Role.CUSTOMER_CARE_LEAD),
        ],
        "roles": [Role.LEGAL_REVIEWER, Role.SUBJECT_MATTER_EXPERT, Role.EXECUTIVE_SPONSOR],
        "stakeholders": [
            ("Regulators", "email", 240),
            ("Investors", "email", 240),
            ("Customers", "email", 480),
        ],
        "templates": ["Holding statement: data security"],
    },
    {
        "name": "Offensive post by an employee",
        "category": Category.EMPLOYEE_MISCONDUCT,
        "severity_hint": 3,
        "scenario": "Someone who works for us posts something offensive, or a video of an "
        "employee behaving badly spreads.",
        "first_steps": "1. Capture the post before it is deleted.\n"
        "2. Talk to HR and the employee's manager before saying anything about the person.\n"
        "3. Answer people directly first; a statement only if it keeps spreading.",
        "checklist": [
            (15, "Capture the post (screenshots and links)", Role.COMMUNICATIONS_LEAD),
            (30, "Talk to HR and the employee's manager", Role.LEGAL_REVIEWER),
            (60, "Decide: a statement, or direct replies only", Role.CRISIS_LEAD),
        ],
        "roles": [Role.COMMUNICATIONS_LEAD, Role.LEGAL_REVIEWER],
        "stakeholders": [("Employees", "intranet", 120)],
        "templates": ["Reply: an employee's post"],
    },
]

# title, category, likelihood, impact, owner, status, playbook, watch terms, mitigations
# (text, owner, status), incidents that realised it (titles), review in days
RISKS: list[dict[str, Any]] = [
    {
        "title": "A product safety rumour goes viral",
        "category": Category.PRODUCT_QUALITY,
        "likelihood": 4,
        "impact": 5,
        "owner": "manager",
        "playbook": "Product safety rumour",
        "early_warning_signs": "Posts naming a batch number; parents' groups sharing photos.",
        "watch_terms": ["sick", "contaminated", "batch", "recall"],
        "mitigations": [
            ("Keep retained samples of every batch for 12 months", "responder2", "done"),
            ("A lab on call for same-day tests", "manager", "in_progress"),
        ],
        "incidents": ["Viral video claims a contaminated product batch"],
        "review_days": 30,
    },
    {
        "title": "Customer data is exposed",
        "category": Category.SECURITY_BREACH,
        "likelihood": 2,
        "impact": 5,
        "owner": "admin",
        "playbook": "Data breach",
        "watch_terms": ["hacked", "leak", "my password"],
        "mitigations": [("Two-factor sign-in for customer accounts", "admin", "planned")],
        "incidents": ["Rumour of a customer data breach after the login outage"],
        "review_days": 14,
    },
    {
        "title": "An employee's post offends customers",
        "category": Category.EMPLOYEE_MISCONDUCT,
        "likelihood": 3,
        "impact": 3,
        "owner": "manager",
        "playbook": "Offensive post by an employee",
        "mitigations": [("Social media guidelines in the onboarding", "responder", "done")],
        "incidents": ["Store employee video on social media"],
        "review_days": 60,
    },
    {
        "title": "False claims about our prices or people spread",
        "category": Category.RUMOUR,
        "likelihood": 4,
        "impact": 3,
        "owner": "responder",
        "watch_terms": ["price increase", "screenshot"],
        "mitigations": [("A fact-check page we can link to", "responder", "in_progress")],
        "incidents": ["Fake screenshot of a price increase", "CEO quote taken out of context"],
        "review_days": 7,
    },
    {
        "title": "A campaign is read as insensitive",
        "category": Category.BAD_CAMPAIGN,
        "likelihood": 3,
        "impact": 4,
        "owner": "manager",
        "mitigations": [
            ("Campaigns reviewed by a diverse panel before launch", "manager", "planned")
        ],
        "incidents": ["Influencer criticises the new ad campaign"],
        "review_days": 2,
    },
    {
        "title": "A flood stops the bottling plant",
        "category": Category.NATURAL_DISASTER,
        "likelihood": 1,
        "impact": 4,
        "owner": "admin",
        "status": Risk.Status.ACCEPTED,
        "review_days": 180,
    },
]


USUAL_POSTS = (
    "@juicebrand where can I buy the mango one?",
    "@juicebrand love the new bottle",
    "@juicebrand my order is late again",
    "@juicebrand any discount this week?",
    "@juicebrand is the orange juice sugar free?",
)
STORM_POSTS = (
    "@juicebrand my kid got sick after batch 24-117, is there a recall?",
    "Batch 24-117 from @juicebrand made three of us sick. Recall it now!",
    "@juicebrand why no recall yet? People are sick from batch 24-117",
    "Anyone else sick after @juicebrand batch 24-117? Contaminated?",
)
STORM_AUTHORS = (("foodsafety_news", 1_250_000), ("drmehmet", 340_000), ("consumerwatch", 180_000))


class Command(BaseCommand):
    help = "Load demo people and incidents (idempotent) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Seed even though DEBUG is off (the demo passwords are public).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "seed_demo creates accounts with published passwords; it runs only with DEBUG "
                "on (or --allow-without-debug)."
            )
        with transaction.atomic():
            people = self._people()
            self._team(people)
            self._stakeholders(people)
            created = self._incidents(people)
            self._communications(people)
            self._playbooks(people)
            self._risks(people)
            self._listening()
            second_step = self._second_step(people)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} incidents added)."))
        self.stdout.write("Demo logins (username / password / group):")
        for username, password, _first, _last, group, *_rest in PEOPLE:
            self.stdout.write(f"  {username:<11} {password:<22} {group}")
        self.stdout.write(
            "Managers and admins sign in with a second step: a code from an authenticator app "
            "set up with their key, or one of their recovery codes (each works once; a new "
            "seed_demo run makes new ones):"
        )
        for username, (key, codes) in second_step.items():
            self.stdout.write(f"  {username:<11} key {key}   recovery codes {' '.join(codes)}")
        self.stdout.write(
            "Drill scenarios, started from Drills or with "
            "`python manage.py drill_run NAME --speed 20`:"
        )
        for name, scenario in scenarios_shipped().items():
            self.stdout.write(f"  {name:<24} {scenario.title} ({scenario.language})")

    def _second_step(self, people: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
        """An authenticator and fresh recovery codes for each demo person who needs two-factor
        sign-in, so the demo can be tried without setting up a phone."""
        second_step = {}
        for username, person in people.items():
            if not needs_two_factor(person):
                continue
            device = TOTPDevice.objects.filter(user=person, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(
                    user=person, name="Authenticator app", confirmed=True
                )
            key = base64.b32encode(device.bin_key).decode().rstrip("=")
            codes = recovery_codes_create(person=person)
            second_step[username] = (key, codes[:3])
        return second_step

    def _people(self) -> dict[str, Any]:
        User = get_user_model()
        people = {}
        for username, password, first, last, group, staff, department, title in PEOPLE:
            user, _created = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.department = Department.objects.filter(name=department).first()
            user.title = title
            user.email = f"{username}@crisis-desk.example"
            user.is_staff = staff
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=group)])
            people[username] = User.objects.get(pk=user.pk)  # fresh permission cache
        return people

    def _team(self, people: dict[str, Any]) -> None:
        admin = people["admin"]
        for slug, username, kind in ROSTER:
            if not RosterMember.objects.filter(role_id=slug, person=people[username]).exists():
                team.roster_add(
                    actor=admin,
                    role=Role.objects.get(slug=slug),
                    person=people[username],
                    kind=kind,
                )
        now = timezone.now()
        if not OnCallShift.objects.filter(ends_at__gt=now).exists():
            start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
            team.shift_add(
                actor=admin,
                role=Role.objects.get(slug=Role.APPROVER),
                person=people["admin"],
                starts_at=start,
                ends_at=start + timedelta(hours=12),
            )
            team.shift_add(
                actor=admin,
                role=Role.objects.get(slug=Role.APPROVER),
                person=people["manager"],
                starts_at=start + timedelta(hours=12),
                ends_at=start + timedelta(hours=24),
            )
        if not Drill.objects.exists():
            drill_save(
                actor=admin,
                title="Tabletop: leaked customer data",
                scenario="A forum post claims to hold 10,000 customer records from our shop.",
                held_at=now - timedelta(days=30),
                participants=[people["manager"], people["responder"], people["responder2"]],
                findings="Legal was reached after 40 minutes; nobody knew the on-call number.",
                follow_ups="Put legal on the roster with a backup; publish the on-call page.",
            )

    def _stakeholders(self, people: dict[str, Any]) -> None:
        if StakeholderGroup.objects.exists():
            return
        admin = people["admin"]
        groups = {}
        for name, kind, description in STAKEHOLDER_GROUPS:
            groups[name] = stakeholders.stakeholder_group_save(
                actor=admin, name=name, kind=kind, description=description
            )
        stakeholders.stakeholder_contact_save(
            actor=admin,
            group=groups["Regulators"],
            name="Food safety authority duty desk",
            organisation="Ministry of Agriculture",
            email="dutydesk@regulator.example",
            phone="+90 312 000 00 00",
        )
        stakeholders.stakeholder_contact_save(
            actor=admin,
            group=groups["Media"],
            name="Newsroom desk",
            organisation="Daily Herald",
            email="news@herald.example",
        )
        for severity, group, channel, minutes, notes in PLAN:
            stakeholders.plan_entry_save(
                actor=admin,
                severity=severity,
                group=groups[group],
                channel=channel,
                within_minutes=minutes,
                notes=notes,
            )

    def _incidents(self, people: dict[str, Any]) -> int:
        now = timezone.now()
        manager, ali, zeynep = people["manager"], people["responder"], people["responder2"]
        created = 0

        def declare(title: str, **kwargs: Any) -> Incident | None:
            nonlocal created
            if Incident.objects.filter(title=title).exists():
                return None
            created += 1
            return flows.incident_declare(title=title, **kwargs)

        incident = declare(
            "Viral video claims a contaminated product batch",
            actor=ali,
            severity=1,
            category=Category.PRODUCT_QUALITY,
            source=Source.LISTENING_ALERT,
            tags=["video", "product-safety"],
            summary=(
                "A video with 400k views claims batch 24-117 of our juice made children ill. "
                "Customer care has 60 calls in the last hour. No confirmed case so far."
            ),
            detected_at=now - timedelta(minutes=50),
        )
        if incident:
            postmortem_flows.incident_transition(
                actor=manager, incident=incident, to=Status.RESPONDING
            )
            team.role_assign(
                actor=ali,
                incident=incident,
                role=Role.objects.get(slug=Role.SCRIBE),
                person=zeynep,
            )
            team.role_assign(
                actor=ali,
                incident=incident,
                role=Role.objects.get(slug=Role.COMMUNICATIONS_LEAD),
                person=manager,
            )
            services.incident_note_add(
                actor=ali,
                incident=incident,
                text="First mention spotted by the listening dashboard (@foodwatch_tr).",
                at=now - timedelta(minutes=55),
            )
            services.incident_note_add(
                actor=manager,
                incident=incident,
                text="Quality lab asked to test retained samples of batch 24-117.",
            )
            rumour = services.claim_add(
                actor=ali,
                incident=incident,
                statement="Batch 24-117 made children ill in Izmir.",
                seen_at_location="https://x.com/foodwatch_tr/status/1860000000000000000",
                first_seen_at=now - timedelta(minutes=58),
            )
            services.claim_set_status(actor=zeynep, claim=rumour, status=ClaimStatus.INVESTIGATING)
            fake = services.claim_add(
                actor=zeynep,
                incident=incident,
                statement="The company recalled all products last year and hid it.",
                seen_at_location="Facebook group 'Parents of Izmir'",
            )
            services.claim_set_status(
                actor=manager,
                claim=fake,
                status=ClaimStatus.FALSE,
                evidence="No recall was filed: the ministry's public recall list shows none.",
            )
            flows.checklist_item_add(
                actor=manager,
                incident=incident,
                title="Publish the holding statement",
                assignee=ali,
                due_at=now + timedelta(minutes=10),
            )
            flows.checklist_item_add(
                actor=manager,
                incident=incident,
                title="Brief customer care with the approved answer",
                assignee=zeynep,
                due_at=now + timedelta(minutes=30),
            )
            done = flows.checklist_item_add(
                actor=manager, incident=incident, title="Secure the brand accounts (2FA check)"
            )
            flows.checklist_item_update(actor=ali, item=done, done=True)

        incident = declare(
            "Rumour of a customer data breach after the login outage",
            actor=zeynep,
            severity=2,
            category=Category.SECURITY_BREACH,
            source=Source.CUSTOMER_CARE,
            tags=["security"],
            summary="Customers ask whether their data leaked during yesterday's outage.",
            detected_at=now - timedelta(hours=3),
        )
        if incident:
            postmortem_flows.incident_transition(actor=zeynep, incident=incident, to=Status.TRIAGED)
            services.claim_add(
                actor=zeynep,
                incident=incident,
                statement="Hackers stole 2 million customer passwords.",
                seen_at_location="https://x.com/techgossip/status/1860000000000000001",
            )

        incident = declare(
            "Complaint thread about delivery delays",
            actor=ali,
            severity=3,
            category=Category.CUSTOMER_DISSATISFACTION,
            source=Source.CUSTOMER_CARE,
            detected_at=now - timedelta(days=1),
        )
        if incident:
            postmortem_flows.incident_transition(actor=ali, incident=incident, to=Status.RESPONDING)
            postmortem_flows.incident_transition(actor=ali, incident=incident, to=Status.MONITORING)

        declare(
            "Influencer criticises the new ad campaign",
            actor=zeynep,
            severity=4,
            category=Category.BAD_CAMPAIGN,
            source=Source.MEDIA,
            tags=["campaign"],
        )

        incident = declare(
            "CEO quote taken out of context",
            actor=ali,
            severity=3,
            category=Category.MISUNDERSTANDING,
            source=Source.MEDIA,
            detected_at=now - timedelta(days=4),
        )
        if incident:
            postmortem_flows.incident_transition(actor=ali, incident=incident, to=Status.RESPONDING)
            postmortem_flows.incident_transition(actor=ali, incident=incident, to=Status.RESOLVED)

        incident = declare(
            "Fake screenshot of a price increase",
            actor=ali,
            severity=3,
            category=Category.RUMOUR,
            source=Source.LISTENING_ALERT,
            detected_at=now - timedelta(days=6),
        )
        if incident:
            postmortem_flows.incident_transition(
                actor=manager,
                incident=incident,
                to=Status.DECLINED,
                reason="The screenshot was a parody account's post; no one repeated it.",
            )

        incident = declare(
            "Store employee video on social media",
            actor=manager,
            severity=2,
            category=Category.EMPLOYEE_MISCONDUCT,
            source=Source.EMPLOYEE,
            detected_at=now - timedelta(days=12),
        )
        if incident:
            for status in (Status.RESPONDING, Status.MONITORING, Status.RESOLVED):
                postmortem_flows.incident_transition(actor=manager, incident=incident, to=status)
            postmortem_flows.incident_transition(
                actor=manager,
                incident=incident,
                to=Status.CLOSED,
                waiver="Handled by HR; the lessons are in the SEV2 review of March.",
            )
        return created

    def _communications(self, people: dict[str, Any]) -> None:
        """A sandbox account (publishes nowhere, labelled so), mentions, a holding statement,
        and messages in different states on the SEV1 incident."""
        if SocialAccount.objects.exists():
            return
        admin, manager, ali = people["admin"], people["manager"], people["responder"]
        account = accounts.account_save(
            actor=admin, handle="juicebrand", display_name="Juice Brand", two_factor_enabled=True
        )
        WatchTerm.objects.create(account=account, query='"juice brand" OR #juicebrand')
        now = timezone.now()
        mentions = [
            ("foodwatch_tr", 48_200, "@juicebrand is batch 24-117 safe?? My kids drank it."),
            ("ayse_k", 312, "@juicebrand your customer line has been busy for an hour."),
            ("newsdesk_live", 125_000, "@juicebrand do you have a statement on the video?"),
            ("randomuser42", 18, "@juicebrand love the new mango flavour"),
        ]
        sev1 = Incident.objects.filter(severity=1, status="responding").first()
        created = []
        for n, (handle, followers, text) in enumerate(mentions):
            created.append(
                InboundPost.objects.create(
                    external_id=str(1_862_000_000_000_000_000 + n),
                    account=account,
                    author_handle=handle,
                    author_name=handle,
                    author_followers=followers,
                    text=text,
                    url=f"https://x.com/{handle}/status/{1_862_000_000_000_000_000 + n}",
                    posted_at=now - timedelta(minutes=40 - n * 7),
                    incident=sev1 if n != 3 else None,
                    reply_due_at=now + timedelta(minutes=20 + n * 10),
                )
            )
        Template.objects.create(
            name="Holding statement: looking into it",
            kind=Template.Kind.HOLDING_STATEMENT,
            body=(
                "We are aware of reports about {what_happened}. We are looking into it as a "
                "priority and will share an update by {next_update}. ({reference})"
            ),
            created_by=manager,
            approved_by=admin,
            approved_at=now,
        )
        if sev1 is None:
            return
        published = message_services.message_create(
            actor=ali,
            incident=sev1,
            account=account,
            body=(
                "We have seen the video about batch 24-117. Our quality lab is testing retained "
                "samples now. We will update here within the hour."
            ),
        )
        message_services.message_submit(actor=ali, message=published)
        approvals.message_approve(actor=manager, message=published, comment="Good, factual.")
        approvals.message_approve(actor=admin, message=published)
        reply = message_services.message_create(
            actor=ali,
            incident=sev1,
            account=account,
            kind="reply",
            reply_to_mention=created[0],
            body="We are testing batch 24-117 right now and will update within the hour. "
            "If anyone feels unwell, please call 0800 000 00 00.",
        )
        message_services.message_submit(actor=ali, message=reply)
        message_services.message_create(
            actor=ali,
            incident=sev1,
            account=account,
            kind="reply",
            reply_to_mention=created[2],
            body="A statement is on our profile; we will post updates there.",
        )

    def _playbooks(self, people: dict[str, Any]) -> None:
        """Three playbooks with the approved words they offer."""
        if Playbook.objects.exists():
            return
        manager, admin = people["manager"], people["admin"]
        now = timezone.now()
        templates = {}
        for name, kind, body in PLAYBOOK_TEMPLATES:
            templates[name], _created = Template.objects.get_or_create(
                name=name,
                language="en",
                defaults={
                    "kind": kind,
                    "body": body,
                    "created_by": manager,
                    "approved_by": admin,
                    "approved_at": now,
                },
            )
        groups = {group.name: group for group in StakeholderGroup.objects.all()}
        roles = {role.pk: role for role in Role.objects.all()}
        for plan in PLAYBOOKS:
            playbook_write(
                actor=manager,
                name=plan["name"],
                category=plan["category"],
                severity_hint=plan["severity_hint"],
                scenario=plan["scenario"],
                first_steps=plan["first_steps"],
                checklist=[
                    {
                        "title": title,
                        "due_minutes": minutes,
                        "role": role,
                        "meets": meets[0] if meets else None,
                    }
                    for minutes, title, role, *meets in plan["checklist"]
                ],
                roles=[roles[slug] for slug in plan["roles"]],
                stakeholders=[
                    {"group": groups[group], "channel": channel, "within_minutes": minutes}
                    for group, channel, minutes in plan["stakeholders"]
                    if group in groups
                ],
                templates=[templates[name] for name in plan["templates"]],
            )

    def _listening(self) -> None:
        """Two weeks of what people usually say to the demo account (busy afternoons, quiet
        nights; decided long ago, so the queue stays as it is), then a storm about batch
        24-117 in the last half hour: the listening raises its alert, explained, with the
        product safety playbook suggested by the risk register's watch terms."""
        account = SocialAccount.objects.filter(handle="juicebrand").first()
        if account is None or Alert.objects.exists():
            return
        now = timezone.now()
        rng = random.Random(24117)
        start = now - timedelta(days=14)
        history: list[InboundPost] = []
        moment = start
        while moment < now - timedelta(hours=1):
            busy = 9 <= moment.hour < 22
            for _n in range(rng.choice((1, 2, 3, 4) if busy else (0, 0, 1))):
                history.append(
                    InboundPost(
                        external_id=str(1_861_000_000_000_000_000 + len(history)),
                        account=account,
                        author_handle=f"customer{rng.randint(1, 9999)}",
                        author_followers=rng.randint(5, 3000),
                        text=rng.choice(USUAL_POSTS),
                        posted_at=moment + timedelta(seconds=rng.randint(0, 299)),
                        triage=InboundPost.Triage.NO_REPLY,
                        triage_reason="Routine, answered by customer care.",
                    )
                )
            moment += timedelta(minutes=5)
        storm = []
        for n in range(90):
            handle, followers = STORM_AUTHORS[n] if n < len(STORM_AUTHORS) else (None, 0)
            storm.append(
                InboundPost(
                    external_id=str(1_862_500_000_000_000_000 + n),
                    account=account,
                    author_handle=handle or f"worried{rng.randint(1, 99999)}",
                    author_followers=followers or rng.randint(20, 8000),
                    text=STORM_POSTS[n % len(STORM_POSTS)],
                    posted_at=now - timedelta(seconds=20 * n + 5),
                )
            )
        InboundPost.objects.bulk_create(history + storm, batch_size=2000)
        volume_rollup(since=start, until=now + timedelta(minutes=5), account_ids=[account.pk])
        alerts.alerts_evaluate(end=now, account_ids=[account.pk])

    def _risks(self, people: dict[str, Any]) -> None:
        """A filled risk register: risks in every band, mitigations, the incidents that
        realised them (one risk keeps happening) and their playbooks."""
        if Risk.objects.exists():
            return
        manager = people["manager"]
        now = timezone.now()
        playbooks = {playbook.name: playbook for playbook in Playbook.objects.all()}
        for entry in RISKS:
            risk = risks.risk_save(
                actor=manager,
                title=entry["title"],
                category=entry["category"],
                likelihood=entry["likelihood"],
                impact=entry["impact"],
                owner=people[entry["owner"]],
                early_warning_signs=entry.get("early_warning_signs", ""),
                watch_terms=entry.get("watch_terms", []),
                playbook=playbooks.get(entry.get("playbook", "")),
                review_at=now + timedelta(days=entry["review_days"]),
                status=entry.get("status", Risk.Status.OPEN),
            )
            for text, owner, status in entry.get("mitigations", []):
                risks.mitigation_save(
                    actor=manager, risk=risk, text=text, owner=people[owner], status=status
                )
            for title in entry.get("incidents", []):
                incident = Incident.objects.filter(title=title).first()
                if incident is not None:
                    risks.risk_realised(actor=manager, risk=risk, incident=incident)
