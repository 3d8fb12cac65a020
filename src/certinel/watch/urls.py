"""Routes of the watchlist pages, meant to be included under `/watch/`:
`path("watch/", include("certinel.watch.urls"))`."""

from django.urls import path

from . import views

app_name = "watch"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/items/", views.item_add, name="item_add"),
    path("<int:pk>/items/import/", views.items_import, name="items_import"),
    path("<int:pk>/items/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
    path("<int:pk>/settings/", views.settings_update, name="settings"),
    path("<int:pk>/secret/", views.secret_rotate, name="secret"),
    path("<int:pk>/test/", views.send_test, name="test"),
    path("<int:pk>/active/", views.set_active, name="active"),
]
