"""Reading posts from the X API v2 through tweepy, the way the publisher talks to it.

The client is built like communications.publishers.XPublisher's (same credentials, same
adapter: X_API_BASE_URL and a timeout), and X's answers are mapped to three outcomes the
ingest can act on: rate limited until a time, unavailable for now (5xx, timeout), refused.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import tweepy
from django.conf import settings

from communications.models import SocialAccount
from communications.publishers import RateLimited, XApiAdapter, call_x

__all__ = ["FoundPost", "Page", "RateLimited", "Refused", "Unavailable", "XReader"]

# X allows 5..100 posts per page of mentions and 10..100 per page of search.
PAGE_SIZE = 100
TWEET_FIELDS = ["created_at", "author_id"]
USER_FIELDS = ["public_metrics", "username", "name"]


class Unavailable(Exception):
    """A timeout, a dropped connection or a 5xx: nothing was read; try again later."""


class Refused(Exception):
    """X said no (4xx other than 429): bad credentials, a bad query… its words are the message."""


@dataclass(frozen=True)
class FoundPost:
    external_id: str
    text: str
    author_id: str
    author_handle: str
    author_name: str
    author_followers: int
    posted_at: datetime | None

    @property
    def url(self) -> str:
        return f"https://x.com/{self.author_handle or 'i'}/status/{self.external_id}"


@dataclass(frozen=True)
class Page:
    posts: list[FoundPost]
    next_token: str


class XReader:
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
        adapter = XApiAdapter(settings.X_API_BASE_URL, settings.X_API_TIMEOUT)
        self.client.session.mount("https://", adapter)
        self.client.session.mount("http://", adapter)

    def mentions(self, *, since_id: str = "", pagination_token: str = "") -> Page:
        """One page of posts mentioning the account, newest first."""
        params = self._params(since_id)
        if pagination_token:
            params["pagination_token"] = pagination_token
        return self._page(
            self.client.get_users_mentions, id=self.account.external_user_id, **params
        )

    def search(self, *, query: str, since_id: str = "", next_token: str = "") -> Page:
        """One page of recent posts matching a watch term, newest first."""
        params = self._params(since_id)
        if next_token:
            params["next_token"] = next_token
        return self._page(self.client.search_recent_tweets, query=query, **params)

    @staticmethod
    def _params(since_id: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "expansions": ["author_id"],
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
            "max_results": PAGE_SIZE,
        }
        if since_id:
            params["since_id"] = since_id
        return params

    def _page(self, method: Any, **params: Any) -> Page:
        response = call_x(
            method, user_auth=self.user_auth, unavailable=Unavailable, refused=Refused, **params
        )
        users = {str(user.id): user.data for user in response.includes.get("users", [])}
        posts = [_found(tweet.data, users) for tweet in response.data or []]
        return Page(posts=posts, next_token=str(response.meta.get("next_token") or ""))


def _found(tweet: dict[str, Any], users: dict[str, dict[str, Any]]) -> FoundPost:
    author_id = str(tweet.get("author_id") or "")
    author = users.get(author_id, {})
    created = tweet.get("created_at")
    return FoundPost(
        external_id=str(tweet["id"]),
        text=tweet.get("text", ""),
        author_id=author_id,
        author_handle=str(author.get("username", ""))[:50],
        author_name=str(author.get("name", ""))[:100],
        author_followers=int((author.get("public_metrics") or {}).get("followers_count") or 0),
        posted_at=datetime.fromisoformat(created) if created else None,
    )
