"""The site's URLs with the back office's spending pages, until src/publica/urls.py has them."""

from django.urls import include, path

from publica.urls import urlpatterns as site

urlpatterns = [path("staff/spending/", include("publica.spending.staff_urls")), *site]
