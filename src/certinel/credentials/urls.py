"""Routes of the credentials app, meant to be included at the site root:
`path("", include("certinel.credentials.urls"))`; the paths follow did:web
(`did:web:<host>:bodies:<slug>` -> `/bodies/<slug>/did.json`)."""

from django.urls import path

from . import views

app_name = "credentials"

urlpatterns = [
    path("bodies/<slug:slug>/did.json", views.did_document, name="did-document"),
    path("bodies/<slug:slug>/status/<slug:purpose>/<int:number>", views.status_list, name="status-list"),
]
