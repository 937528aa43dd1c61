"""The stop switch's one rule: which active pause, if any, holds an account's publishing.

Publishing (before it claims a message and again before each post), the sweeper, the mention
poller, the pages, the API and the banner all ask here; nothing else decides whether a post may
go out while a manager has paused publishing.
"""

from django.db.models import F, Q, QuerySet

from communications.accounts.models import PublishingPause


def active_pauses() -> QuerySet[PublishingPause]:
    """Every pause in force, the one over all accounts first."""
    return (
        PublishingPause.objects.filter(resumed_at__isnull=True)
        .select_related("account", "paused_by")
        .order_by(F("account_id").asc(nulls_first=True), "paused_at")
    )


def _covering(account_id: int) -> Q:
    return Q(scope=PublishingPause.ALL) | Q(scope=str(account_id))


def pause_covering(account_id: int | None) -> PublishingPause | None:
    """The pause that holds posts on this account (one over all accounts first), or None. A
    message with no account (a staff briefing, a stakeholder update) never goes to a network
    and is held by nothing."""
    if account_id is None:
        return None
    return active_pauses().filter(_covering(account_id)).first()


def paused_account_ids() -> set[int] | None:
    """The accounts on which nothing may be posted now: None means every account."""
    scopes = set(active_pauses().values_list("scope", flat=True))
    if PublishingPause.ALL in scopes:
        return None
    return {int(scope) for scope in scopes}
