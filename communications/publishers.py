"""Where messages go out. A publisher is an interface, so networks other than X can follow.

XPublisher talks to the X API v2 through tweepy. An account without credentials gets the
SandboxPublisher, which publishes nowhere and says so, so the product can be shown offline.
"""

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import requests
import tweepy
from django.conf import settings
from requests.adapters import HTTPAdapter

from .models import SocialAccount

TWEEPY_HOST = "https://api.twitter.com"
URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Posted:
    external_id: str
    url: str


class PublishRefused(Exception):
    """The platform said no for good (4xx other than 429); its own words are the message."""


class RateLimited(Exception):
    def __init__(self, reset_at: datetime) -> None:
        super().__init__(f"rate limited until {reset_at.isoformat()}")
        self.reset_at = reset_at


class OutcomeUnknown(Exception):
    """A timeout, a dropped connection or a 5xx: the post may or may not exist."""


class Publisher(Protocol):
    sandbox: bool

    def post(self, *, text: str, reply_to: str = "", quote: str = "") -> Posted: ...

    def recent_posts(self, *, since: datetime) -> list[tuple[str, str]]: ...


def same_text(published: str, ours: str) -> bool:
    """X rewrites links (t.co) and may trim whitespace: compare without them."""

    def norm(text: str) -> str:
        return " ".join(URL.sub("<link>", text).split())

    return norm(published) == norm(ours)


class _XApiAdapter(HTTPAdapter):
    """Sends tweepy's requests to X_API_BASE_URL (a fake in tests) with a timeout: tweepy
    sets none, and a publish that hangs must become an unknown outcome, not a stuck worker."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(max_retries=0)
        self.base_url = base_url
        self.timeout = timeout

    def send(self, request, **kwargs):  # type: ignore[override]
        if request.url and request.url.startswith(TWEEPY_HOST) and self.base_url != TWEEPY_HOST:
            request.url = self.base_url + request.url[len(TWEEPY_HOST) :]
        kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


class XPublisher:
    sandbox = False

    def __init__(self, account: SocialAccount, credentials: dict[str, str]) -> None:
        self.account = account
        if account.auth_kind == SocialAccount.AuthKind.OAUTH2:
            self.client = tweepy.Client(bearer_token=credentials["access_token"])
            self.user_auth = False
        else:
            self.client = tweepy.Client(
                consumer_key=credentials["consumer_key"],
                consumer_secret=credentials["consumer_secret"],
                access_token=credentials["access_token"],
                access_token_secret=credentials["access_token_secret"],
            )
            self.user_auth = True
        adapter = _XApiAdapter(settings.X_API_BASE_URL, settings.X_API_TIMEOUT)
        self.client.session.mount("https://", adapter)
        self.client.session.mount("http://", adapter)

    def _call(self, method, **params):
        try:
            return method(user_auth=self.user_auth, **params)
        except tweepy.TooManyRequests as exc:
            reset = exc.response.headers.get("x-rate-limit-reset")
            reset_at = (
                datetime.fromtimestamp(int(reset), tz=UTC)
                if reset and reset.isdigit()
                else datetime.now(tz=UTC) + timedelta(minutes=15)
            )
            raise RateLimited(reset_at) from exc
        except tweepy.TwitterServerError as exc:
            raise OutcomeUnknown(f"X answered {exc.response.status_code}") from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise OutcomeUnknown(f"{exc.__class__.__name__}: no answer from X") from exc
        except tweepy.HTTPException as exc:
            words = "; ".join(exc.api_messages) or str(exc)
            raise PublishRefused(f"X refused ({exc.response.status_code}): {words}") from exc

    def post(self, *, text: str, reply_to: str = "", quote: str = "") -> Posted:
        params: dict[str, str] = {"text": text}
        if reply_to:
            params["in_reply_to_tweet_id"] = reply_to
        if quote:
            params["quote_tweet_id"] = quote
        response = self._call(self.client.create_tweet, **params)
        post_id = str(response.data["id"])
        return Posted(post_id, f"https://x.com/{self.account.handle}/status/{post_id}")

    def recent_posts(self, *, since: datetime) -> list[tuple[str, str]]:
        response = self._call(
            self.client.get_users_tweets,
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
    from .services import account_credentials

    if account.is_sandbox:
        return SandboxPublisher(account)
    return XPublisher(account, account_credentials(account))
