"""Every write to the registry goes through these functions. Each checks permissions and
allowed transitions, changes the rows inside one transaction and records the history.

    from certinel.registry import services
    services.body_suspend(actor=actor, body=body, reason="…")
"""

from .bodies import (
    ScopeGrant,
    body_cancel,
    body_create,
    body_reinstate,
    body_revoke,
    body_scope_grant,
    body_scope_withdraw,
    body_scopes_grant,
    body_suspend,
    body_update,
)
from .labs import (
    lab_cancel,
    lab_create,
    lab_reinstate,
    lab_revoke,
    lab_scope_item_add,
    lab_scope_item_withdraw,
    lab_suspend,
    lab_update,
)
from .organizations import (
    organization_create,
    organization_deregister,
    organization_restore,
    organization_update,
    organizations_register_many,
    site_add,
    site_deactivate,
)
from .people import (
    person_create,
    person_role_add,
    person_role_ban,
    person_role_end,
    person_role_reinstate,
    person_role_suspend,
    person_update,
)

__all__ = [
    "ScopeGrant",
    "body_cancel",
    "body_create",
    "body_reinstate",
    "body_revoke",
    "body_scope_grant",
    "body_scope_withdraw",
    "body_scopes_grant",
    "body_suspend",
    "body_update",
    "lab_cancel",
    "lab_create",
    "lab_reinstate",
    "lab_revoke",
    "lab_scope_item_add",
    "lab_scope_item_withdraw",
    "lab_suspend",
    "lab_update",
    "organization_create",
    "organization_deregister",
    "organization_restore",
    "organization_update",
    "organizations_register_many",
    "person_create",
    "person_role_add",
    "person_role_ban",
    "person_role_end",
    "person_role_reinstate",
    "person_role_suspend",
    "person_update",
    "site_add",
    "site_deactivate",
]
