"""The resident's side of the exchange, under the portal: consents and the data tracker."""

from django.urls import path

from publica.exchange.views import consents, tracker

app_name = "exchange"

urlpatterns = [
    path("account/data/", tracker.data_tracker, name="tracker"),
    path("account/consents/", consents.consents, name="consents"),
    path("account/consents/<uuid:consent_id>/revoke/", consents.revoke, name="revoke"),
    path("services/<slug:slug>/your-data/", consents.ask, name="ask"),
]
