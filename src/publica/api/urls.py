from django.urls import path

from publica.api.api import api

urlpatterns = [path("", api.urls)]
