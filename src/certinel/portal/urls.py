from django.contrib.auth import views as auth_views
from django.urls import path

from .views import account, public, regulator

app_name = "portal"
urlpatterns = [
    path("", public.home, name="home"),
    path("search/", public.search, name="search"),
    path("bodies/", public.body_list, name="bodies"),
    path("bodies/<str:key>/", public.body_detail, name="body"),
    path("bodies/<str:key>/decide/", regulator.decide, {"kind": "body"}, name="body_decide"),
    path("labs/", public.lab_list, name="labs"),
    path("labs/<str:key>/", public.lab_detail, name="lab"),
    path("labs/<str:key>/decide/", regulator.decide, {"kind": "lab"}, name="lab_decide"),
    path("organizations/", public.organization_list, name="organizations"),
    path("organizations/<str:key>/", public.organization_detail, name="organization"),
    path("organizations/<str:key>/edit/", account.organization_edit, name="organization_edit"),
    path("changes/", regulator.changes, name="changes"),
    path("account/api-keys/", account.api_keys, name="api_keys"),
    path("account/api-keys/<int:key_id>/revoke/", account.api_key_revoke_view, name="api_key_revoke"),
    path("login/", auth_views.LoginView.as_view(template_name="portal/login.html", redirect_authenticated_user=True),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
