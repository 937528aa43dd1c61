import time
from datetime import timedelta
from typing import Any

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.permissions import ADMIN, MANAGER, RESPONDER
from drills.models import Drill
from incidents.models import Incident
from teams import flows
from teams.models import (
    Channel,
    CommunicationPlanEntry,
    Department,
    Notification,
    OnCallShift,
    Reason,
    Role,
    StaffBriefing,
    StakeholderContact,
    StakeholderGroup,
    StakeholderUpdate,
    User,
)


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A person with no group: may read, may not act."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-word-123")

    @factory.post_generation
    def groups(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))


def responder(**kwargs: object) -> User:
    return UserFactory.create(groups=[RESPONDER], **kwargs)


def manager(**kwargs: object) -> User:
    return UserFactory.create(groups=[MANAGER], **kwargs)


def admin(**kwargs: object) -> User:
    return UserFactory.create(groups=[ADMIN], is_staff=True, **kwargs)


def authenticator(user: User) -> TOTPDevice:
    """The person's authenticator app, set up (made if they have none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code the person's app shows now, computed as django-otp checks it; if now's code
    was used already (each works once), the next one, which the app shows within seconds."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time = device.t0 + (device.last_t + 1) * device.step
    return str(totp.token()).zfill(device.digits)


class NotificationFactory(factory.django.DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    reason = Reason.ROLE_ASSIGNED
    subject = factory.Sequence(lambda n: f"test-subject:{n}")
    title = factory.Sequence(lambda n: f"Notification {n}")
    body = "What happened and what to do."
    url = "/incidents/"


class DrillFactory(factory.django.DjangoModelFactory[Drill]):
    class Meta:
        model = Drill
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Drill {n}")
    scenario = "A viral video claims our product caught fire."
    held_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def participants(self, create: bool, extracted: list[User] | None, **kwargs: object) -> None:
        if create and extracted:
            self.participants.set(extracted)


class ShiftFactory(factory.django.DjangoModelFactory[OnCallShift]):
    class Meta:
        model = OnCallShift

    role_id = Role.CRISIS_LEAD
    person = factory.SubFactory(UserFactory)
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda shift: shift.starts_at + timedelta(hours=8))
    created_by = factory.SubFactory(UserFactory)


class StakeholderGroupFactory(factory.django.DjangoModelFactory[StakeholderGroup]):
    class Meta:
        model = StakeholderGroup

    name = factory.Sequence(lambda n: f"Stakeholder group {n}")
    kind = StakeholderGroup.Kind.OTHER


class StakeholderContactFactory(factory.django.DjangoModelFactory[StakeholderContact]):
    class Meta:
        model = StakeholderContact

    group = factory.SubFactory(StakeholderGroupFactory)
    name = factory.Faker("name")
    organisation = factory.Faker("company")
    email = factory.Sequence(lambda n: f"contact{n}@example.org")
    preferred_channel = Channel.EMAIL


class PlanEntryFactory(factory.django.DjangoModelFactory[CommunicationPlanEntry]):
    class Meta:
        model = CommunicationPlanEntry

    severity = 1
    group = factory.SubFactory(StakeholderGroupFactory)
    channel = Channel.EMAIL
    within_minutes = 60


class StakeholderUpdateFactory(factory.django.DjangoModelFactory[StakeholderUpdate]):
    class Meta:
        model = StakeholderUpdate

    incident = factory.SubFactory("tests.incidents.factories.IncidentFactory")
    group = factory.SubFactory(StakeholderGroupFactory)
    channel = Channel.EMAIL
    summary = factory.Faker("sentence")
    recorded_by = factory.SubFactory(UserFactory)


class StaffBriefingFactory(factory.django.DjangoModelFactory[StaffBriefing]):
    class Meta:
        model = StaffBriefing
        skip_postgeneration_save = True

    incident = factory.SubFactory("tests.incidents.factories.IncidentFactory")
    text = factory.Faker("paragraph")
    author = factory.SubFactory(UserFactory)
    recipient_count = 3
    notified_count = 3
    notified_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def departments(
        self, create: bool, extracted: list[Department] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            self.departments.set(extracted)


def declared_for(lead: User, **kwargs: Any) -> Incident:
    """An incident a colleague declared naming ``lead`` its crisis lead: not acknowledged yet,
    with the lead's acknowledge deadline open (a declarer who leads has acknowledged it)."""
    colleague = UserFactory.create(username="dispatcher", groups=[RESPONDER])
    return flows.incident_declare(actor=colleague, crisis_lead=lead, **kwargs)
