"""Test reports' public pages, mounted at /reports/."""

from django.urls import path

from . import views

app_name = "qualification"

urlpatterns: list = [
    path("verify/", views.verify, name="verify"),
    path("verify/qr.svg", views.verify_qr, {"kind": "svg"}, name="verify_qr_svg"),
    path("verify/qr.png", views.verify_qr, {"kind": "png"}, name="verify_qr_png"),
]
