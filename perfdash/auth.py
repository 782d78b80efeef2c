"""Who may do what: roles from email, group claims or email domain, and what each role may do. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from perfdash.config import AuthSettings

PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"view", "boardpack"}),
    "analyst": frozenset({"view", "boardpack", "upload", "rollback", "commentary"}),
    "admin": frozenset({"view", "boardpack", "upload", "rollback", "commentary", "admin"}),
}
# Claims that may carry the person's email, best first: Entra ID sends `email` only when the account has a
# mailbox or the optional claim is configured, but always sends the sign-in name in `preferred_username`.
EMAIL_CLAIMS = ("email", "preferred_username", "upn")
# Claims whose values a `group:` rule matches: Entra ID security groups (object IDs, or names for groups
# synced from on-premises) arrive in `groups`, app roles in `roles`.
GROUP_CLAIMS = ("groups", "roles")


@dataclass(frozen=True)
class User:
    """A signed-in person (or the local user when sign-in is off)."""

    email: str
    name: str
    role: str | None  # None: signed in but given no role, so permitted nothing
    mode: str


def normalise_email(email: str) -> str:
    """An email as stored in the audit log: trimmed and lower-case (nhs.net addresses are not case-sensitive)."""
    return email.strip().lower()


def resolve_role(email: str, groups: Iterable[str], settings: AuthSettings) -> str | None:
    """The role: an exact-email rule, else a group rule, else an email-domain rule, else the default role.

    Most specific first, so a group rule can lift some nhs.net accounts above a domain-wide viewer rule.
    Within each kind the first listed rule wins. Without an email there is no identity and so no role.
    """
    email = normalise_email(email)
    if not email:
        return None
    groups = {g.strip() for g in groups if g and g.strip()}
    domain = email.rsplit("@", 1)[-1] if "@" in email else ""
    for rule in settings.role_rules:
        if rule.email is not None and normalise_email(rule.email) == email:
            return rule.role
    for rule in settings.role_rules:
        if rule.group is not None and rule.group in groups:
            return rule.role
    for rule in settings.role_rules:
        if rule.domain is not None and domain and rule.domain.strip().lower() == domain:
            return rule.role
    return settings.default_role


def _claim_values(value: object) -> list[str]:
    """A claim as a list of strings (IdPs send one group as a string, several as a list)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def user_from_claims(claims: Mapping[str, object], settings: AuthSettings) -> User | None:
    """The user an OIDC ID token describes; None unless the claims say the person is signed in."""
    if not claims.get("is_logged_in"):
        return None
    email = next((str(claims[c]) for c in EMAIL_CLAIMS if claims.get(c)), "")
    groups = [g for c in GROUP_CLAIMS for g in _claim_values(claims.get(c))]
    email = normalise_email(email)
    name = str(claims.get("name") or email)
    return User(email, name, resolve_role(email, groups, settings), "oidc")


def groups_from_header(value: str | None) -> list[str]:
    """Groups from a proxy header such as oauth2-proxy's X-Forwarded-Groups (comma-separated)."""
    return [g.strip() for g in (value or "").split(",") if g.strip()]


def user_from_headers(headers: Mapping[str, str], settings: AuthSettings) -> User | None:
    """The user an authenticating proxy names in its headers; None when the header is missing or blank."""
    email = normalise_email(headers.get(settings.header_name) or "")
    if not email:
        return None
    groups = groups_from_header(headers.get(settings.groups_header)) if settings.groups_header else []
    return User(email, email, resolve_role(email, groups, settings), "header")


def can(user: User | None, permission: str) -> bool:
    """Whether a user's role allows something."""
    return user is not None and user.role is not None and permission in PERMISSIONS.get(user.role, frozenset())


def local_user() -> User:
    """Sign-in is off (local use and the demo): everyone is an analyst."""
    return User(email="local-user", name="Local user", role="analyst", mode="none")
