"""The log's URLs, to be mounted at /log/ (the tlog-tiles prefix)."""

from django.urls import path, re_path

from . import views

app_name = "transparency"

urlpatterns = [
    path("", views.index, name="index"),
    path("checkpoint", views.checkpoint, name="checkpoint"),
    path("key", views.key, name="key"),
    path("state/", views.state_index, name="state-index"),
    re_path(r"^state/(?P<object_type>[a-z_]+\.[a-z_]+)$", views.state, name="state"),
    re_path(r"^tile/(?P<path>[0-9a-z./]+)$", views.tile, name="tile"),
    path("proof/consistency", views.consistency, name="consistency"),
    re_path(r"^proof/hash/(?P<leaf>[0-9A-Za-z_-]{43,64})$", views.receipt_by_hash, name="receipt-by-hash"),
    re_path(r"^proof/(?P<index>[0-9]+)$", views.receipt, name="receipt"),
]
