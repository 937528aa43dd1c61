from datetime import timedelta

import factory
from django.utils import timezone

from incidents.models import ChecklistItem, Claim, Incident, Severity, Status, TimelineEvent
from tests.teams.factories import UserFactory


class IncidentFactory(factory.django.DjangoModelFactory[Incident]):
    """An incident row as if declared earlier (the service is tested on its own)."""

    class Meta:
        model = Incident

    reference = factory.Sequence(lambda n: f"INC-2000-{n:05d}")
    title = factory.Faker("sentence", nb_words=6)
    summary = factory.Faker("paragraph")
    severity = Severity.SEV3
    status = Status.DETECTED
    declared_by = factory.SubFactory(UserFactory)
    detected_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))


class TimelineEventFactory(factory.django.DjangoModelFactory[TimelineEvent]):
    class Meta:
        model = TimelineEvent

    incident = factory.SubFactory(IncidentFactory)
    actor = factory.SubFactory(UserFactory)
    kind = TimelineEvent.Kind.NOTE
    text = factory.Faker("sentence")


class ClaimFactory(factory.django.DjangoModelFactory[Claim]):
    class Meta:
        model = Claim

    incident = factory.SubFactory(IncidentFactory)
    statement = factory.Faker("sentence")
    created_by = factory.SubFactory(UserFactory)


class ChecklistItemFactory(factory.django.DjangoModelFactory[ChecklistItem]):
    class Meta:
        model = ChecklistItem

    incident = factory.SubFactory(IncidentFactory)
    title = factory.Faker("sentence", nb_words=5)
    created_by = factory.SubFactory(UserFactory)
