"""Account services: updates and passwords go through services with history."""

from __future__ import annotations

import pytest

from certinel.accounts.models import Role
from certinel.accounts.services import user_set_password, user_update
from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted, ValidationFailed
from certinel.core.history import history_for
from certinel.core.testing.builders import build_user

pytestmark = pytest.mark.django_db


def test_admin_deactivates_an_account_with_history():
    admin = Actor.for_user(build_user(Role.ADMIN))
    user = build_user(Role.REGULATOR, jurisdiction_code="3201")
    user = user_update(actor=admin, user=user, is_active=False, email="r@example.org", reason="调离")
    assert not user.is_active
    record = history_for(user).last()
    assert record.action == "user_updated" and record.after == {"is_active": False, "email": "r@example.org"}


def test_role_and_binding_cannot_be_changed():
    admin = Actor.for_user(build_user(Role.ADMIN))
    user = build_user(Role.REGULATOR, jurisdiction_code="3201")
    with pytest.raises(ValidationFailed):
        user_update(actor=admin, user=user, jurisdiction_code="32")


def test_only_admins_change_accounts_and_nobody_deactivates_themselves():
    admin_user = build_user(Role.ADMIN)
    other = build_user(Role.REGULATOR, jurisdiction_code="32")
    with pytest.raises(NotPermitted):
        user_update(actor=Actor.for_user(other), user=admin_user, is_active=False)
    with pytest.raises(ValidationFailed):
        user_update(actor=Actor.for_user(admin_user), user=admin_user, is_active=False)


def test_passwords_are_checked_and_never_recorded():
    user = build_user(Role.REGULATOR, jurisdiction_code="32")
    with pytest.raises(ValidationFailed) as err:
        user_set_password(actor=Actor.for_user(user), user=user, password="123")
    assert err.value.errors[0].code == "weak_password"
    user = user_set_password(actor=Actor.for_user(user), user=user, password="a-much-better-passphrase")
    assert user.check_password("a-much-better-passphrase")
    record = history_for(user).last()
    assert record.action == "user_password_changed" and "passphrase" not in str(record.after)
    stranger = build_user(Role.REGULATOR, jurisdiction_code="11")
    with pytest.raises(NotPermitted):
        user_set_password(actor=Actor.for_user(stranger), user=user, password="another-long-passphrase")
