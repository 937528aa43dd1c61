"""What X counts, what an approval binds to, and what is left to fill in."""

import hashlib
import json
import re
import warnings
from dataclasses import dataclass
from typing import Any

with warnings.catch_warnings():
    # twitter-text-parser still imports pkg_resources.
    warnings.simplefilter("ignore")
    from twitter_text import parse_tweet

MAX_WEIGHTED_LENGTH = 280
# A template's placeholder: "{next_update}", or "@{handle}" (one "@name" once filled).
PLACEHOLDER = re.compile(r"(@?)\{(\w+)\}")


@dataclass(frozen=True)
class Length:
    weighted: int
    valid: bool

    @property
    def remaining(self) -> int:
        return MAX_WEIGHTED_LENGTH - self.weighted


def weighted_length(text: str) -> Length:
    """X's own counting: 280 at most, any URL 23, CJK and emoji 2 (twitter-text)."""
    if not text:
        return Length(weighted=0, valid=False)
    result = parse_tweet(text)
    return Length(weighted=result.weightedLength, valid=bool(result.valid))


def text_hash(fields: dict[str, Any]) -> str:
    """A stable hash of the text and where it goes; approvals are bound to it."""
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def unfilled_placeholders(*texts: str) -> list[str]:
    """The placeholders still in the texts ("{next_update}"), each once, in order. A text with
    one must not go out: a reader would see the brace, or an internal word behind it."""
    found: dict[str, None] = {}
    for text in texts:
        for match in PLACEHOLDER.finditer(text or ""):
            found.setdefault("{" + match.group(2) + "}", None)
    return list(found)
