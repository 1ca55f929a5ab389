"""Writes about shops and staff, split by subdomain: shop.py, staff.py, invitations.py, roles.py."""

from sellsafe.shops.services.invitations import (
    invitation_accept,
    invitation_revoke,
    member_invite,
)
from sellsafe.shops.services.roles import role_create, role_update
from sellsafe.shops.services.shop import policy_update, shop_create, shop_update
from sellsafe.shops.services.staff import (
    access_expire_due,
    member_change_role,
    member_remove,
    member_set_access_end,
    membership_touch,
    ownership_transfer,
)

__all__ = [
    "access_expire_due",
    "invitation_accept",
    "invitation_revoke",
    "member_change_role",
    "member_invite",
    "member_remove",
    "member_set_access_end",
    "membership_touch",
    "ownership_transfer",
    "policy_update",
    "role_create",
    "role_update",
    "shop_create",
    "shop_update",
]
