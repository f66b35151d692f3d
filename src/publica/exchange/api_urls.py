"""The signed register API, for other agencies (docs/exchange.md)."""

from django.urls import path

from publica.exchange import server

app_name = "exchange_api"

urlpatterns = [
    path("v1/query", server.query, name="query"),
]
