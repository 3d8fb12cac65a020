from django.urls import path

from . import views_ecert

app_name = "ecert"
urlpatterns = [
    path("certificates/<int:pk>/credential.json", views_ecert.credential_json, name="credential"),
    path("certificates/<int:pk>/credential.bundle.json", views_ecert.credential_bundle, name="bundle"),
    path("certificates/<int:pk>/certificate.pdf", views_ecert.credential_pdf, name="pdf"),
]
