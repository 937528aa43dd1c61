"""The brand's wording rules: the list, one rule with its examples and history, writing and
changing one, retiring it (managers; communications.messaging.services.wording)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communications.forms import WordingRuleForm, WordingRuleRetireForm
from communications.messaging.preflight import rule_lines, rule_said
from communications.messaging.services import wording
from communications.models import WordingRule, WordingRuleChange
from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden
from config.people import person_require_signed_in
from config.permissions import MANAGE_WORDING, holds

PAGE_SIZE = 50


@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    shown = request.GET.get("shown", "")
    rules = WordingRule.objects.order_by("-is_active", "kind", "name")
    if shown != "all":
        rules = rules.filter(is_active=True)
    page = Paginator(rules, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communications/wording_rules.html",
        {
            "page": page,
            "rules": [(rule, *rule_said(rule)) for rule in page.object_list],
            "shown": shown,
            "can_manage": holds(request.user, MANAGE_WORDING),
        },
    )


@require_GET
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(WordingRule, pk=pk)
    name, reason = rule_said(rule)
    return render(
        request,
        "communications/wording_rule.html",
        {
            "rule": rule,
            "name": name,
            "reason": reason,
            "words": rule_lines(rule.words),
            "flagged": rule_lines(rule.examples_flagged),
            "passed": rule_lines(rule.examples_passed),
            "changes": WordingRuleChange.objects.filter(rule=rule).select_related("actor"),
            "can_manage": holds(request.user, MANAGE_WORDING),
            "retire_form": WordingRuleRetireForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(WordingRule, pk=pk) if pk else None
    if not holds(request.user, MANAGE_WORDING):
        return forbidden(request, _("Your role does not allow you to keep the wording rules."))
    initial = (
        {
            field: getattr(rule, field)
            for field in WordingRuleForm.base_fields
            if field != "change_reason"
        }
        if rule
        else {"kind": WordingRule.Kind.TONE, "shape": WordingRule.Shape.PHRASES}
    )
    form = WordingRuleForm(request.POST or None, initial=initial)
    if rule is None:
        del form.fields["change_reason"]
    else:
        form.fields["change_reason"].required = True
    if request.method == "POST" and form.is_valid():
        try:
            saved = wording.rule_save(
                actor=person_require_signed_in(request.user), rule=rule, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Rule saved; it applies from the next check."))
            return redirect(saved)
    return render(request, "communications/wording_rule_form.html", {"form": form, "rule": rule})


@require_POST
def rule_retire(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(WordingRule, pk=pk)
    if not holds(request.user, MANAGE_WORDING):
        return forbidden(request, _("Your role does not allow you to keep the wording rules."))
    form = WordingRuleRetireForm(request.POST)
    in_force = request.POST.get("in_force") == "1"
    if not form.is_valid():
        messages.error(request, _("Say why: the change is kept on record."))
        return redirect(rule)
    try:
        wording.rule_retire(
            actor=person_require_signed_in(request.user),
            rule=rule,
            reason=form.cleaned_data["change_reason"],
            in_force=in_force,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Put back in force.") if in_force else _("Rule retired."))
    return redirect(rule)
