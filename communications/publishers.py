"""Where messages go out. A publisher is an interface, so networks other than X can follow.

XPublisher posts through the X client (communications.x_client). An account without
credentials gets the SandboxPublisher, which publishes nowhere and says so, so the product can
be shown offline.
"""

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from .models import SocialAccount
from .services.accounts import account_credentials
from .x_client import XClient

URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Posted:
    external_id: str
    url: str


class Publisher(Protocol):
    sandbox: bool

    def post(self, *, text: str, reply_to: str = "", quote: str = "") -> Posted: ...

    def recent_posts(self, *, since: datetime) -> list[tuple[str, str]]: ...


def same_text(published: str, ours: str) -> bool:
    """X rewrites links (t.co) and may trim whitespace: compare without them."""

    def norm(text: str) -> str:
        return " ".join(URL.sub("<link>", text).split())

    return norm(published) == norm(ours)


class XPublisher:
    sandbox = False

    def __init__(self, account: SocialAccount, credentials: dict[str, str]) -> None:
        self.account = account
        self.x = XClient(account, credentials)

    def post(self, *, text: str, reply_to: str = "", quote: str = "") -> Posted:
        params: dict[str, str] = {"text": text}
        if reply_to:
            params["in_reply_to_tweet_id"] = reply_to
        if quote:
            params["quote_tweet_id"] = quote
        response = self.x.call("create_tweet", **params)
        post_id = str(response.data["id"])
        return Posted(post_id, f"https://x.com/{self.account.handle}/status/{post_id}")

    def recent_posts(self, *, since: datetime) -> list[tuple[str, str]]:
        response = self.x.call(
            "get_users_tweets",
            id=self.account.external_user_id,
            start_time=since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            max_results=100,
        )
        return [(str(tweet["id"]), tweet["text"]) for tweet in (response.data or [])]


class SandboxPublisher:
    """Publishes nowhere. Everything it "posts" is labelled sandbox."""

    sandbox = True
    _counter = itertools.count(1)

    def __init__(self, account: SocialAccount) -> None:
        self.account = account

    def post(self, *, text: str, reply_to: str = "", quote: str = "") -> Posted:
        stamp = datetime.now(tz=UTC).strftime("%Y%m%d%H%M%S%f")
        return Posted(f"sandbox-{stamp}-{next(self._counter)}", "")

    def recent_posts(self, *, since: datetime) -> list[tuple[str, str]]:
        return []


def publisher_for(account: SocialAccount) -> Publisher:
    if account.is_sandbox:
        return SandboxPublisher(account)
    return XPublisher(account, account_credentials(account))
