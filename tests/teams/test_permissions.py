from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from config.permissions import (
    ACTIONS,
    APPROVE_MESSAGE,
    GROUP_PERMISSIONS,
    GROUPS,
    MANAGE_INCIDENT,
    matrix_markdown,
)
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_groups_in_the_database_hold_exactly_the_matrix():
    for name in GROUPS:
        group = Group.objects.get(name=name)
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert held == set(GROUP_PERMISSIONS[name]), name


def test_every_matrix_permission_exists():
    for name in GROUPS:
        assert Group.objects.get(name=name).permissions.count() == len(GROUP_PERMISSIONS[name])


@pytest.mark.parametrize(
    ("group", "approve", "manage"),
    [("Responder", False, False), ("Manager", True, True), ("Admin", True, True)],
)
def test_who_approves_and_who_manages(group, approve, manage):
    user = UserFactory(groups=[group])
    assert user.has_perm(APPROVE_MESSAGE) is approve
    assert user.has_perm(MANAGE_INCIDENT) is manage


def test_a_person_without_a_group_holds_nothing():
    user = UserFactory()
    assert not any(user.has_perm(permission) for permission in ACTIONS)


def test_the_readme_shows_the_current_matrix():
    assert matrix_markdown() in README.read_text(), (
        "README.md's permission matrix is out of date; paste the output of "
        "`python manage.py permission_matrix`."
    )
