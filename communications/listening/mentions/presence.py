"""Who is looking at a mention or answering it right now ("Ayşe is replying", "Can is
viewing"), so two people do not answer the same customer.

Presence is not a record: it lives in the cache (Redis in production, the shared file cache on
the embedded default, so every web process sees it), one entry per mention holding who is
there, doing what, until when. An open page tells it again every second or so
(views.mentions.presence); whoever stops telling lapses after ``PRESENCE_SECONDS``, and a page
that is left says goodbye at once. No table is written every second.

A mention's entry is changed under a short lock in the cache, so a colleague's beat never
writes back a line someone has just left. Leaving leaves a mark for ``LEFT_SECONDS``: a beat
the closing page sent just before it (still on its way when the goodbye arrived) does not bring
the person back, and neither does any tell of theirs in those seconds.
"""

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from django.core.cache import cache
from django.utils.translation import gettext as _

from communications.listening.models import InboundPost
from config.people import User
from config.permissions import DRAFT_MESSAGE, require

# How long a person stays shown after their page last told: a page that is closed without
# saying goodbye (a lost connection, a crash) drops off within this.
PRESENCE_SECONDS = 10
# How long a goodbye outweighs the same person's tells (a beat still on its way).
LEFT_SECONDS = 2
# How long one change of an entry may hold its lock, and how long a change waits for it.
LOCK_SECONDS = 2
LOCK_WAIT = 0.25


class Doing(StrEnum):
    # Ordered by weight: whoever is replying is shown as replying, whatever else they do.
    REPLYING = "replying"
    VIEWING = "viewing"


@dataclass(frozen=True)
class Presence:
    person_id: int
    name: str
    doing: Doing

    @property
    def text(self) -> str:
        if self.doing == Doing.REPLYING:
            return _("%(name)s is replying") % {"name": self.name}
        return _("%(name)s is viewing") % {"name": self.name}


def _key(mention_id: int) -> str:
    return f"mentions:presence:{mention_id}"


# One line per person and activity ("<person id>:<doing>"): the same person viewing in one tab
# and replying in another keeps both, and the weightier one shows. A line whose name is empty
# is a goodbye's mark, kept until its time.
Lines = dict[str, tuple[str, float]]
LEFT = ""


def _alive(lines: Lines | None, now: float) -> Lines:
    return {line: (name, until) for line, (name, until) in (lines or {}).items() if until > now}


@contextmanager
def _changing(mention_id: int) -> Iterator[None]:
    """Hold the entry's lock while it is read and written back (a change that cannot get it
    within LOCK_WAIT goes ahead: a beat comes again in a second)."""
    lock = f"{_key(mention_id)}:lock"
    deadline = time.monotonic() + LOCK_WAIT
    held = cache.add(lock, 1, LOCK_SECONDS)
    while not held and time.monotonic() < deadline:
        time.sleep(0.005)
        held = cache.add(lock, 1, LOCK_SECONDS)
    try:
        yield
    finally:
        if held:
            cache.delete(lock)


def presence_tell(*, person: User, mention: InboundPost, doing: Doing) -> None:
    """The person's page is open on the mention, doing this: shown for the next
    PRESENCE_SECONDS, unless they said goodbye to it within LEFT_SECONDS. Only who may draft
    is shown replying (NotPermitted otherwise)."""
    if doing == Doing.REPLYING:
        require(person, DRAFT_MESSAGE)
    line = f"{person.pk}:{doing.value}"
    with _changing(mention.pk):
        now = time.time()
        lines = _alive(cache.get(_key(mention.pk)), now)
        if lines.get(line, ("-", 0.0))[0] == LEFT:
            return  # a beat sent before the goodbye, arriving after it
        lines[line] = (person.display_name, now + PRESENCE_SECONDS)
        cache.set(_key(mention.pk), lines, PRESENCE_SECONDS)


def presence_leave(*, person: User, mention: InboundPost, doing: Doing) -> None:
    """The person's page is closed (or went elsewhere): shown no longer, at once."""
    with _changing(mention.pk):
        now = time.time()
        lines = _alive(cache.get(_key(mention.pk)), now)
        lines[f"{person.pk}:{doing.value}"] = (LEFT, now + LEFT_SECONDS)
        cache.set(_key(mention.pk), lines, PRESENCE_SECONDS)


def presence_on(*, mention_ids: Iterable[int], viewer: User) -> dict[int, list[Presence]]:
    """Who else is on each of these mentions now (the viewer left out): replying first, then by
    name. One read from the cache for them all. The caller passes only the mentions the viewer
    may see (views.mentions.presence asks the selectors)."""
    ids = list(dict.fromkeys(mention_ids))
    found = cache.get_many([_key(pk) for pk in ids])
    now = time.time()
    order = list(Doing)
    answer: dict[int, list[Presence]] = {}
    for pk in ids:
        people: dict[int, Presence] = {}
        for line, (name, _until) in _alive(found.get(_key(pk)), now).items():
            if name == LEFT:
                continue
            person_id, doing = int(line.split(":")[0]), Doing(line.split(":")[1])
            if person_id == viewer.pk:
                continue
            shown = people.get(person_id)
            if shown is None or order.index(doing) < order.index(shown.doing):
                people[person_id] = Presence(person_id=person_id, name=name, doing=doing)
        if people:
            answer[pk] = sorted(
                people.values(), key=lambda p: (order.index(p.doing), p.name.casefold())
            )
    return answer
