"""Top-level URLs: the portal at /, the back office at /staff/, the admin at /admin/."""

from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from publica.core import health, metrics

# The admin asks for the same second factor as the back office.
admin.site.__class__ = OTPAdminSite

# The database unreachable (restarting): 503 with Retry-After, not a 500.
handler500 = "publica.core.unavailable.server_error"


urlpatterns = [
    path("admin/", admin.site.urls),
    # The probes: RequestObservationMiddleware answers these paths first; named here so
    # they can be reversed (docs/operations.md).
    path("healthz", health.healthz, name="health"),
    path("readyz", health.readyz, name="ready"),
    path("metrics", metrics.metrics, name="metrics"),
    path("staff/alerts/", include("publica.alerts.staff_urls")),
    path("staff/sensors/", include("publica.sensors.staff_urls")),
    path("staff/procurement/", include("publica.procurement.staff_urls")),
    path("staff/spending/", include("publica.spending.staff_urls")),
    path("staff/insights/", include("publica.insights.staff_urls")),
    path("staff/access/", include("publica.exchange.staff_urls")),
    path("staff/", include("publica.portal.staff_urls")),
    path("open311/v2/", include("publica.open311.urls")),
    path("api/v1/", include("publica.api.urls")),
    path("api/3/action/", include(("publica.opendata.ckan.urls", "ckan"), namespace="ckan3")),
    path("api/action/", include(("publica.opendata.ckan.urls", "ckan"), namespace="ckan")),
    path("opendata/ocds/", include("publica.procurement.urls")),
    path("opendata/", include("publica.spending.urls")),
    path("opendata/", include("publica.opendata.urls")),
    path("ledger/", include("publica.ledger.urls")),
    path("exchange/", include("publica.exchange.api_urls")),
    path("notify/", include("publica.notify.urls")),
    path("alerts/", include("publica.alerts.urls")),
    path("", include("publica.insights.urls")),
    path("sta/v1.1/", include("publica.sensors.urls")),
    path("", include("publica.exchange.urls")),
    path("", include("publica.privacy.urls")),
    path("account/oidc/", include("publica.accounts.oidc_urls")),
    path("", include("publica.portal.urls")),
]
