"""Who may do what: roles from email, email domain or group claims, and what each role may do. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from perfdash.config import AuthSettings

PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"view", "boardpack"}),
    "analyst": frozenset({"view", "boardpack", "upload", "rollback", "commentary"}),
    "admin": frozenset({"view", "boardpack", "upload", "rollback", "commentary", "admin"}),
}


@dataclass(frozen=True)
class User:
    """A signed-in person (or the local user when sign-in is off)."""

    email: str
    name: str
    role: str | None  # None: signed in but given no role, so permitted nothing
    mode: str


def resolve_role(email: str, groups: list[str] | tuple[str, ...], settings: AuthSettings) -> str | None:
    """First matching rule's role: exact email, then email domain, then group claim; else the default."""
    email = email.strip().lower()
    domain = email.rsplit("@", 1)[-1] if "@" in email else ""
    for rule in settings.role_rules:
        if rule.email is not None and rule.email.lower() == email:
            return rule.role
    for rule in settings.role_rules:
        if rule.group is not None and rule.group in groups:
            return rule.role
    for rule in settings.role_rules:
        if rule.domain is not None and rule.domain.lower() == domain:
            return rule.role
    return settings.default_role


def can(user: User | None, permission: str) -> bool:
    """Whether a user's role allows something."""
    return user is not None and user.role is not None and permission in PERMISSIONS.get(user.role, frozenset())


def local_user() -> User:
    """Sign-in is off (local use and the demo): everyone is an analyst."""
    return User(email="local-user", name="Local user", role="analyst", mode="none")
