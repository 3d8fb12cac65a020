"""The back office changes accounts through the services, with history."""

from __future__ import annotations

import pytest

from certinel.accounts.models import Role, User
from certinel.core.history import history_for
from certinel.core.testing.builders import build_user

pytestmark = pytest.mark.django_db


def _change_form(user: User) -> dict:
    return {"username": user.username, "first_name": "测", "last_name": "试", "email": "new@example.org",
            "is_active": "", "role": user.role, "jurisdiction_code": user.jurisdiction_code}


def test_admin_change_form_deactivates_through_the_service(client):
    admin = build_user(Role.ADMIN)
    client.force_login(admin)
    user = build_user(Role.REGULATOR, jurisdiction_code="3201")
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", _change_form(user))
    assert response.status_code == 302, response.content[:2000]
    user.refresh_from_db()
    assert not user.is_active and user.email == "new@example.org"
    assert history_for(user).last().action == "user_updated"


def test_admin_password_form_records_the_change(client):
    admin = build_user(Role.ADMIN)
    client.force_login(admin)
    user = build_user(Role.REGULATOR, jurisdiction_code="3201")
    response = client.post(f"/admin/accounts/user/{user.pk}/password/",
                           {"password1": "brand-new-passphrase-9", "password2": "brand-new-passphrase-9"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-passphrase-9")
    assert history_for(user).last().action == "user_password_changed"
