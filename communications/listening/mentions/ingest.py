"""Polling X for posts that mention a brand account or match its watch terms.

One poll of an account reads its mentions timeline (GET /2/users/:id/mentions) and the recent
search of each watch term (GET /2/tweets/search/recent), each from the newest post id seen
before (since_id). Every page read is stored at once, each post once (InboundPost.external_id
is unique); since_id moves on only after everything up to it is stored, so nothing is skipped:

- 429: that endpoint is not asked again for the account until x-rate-limit-reset (kept in the
  cache);
- 5xx, timeout, dropped connection: this round is skipped and logged; the next beat asks again
  from the same since_id;
- a backlog longer than MENTION_POLL_MAX_PAGES: the next poll continues from the page token it
  kept, and since_id moves once the backlog is read. The first poll of an account reads only
  its newest page: listening starts now, not with the last week's history.

Sandbox accounts (no credentials) are not polled. A poll of an account never overlaps another
poll of the same account (a lock in the cache).
"""

import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from communications.accounts.models import SocialAccount, WatchTerm
from communications.accounts.pauses import pause_covering, paused_account_ids
from communications.accounts.services import account_credentials
from communications.listening.mentions import services
from communications.listening.mentions.selectors import poll_status_key
from communications.listening.mentions.x_reader import (
    Page,
    RateLimited,
    Refused,
    Unavailable,
    XReader,
)
from communications.listening.models import InboundPost

logger = logging.getLogger(__name__)

MENTIONS = "mentions"
SEARCH = "search"
LOCK_SECONDS = 120  # longer than a poll may run (the task's hard time limit)
RESUME_SECONDS = 60 * 60  # a kept page token is used within the hour or forgotten
STATUS_SECONDS = 24 * 60 * 60


@dataclass
class PollResult:
    """What one poll of an account did (returned by the task, shown on the queue page)."""

    account: int
    fetched: int = 0
    stored: int = 0
    skipped: str = ""
    problems: list[str] = field(default_factory=list)


def _key(kind: str, account_id: int, endpoint: str = "") -> str:
    return f"mentions:{kind}:{account_id}" + (f":{endpoint}" if endpoint else "")


def accounts_to_poll() -> list[int]:
    """Active accounts with credentials; sandbox accounts are not polled, nor accounts whose
    publishing a manager paused (the stop switch stops the automation on their mentions too)."""
    paused = paused_account_ids()
    if paused is None:
        return []
    return list(
        SocialAccount.objects.filter(is_active=True)
        .exclude(auth_kind=SocialAccount.AuthKind.NONE)
        .exclude(credentials_encrypted="")
        .exclude(pk__in=paused)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def poll_account(account_id: int) -> dict[str, Any]:
    account = SocialAccount.objects.filter(pk=account_id, is_active=True).first()
    if account is None:
        return asdict(PollResult(account=account_id, skipped="inactive or gone"))
    result = PollResult(account=account.pk)
    if account.is_sandbox:
        result.skipped = "sandbox"
        return asdict(result)
    if pause_covering(account.pk) is not None:
        result.skipped = "publishing paused"
        return asdict(result)
    lock = _key("polling", account.pk)
    if not cache.add(lock, 1, timeout=LOCK_SECONDS):
        result.skipped = "already polling"
        return asdict(result)
    try:
        try:
            reader = XReader(account, account_credentials(account))
        except (KeyError, ValueError) as exc:
            logger.error("mentions of %s not polled: unusable credentials (%s)", account, exc)
            result.problems.append(f"credentials: {exc}")
        else:
            if account.external_user_id:
                _poll_mentions(account, reader, result)
            terms = list(account.watch_terms.order_by("pk"))
            if terms:
                _poll_search(account, reader, terms, result)
        _record_status(result)
        return asdict(result)
    finally:
        cache.delete(lock)


def _poll_mentions(account: SocialAccount, reader: XReader, result: PollResult) -> None:
    if _paused(account, MENTIONS, result):
        return
    since = account.last_mention_id
    try:
        newest = _read(
            account,
            MENTIONS,
            since,
            lambda token: reader.mentions(since_id=since, pagination_token=token),
            InboundPost.Origin.MENTION,
            result,
        )
    except RateLimited as exc:
        _pause(account, MENTIONS, exc.reset_at, result)
        return
    except (Unavailable, Refused) as exc:
        _problem(account, MENTIONS, exc, result)
        return
    if newest:
        _advance(account, "last_mention_id", newest)


def _poll_search(
    account: SocialAccount, reader: XReader, terms: list[WatchTerm], result: PollResult
) -> None:
    """Every term is searched from the account's one since_id, which moves on only when each
    term that X accepts was read to the end."""
    if _paused(account, SEARCH, result):
        return
    since = account.last_search_id
    newest = ""
    complete = True
    for term in terms:
        try:
            term_newest = _read(
                account,
                f"{SEARCH}:{term.pk}",
                since,
                _searcher(reader, term.query, since),
                InboundPost.Origin.SEARCH,
                result,
                watch_term=term,
            )
        except RateLimited as exc:
            _pause(account, SEARCH, exc.reset_at, result)
            return
        except Unavailable as exc:
            _problem(account, SEARCH, exc, result)
            return
        except Refused as exc:
            # A query X refuses never succeeds: the other terms must not wait for it.
            _problem(account, f"watch term “{term.query}”", exc, result)
            continue
        if term_newest is None:
            complete = False
        else:
            newest = _newer(newest, term_newest)
    if complete and newest:
        _advance(account, "last_search_id", newest)


def _searcher(reader: XReader, query: str, since: str) -> Callable[[str], Page]:
    return lambda token: reader.search(query=query, since_id=since, next_token=token)


def _read(
    account: SocialAccount,
    endpoint: str,
    since_id: str,
    fetch: Callable[[str], Page],
    origin: str,
    result: PollResult,
    watch_term: WatchTerm | None = None,
) -> str | None:
    """Read the pages newer than since_id, storing each as it comes. Return the id since_id
    may move to ("" when nothing is new), or None while a backlog remains for the next poll."""
    resume_key = _key("resume", account.pk, endpoint)
    kept = cache.get(resume_key)
    token, newest = "", ""
    if kept and kept.get("since_id") == since_id:
        token, newest = kept["token"], kept["newest"]
    # The first poll reads one page: the account starts listening from now.
    pages = settings.MENTION_POLL_MAX_PAGES if since_id else 1
    for _page in range(max(1, pages)):
        page = fetch(token)
        result.fetched += len(page.posts)
        result.stored += services.mentions_store(
            account=account, posts=page.posts, origin=origin, watch_term=watch_term
        )
        for post in page.posts:
            newest = _newer(newest, post.external_id)
        token = page.next_token
        if not token:
            break
        cache.set(
            resume_key,
            {"since_id": since_id, "token": token, "newest": newest},
            timeout=RESUME_SECONDS,
        )
    if token and since_id:
        logger.info("mentions of %s: backlog continues on the next poll (%s)", account, endpoint)
        return None
    cache.delete(resume_key)
    return newest


def _number(post_id: str) -> int:
    return int(post_id) if post_id.isdigit() else -1


def _newer(a: str, b: str) -> str:
    return a if _number(a) >= _number(b) else b


def _advance(account: SocialAccount, field_name: str, newest: str) -> None:
    """Move a since_id forward, never back (a slower concurrent poll may finish later)."""
    with transaction.atomic():
        current = (
            SocialAccount.objects.select_for_update()
            .values_list(field_name, flat=True)
            .get(pk=account.pk)
        )
        if _number(newest) > _number(current):
            SocialAccount.objects.filter(pk=account.pk).update(**{field_name: newest})
            setattr(account, field_name, newest)


def _paused(account: SocialAccount, endpoint: str, result: PollResult) -> bool:
    until = cache.get(_key("rate-limited", account.pk, endpoint))
    if until and datetime.fromisoformat(until) > timezone.now():
        result.problems.append(f"{endpoint}: rate limited until {until}")
        return True
    return False


def _pause(account: SocialAccount, endpoint: str, reset_at: datetime, result: PollResult) -> None:
    seconds = math.ceil((reset_at - timezone.now()).total_seconds()) + 1
    cache.set(_key("rate-limited", account.pk, endpoint), reset_at.isoformat(), max(1, seconds))
    logger.warning("mentions of %s: %s rate limited until %s", account, endpoint, reset_at)
    result.problems.append(f"{endpoint}: rate limited until {reset_at.isoformat()}")


def _problem(account: SocialAccount, endpoint: str, exc: Exception, result: PollResult) -> None:
    log = logger.error if isinstance(exc, Refused) else logger.warning
    log("mentions of %s: %s not read this round: %s", account, endpoint, exc)
    result.problems.append(f"{endpoint}: {exc}")


def _record_status(result: PollResult) -> None:
    cache.set(
        poll_status_key(result.account),
        {"at": timezone.now().isoformat(), "stored": result.stored, "problems": result.problems},
        timeout=STATUS_SECONDS,
    )
