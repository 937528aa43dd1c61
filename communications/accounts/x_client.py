"""The one client of the X API v2 (through tweepy), for posting and for reading.

It is built from an account's credentials (OAuth 1.0a user keys or an OAuth 2.0 user token),
sends every request to X_API_BASE_URL (a fake in tests) with a timeout, refreshes an expired
OAuth 2.0 token once and stores the new one, and turns X's answers into three cases the
callers act on: RateLimited (until a time), Unavailable (no answer in time, a dropped
connection or a 5xx: nothing was read, and a post may or may not exist) and Refused (any
other 4xx, with X's own words).
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import tweepy
from django.conf import settings
from requests.adapters import HTTPAdapter

from communications.accounts.models import SocialAccount
from communications.accounts.services import REQUIRED, account_tokens_refreshed

TWEEPY_HOST = "https://api.twitter.com"
# What a call needs at the least (saving an account asks for more: accounts.REQUIRED).
NEEDED = {
    SocialAccount.AuthKind.OAUTH1: REQUIRED[SocialAccount.AuthKind.OAUTH1],
    SocialAccount.AuthKind.OAUTH2: ("access_token",),
}


class RateLimited(Exception):
    def __init__(self, reset_at: datetime) -> None:
        super().__init__(f"rate limited until {reset_at.isoformat()}")
        self.reset_at = reset_at


class Unavailable(Exception):
    """No answer in time, a dropped connection or a 5xx: nothing was read, and a post may or
    may not exist."""


class Refused(Exception):
    """X said no for good (4xx other than 429); its own words are the message."""


class DuplicateContent(Refused):
    """X refused a post because the account already posted the same text: perhaps an earlier
    attempt of ours whose answer was lost, perhaps an older post."""


class TargetGone(Refused):
    """X refused a reply because the post it answers is deleted or no longer visible."""


class Unusable(Exception):
    """The account's credentials cannot be used (a field missing, or not readable with the
    configured keys): nothing was sent to X."""


class XApiAdapter(HTTPAdapter):
    """Sends tweepy's requests to X_API_BASE_URL (a fake in tests) with a timeout: tweepy
    sets none, and a call that hangs must become an unknown outcome, not a stuck worker."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(max_retries=0)
        self.base_url = base_url
        self.timeout = timeout

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        if request.url and request.url.startswith(TWEEPY_HOST) and self.base_url != TWEEPY_HOST:
            request.url = self.base_url + request.url[len(TWEEPY_HOST) :]
        kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def _words(exc: tweepy.HTTPException) -> str:
    return "; ".join(exc.api_messages) or str(exc)


class XClient:
    """X on behalf of one account."""

    def __init__(self, account: SocialAccount, credentials: dict[str, str]) -> None:
        self.account = account
        self.credentials = credentials
        self.user_auth = account.auth_kind != SocialAccount.AuthKind.OAUTH2
        self.client = self._client()

    def _client(self) -> tweepy.Client:
        needed = NEEDED.get(SocialAccount.AuthKind(self.account.auth_kind), ())
        missing = [name for name in needed if not self.credentials.get(name)]
        if missing:
            raise Unusable(f"the credentials of {self.account} lack {', '.join(missing)}")
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

    def call(self, method_name: str, **params: Any) -> Any:
        """Call a tweepy Client method. A 401 on an OAuth 2.0 token may be an expired token:
        nothing was done, so the token is refreshed and the call made once more."""
        try:
            return self._send(method_name, **params)
        except tweepy.Unauthorized as exc:
            refused = exc
            if self._refresh():
                try:
                    return self._send(method_name, **params)
                except tweepy.Unauthorized as again:
                    refused = again
            raise Refused(f"X refused (401): {_words(refused)}") from refused

    def _send(self, method_name: str, **params: Any) -> Any:
        method = getattr(self.client, method_name)
        try:
            return method(user_auth=self.user_auth, **params)
        except tweepy.Unauthorized:
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
            raise Unavailable(f"X answered {exc.response.status_code}") from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise Unavailable(f"{exc.__class__.__name__}: no answer from X") from exc
        except tweepy.HTTPException as exc:
            status = exc.response.status_code
            refusal = f"X refused ({status}): {_words(exc)}"
            if status == 403 and "duplicate" in refusal.lower():
                raise DuplicateContent(refusal) from exc
            if status == 403 and "deleted or not visible" in refusal.lower():
                raise TargetGone(refusal) from exc
            raise Refused(refusal) from exc

    def _refresh(self) -> bool:
        """Exchange the OAuth 2.0 refresh token for a new access token (they last two hours)
        and store both, encrypted. False when there is nothing to refresh with."""
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
