"""The brand's public statement page and its Atom feed (no sign-in; communications.messaging.
statement_page says what is on them).

Built for the crowd a crisis brings: each is rendered once per change and language, kept in
the cache, and answered from there with no database query; its ETag is the page's version
(incidents.live), so a browser or a CDN asking again with If-None-Match gets a 304, and
Cache-Control lets a CDN in front keep it for STATEMENT_PAGE_MAX_AGE seconds."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from communications.forms import SubscribeForm
from communications.messaging import subscribers
from communications.messaging.statement_page import STATEMENT_PAGE, page_incidents, public_url
from config.errors import ApplicationError, form_error
from config.languages import language_named
from config.throttling import client_address
from config.when import site_zone
from incidents import live

# How long a rendered page is kept for its version (a new version renders anew).
KEEP_SECONDS = 24 * 3600


def _language(code: str) -> str:
    language = language_named(code)
    if language is None:
        raise Http404
    return language


def _answer(
    request: HttpRequest, what: str, language: str, content_type: str, build: Callable[[], str]
) -> HttpResponse:
    """The rendered page for the current version: 304 when the asker has it, else rendered
    once per version and kept in the cache (incidents.live.remembered)."""
    etag = f'"{what}-{language}-{live.versions([STATEMENT_PAGE])}"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={settings.STATEMENT_PAGE_MAX_AGE}",
    }
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified(headers=headers)

    def rendered() -> str:
        with translation.override(language), timezone.override(site_zone()):
            return build()

    body = live.remembered(STATEMENT_PAGE, f"{what}-{language}", rendered, seconds=KEEP_SECONDS)
    return HttpResponse(body, content_type=content_type, headers=headers)


@login_not_required
@require_GET
def statement_page_root(request: HttpRequest) -> HttpResponse:
    """/status/: the page in the reader's language (their browser's), with a switcher there."""
    language = translation.get_language_from_request(request)
    response = redirect("statement-page", language=language_named(language) or "en")
    response.headers["Vary"] = "Accept-Language"
    return response


def _page(language: str) -> str:
    incidents = page_incidents(language)
    return render_to_string(
        "communications/statement/page.html",
        {
            "brand": settings.BRAND_NAME,
            "language": language,
            "languages": settings.LANGUAGES,
            "live": [i for i in incidents if i.is_live],
            "archive": [i for i in incidents if not i.is_live and i.says_anything],
            "page_url": settings.STATEMENT_PAGE_URL,
        },
    )


@login_not_required
@require_GET
def statement_page(request: HttpRequest, language: str) -> HttpResponse:
    language = _language(language)
    return _answer(request, "page", language, "text/html; charset=utf-8", lambda: _page(language))


def _feed(language: str) -> str:
    page_url = public_url(f"{language}/")
    title = (
        _("%(brand)s: statements") % {"brand": settings.BRAND_NAME}
        if settings.BRAND_NAME
        else _("Statements")
    )
    feed = Atom1Feed(
        title=title,
        link=page_url,
        description=_("Every update the brand publishes about an incident, as it is published."),
        language=language,
        feed_url=f"{page_url}feed.atom",
    )
    for incident in page_incidents(language):
        if incident.opening:
            feed.add_item(
                title=f"{incident.headline} — {_('Our statement')}",
                link=f"{page_url}#{incident.anchor}",
                description=incident.opening,
                unique_id=f"{page_url}#{incident.anchor}",
                pubdate=incident.switched_on_at,
                updateddate=incident.switched_on_at,
            )
        for update in incident.updates:
            label = _("Correction") if update.corrects else _("Update")
            feed.add_item(
                title=f"{incident.headline} — {label}",
                link=f"{page_url}#update-{update.pk}",
                description=update.body,
                unique_id=f"{page_url}#update-{update.pk}",
                pubdate=update.published_at,
                updateddate=update.published_at,
            )
    return feed.writeString("utf-8")


@login_not_required
@require_GET
def statement_feed(request: HttpRequest, language: str) -> HttpResponse:
    language = _language(language)
    return _answer(
        request, "feed", language, "application/atom+xml; charset=utf-8", lambda: _feed(language)
    )


# --- email subscribers (communications.messaging.subscribers) -------------------------------
# Not cached: each answers one person, with a CSRF token in its form.


def _said(
    request: HttpRequest, language: str, template: str, status: int = 200, **context: Any
) -> HttpResponse:
    with translation.override(language):
        return render(
            request,
            f"communications/statement/{template}.html",
            {
                "brand": settings.BRAND_NAME,
                "language": language,
                "languages": settings.LANGUAGES,
                **context,
            },
            status=status,
        )


@login_not_required
@require_http_methods(["GET", "POST"])
def statement_subscribe(request: HttpRequest, language: str) -> HttpResponse:
    """Ask for the updates by email: a confirmation goes to the address (double opt-in)."""
    language = _language(language)
    with translation.override(language):
        form = SubscribeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                subscribers.subscriber_request(
                    email=form.cleaned_data["email"],
                    language=language,
                    client=client_address(request),
                )
            except subscribers.TooMany as exc:
                response = _said(request, language, "subscribe", 429, form=form, error=str(exc))
                response.headers["Retry-After"] = str(exc.retry_after)
                return response
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                email = form.cleaned_data["email"]
                return _said(request, language, "subscribe_sent", email=email)
    return _said(request, language, "subscribe", form=form)


@login_not_required
@require_http_methods(["GET", "POST"])
def statement_confirm(request: HttpRequest, key: str) -> HttpResponse:
    """The confirmation link: a button to press (a mail scanner that opens links confirms
    nothing), then the subscription is on."""
    subscriber = subscribers.subscriber_by_key(key)
    language = subscriber.language if subscriber else translation.get_language()
    if request.method == "POST":
        try:
            subscribers.subscriber_confirm(key=key)
        except ApplicationError as exc:
            return _said(request, language, "confirm", 410, error=str(exc))
        return _said(request, language, "confirm", confirmed=True, key=key)
    if subscriber is None:
        with translation.override(language):
            error = subscribers.link_expired()
        return _said(request, language, "confirm", 410, error=error)
    return _said(request, language, "confirm", key=key, confirmed=subscriber.is_confirmed)


@login_not_required
@csrf_exempt  # one-click unsubscribe (RFC 8058): the mail program posts; the key is the proof
@require_http_methods(["GET", "POST"])
def statement_unsubscribe(request: HttpRequest, key: str) -> HttpResponse:
    """Unsubscribe: the address and everything sent to it are deleted. GET asks (so a link
    opened by a mail scanner deletes nothing); POST, from the page's button or from the mail
    program's one-click unsubscribe, does it."""
    subscriber = subscribers.subscriber_by_key(key)
    language = subscriber.language if subscriber else translation.get_language()
    if request.method == "POST":
        subscribers.subscriber_forget(key=key)
        return _said(request, language, "unsubscribe", done=True)
    return _said(request, language, "unsubscribe", key=key, known=subscriber is not None)
