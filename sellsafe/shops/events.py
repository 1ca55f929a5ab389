"""Audit action codes for shops and staff."""

SHOP_CREATED = "shop.created"
SHOP_UPDATED = "shop.updated"
POLICY_CHANGED = "shop.policy_changed"
MEMBER_INVITED = "staff.invited"
INVITATION_REVOKED = "staff.invitation_revoked"
INVITATION_ACCEPTED = "staff.invitation_accepted"
INVITATION_REFUSED = "staff.invitation_refused"
MEMBER_ROLE_CHANGED = "staff.role_changed"
MEMBER_ACCESS_END_SET = "staff.access_end_set"
MEMBER_REMOVED = "staff.removed"
MEMBER_ACCESS_EXPIRED = "staff.access_expired"
ROLE_CREATED = "staff.role_created"
ROLE_UPDATED = "staff.role_updated"
OWNERSHIP_TRANSFERRED = "staff.ownership_transferred"
ESCALATION_REFUSED = "staff.escalation_refused"
ACCESS_DENIED = "shop.access_denied"

LABELS: dict[str, str] = {
    SHOP_CREATED: "Shop created",
    SHOP_UPDATED: "Shop details changed",
    POLICY_CHANGED: "Security policy changed",
    MEMBER_INVITED: "Staff member invited",
    INVITATION_REVOKED: "Invitation revoked",
    INVITATION_ACCEPTED: "Invitation accepted",
    INVITATION_REFUSED: "Invitation refused (wrong account, expired or used)",
    MEMBER_ROLE_CHANGED: "Role changed",
    MEMBER_ACCESS_END_SET: "Access end date set",
    MEMBER_REMOVED: "Staff member removed",
    MEMBER_ACCESS_EXPIRED: "Staff access ended by its end date",
    ROLE_CREATED: "Custom role created",
    ROLE_UPDATED: "Custom role changed",
    OWNERSHIP_TRANSFERRED: "Ownership transferred",
    ESCALATION_REFUSED: "Refused: more access than the person holds",
    ACCESS_DENIED: "Access denied",
}
