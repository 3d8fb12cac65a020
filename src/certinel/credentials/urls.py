"""Routes of the credentials app, meant to be included at the site root:
`path("", include("certinel.credentials.urls"))`; the paths follow did:web
(`did:web:<host>:bodies:<slug>` -> `/bodies/<slug>/did.json`, and
`did:web:<host>:regulators:<code>` -> `/regulators/<code>/did.json`)."""

from django.urls import path

from . import views

app_name = "credentials"

urlpatterns = [
    path("bodies/<slug:slug>/did.json", views.did_document, name="did-document"),
    path("bodies/<slug:slug>/status/<slug:purpose>/<int:number>", views.status_list, name="status-list"),
    # A regulator's jurisdiction (region code) as the issuer of CMA certificates.
    path("regulators/<slug:code>/did.json", views.regulator_did_document, name="regulator-did-document"),
    path("regulators/<slug:code>/status/<slug:purpose>/<int:number>", views.regulator_status_list,
         name="regulator-status-list"),
]
