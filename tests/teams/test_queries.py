"""The team pages cost the same number of queries for a few rows as for many."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.permissions import GROUPS
from teams.models import Department, Role, RosterMember
from tests.teams.factories import DrillFactory, NotificationFactory, ShiftFactory, UserFactory

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_people(count: int) -> None:
    roles = list(Role.objects.all())
    groups = list(Group.objects.filter(name__in=GROUPS))
    for n in range(count):
        department = Department.objects.create(name=f"Department {Department.objects.count()}")
        person = UserFactory.create(department=department, title="Analyst", phone="+90 555 0000")
        person.groups.add(groups[n % len(groups)])
        RosterMember.objects.create(
            role=roles[n % len(roles)],
            person=person,
            kind=RosterMember.Kind.PRIMARY if n % 2 else RosterMember.Kind.BACKUP,
        )


def add_shifts(count: int) -> None:
    roles = list(Role.objects.all())
    now = timezone.now()
    for n in range(count):
        ShiftFactory(
            role=roles[n % len(roles)],
            starts_at=now + timedelta(hours=n * 5 - 2),
            created_by=UserFactory(),
        )


def add_drills(count: int) -> None:
    for _ in range(count):
        DrillFactory(participants=UserFactory.create_batch(2), created_by=UserFactory())


def grows_nothing(client, url: str, grow: Callable[[int], None]) -> None:
    grow(3)
    few = queries(client, url)
    grow(17)
    assert queries(client, url) == few


@pytest.mark.parametrize("role", ["reader", "manager"])
def test_people_and_roster_do_not_grow_with_people(client, request, role):
    client.force_login(request.getfixturevalue(role))
    grows_nothing(client, reverse("teams:people"), add_people)
    grows_nothing(client, reverse("teams:roster"), add_people)


@pytest.mark.parametrize("role", ["reader", "manager"])
def test_on_call_does_not_grow_with_shifts_or_the_roster(client, request, role):
    client.force_login(request.getfixturevalue(role))

    def grow(n: int) -> None:
        add_shifts(n)
        add_people(n)

    grows_nothing(client, reverse("teams:oncall"), grow)


def test_drills_list_and_detail_do_not_grow(client, manager):
    client.force_login(manager)
    grows_nothing(client, reverse("drills:list"), add_drills)
    drill = DrillFactory(participants=UserFactory.create_batch(2))
    few = queries(client, reverse("drills:detail", kwargs={"pk": drill.pk}))
    drill.participants.add(*UserFactory.create_batch(15))
    assert queries(client, reverse("drills:detail", kwargs={"pk": drill.pk})) == few


def test_notifications_do_not_grow(client, responder):
    client.force_login(responder)
    grows_nothing(
        client,
        reverse("teams:notifications"),
        lambda n: NotificationFactory.create_batch(n, recipient=responder),
    )


def test_person_page_does_not_grow(client, reader):
    person = UserFactory()
    client.force_login(reader)

    def grow(n: int) -> None:
        taken = RosterMember.objects.filter(person=person).values_list("role_id", flat=True)
        for role in Role.objects.exclude(slug__in=list(taken))[:n]:
            RosterMember.objects.create(role=role, person=person)
        for _ in range(n):
            ShiftFactory(person=person)
            DrillFactory(participants=[person])

    grows_nothing(client, reverse("teams:person", kwargs={"pk": person.pk}), grow)
