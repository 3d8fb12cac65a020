"""Qualification approval's pages, mounted at /qualification/ (views_applications.py)."""

from django.urls import path

from . import views_applications as views

app_name = "qualification_applications"

urlpatterns: list = [
    path("", views.index, name="index"),
    path("a/<str:number>/", views.application, name="application"),
    path("a/<str:number>/draw.json", views.draw_json, name="draw_json"),
    path("labs/<str:cma_no>/scope/", views.lab_scope, name="lab_scope"),
    path("certificates/<str:number>/", views.certificate_json, name="certificate"),
    path("certificates/<str:number>/bundle.json", views.certificate_bundle, name="certificate_bundle"),
]
