"""Live pages: what changed, told cheaply to every open page it concerns.

Each page names what it shows (``incident-<id>`` for a war room, ``desk`` for the pages that
list across incidents) and the person reading it (``person-<id>``: their notifications and
approvals). Any write that concerns one of these bumps its version in the cache (Redis in
production, a shared file cache on a laptop: every web process and worker sees it), once the
transaction that wrote it has committed. A page asks ``/live/`` every few seconds with the ETag
it last saw: the answer is a 304 with no database work beyond the session, or a new ETag, and
then the page fetches itself again and swaps the panels the viewer is not typing in
(static/js/live.js).

Why polling a version rather than server-sent events, for now: it works on the embedded
default and behind any number of WSGI processes without a second kind of server, and it
catches up by itself after a restart (the next ask sees a new version). What it costs is
measured by bench/live.py: an idle viewer is one small request a second, answered from the
cache.
"""

import hashlib
import re
import time
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction

DESK = "desk"  # what lists across incidents: the dashboard, the incidents, the alerts
MENTIONS = "mentions"  # the mention queue
PAUSES = "pauses"  # the stop switch: every page shows its banner
PREFIX = "live:"
# Kept long: a version that expires is made anew, and a page seeing it refreshes once.
KEEP_SECONDS = 7 * 24 * 3600
# What a page computed for one version of what it shows, shared by every viewer refreshing after
# a change: long enough for all of them, short enough that a change no row announces (an
# on-call shift starting, a template edited) shows after a reload within these seconds.
REMEMBER_SECONDS = 10
_MISSING = object()


def incident_key(incident_id: int) -> str:
    return f"incident-{incident_id}"


def person_key(person_id: int) -> str:
    return f"person-{person_id}"


def incident_live_keys(incident_id: int) -> tuple[str, ...]:
    """What a change of an incident, or of a row that belongs to it, concerns."""
    return (incident_key(incident_id), DESK)


# What a page may say it shows: the desk's lists, the mention queue, or an incident's war room.
PAGE_KEY = re.compile(rf"^(?:{DESK}|{MENTIONS}|incident-\d{{1,18}})$")
PAGE_KEYS_MOST = 5


def page_keys(on: str) -> list[str] | None:
    """What a page shows, from its ``on`` ("incident-12", comma-separated): None when it
    names something no page shows."""
    keys = [key for key in on.split(",") if key][:PAGE_KEYS_MOST]
    return keys if all(PAGE_KEY.match(key) for key in keys) else None


def _fresh() -> int:
    # A new version is the time in microseconds: never one a page has seen before, even after
    # the cache was emptied.
    return time.time_ns() // 1000


def _bump_now(keys: Iterable[str]) -> None:
    for key in set(keys):
        try:
            cache.incr(PREFIX + key)
        except ValueError:  # not there yet (or expired)
            cache.set(PREFIX + key, _fresh(), KEEP_SECONDS)


class _Pending:
    """The keys a transaction has changed so far, told once when it commits (a thousand
    mentions stored in one transaction are one bump, not a thousand)."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.told = False

        def tell() -> None:
            self.told = True
            _bump_now(self.keys)

        self.tell = tell


def bump(*keys: str) -> None:
    """Tell the pages showing these that something changed, once the write is committed (a
    page that refreshed before the commit would read the old state and not ask again)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump_now(keys)
        return
    pending: _Pending | None = getattr(connection, "live_pending", None)
    waiting = (
        pending is not None
        and not pending.told
        and any(entry[1] is pending.tell for entry in connection.run_on_commit)
    )
    if pending is None or not waiting:  # none yet, or its transaction was rolled back
        pending = _Pending()
        connection.live_pending = pending
        transaction.on_commit(pending.tell)
    pending.keys.update(keys)


def keys_of(row: object) -> list[str]:
    """The pages a row concerns: its incident's war room and the desk, the person it is for (a
    notification), and whatever its model names itself (``live_keys``)."""
    keys: list[str] = list(getattr(row, "live_keys", ()))
    if (incident_id := getattr(row, "incident_id", None)) is not None:
        keys += incident_live_keys(incident_id)
    if (person_id := getattr(row, "recipient_id", None)) is not None:
        keys.append(person_key(person_id))
    return keys


def row_changed(sender: type, instance: object, raw: bool = False, **kwargs: object) -> None:
    """post_save and post_delete, for every model: bump what the row concerns."""
    if raw:
        return
    if keys := keys_of(instance):
        bump(*keys)


def remembered[T](
    key: str, part: str, compute: Callable[[], T], *, seconds: int = REMEMBER_SECONDS
) -> T:
    """What ``compute`` reads from the rows behind ``key`` (e.g. an incident's next deadlines),
    computed once per version of the key and shared (for at most ``REMEMBER_SECONDS``): two
    hundred viewers refreshing a war room after a change read it from the cache, not each from
    the database. The version is read before the rows, so a value is never kept under a version
    newer than what it read. ``part`` names the value and whatever else it depends on;
    ``seconds`` is how long it is kept (longer for what only a bump of ``key`` changes: the
    public statement page)."""
    version = cache.get(PREFIX + key)
    if version is None:  # no page is watching it: nothing to share
        return compute()
    name = f"{PREFIX}{key}@{version}:{part}"
    found = cache.get(name, _MISSING)
    if found is not _MISSING:
        return found
    value = compute()
    cache.set(name, value, seconds)
    return value


def versions(keys: Iterable[str]) -> str:
    """The ETag of what a page shows: one value that changes whenever one of its keys does."""
    wanted = sorted(set(keys))
    found = cache.get_many([PREFIX + key for key in wanted])
    missing = {PREFIX + key: _fresh() for key in wanted if PREFIX + key not in found}
    if missing:
        # add, not set: another process may have just made it
        for key, value in missing.items():
            cache.add(key, value, KEEP_SECONDS)
        found |= cache.get_many(list(missing))
    text = "|".join(f"{key}={found.get(PREFIX + key)}" for key in wanted)
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()


def page_etag(*, on: Iterable[str], person_id: int) -> str:
    """The ETag of a page showing ``on`` to a person: its keys, the stop switch and the
    person's own notifications. The page is rendered with it and /live/ answers it."""
    return f'"{versions([*on, PAUSES, person_key(person_id)])}"'
