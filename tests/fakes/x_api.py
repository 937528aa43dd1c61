"""A fake X API v2 on a local port, answering with X's real payload and error shapes.

The real tweepy client talks to it (settings.X_API_BASE_URL points here), so everything from
the HTTP request to tweepy's error mapping runs for real. Failures are scripted per route:

    fake.script("create", status=503)                 # next POST /2/tweets answers 503
    fake.script("create", timeout=True, create=True)  # post made, but the answer never comes
    fake.script("create", status=429, reset_in=60)    # rate limited, reset in 60 s
    fake.script("mentions", timeout=True)             # GET /2/users/:id/mentions hangs

Timelines (mentions, search, the account's own posts) answer as X does: newest first after
since_id or from start_time, only the fields asked for (tweet.fields, user.fields; authors under
includes.users with expansions=author_id; referenced_tweets of replies and quotes), in pages of
max_results with meta.next_token.

A post's text comes back as X shows it, not as it was sent: &, < and > escaped as entities,
and every link twitter-text finds (with or without a scheme) replaced by a t.co link. Like X,
the fake refuses a post whose text the account already posted (403, duplicate content).

Run on its own (for the benchmarks): python -m tests.fakes.x_api --port 0 [--answer-delay 0.25]
prints the address it listens on; GET /_fake/stats says what it was asked and what it posted.
"""

import argparse
import hashlib
import html
import itertools
import json
import threading
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

with warnings.catch_warnings():
    # twitter-text-parser still imports pkg_resources.
    warnings.simplefilter("ignore")
    from twitter_text import extract_urls_with_indices

# X's own answers, as documented and as seen on the wire.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "errors": [
            {
                "parameters": {"text": ["..."]},
                "message": "Your Tweet text is too long. For more information on how Twitter "
                "determines text length see https://github.com/twitter/twitter-text.",
            }
        ],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    },
    401: {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
    403: {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    },
    # A reply to a post that was deleted, or that the account may not see (protected, blocked).
    "reply_gone": {
        "detail": "You attempted to reply to a Tweet that is deleted or not visible to you.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    },
    429: {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    },
    500: {
        "title": "Internal Server Error",
        "detail": "Internal Server Error",
        "type": "about:blank",
        "status": 500,
    },
    503: {
        "title": "Service Unavailable",
        "detail": "Service Unavailable",
        "type": "about:blank",
        "status": 503,
    },
}


# What X returns of a post or a user when no field is asked for.
TWEET_DEFAULT_FIELDS = {"id", "text", "edit_history_tweet_ids"}
USER_DEFAULT_FIELDS = {"id", "name", "username"}
PAGE_TOKEN_PREFIX = "7140dibdnow9c7btw"


def _only(item: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key in fields}


def as_x_shows(text: str) -> str:
    """The text of a post as X's API returns it: links become t.co links, then &, < and >
    are escaped as HTML entities."""
    pieces, end = [], 0
    for found in extract_urls_with_indices(text):
        start, stop = found["indices"]
        short = hashlib.sha256(found["url"].encode()).hexdigest()[:10]
        pieces += [text[end:start], f"https://t.co/{short}"]
        end = stop
    pieces.append(text[end:])
    return html.escape("".join(pieces), quote=False)


@dataclass
class Scripted:
    status: int = 200
    body: dict[str, Any] | None = None
    reset_in: int = 0
    timeout: bool = False  # answer only after the client gave up
    create: bool = False  # make the post anyway (the outcome the client cannot know)


@dataclass
class FakeX:
    timeout_seconds: float = 3.0
    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)
    mentions: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    search: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    scripts: dict[str, list[Scripted]] = field(default_factory=lambda: defaultdict(list))
    author_id: str = "1500000000000000001"
    # OAuth 2.0 user tokens that X no longer accepts (answered 401), and the refresh tokens
    # it will exchange for new ones.
    expired_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    # Seconds between making a post and answering (a real network's round trip): a client
    # that dies in between never learns the post's id.
    answer_delay: float = 0.0
    # Posts deleted on X (or no longer visible to the account): a reply to one is refused.
    deleted: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Ids as X makes them (snowflakes: the time in ms since 2010-11-04, shifted), so two
        # fakes started one after another never hand out the same id.
        self._ids = itertools.count((int(time.time() * 1000) - 1288834974657) << 22)
        self._lock = threading.RLock()

    # --- scripting --------------------------------------------------------------------------

    def script(self, route: str, **kwargs: Any) -> None:
        """Queue the next answer of a route: create, user_tweets, mentions, search."""
        self.scripts[route].append(Scripted(**kwargs))

    def next_id(self) -> str:
        with self._lock:
            return str(next(self._ids))

    def add_user(self, user_id: str, username: str, followers: int, name: str = "") -> None:
        self.users[user_id] = {
            "id": user_id,
            "username": username,
            "name": name or username,
            "public_metrics": {
                "followers_count": followers,
                "following_count": 10,
                "tweet_count": 100,
                "listed_count": 1,
            },
        }

    def add_post(self, text: str, **extra: Any) -> dict[str, Any]:
        """A post of the brand account made outside Crisis Desk (or by a lost attempt)."""
        tweet = self._tweet(text, self.author_id, **extra)
        self.tweets[tweet["id"]] = tweet
        return tweet

    def add_mention(
        self, account_id: str, text: str, author_id: str, lang: str = "en"
    ) -> dict[str, Any]:
        tweet = self._tweet(text, author_id, lang=lang)
        self.mentions[account_id].append(tweet)
        return tweet

    def add_search_result(
        self, query: str, text: str, author_id: str, lang: str = "en"
    ) -> dict[str, Any]:
        tweet = self._tweet(text, author_id, lang=lang)
        self.search[query].append(tweet)
        return tweet

    def _tweet(
        self, text: str, author_id: str, reply_to: str = "", quote: str = "", lang: str = "en"
    ) -> dict[str, Any]:
        tweet_id = self.next_id()
        tweet: dict[str, Any] = {
            "id": tweet_id,
            "text": as_x_shows(text),
            "raw_text": text,  # what was sent (not a field X has: never returned)
            "author_id": author_id,
            "created_at": datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "edit_history_tweet_ids": [tweet_id],
            # X's detected language (BCP 47, "und" when it cannot tell): tweet.fields=lang.
            "lang": lang,
        }
        referenced = [("replied_to", reply_to), ("quoted", quote)]
        if any(target for _kind, target in referenced):
            tweet["referenced_tweets"] = [
                {"type": kind, "id": target} for kind, target in referenced if target
            ]
        if reply_to:
            tweet["in_reply_to_tweet_id"] = reply_to  # for the tests (not a field X has)
        return tweet

    @property
    def posts(self) -> list[dict[str, Any]]:
        """What the brand account has posted, in order."""
        return sorted(self.tweets.values(), key=lambda t: int(t["id"]))

    # --- the routes -------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        if method == "GET" and path == "/_fake/stats":
            return 200, self.stats(), {}
        self.requests.append((method, path, body if body is not None else query))
        if method == "POST" and path == "/2/tweets":
            return self._create(body or {})
        if method == "POST" and path == "/2/oauth2/token":
            return self._refresh(body or {})
        parts = path.strip("/").split("/")
        if method == "GET" and len(parts) == 4 and parts[:2] == ["2", "users"]:
            if parts[3] == "tweets":
                return self._list("user_tweets", self._own_since(query), query)
            if parts[3] == "mentions":
                found = self._since(self.mentions[parts[2]], query)
                return self._list("mentions", found, query, page_sizes=(5, 100))
        if method == "GET" and path == "/2/tweets/search/recent":
            found = self._since(self.search[query.get("query", [""])[0]], query)
            return self._list("search", found, query, page_sizes=(10, 100))
        return 404, {"title": "Not Found Error", "type": "about:blank", "status": 404}, {}

    def _scripted(self, route: str) -> Scripted | None:
        with self._lock:
            return self.scripts[route].pop(0) if self.scripts[route] else None

    def _answer(self, scripted: Scripted) -> tuple[int, dict[str, Any], dict[str, str]]:
        headers: dict[str, str] = {}
        if scripted.status == 429:
            headers = {
                "x-rate-limit-limit": "100",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(time.time()) + scripted.reset_in),
            }
        return scripted.status, scripted.body or ERRORS.get(scripted.status, {}), headers

    def stats(self) -> dict[str, Any]:
        """What the benchmarks read: how many posts were asked for and made, and how often
        each text was posted."""
        texts: dict[str, int] = defaultdict(int)
        for tweet in self.tweets.values():
            texts[tweet["raw_text"]] += 1
        return {
            "create_requests": sum(
                1 for m, p, _b in self.requests if (m, p) == ("POST", "/2/tweets")
            ),
            "posts": len(self.tweets),
            "distinct_texts": len(texts),
            "texts_posted_twice": sorted(t for t, n in texts.items() if n > 1),
        }

    def _create(self, body: dict[str, Any]) -> Any:
        scripted = self._scripted("create")
        text = body.get("text", "")
        if scripted is None or scripted.create:
            if scripted is None and len(text) > 280:
                return 400, ERRORS[400], {}
            with self._lock:
                if scripted is None and any(t["raw_text"] == text for t in self.tweets.values()):
                    return 403, ERRORS[403], {}
                reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id", "")
                if scripted is None and reply_to in self.deleted:
                    return 403, ERRORS["reply_gone"], {}
                tweet = self._tweet(
                    text,
                    self.author_id,
                    reply_to=reply_to,
                    quote=body.get("quote_tweet_id", ""),
                )
                self.tweets[tweet["id"]] = tweet
            created = {
                "data": {
                    "id": tweet["id"],
                    "text": tweet["text"],
                    "edit_history_tweet_ids": [tweet["id"]],
                }
            }
            if self.answer_delay:
                time.sleep(self.answer_delay)
        if scripted is None:
            return 201, created, {}
        if scripted.timeout:
            time.sleep(self.timeout_seconds)
        if scripted.create and scripted.status < 300:
            return 201, created, {}
        return self._answer(scripted)

    def _refresh(self, body: dict[str, Any]) -> Any:
        token = body.get("refresh_token", "")
        if body.get("grant_type") != "refresh_token" or token not in self.refresh_tokens:
            return (
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Value passed for the token was invalid.",
                },
                {},
            )
        self.refresh_tokens.discard(token)
        fresh = f"refresh-{self.next_id()}"
        self.refresh_tokens.add(fresh)
        return (
            200,
            {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": f"access-{self.next_id()}",
                "scope": "tweet.read tweet.write users.read offline.access",
                "refresh_token": fresh,
            },
            {},
        )

    def _own_since(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        # start_time comes to the second ("…:05Z"), created_at to the millisecond.
        start = query.get("start_time", [""])[0].replace("Z", ".000Z")
        return [t for t in reversed(self.posts) if not start or t["created_at"] >= start]

    @staticmethod
    def _since(tweets: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
        since = int(query.get("since_id", ["0"])[0] or 0)
        return sorted((t for t in tweets if int(t["id"]) > since), key=lambda t: -int(t["id"]))

    def _list(
        self,
        route: str,
        tweets: list[dict[str, Any]],
        query: dict[str, list[str]],
        page_sizes: tuple[int, int] | None = None,
    ) -> Any:
        """A page of a timeline, newest first, shaped as X shapes it: only the fields asked
        for (tweet.fields, user.fields), authors under includes.users only with
        expansions=author_id, and meta.next_token while older posts remain (max_results)."""
        scripted = self._scripted(route)
        if scripted:
            if scripted.timeout:
                time.sleep(self.timeout_seconds)
            return self._answer(scripted)
        size = int(query.get("max_results", ["0"])[0] or 0)
        if page_sizes and size and not page_sizes[0] <= size <= page_sizes[1]:
            low, high = page_sizes
            return 400, self._invalid("max_results", f"must be between {low} and {high}"), {}
        name = "pagination_token" if "pagination_token" in query else "next_token"
        token = query.get(name, [""])[0]
        if token:
            # The token names the oldest post already returned: a stable cursor, as X's is.
            before = token.removeprefix(PAGE_TOKEN_PREFIX)
            if not before.isdigit():
                return 400, self._invalid(name, "is not a valid token"), {}
            tweets = [t for t in tweets if int(t["id"]) < int(before)]
        page = tweets[:size] if size else tweets
        if not page:
            return 200, {"meta": {"result_count": 0}}, {}
        meta: dict[str, Any] = {
            "result_count": len(page),
            "newest_id": page[0]["id"],
            "oldest_id": page[-1]["id"],
        }
        if len(page) < len(tweets):
            meta["next_token"] = f"{PAGE_TOKEN_PREFIX}{page[-1]['id']}"
        tweet_fields = set(",".join(query.get("tweet.fields", [])).split(",")) - {""}
        user_fields = set(",".join(query.get("user.fields", [])).split(",")) - {""}
        payload: dict[str, Any] = {
            "data": [_only(t, TWEET_DEFAULT_FIELDS | tweet_fields) for t in page],
            "meta": meta,
        }
        if "author_id" in ",".join(query.get("expansions", [])).split(","):
            authors = dict.fromkeys(t["author_id"] for t in page)
            users = [
                _only(self.users[a], USER_DEFAULT_FIELDS | user_fields)
                for a in authors
                if a in self.users
            ]
            if users:
                payload["includes"] = {"users": users}
        return 200, payload, {}

    @staticmethod
    def _invalid(parameter: str, problem: str) -> dict[str, Any]:
        return {
            "errors": [
                {
                    "parameters": {parameter: ["..."]},
                    "message": f"The `{parameter}` query parameter value [...] {problem}",
                }
            ],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        }

    # --- serving ----------------------------------------------------------------------------

    def serve(self, port: int = 0) -> "RunningFake":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _respond(self, method: str) -> None:
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if not raw:
                    body = None
                elif "form-urlencoded" in self.headers.get("Content-Type", ""):
                    body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                else:
                    body = json.loads(raw)
                bearer = self.headers.get("Authorization", "")
                if bearer.startswith("Bearer ") and bearer[7:] in fake.expired_tokens:
                    status, payload, headers = 401, ERRORS[401], {}
                else:
                    status, payload, headers = fake.handle(
                        method, url.path, parse_qs(url.query), body
                    )
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a scripted timeout)

            def do_GET(self) -> None:
                self._respond("GET")

            def do_POST(self) -> None:
                self._respond("POST")

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        return RunningFake(fake, server, f"http://127.0.0.1:{server.server_port}")


@dataclass
class RunningFake:
    fake: FakeX
    server: ThreadingHTTPServer
    url: str

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a fake X API v2 on localhost.")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--answer-delay", type=float, default=0.0)
    args = parser.parse_args()
    running = FakeX(answer_delay=args.answer_delay).serve(args.port)
    print(f"fake X API on {running.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        running.stop()


if __name__ == "__main__":
    main()
