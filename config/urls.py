from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerSplitView

from communications.views import statement_page
from config import health
from config.schema import SchemaView
from desk import health as desk_health
from incidents import views as incident_views
from teams.security import views as security_views

admin.site.site_header = _("Crisis Desk administration")
admin.site.site_title = _("Crisis Desk")

urlpatterns = [
    path("", incident_views.dashboard, name="dashboard"),
    path("live/", incident_views.live_version, name="live"),
    # /incidents/…, in this order: the lifecycle's pages first, so /incidents/declare/ is never
    # read as an incident's reference by the war room's /incidents/<reference>/.
    path(
        "incidents/", include([path("", include("desk.urls")), path("", include("incidents.urls"))])
    ),
    path("team/stakeholders/", include("teams.stakeholders.urls")),
    # These two serve several prefixes each under one namespace, so they are mounted at the
    # root (two includes of one namespace would hide each other's names from reverse()):
    # /team/, /notifications/ and the war room's roles, checklist, deadlines and risks panels
    # under /incidents/<reference>/; /postmortems/ and /incidents/<reference>/postmortem/.
    path("", include("teams.urls")),
    path("", include("postmortems.urls")),
    path("communications/", include("communications.urls")),
    path("drills/", include("drills.urls")),
    # Where the drills' pages were before they had a room of their own: bookmarks still work.
    *(
        path(
            old,
            RedirectView.as_view(pattern_name=new, permanent=True),
            name=f"moved-{new.replace(':', '-')}",
        )
        for old, new in [
            ("team/drills/", "drills:list"),
            ("team/drills/<int:pk>/", "drills:detail"),
            ("communications/drills/<int:pk>/", "drills:run"),
            ("postmortems/drills/<int:pk>/report/", "drills:report"),
        ]
    ),
    path("accounts/2fa/", include("teams.security.urls")),
    # Django's password reset, limited per address and per email address.
    path(
        "accounts/password_reset/",
        security_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # The brand's public statement page (no sign-in) and its feed.
    path("status/", statement_page.statement_page_root, name="statement-page-root"),
    path(
        "status/subscription/<str:key>/",
        statement_page.statement_confirm,
        name="statement-page-confirm",
    ),
    path(
        "status/unsubscribe/<str:key>/",
        statement_page.statement_unsubscribe,
        name="statement-page-unsubscribe",
    ),
    path("status/<str:language>/", statement_page.statement_page, name="statement-page"),
    path(
        "status/<str:language>/subscribe/",
        statement_page.statement_subscribe,
        name="statement-page-subscribe",
    ),
    path(
        "status/<str:language>/feed.atom",
        statement_page.statement_feed,
        name="statement-page-feed",
    ),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", desk_health.readyz, name="readyz"),
    path("api/v1/", include("config.api")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "config.http.bad_request"
handler404 = "config.http.not_found"
