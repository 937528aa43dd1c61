"""Reading posts that mention an account or match its watch terms, through the one X
client (communications.accounts.x_client: the publisher's credentials, adapter, token refresh,
and X's answers as RateLimited, Unavailable or Refused)."""

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from communications.accounts.models import SocialAccount
from communications.accounts.x_client import RateLimited, Refused, Unavailable, XClient

__all__ = ["FoundPost", "Page", "RateLimited", "Refused", "Unavailable", "XReader"]

# X allows 5..100 posts per page of mentions and 10..100 per page of search.
PAGE_SIZE = 100
TWEET_FIELDS = ["created_at", "author_id", "lang"]
USER_FIELDS = ["public_metrics", "username", "name"]


@dataclass(frozen=True)
class FoundPost:
    external_id: str
    text: str
    author_id: str
    author_handle: str
    author_name: str
    author_followers: int
    posted_at: datetime | None
    language: str = ""  # X's detected language ("tr"), "" when it cannot tell

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
        self.x = XClient(account, credentials)

    def mentions(self, *, since_id: str = "", pagination_token: str = "") -> Page:
        """One page of posts mentioning the account, newest first."""
        params = self._params(since_id)
        if pagination_token:
            params["pagination_token"] = pagination_token
        return self._page("get_users_mentions", id=self.account.external_user_id, **params)

    def search(self, *, query: str, since_id: str = "", next_token: str = "") -> Page:
        """One page of recent posts matching a watch term, newest first."""
        params = self._params(since_id)
        if next_token:
            params["next_token"] = next_token
        return self._page("search_recent_tweets", query=query, **params)

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

    def _page(self, method_name: str, **params: Any) -> Page:
        response = self.x.call(method_name, **params)
        users = {str(user.id): user.data for user in response.includes.get("users", [])}
        posts = [_found(tweet.data, users) for tweet in response.data or []]
        return Page(posts=posts, next_token=str(response.meta.get("next_token") or ""))


def _found(tweet: dict[str, Any], users: dict[str, dict[str, Any]]) -> FoundPost:
    author_id = str(tweet.get("author_id") or "")
    author = users.get(author_id, {})
    created = tweet.get("created_at")
    return FoundPost(
        external_id=str(tweet["id"]),
        # X escapes &, < and > in the text it returns.
        text=html.unescape(tweet.get("text", "")),
        author_id=author_id,
        author_handle=str(author.get("username", ""))[:50],
        author_name=str(author.get("name", ""))[:100],
        author_followers=int((author.get("public_metrics") or {}).get("followers_count") or 0),
        posted_at=datetime.fromisoformat(created) if created else None,
        language=_language(tweet.get("lang")),
    )


def _language(lang: object) -> str:
    """X's BCP 47 tag reduced to its language ("tr"); "und" (undetermined) and X's own codes
    for posts of only mentions, hashtags or links ("qme", "qht", "zxx"…) are no language."""
    code = str(lang or "").split("-")[0].lower()[:8]
    return "" if code in ("und", "zxx") or code.startswith("q") else code
