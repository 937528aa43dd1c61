"""Approvals now bind to when a message goes out, what it corrects and the claims it cites too.

The messages that wait for approval or hold approvals get their hash recomputed with the new
fields, and the approvals that counted keep counting: what they approved did not change.
(The hash is copied here as it is at this migration, so later changes to it leave this
migration as it was.)
"""

import hashlib
import json
from datetime import UTC
from typing import Any

from django.db import migrations

HOLDING_APPROVALS = ("pending_approval", "approved", "publishing", "failed")
INTERNAL_KINDS = ("staff_briefing", "stakeholder_update")


def _hash(message: Any) -> str:
    fields: dict[str, Any] = {
        "kind": message.kind,
        "account": message.account_id,
        "body": message.body,
        "reply_to_mention": message.reply_to_mention_id,
        "reply_to_post_id": message.reply_to_post_id,
        "quote_post_id": message.quote_post_id,
        "parts": list(message.parts.order_by("position").values_list("body", flat=True)),
        "scheduled_at": message.scheduled_at.astimezone(UTC).isoformat()
        if message.scheduled_at
        else None,
        "corrects": message.corrects_id,
        "cited_claims": sorted(message.cited_claims.values_list("pk", flat=True)),
    }
    if message.kind in INTERNAL_KINDS:
        fields["audience"] = {
            "group": message.stakeholder_group_id,
            "channel": message.stakeholder_channel,
            "departments": sorted(message.briefing_departments.values_list("pk", flat=True)),
        }
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def rebind(apps: Any, schema_editor: Any) -> None:
    Message = apps.get_model("communications", "Message")
    Approval = apps.get_model("communications", "Approval")
    for message in Message.objects.filter(status__in=HOLDING_APPROVALS).exclude(text_hash=""):
        new = _hash(message)
        if new == message.text_hash:
            continue
        Approval.objects.filter(
            message=message, text_hash=message.text_hash, voided_at__isnull=True
        ).update(text_hash=new)
        Message.objects.filter(pk=message.pk).update(text_hash=new)


class Migration(migrations.Migration):
    dependencies = [("communications", "0009_publishing_leases")]

    operations = [migrations.RunPython(rebind, migrations.RunPython.noop)]
