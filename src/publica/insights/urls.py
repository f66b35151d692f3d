"""The public performance page, and the rating a resident gives when a case closes."""

from django.urls import path

from publica.insights.views import performance, rating

app_name = "insights"
urlpatterns = [
    path("performance/", performance.public, name="performance"),
    path("rate/<str:token>/", rating.rate, name="rate"),
]
