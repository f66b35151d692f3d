"""The staff dashboards, at /staff/insights/."""

from django.urls import path

from publica.insights.views import dashboards, forecast, hotspots

app_name = "insights_staff"
urlpatterns = [
    path("", dashboards.overview, name="overview"),
    path("performance/", dashboards.performance, name="performance"),
    path("workload/", dashboards.workload, name="workload"),
    path("hotspots/", hotspots.page, name="hotspots"),
    path("forecast/", forecast.page, name="forecast"),
    path("forecast/handling-time/", forecast.handling_time, name="handling-time"),
]
