"""The brand's wording rules (never say, tone, links), kept by managers: each rule carries its
reason and its own examples, which it must flag (or must not) before it is saved; every change
is on record with why (WordingRuleChange)."""

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from communications.messaging.models import WordingRule, WordingRuleChange
from communications.messaging.preflight import rule_flags, rule_lines
from config.errors import ApplicationError, Conflict
from config.partial import UNCHANGED
from config.people import User
from config.permissions import MANAGE_WORDING, require

DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
MOST_LINES = 200
LONGEST_LINE = 200
# What a change records of the rule, before and after.
RECORDED = (
    "name",
    "kind",
    "shape",
    "words",
    "reason",
    "examples_flagged",
    "examples_passed",
    "is_active",
)


def _snapshot(rule: WordingRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RECORDED}


def _lines(text: str, field: str, *, required: bool) -> str:
    lines = rule_lines(text)
    if required and not lines:
        raise ApplicationError(_("Give at least one line."), field=field)
    if len(lines) > MOST_LINES:
        raise ApplicationError(_("At most %(count)d lines.") % {"count": MOST_LINES}, field=field)
    if any(len(line) > LONGEST_LINE for line in lines):
        raise ApplicationError(
            _("Each line has at most %(count)d characters.") % {"count": LONGEST_LINE},
            field=field,
        )
    return "\n".join(lines)


def _domains(words: str) -> str:
    domains = []
    for line in rule_lines(words):
        domain = line.lower().removeprefix("https://").removeprefix("http://").strip("/")
        domain = domain.removeprefix("www.")
        if not DOMAIN.fullmatch(domain):
            raise ApplicationError(
                _("“%(line)s” is not a domain: write one per line, like example.com.")
                % {"line": line},
                field="words",
            )
        domains.append(domain)
    return "\n".join(dict.fromkeys(domains))


def _check_examples(rule: WordingRule) -> None:
    """A rule is saved only when it does what its examples say: it flags each of the first
    and none of the second."""
    for example in rule_lines(rule.examples_flagged):
        if not rule_flags(rule, example):
            raise ApplicationError(
                _("The rule does not flag its example “%(example)s”.") % {"example": example},
                field="examples_flagged",
            )
    for example in rule_lines(rule.examples_passed):
        if rule_flags(rule, example):
            raise ApplicationError(
                _("The rule flags “%(example)s”, which it must not.") % {"example": example},
                field="examples_passed",
            )


@transaction.atomic
def rule_save(
    *,
    actor: User,
    rule: WordingRule | None = None,
    change_reason: str = "",
    name: str = UNCHANGED,
    kind: str = UNCHANGED,
    shape: str = UNCHANGED,
    words: str = UNCHANGED,
    reason: str = UNCHANGED,
    examples_flagged: str = UNCHANGED,
    examples_passed: str = UNCHANGED,
) -> WordingRule:
    """Write a rule, or change one (only what is given; a change needs its reason). Nothing
    changed: nothing is recorded."""
    require(actor, MANAGE_WORDING)
    given = {
        "name": name,
        "kind": kind,
        "shape": shape,
        "words": words,
        "reason": reason,
        "examples_flagged": examples_flagged,
        "examples_passed": examples_passed,
    }
    if rule is not None:
        rule = WordingRule.objects.select_for_update().get(pk=rule.pk)
        before = _snapshot(rule)
    else:
        rule = WordingRule(kind=WordingRule.Kind.TONE, shape=WordingRule.Shape.PHRASES)
        before = {}
    for field, value in given.items():
        if value is not UNCHANGED:
            setattr(rule, field, (value or "").strip())
    if not rule.name:
        raise ApplicationError(_("Give the rule a name."), field="name")
    if len(rule.name) > 100:
        raise ApplicationError(_("A name has at most 100 characters."), field="name")
    if rule.kind not in WordingRule.Kind.values:
        raise ApplicationError(_("Choose whether the rule blocks or warns."), field="kind")
    if rule.shape not in WordingRule.Shape.values:
        raise ApplicationError(_("Choose what the rule looks for."), field="shape")
    needs_words = rule.shape in (WordingRule.Shape.PHRASES, WordingRule.Shape.LINKS)
    rule.words = _lines(rule.words, "words", required=needs_words) if needs_words else ""
    if rule.shape == WordingRule.Shape.LINKS:
        rule.words = _domains(rule.words)
    if not rule.reason:
        raise ApplicationError(
            _("Say why the brand avoids these words: it is shown beside every word flagged."),
            field="reason",
        )
    rule.examples_flagged = _lines(rule.examples_flagged, "examples_flagged", required=True)
    rule.examples_passed = _lines(rule.examples_passed, "examples_passed", required=True)
    _check_examples(rule)
    duplicate = WordingRule.objects.filter(name__iexact=rule.name).exclude(pk=rule.pk)
    if duplicate.exists():
        raise Conflict(_("A rule with this name already exists."), field="name")
    after = _snapshot(rule)
    if before == after:
        return rule
    if before and not change_reason.strip():
        raise ApplicationError(
            _("Say why the rule changes: the change is kept on record."), field="change_reason"
        )
    if not before:
        rule.created_by = actor
    rule.save()
    WordingRuleChange.objects.create(
        rule=rule,
        action=WordingRuleChange.Action.CHANGED if before else WordingRuleChange.Action.ADDED,
        actor=actor,
        reason=change_reason.strip() or rule.reason,
        before=before,
        after=after,
    )
    return rule


@transaction.atomic
def rule_retire(
    *, actor: User, rule: WordingRule, reason: str, in_force: bool = False
) -> WordingRule:
    """Take a rule out of force (``in_force``: put it back), with why. A retired rule flags
    nothing; it stays on record with its history."""
    require(actor, MANAGE_WORDING)
    rule = WordingRule.objects.select_for_update().get(pk=rule.pk)
    if not (reason or "").strip():
        raise ApplicationError(_("Say why: the change is kept on record."), field="change_reason")
    if rule.is_active == in_force:
        raise Conflict(
            _("The rule is already in force.") if in_force else _("The rule is already retired.")
        )
    before = _snapshot(rule)
    rule.is_active = in_force
    rule.save(update_fields=["is_active", "updated_at"])
    WordingRuleChange.objects.create(
        rule=rule,
        action=WordingRuleChange.Action.RESTORED if in_force else WordingRuleChange.Action.RETIRED,
        actor=actor,
        reason=reason.strip(),
        before=before,
        after=_snapshot(rule),
    )
    return rule
