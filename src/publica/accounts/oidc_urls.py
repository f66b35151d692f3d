"""URLs of the OpenID Connect sign-in, included at /account/oidc/."""

from django.urls import path

from publica.accounts import oidc

app_name = "oidc"

urlpatterns = [
    path("start/", oidc.start, name="start"),
    path("callback/", oidc.callback, name="callback"),
]
