"""Where messages go out. A publisher is an interface, so networks other than X can follow.

XPublisher talks to the X API v2 through tweepy. An account without credentials gets the
SandboxPublisher, which publishes nowhere and says so, so the product can be shown offline.
"""

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

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


def call_x(
    method: Any,
    *,
    user_auth: bool,
    unavailable: type[Exception],
    refused: type[Exception],
    passthrough: tuple[type[Exception], ...] = (),
    **params: Any,
) -> Any:
    """Call a tweepy Client method and turn X's answers into our three cases: RateLimited
    (with the reset time), ``unavailable`` (no answer in time, or a 5xx), ``refused`` (any
    other 4xx, with X's own words)."""
    try:
        return method(user_auth=user_auth, **params)
    except passthrough:
        raise
    except tweepy.TooManyRequests as exc:
        reset = exc.response.headers.get("x-rate-limit-reset")
        reset_at = (
            datetime.fromtimestamp(int(reset), tz=UTC)
            if reset and reset.isdigit()
            else datetime.now(tz=UTC) + timedelta(minutes=15)
        )
        raise RateLimited(reset_at) from exc
    except tweepy.TwitterServerError as exc:
        raise unavailable(f"X answered {exc.response.status_code}") from exc
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise unavailable(f"{exc.__class__.__name__}: no answer from X") from exc
    except tweepy.HTTPException as exc:
        words = "; ".join(exc.api_messages) or str(exc)
        raise refused(f"X refused ({exc.response.status_code}): {words}") from exc


class XApiAdapter(HTTPAdapter):
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
        self.credentials = credentials
        self.user_auth = account.auth_kind != SocialAccount.AuthKind.OAUTH2
        self.client = self._client()

    def _client(self) -> tweepy.Client:
        credentials = self.credentials
        if self.user_auth:
            client = tweepy.Client(
                consumer_key=credentials["consumer_key"],
                consumer_secret=credentials["consumer_secret"],
                access_token=credentials["access_token"],
                access_token_secret=credentials["access_token_secret"],
            )
        else:
            client = tweepy.Client(bearer_token=credentials["access_token"])
        adapter = XApiAdapter(settings.X_API_BASE_URL, settings.X_API_TIMEOUT)
        client.session.mount("https://", adapter)
        client.session.mount("http://", adapter)
        return client

    def _refresh(self) -> bool:
        """Exchange the OAuth 2.0 refresh token for a new access token (they last two hours)
        and store both, encrypted. False when there is nothing to refresh with."""
        from .services import account_tokens_refreshed

        refresh_token = self.credentials.get("refresh_token")
        client_id = self.credentials.get("client_id")
        if self.user_auth or not refresh_token or not client_id:
            return False
        secret = self.credentials.get("client_secret")
        try:
            response = requests.post(
                f"{settings.X_API_BASE_URL}/2/oauth2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                    "client_id": client_id,
                },
                auth=(client_id, secret) if secret else None,
                timeout=settings.X_API_TIMEOUT,
            )
        except requests.RequestException:
            return False
        if response.status_code != 200:
            return False
        tokens = response.json()
        self.credentials = account_tokens_refreshed(
            account=self.account,
            access_token=tokens["access_token"],
            refresh_token=tokens.get("refresh_token", refresh_token),
        )
        self.client = self._client()
        return True

    def _call(self, method_name: str, **params: Any) -> Any:
        try:
            return self._send(method_name, **params)
        except tweepy.Unauthorized as exc:
            # Perhaps an expired OAuth 2.0 token: nothing was posted, so refresh and ask once
            # more.
            refused = exc
            if self._refresh():
                try:
                    return self._send(method_name, **params)
                except tweepy.Unauthorized as again:
                    refused = again
            words = "; ".join(refused.api_messages) or str(refused)
            raise PublishRefused(f"X refused (401): {words}") from refused

    def _send(self, method_name: str, **params: Any) -> Any:
        return call_x(
            getattr(self.client, method_name),
            user_auth=self.user_auth,
            unavailable=OutcomeUnknown,
            refused=PublishRefused,
            passthrough=(tweepy.Unauthorized,),
            **params,
        )

    def post(self, *, text: str, reply_to: str = "", quote: str = "") -> Posted:
        params: dict[str, str] = {"text": text}
        if reply_to:
            params["in_reply_to_tweet_id"] = reply_to
        if quote:
            params["quote_tweet_id"] = quote
        response = self._call("create_tweet", **params)
        post_id = str(response.data["id"])
        return Posted(post_id, f"https://x.com/{self.account.handle}/status/{post_id}")

    def recent_posts(self, *, since: datetime) -> list[tuple[str, str]]:
        response = self._call(
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
    from .services import account_credentials

    if account.is_sandbox:
        return SandboxPublisher(account)
    return XPublisher(account, account_credentials(account))
