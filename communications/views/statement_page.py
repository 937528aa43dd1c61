"""The brand's public statement page and its Atom feed (no sign-in; communications.messaging.
statement_page says what is on them).

Built for the crowd a crisis brings: each is rendered once per change and language, kept in
the cache, and answered from there with no database query; its ETag is the page's version
(incidents.live), so a browser or a CDN asking again with If-None-Match gets a 304, and
Cache-Control lets a CDN in front keep it for STATEMENT_PAGE_MAX_AGE seconds."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from communications.messaging.statement_page import STATEMENT_PAGE, page_incidents
from config.languages import language_named
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
            "archive": [i for i in incidents if not i.is_live and i.updates],
            "page_url": settings.STATEMENT_PAGE_URL,
        },
    )


@login_not_required
@require_GET
def statement_page(request: HttpRequest, language: str) -> HttpResponse:
    language = _language(language)
    return _answer(request, "page", language, "text/html; charset=utf-8", lambda: _page(language))


def _feed(language: str) -> str:
    page_url = f"{settings.STATEMENT_PAGE_URL}/{language}/"
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
