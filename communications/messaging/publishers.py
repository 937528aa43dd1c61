"""Where messages go out. A publisher is an interface, so networks other than X can follow.

XPublisher posts through the X client (communications.accounts.x_client). An account without
credentials gets the SandboxPublisher, which publishes nowhere and says so, so the product can
be shown offline.

``same_post`` answers the reconciler's question (is this post of the account ours?) the way
X shows a post: its text with &, < and > escaped as entities, and every link it finds, with
or without a scheme ("example.com/help"), turned into a t.co link; a reply or quote names its
target among its referenced posts.
"""

import html
import itertools
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from communications.accounts.models import SocialAccount
from communications.accounts.services import account_credentials
from communications.accounts.x_client import Unusable, XClient

with warnings.catch_warnings():
    # twitter-text-parser still imports pkg_resources.
    warnings.simplefilter("ignore")
    from twitter_text import extract_urls_with_indices

LINK = "\N{LINK SYMBOL}"
# X answers at most 100 posts a page; a reconciliation reads every page back to the attempt.
PAGE_SIZE = 100
MAX_PAGES = 100


@dataclass(frozen=True)
class Posted:
    external_id: str
    url: str


@dataclass(frozen=True)
class OwnPost:
    """One of the account's posts as X shows it."""

    external_id: str
    text: str
    replied_to: str = ""
    quoted: str = ""


@dataclass(frozen=True)
class Wanted:
    """A post we may have made: its text and what it answers or quotes."""

    text: str
    reply_to: str = ""
    quote: str = ""


class Publisher(Protocol):
    sandbox: bool

    def post(self, *, text: str, reply_to: str = "", quote: str = "") -> Posted: ...

    def own_posts(self, *, since: datetime) -> list[OwnPost]: ...

    def url(self, external_id: str) -> str: ...


def _comparable(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _links_marked(text: str) -> str:
    """The text with each link twitter-text finds (as X does: with or without a scheme)
    replaced by one marker."""
    pieces, end = [], 0
    for found in extract_urls_with_indices(text):
        start, stop = found["indices"]
        pieces += [text[end:start], LINK]
        end = stop
    pieces.append(text[end:])
    return _comparable("".join(pieces))


def _ours(text: str) -> str:
    return _links_marked(text)


def _theirs(text: str) -> str:
    """X's text with its entities unescaped; its links are t.co links."""
    return _links_marked(html.unescape(text))


def same_post(theirs: OwnPost, ours: Wanted) -> bool:
    return (
        _theirs(theirs.text) == _ours(ours.text)
        and theirs.replied_to == ours.reply_to
        and theirs.quoted == ours.quote
    )


class XPublisher:
    sandbox = False

    def __init__(self, account: SocialAccount, credentials: dict[str, str]) -> None:
        self.account = account
        self.x = XClient(account, credentials)

    def url(self, external_id: str) -> str:
        return f"https://x.com/{self.account.handle}/status/{external_id}"

    def post(self, *, text: str, reply_to: str = "", quote: str = "") -> Posted:
        params: dict[str, str] = {"text": text}
        if reply_to:
            params["in_reply_to_tweet_id"] = reply_to
        if quote:
            params["quote_tweet_id"] = quote
        response = self.x.call("create_tweet", **params)
        post_id = str(response.data["id"])
        return Posted(post_id, self.url(post_id))

    def own_posts(self, *, since: datetime) -> list[OwnPost]:
        """Every post of the account since ``since``, newest first, page after page."""
        found: list[OwnPost] = []
        token = ""
        for _page in range(MAX_PAGES):
            params = {
                "id": self.account.external_user_id,
                "start_time": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "max_results": PAGE_SIZE,
                "tweet_fields": ["created_at", "referenced_tweets"],
            }
            if token:
                params["pagination_token"] = token
            response = self.x.call("get_users_tweets", **params)
            for tweet in response.data or []:
                referenced = {r["type"]: str(r["id"]) for r in tweet.get("referenced_tweets") or []}
                found.append(
                    OwnPost(
                        external_id=str(tweet["id"]),
                        text=tweet["text"],
                        replied_to=referenced.get("replied_to", ""),
                        quoted=referenced.get("quoted", ""),
                    )
                )
            token = str((response.meta or {}).get("next_token") or "")
            if not token:
                break
        return found


class SandboxPublisher:
    """Publishes nowhere. Everything it "posts" is labelled sandbox."""

    sandbox = True
    _counter = itertools.count(1)

    def __init__(self, account: SocialAccount) -> None:
        self.account = account

    def url(self, external_id: str) -> str:
        return ""

    def post(self, *, text: str, reply_to: str = "", quote: str = "") -> Posted:
        stamp = datetime.now(tz=UTC).strftime("%Y%m%d%H%M%S%f")
        return Posted(f"sandbox-{stamp}-{next(self._counter)}", "")

    def own_posts(self, *, since: datetime) -> list[OwnPost]:
        return []


def publisher_for(account: SocialAccount, *, drill: bool = False) -> Publisher:
    """The account's publisher; Unusable when its credentials cannot be used. A drill's
    message (``drill``) is published in sandbox whatever account it was written for."""
    if drill or account.is_sandbox:
        return SandboxPublisher(account)
    try:
        credentials = account_credentials(account)
    except ValueError as exc:
        raise Unusable(
            f"the credentials of {account} cannot be read with the configured keys ({exc})"
        ) from exc
    return XPublisher(account, credentials)
