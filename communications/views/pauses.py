"""The stop switch: pause publishing from any page's header, see what waits, resume choosing
what to release, and the history of pauses."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communications.accounts.pauses import active_pauses
from communications.forms import PauseForm, ResumeForm
from communications.messaging.services import pauses as services
from communications.models import PublishingPause
from config.http import HttpRequest, forbidden, referer_path, run_form
from config.people import person_require_signed_in
from config.permissions import PAUSE_PUBLISHING, holds

PAGE_SIZE = 25


def _back(request: HttpRequest) -> str:
    """The page the header's form was posted from, else the pauses page."""
    return referer_path(request) or reverse("communications:pauses")


@require_http_methods(["GET", "POST"])
def pauses(request: HttpRequest) -> HttpResponse:
    can_pause = holds(request.user, PAUSE_PUBLISHING)
    form = PauseForm(request.POST or None)
    if request.method == "POST":
        if not can_pause:
            return forbidden(request, _("Your role does not allow you to pause publishing."))
        created: list[PublishingPause] = []
        problem = run_form(
            form,
            lambda: created.append(
                services.publishing_pause(
                    actor=person_require_signed_in(request.user),
                    account=form.cleaned_data["account"],
                    reason=form.cleaned_data["reason"],
                )
            ),
        )
        if problem is None:
            messages.warning(
                request,
                _("%(pause)s. Nothing is posted there until a manager resumes.")
                % {"pause": created[0]},
            )
            return redirect(_back(request))
        messages.error(request, problem.message)
    history = Paginator(
        PublishingPause.objects.select_related("account", "paused_by", "resumed_by"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "communications/pauses.html",
        {"form": form, "page": history, "can_pause": can_pause, "active": list(active_pauses())},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def pause_resume(request: HttpRequest, pk: int) -> HttpResponse:
    pause = get_object_or_404(
        PublishingPause.objects.select_related("account", "paused_by", "resumed_by"), pk=pk
    )
    if not holds(request.user, PAUSE_PUBLISHING):
        return forbidden(request, _("Your role does not allow you to resume publishing."))
    if not pause.is_active:
        messages.info(request, _("This pause has already ended."))
        return redirect("communications:pauses")
    waiting = list(services.waiting_messages(pause))
    form = ResumeForm(request.POST or None, waiting=waiting)
    if request.method == "POST":
        problem = run_form(
            form,
            lambda: services.publishing_resume(
                actor=person_require_signed_in(request.user),
                pause=pause,
                release=form.cleaned_data["release"],
            ),
        )
        if problem is None:
            pause.refresh_from_db()
            messages.success(
                request,
                _("Publishing resumed: %(released)d released, %(returned)d back to draft.")
                % {"released": len(pause.released), "returned": len(pause.returned)},
            )
            return redirect("communications:pauses")
    return render(
        request,
        "communications/pause_resume.html",
        {"pause": pause, "form": form, "waiting": waiting},
        status=400 if form.errors else 200,
    )
