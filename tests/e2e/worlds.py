"""The worlds the browser journeys start from, written once: a product-safety playbook the
risk register's watch terms point to, and a storm on an account that raises an alert now."""

from collections.abc import Sequence
from datetime import timedelta

from django.utils import timezone

from communications.accounts.models import SocialAccount
from communications.listening import alerts
from communications.listening.selectors import window_bounds
from communications.messaging.services.playbooks import playbook_write
from communications.models import Template
from config.people import User
from teams.models import Playbook
from teams.risks import services as risk_services
from tests.communications.listening_data import quiet_history, storm


def product_safety_playbook(actor: User, templates: Sequence[Template] = ()) -> Playbook:
    """The playbook for product-safety rumours, and the risk whose watch terms ("recall",
    "sick") point an alert to it."""
    playbook = playbook_write(
        actor=actor,
        name="Product safety rumour",
        category="product_quality",
        severity_hint=2,
        scenario="A post claims one of our products made someone ill.",
        checklist=[{"title": "Confirm the facts with quality and the lab", "due_minutes": 15}],
        templates=list(templates),
    ).playbook
    risk_services.risk_save(
        actor=actor,
        title="A product safety rumour goes viral",
        category="product_quality",
        likelihood=4,
        impact=5,
        owner=actor,
        review_at=timezone.now() + timedelta(days=30),
        watch_terms=["recall", "sick"],
        playbook=playbook,
    )
    return playbook


def storm_now(account: SocialAccount) -> None:
    """A storm filling the window being measured now, up to this moment: one alert raised."""
    now = timezone.now()
    start, _end = window_bounds(now)
    quiet_history(account, days=8, until=start)
    storm(account, start=start, every=(now - start) / 61)
    assert alerts.alerts_evaluate() == 1
