"""GeoReport v2 at /open311/v2/: every endpoint in `.json` and `.xml`.

Anything else under /open311/v2/ answers a 404 in the specification's error format.
"""

from django.urls import re_path

from publica.open311 import views

app_name = "open311"

_FORMAT = r"\.(?P<fmt>[^./]+)$"

urlpatterns = [
    re_path(r"^discovery" + _FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + _FORMAT, views.services, name="services"),
    re_path(
        r"^services/(?P<service_code>[^/]+?)" + _FORMAT, views.service_definition, name="service"
    ),
    re_path(r"^requests" + _FORMAT, views.requests, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/]+?)" + _FORMAT, views.request_detail, name="request"
    ),
    re_path(r"^tokens/(?P<token>[^/]+?)" + _FORMAT, views.token, name="token"),
    re_path(r"^servicerequestupdates" + _FORMAT, views.updates, name="updates"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not-found"),
]
