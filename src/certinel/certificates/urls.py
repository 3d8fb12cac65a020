"""The public certificate pages, meant to be included at the site root:
`path("", include("certinel.certificates.urls"))`. `/verify/<number>` is the address printed
in certificates' QR codes (see docs/credentials.md), so it must stay as it is."""

from django.urls import path

from . import views, views_transfers

app_name = "certificates"

urlpatterns = [
    path("certificates/", views.search, name="list"),
    path("certificates/export/", views.export, name="export"),
    path("certificates/<int:pk>/", views.detail, name="detail"),
    path("verify/", views.verify, name="verify"),
    path("verify/<path:number>", views.verify, name="verify_number"),
    path("bodies/<str:key>/certificates/", views.body_certificates, name="body"),
    path("organizations/<str:key>/certificates/", views.organization_certificates, name="organization"),
    path("transfers/", views_transfers.transfer_list, name="transfers"),
    path("transfers/<int:pk>/", views_transfers.transfer_detail, name="transfer"),
]
