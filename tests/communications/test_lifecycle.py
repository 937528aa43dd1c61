"""The message lifecycle: one table of moves, consulted by every change of status."""

import re
from pathlib import Path

import pytest

from communications.messaging import gate, lifecycle
from communications.messaging.lifecycle import TRANSITIONS, IllegalMove, move
from communications.messaging.services import messages as message_services
from communications.models import Message
from tests.communications.drafting import approved, draft
from tests.communications.factories import SandboxAccountFactory

pytestmark = pytest.mark.django_db
S = Message.Status
CODE = Path(lifecycle.__file__).parent


def test_every_status_has_its_moves_listed():
    assert set(TRANSITIONS) == set(S.values)
    assert all(targets <= set(S.values) for targets in TRANSITIONS.values())
    assert TRANSITIONS[S.PUBLISHED] == TRANSITIONS[S.WITHDRAWN] == set()


def test_a_move_the_table_does_not_allow_is_refused_in_one_place(responder, manager):
    message = draft(responder, SandboxAccountFactory())
    with pytest.raises(IllegalMove, match="draft cannot become published"):
        move(message, S.PUBLISHED)
    assert message.status == S.DRAFT
    move(message, S.PENDING_APPROVAL)
    assert message.status == S.PENDING_APPROVAL


def test_what_a_person_may_do_follows_the_table(responder, manager):
    message = approved(responder, manager, SandboxAccountFactory())
    assert gate.refusal_to_edit(responder, message) is None  # approved: back to draft
    message_services.message_withdraw(actor=responder, message=message)
    message.refresh_from_db()
    for refusal in (
        gate.refusal_to_edit,
        gate.refusal_to_submit,
        gate.refusal_to_withdraw,
    ):
        assert refusal(responder, message) is not None  # withdrawn: no move is left


# Code that changes the status of something other than a message, and what.
OTHER_STATUSES = {
    Path("listening/alerts.py"): "a listening alert's (open, declared, dismissed)",
    Path("drills/services.py"): "a drill run's (playing, played, finished)",
}


def test_no_code_sets_a_message_status_but_the_lifecycle():
    """Every status change of a message goes through lifecycle.move (it used to be set
    directly in 13 places, the table never consulted)."""
    setting = re.compile(r"\.status\s*=[^=]|\bupdate\([^)]*\bstatus=")
    offenders = [
        f"{path.relative_to(CODE)}:{number}"
        for path in CODE.rglob("*.py")
        if "migrations" not in path.parts
        and path.name != "lifecycle.py"
        and path.relative_to(CODE) not in OTHER_STATUSES
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if setting.search(line)
    ]
    assert offenders == []
