"""The ledger at /ledger/: C2SP tlog-tiles resources and tlog-proofs."""

from django.urls import path, re_path

from publica.ledger import views

app_name = "ledger"

urlpatterns = [
    path("checkpoint", views.checkpoint, name="checkpoint"),
    path("key", views.key, name="key"),
    path("proof/<int:index>", views.proof, name="proof"),
    re_path(r"^tile/(?P<path>.+)$", views.tile, name="tile"),
]
