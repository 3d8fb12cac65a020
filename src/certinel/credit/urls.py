"""The serious-violation list's public pages, mounted at /credit/."""

from django.urls import path

from . import views

app_name = "credit"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("subject/<str:uscc>/", views.subject, name="subject"),
    path("check/", views.check, name="check"),
    path("check/answer/", views.check_answer, name="answer"),
]
