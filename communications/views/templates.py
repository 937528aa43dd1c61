"""Templates: holding statements and replies, their preview for an incident, and their
approval."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communications import selectors
from communications.forms import TemplateForm, TemplatePreviewForm
from communications.messaging import gate
from communications.messaging.services import statements
from communications.messaging.text import MAX_WEIGHTED_LENGTH
from communications.models import Template
from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden
from config.people import person_require_signed_in
from config.permissions import DRAFT_MESSAGE, MANAGE_TEMPLATES, holds
from config.two_factor import two_factor_required

PAGE_SIZE = 25


@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.templates(user=request.user)
    kind = request.GET.get("kind", "")
    language = request.GET.get("language", "").strip().lower()
    if kind in Template.Kind.values:
        queryset = queryset.filter(kind=kind)
    if language:
        queryset = queryset.filter(language=language)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communications/templates.html",
        {
            "page": page,
            "kinds": Template.Kind.choices,
            "kind": kind,
            "language": language,
            "can_manage": holds(request.user, MANAGE_TEMPLATES),
        },
    )


@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    template = get_object_or_404(selectors.templates(user=request.user), pk=pk) if pk else None
    if not holds(request.user, MANAGE_TEMPLATES):
        return forbidden(request, _("Your role does not allow you to write templates."))
    initial = (
        {
            "name": template.name,
            "kind": template.kind,
            "language": template.language,
            "body": template.body,
            "headline": template.headline,
            "faq": template.faq,
        }
        if template
        else {}
    )
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = statements.template_save(
                actor=person_require_signed_in(request.user), template=template, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            if template is not None and template.is_approved and not saved.is_approved:
                messages.warning(request, _("Saved. The text changed, so it needs approval again."))
            else:
                messages.success(request, _("Template saved."))
            return redirect("communications:template", pk=saved.pk)
    return render(
        request, "communications/template_form.html", {"form": form, "template": template}
    )


@require_GET
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(selectors.templates(user=request.user), pk=pk)
    form = TemplatePreviewForm(
        request.GET or None, incidents=selectors.incidents_to_write_about(user=request.user)
    )
    incident = None
    handle = ""
    next_update = None
    if form.is_bound and form.is_valid():
        incident = form.cleaned_data["incident"]
        handle = form.cleaned_data["handle"]
        next_update = form.cleaned_data["next_update"]
    preview = statements.template_render(
        template=template,
        incident=incident,
        handle=handle,
        author=str(request.user),
        next_update=next_update,
    )
    user = person_require_signed_in(request.user)
    return render(
        request,
        "communications/template.html",
        {
            "template": template,
            "form": form,
            "incident": incident,
            "preview": preview,
            "limit": MAX_WEIGHTED_LENGTH,
            "can_manage": holds(user, MANAGE_TEMPLATES),
            "can_approve": gate.refusal_to_approve_template(user, template) is None,
            "wrote_it": user.pk in gate.template_writers(template) and not template.is_approved,
            "can_use": holds(user, DRAFT_MESSAGE),
        },
    )


@require_POST
@two_factor_required
def template_approve(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(selectors.templates(user=request.user), pk=pk)
    try:
        statements.template_approve(actor=person_require_signed_in(request.user), template=template)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Template approved."))
    return redirect("communications:template", pk=template.pk)
