"""Pre-flight checks: one list of what is wrong with a message's words, with the offending words
found, said to its writer before it is submitted and to its approver beside it (page and API
alike, communications.selectors.message_review and the API's preflight action).

Blocking findings stop it: an unfilled placeholder, a word on the brand's never-say list, a
reply whose post is gone from X. The last gate asks ``blocking`` again inside the transaction
that publishes (communications.messaging.gate). Warnings do not stop it; the approver sees them
and approves knowingly: the brand's tone rules, a language other than the reader's, links to
domains outside the brand's own, claims cited that are not verified.

The rules are data (WordingRule), kept by managers (communications.messaging.services.wording).
A stretch of text is flagged once: the rules are asked phrases first (the most specific, with
the most useful reason), then links, then the shapes (capitals, runs of marks), and a rule does
not flag again what an earlier one flagged.
"""

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from lingua import Language, LanguageDetectorBuilder

from communications.messaging.models import Message, Template, WordingRule
from communications.messaging.text import PLACEHOLDER, unfilled_placeholders
from config.languages import language_said
from incidents.models import Claim, ClaimStatus

with warnings.catch_warnings():
    # twitter-text-parser still imports pkg_resources.
    warnings.simplefilter("ignore")
    from twitter_text import extract_urls_with_indices

Rule = WordingRule.Shape


class Check(StrEnum):
    PLACEHOLDER = "placeholder"
    NEVER_SAY = "never_say"
    TARGET_GONE = "target_gone"
    TONE = "tone"
    LINK = "link"
    LANGUAGE = "language"
    UNVERIFIED_CLAIM = "unverified_claim"


BLOCKING = frozenset({Check.PLACEHOLDER, Check.NEVER_SAY, Check.TARGET_GONE})


@dataclass(frozen=True)
class Span:
    """Where a finding's words are: in which text (0: the body, 1 on: the thread's further
    posts) and between which characters."""

    part: int
    start: int
    end: int
    words: str


@dataclass(frozen=True)
class Finding:
    check: Check
    text: str
    spans: tuple[Span, ...] = ()
    rule: WordingRule | None = field(default=None, compare=False)

    @property
    def blocking(self) -> bool:
        return self.check in BLOCKING


# --- words: the rules' matching, one function per shape --------------------------------------

# A run of two or more words in capitals ("CALM DOWN", "LÜTFEN BEKLEYİN"); one word in capitals
# is most often a name or an acronym (NASA, TÜBİTAK) and is not flagged.
WORD = re.compile(r"[^\W\d_]+")
MARKS = re.compile(r"[!?]{3,}")


def folded(text: str) -> str:
    """The text in lower case, one character for one (so that positions stay), by Turkish
    rules for I and İ: "AÇIKLADIK" reads as "açıkladık", "SAKİN" as "sakin"."""
    text = text.replace("I", "ı").replace("İ", "i")
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def rule_lines(text: str) -> list[str]:
    """The non-empty lines of a rule's field, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@lru_cache(maxsize=256)
def _phrases_pattern(words: str) -> re.Pattern[str] | None:
    """One pattern for all of a rule's phrases (a line each), the longest first so that "calm
    down" wins over "calm"; each phrase on whole words, its spaces any run of white space."""
    phrases = {
        r"\s+".join(re.escape(word) for word in folded(line).split()) for line in rule_lines(words)
    }
    if not phrases:
        return None
    alternatives = "|".join(sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _phrases(rule: WordingRule, text: str) -> list[tuple[int, int]]:
    """Either fold of the text: a phrase written in English meets an English "I" too."""
    pattern = _phrases_pattern(rule.words or "")
    if pattern is None:
        return []
    plain = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    spans: set[tuple[int, int]] = set()
    for haystack in {folded(text), plain}:
        spans.update(m.span() for m in pattern.finditer(haystack))
    return sorted(spans)


def _capitals(rule: WordingRule, text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    run: list[re.Match[str]] = []
    for match in [*WORD.finditer(text), None]:
        shouted = match is not None and len(match.group()) >= 2 and match.group().isupper()
        joined = not run or (match is not None and _between_words(text, run[-1], match))
        if shouted and joined:
            run.append(match)  # type: ignore[arg-type]
            continue
        if len(run) >= 2:
            spans.append((run[0].start(), run[-1].end()))
        run = [match] if shouted else []  # type: ignore[list-item]
    return spans


def _between_words(text: str, before: re.Match[str], after: re.Match[str]) -> bool:
    """Two words are in one run when only spaces and light punctuation stand between them."""
    gap = text[before.end() : after.start()]
    return len(gap) <= 3 and all(c.isspace() or c in ",;:-'’" for c in gap)


def _marks(rule: WordingRule, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in MARKS.finditer(text)]


def domain_allowed(host: str, domains: Iterable[str]) -> bool:
    """A link's host is the brand's when it is one of its domains or under one."""
    host = host.lower().rstrip(".")
    for domain in domains:
        domain = domain.lower().strip().lstrip(".").removeprefix("www.")
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def _own_hosts() -> list[str]:
    """Crisis Desk's own addresses (the statement page's, the site's): always the brand's."""
    return [
        urlsplit(url).hostname or "" for url in (settings.STATEMENT_PAGE_URL, settings.SITE_URL)
    ]


def _links(rule: WordingRule, text: str) -> list[tuple[int, int]]:
    domains = [*rule_lines(rule.words), *_own_hosts()]
    spans = []
    for found in extract_urls_with_indices(text):
        url = found["url"]
        host = urlsplit(url if "://" in url else "https://" + url).hostname or ""
        if not domain_allowed(host, domains):
            spans.append(tuple(found["indices"]))
    return spans


SHAPES = {Rule.PHRASES: _phrases, Rule.CAPITALS: _capitals, Rule.MARKS: _marks, Rule.LINKS: _links}
# The order rules are asked in: the most specific first.
SHAPE_ORDER = [Rule.PHRASES, Rule.LINKS, Rule.CAPITALS, Rule.MARKS]


def rule_spans(rule: WordingRule, text: str) -> list[tuple[int, int]]:
    """Where one rule flags one text (the rule's shape decides how)."""
    return sorted(SHAPES[Rule(rule.shape)](rule, text or ""))


def rule_flags(rule: WordingRule, text: str) -> bool:
    return bool(rule_spans(rule, text))


def _ordered(rules: Iterable[WordingRule]) -> list[WordingRule]:
    kinds: list[str] = [WordingRule.Kind.NEVER_SAY, WordingRule.Kind.TONE]
    return sorted(
        rules, key=lambda r: (SHAPE_ORDER.index(Rule(r.shape)), kinds.index(r.kind), r.name)
    )


def _rule_check(rule: WordingRule) -> Check:
    if rule.kind == WordingRule.Kind.NEVER_SAY:
        return Check.NEVER_SAY
    return Check.LINK if rule.shape == Rule.LINKS else Check.TONE


def rule_said(rule: WordingRule) -> tuple[str, str]:
    """A rule's name and reason in the reader's language: the starting rules' words are in the
    catalogue (communications.migrations.0021) until a manager rewrites them."""
    return _(rule.name), _(rule.reason)


def _rule_text(rule: WordingRule) -> str:
    name, reason = rule_said(rule)
    if rule.kind == WordingRule.Kind.NEVER_SAY:
        return _("Never say — %(rule)s: %(reason)s") % {"rule": name, "reason": reason}
    return _("%(rule)s: %(reason)s") % {"rule": name, "reason": reason}


def check_words(texts: Sequence[str], rules: Iterable[WordingRule]) -> list[Finding]:
    """What the rules flag in the texts (the body, then the thread's further posts): one
    finding per rule that flags something no earlier rule flagged."""
    taken: list[Span] = []
    findings = []
    for rule in _ordered(rules):
        spans = []
        for part, text in enumerate(texts):
            for start, end in rule_spans(rule, text):
                span = Span(part, start, end, text[start:end])
                if not any(_overlap(span, other) for other in taken):
                    spans.append(span)
        if spans:
            taken.extend(spans)
            findings.append(Finding(_rule_check(rule), _rule_text(rule), tuple(spans), rule))
    return findings


def _overlap(one: Span, other: Span) -> bool:
    return one.part == other.part and one.start < other.end and other.start < one.end


def rules_in_force(*kinds: str) -> list[WordingRule]:
    """The rules in force (only those of ``kinds`` when given)."""
    rules = WordingRule.objects.filter(is_active=True)
    return list(rules.filter(kind__in=kinds) if kinds else rules)


def check_placeholders(texts: Sequence[str]) -> list[Finding]:
    spans = tuple(
        Span(part, m.start(), m.end(), m.group())
        for part, text in enumerate(texts)
        for m in PLACEHOLDER.finditer(text or "")
    )
    if not spans:
        return []
    return [
        Finding(
            Check.PLACEHOLDER,
            _("Fill in %(placeholders)s: a placeholder must never go out.")
            % {"placeholders": ", ".join(unfilled_placeholders(*texts))},
            spans,
        )
    ]


def check_target(message: Message) -> list[Finding]:
    """A reply whose post X said is deleted or no longer visible cannot go out."""
    mention = message.reply_to_mention if message.reply_to_mention_id else None
    if mention is None or mention.gone_at is None:
        return []
    return [
        Finding(
            Check.TARGET_GONE,
            _(
                "The post this replies to (@%(handle)s) is gone from X: it was deleted or is "
                "no longer visible. Say it in a post of its own, or withdraw the reply."
            )
            % {"handle": mention.author_handle},
        )
    ]


# --- language --------------------------------------------------------------------------------

# The languages a draft is told apart among: the product's two, and the ones a brand in Türkiye
# most often hears from.
DETECTED = ("ENGLISH", "TURKISH", "GERMAN", "FRENCH", "SPANISH", "ARABIC", "RUSSIAN", "DUTCH")
# A draft shorter than this (in words, links and handles left out) is not judged.
FEWEST_WORDS = 3
# How sure the detector must be before a difference is said.
SURE = 0.7
NOT_WORDS = re.compile(r"https?://\S+|[@#]\w+|\{\w+\}")


@cache
def _detector() -> Any:
    return LanguageDetectorBuilder.from_languages(
        *(getattr(Language, name) for name in DETECTED)
    ).build()


def language_of_text(text: str) -> str:
    """The language a text is written in ("tr", "en", …), or "" when it is too short to tell
    or the detector is not sure."""
    words = NOT_WORDS.sub(" ", text or "")
    if len(WORD.findall(words)) < FEWEST_WORDS:
        return ""
    values = _detector().compute_language_confidence_values(words)
    if not values or values[0].value < SURE:
        return ""
    return str(values[0].language.iso_code_639_1.name).lower()


def expected_language(
    *, mention: Any = None, template: Template | None = None, page: str = ""
) -> tuple[str, str]:
    """The language the draft should be in, and why: the statement page it goes on, the post
    it answers (as X detected it), else the template it started from. ("", "") when none
    says."""
    if page:
        return page, "page"
    if mention is not None and mention.language and mention.language not in ("und", "zxx"):
        return mention.language, "mention"
    if template is not None and template.language:
        return template.language.split("-")[0], "template"
    return "", ""


def check_language(texts: Sequence[str], expected: str, source: str) -> list[Finding]:
    if not expected:
        return []
    written = language_of_text(" ".join(texts))
    if not written or written == expected:
        return []
    values = {"written": language_said(written), "expected": language_said(expected)}
    if source == "page":
        text = _("The text reads as %(written)s, but it goes on the page in %(expected)s.")
    elif source == "mention":
        text = _(
            "The text reads as %(written)s, but the post it answers is in %(expected)s: answer "
            "people in their own language."
        )
    else:
        text = _("The text reads as %(written)s, but its template is in %(expected)s.")
    return [Finding(Check.LANGUAGE, text % values)]


# --- claims ----------------------------------------------------------------------------------

UNVERIFIED = (ClaimStatus.UNVERIFIED, ClaimStatus.INVESTIGATING)


def check_claims(claims: Iterable[Claim]) -> list[Finding]:
    return [
        Finding(
            Check.UNVERIFIED_CLAIM,
            _("It cites a claim that is not verified: “%(claim)s” (%(status)s). Check it first.")
            % {"claim": claim.statement, "status": claim.get_status_display()},
        )
        for claim in claims
        if claim.status in UNVERIFIED
    ]


# --- the list ------------------------------------------------------------------------------


def message_texts(message: Message) -> list[str]:
    """The message's texts as X would get them: the body, then the thread's further posts."""
    return [message.body, *(part.body for part in message.parts.order_by("position"))]


def blocking_words(texts: Sequence[str]) -> list[Finding]:
    """What in the words themselves stops them whatever their approvals: a placeholder left, a
    word on the never-say list."""
    return [
        *check_placeholders(texts),
        *check_words(texts, rules_in_force(WordingRule.Kind.NEVER_SAY)),
    ]


def blocking(message: Message) -> list[Finding]:
    """What stops the message whatever its approvals: asked by the last gate, inside the
    transaction that publishes."""
    return [*blocking_words(message_texts(message)), *check_target(message)]


def preflight_draft(
    texts: Sequence[str], *, mention: Any = None, template: Template | None = None, page: str = ""
) -> list[Finding]:
    """The list for words not saved yet (the composer's live check), where the words are all
    there is: placeholders, rules and language; the blocking ones first."""
    findings = [
        *check_placeholders(texts),
        *check_words(texts, rules_in_force()),
        *check_language(texts, *expected_language(mention=mention, template=template, page=page)),
    ]
    return sorted(findings, key=lambda f: not f.blocking)


def preflight(message: Message) -> list[Finding]:
    """Every finding on the message (its words as preflight_draft sees them, its target and the
    claims it cites), the blocking ones first."""
    findings = [
        *preflight_draft(
            message_texts(message),
            mention=message.reply_to_mention if message.reply_to_mention_id else None,
            template=message.template if message.template_id else None,
            page=message.language if message.kind == Message.Kind.PAGE_UPDATE else "",
        ),
        *check_target(message),
        *check_claims(message.cited_claims.all() if message.pk else []),
    ]
    return sorted(findings, key=lambda f: not f.blocking)
