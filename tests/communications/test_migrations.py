"""Data migrations of communications, run against today's models."""

import importlib

import pytest
from django.apps import apps

from communications.messaging import gate
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.models import Message
from tests.communications.drafting import declare
from tests.communications.factories import SandboxAccountFactory

pytestmark = pytest.mark.django_db
rebinding = importlib.import_module(
    "communications.migrations.0010_approvals_bind_to_time_and_claims"
)


def test_approvals_given_before_the_wider_hash_keep_counting(responder, manager, manager2):
    """A SEV1 message with one of its two approvals, hashed the old way (text and target
    only): after the migration its hash covers time and claims, the approval still counts,
    and the second approver can approve."""
    message = message_services.message_create(
        actor=responder,
        incident=declare(responder, severity=1),
        account=SandboxAccountFactory(),
        body="We are on it.",
    )
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager, message=message)
    old = "0" * 64  # what the old formula gave
    Message.objects.filter(pk=message.pk).update(text_hash=old)
    message.approvals.update(text_hash=old)
    message.refresh_from_db()
    assert gate.refusal_to_decide(manager2, message) is not None  # stuck without it

    rebinding.rebind(apps, None)

    message.refresh_from_db()
    assert message.text_hash == gate.message_hash(message)
    assert len(gate.valid_approvals(message)) == 1
    approvals.message_approve(actor=manager2, message=message)
    message.refresh_from_db()
    assert message.status == Message.Status.APPROVED
