"""Demo data for a laptop: people in every group and incidents in different states.

Idempotent: running it again resets the demo passwords and adds only what is missing.
"""

import base64
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from communications.models import InboundPost, SocialAccount, Template, WatchTerm
from communications.services import accounts, approvals
from communications.services import messages as message_services
from config.permissions import ADMIN, MANAGER, RESPONDER, needs_two_factor
from incidents import services
from incidents.models import Category, ClaimStatus, Incident, Source, Status
from postmortems import flows as postmortem_flows
from teams import flows
from teams import services as team
from teams.models import Department, Drill, OnCallShift, Role, RosterMember, StakeholderGroup
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
            team.drill_save(
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
                "We are aware of reports about {title}. We are looking into it as a priority "
                "and will share an update by {next_update}. ({reference})"
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
