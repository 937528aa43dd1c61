"""Who is looking at a mention or answering it right now ("Ayşe is replying", "Can is
viewing"), so two people do not answer the same customer.

Presence is not a record: it lives in the cache (Redis in production, the shared file cache on
the embedded default, so every web process sees it), one entry per mention holding who is
there, doing what, until when. An open page tells it again every second or so
(views.mentions.presence); whoever stops telling lapses after ``PRESENCE_SECONDS``, and a page
that is left says goodbye at once. No table is written every second.

Two processes telling the same mention at the same instant may overwrite each other's line;
the one lost is back at its page's next beat, well within ``PRESENCE_SECONDS``.
"""

import time
from collections.abc import Iterable
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
# and replying in another keeps both, and the weightier one shows.
Lines = dict[str, tuple[str, float]]


def _alive(lines: Lines | None, now: float) -> Lines:
    return {line: (name, until) for line, (name, until) in (lines or {}).items() if until > now}


def presence_tell(*, person: User, mention: InboundPost, doing: Doing) -> None:
    """The person's page is open on the mention, doing this: shown for the next
    PRESENCE_SECONDS. Only who may draft is shown replying (NotPermitted otherwise)."""
    if doing == Doing.REPLYING:
        require(person, DRAFT_MESSAGE)
    now = time.time()
    lines = _alive(cache.get(_key(mention.pk)), now)
    lines[f"{person.pk}:{doing.value}"] = (person.display_name, now + PRESENCE_SECONDS)
    cache.set(_key(mention.pk), lines, PRESENCE_SECONDS)


def presence_leave(*, person: User, mention: InboundPost, doing: Doing) -> None:
    """The person's page is closed (or went elsewhere): shown no longer, at once."""
    now = time.time()
    lines = _alive(cache.get(_key(mention.pk)), now)
    if lines.pop(f"{person.pk}:{doing.value}", None) is None:
        return
    if lines:
        cache.set(_key(mention.pk), lines, PRESENCE_SECONDS)
    else:
        cache.delete(_key(mention.pk))


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
