"""The site's URLs plus the procurement back office, mounted where src/publica/urls.py will."""

from django.urls import include, path

from publica.urls import urlpatterns as site

urlpatterns = [path("staff/procurement/", include("publica.procurement.staff_urls")), *site]
