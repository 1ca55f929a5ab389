"""Action codes for account-level events and the audit log's own events. Each app declares its own
codes in its events module."""

LOGIN_SUCCEEDED = "auth.login"
LOGIN_FAILED = "auth.login_failed"
LOGIN_LOCKED = "auth.login_locked"
SECOND_FACTOR_FAILED = "auth.second_factor_failed"
LOGOUT = "auth.logout"
SESSION_ENDED = "auth.session_ended"
SESSION_EXPIRED = "auth.session_expired"
PASSWORD_CHANGED = "auth.password_changed"  # nosec B105
PASSWORD_RESET = "auth.password_reset"  # nosec B105
EMAIL_CHANGED = "auth.email_changed"
EMAIL_CONFIRMED = "auth.email_confirmed"
FACTOR_ADDED = "auth.factor_added"
FACTOR_REMOVED = "auth.factor_removed"
RECOVERY_CODES_REGENERATED = "auth.recovery_codes_regenerated"
ANTI_PHISHING_CHANGED = "auth.anti_phishing_changed"
SIGNED_UP = "auth.signed_up"
NOT_ME_REPORTED = "auth.not_me_reported"
AUDIT_PRUNED = "audit.pruned"

LABELS: dict[str, str] = {
    LOGIN_SUCCEEDED: "Signed in",
    LOGIN_FAILED: "Failed sign-in attempt",
    LOGIN_LOCKED: "Sign-in paused after repeated failures",
    SECOND_FACTOR_FAILED: "Wrong second-factor code",
    LOGOUT: "Signed out",
    SESSION_ENDED: "Session ended",
    SESSION_EXPIRED: "Session timed out",
    PASSWORD_CHANGED: "Password changed",
    PASSWORD_RESET: "Password reset by email link",
    EMAIL_CHANGED: "Email address changed",
    EMAIL_CONFIRMED: "Email address confirmed",
    FACTOR_ADDED: "Second factor added",
    FACTOR_REMOVED: "Second factor removed",
    RECOVERY_CODES_REGENERATED: "Recovery codes regenerated",
    ANTI_PHISHING_CHANGED: "Anti-phishing code changed",
    SIGNED_UP: "Account created",
    NOT_ME_REPORTED: "Sign-in reported as not me: sessions ended",
    AUDIT_PRUNED: "Old activity log entries deleted (retention period)",
}
