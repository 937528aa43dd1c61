"""Two responders who meet on the same mention (presence, a second reply)."""

import pytest

from tests.teams.factories import responder as make_responder


@pytest.fixture
def ayse(db):
    return make_responder(username="ayse", first_name="Ayşe", last_name="Yılmaz")


@pytest.fixture
def can(db):
    return make_responder(username="can", first_name="Can", last_name="Demir")
