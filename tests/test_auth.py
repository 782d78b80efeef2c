"""Roles from email, group and domain rules; what each role may do; users from ID-token claims and proxy headers."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfdash import auth
from perfdash.config import AuthSettings, ConfigError, load_config
from tests.support.configs import write_config_variant

SETTINGS = AuthSettings.model_validate(
    {
        "mode": "oidc",
        "default_role": None,
        "groups_header": "X-Forwarded-Groups",
        "role_rules": [
            {"email": "Perf.Lead@nhs.net", "role": "admin"},
            {"domain": "nhs.net", "role": "viewer"},
            {"group": "nel-performance-analysts", "role": "analyst"},
            {"group": "nel-board", "role": "viewer"},
        ],
    }
)


@pytest.mark.parametrize(
    ("email", "groups", "role"),
    [
        ("perf.lead@nhs.net", [], "admin"),  # exact email
        ("  PERF.LEAD@NHS.NET ", ["nel-board"], "admin"),  # email beats group; case and spaces ignored
        ("ann.analyst@nhs.net", ["nel-performance-analysts"], "analyst"),  # group beats the nhs.net domain rule
        ("vera.viewer@nhs.net", [], "viewer"),  # domain
        ("vera.viewer@NHS.net", ["some-other-group"], "viewer"),
        ("contractor@example.org", ["nel-performance-analysts"], "analyst"),  # group alone is enough
        ("someone@example.org", [], None),  # no rule and no default role: nothing
        ("someone@notnhs.net", [], None),  # a domain rule matches the whole domain, not a suffix
        ("", ["nel-performance-analysts"], None),  # no email, no identity
        ("not-an-email", [], None),
    ],
)
def test_resolve_role_priority(email, groups, role):
    assert auth.resolve_role(email, groups, SETTINGS) == role


def test_first_listed_rule_wins_within_a_kind():
    settings = AuthSettings.model_validate(
        {"role_rules": [{"group": "a", "role": "analyst"}, {"group": "b", "role": "admin"}]}
    )
    assert auth.resolve_role("x@nhs.net", ["b", "a"], settings) == "analyst"


def test_default_role_applies_only_when_no_rule_matches():
    settings = AuthSettings.model_validate(
        {"default_role": "viewer", "role_rules": [{"domain": "x.org", "role": "admin"}]}
    )
    assert auth.resolve_role("a@elsewhere.org", [], settings) == "viewer"
    assert auth.resolve_role("a@x.org", [], settings) == "admin"


def test_permissions_by_role():
    viewer, analyst, admin = (auth.User("e@nhs.net", "E", role, "oidc") for role in ("viewer", "analyst", "admin"))
    assert auth.can(viewer, "view") and auth.can(viewer, "boardpack")
    for permission in ("upload", "rollback", "commentary", "admin"):
        assert not auth.can(viewer, permission)
    for permission in ("view", "boardpack", "upload", "rollback", "commentary"):
        assert auth.can(analyst, permission)
    assert not auth.can(analyst, "admin")
    assert all(auth.can(admin, p) for p in ("view", "boardpack", "upload", "rollback", "commentary", "admin"))


def test_no_role_and_no_user_are_permitted_nothing():
    nobody = auth.User("someone@example.org", "Someone", None, "oidc")
    for permission in ("view", "boardpack", "upload", "rollback", "commentary", "admin"):
        assert not auth.can(nobody, permission)
        assert not auth.can(None, permission)
    assert not auth.can(auth.User("e@nhs.net", "E", "superuser", "oidc"), "view")


def test_local_user_is_an_analyst_not_an_admin():
    user = auth.local_user()
    assert user.mode == "none" and auth.can(user, "upload") and not auth.can(user, "admin")


def test_user_from_entra_style_claims():
    claims = {
        "is_logged_in": True,
        "preferred_username": "Ann.Analyst@nhs.net",  # Entra sends no email claim for some accounts
        "name": "Ann Analyst",
        "groups": ["0f1e2d3c", "nel-performance-analysts"],
        "tid": "tenant",
    }
    user = auth.user_from_claims(claims, SETTINGS)
    assert user == auth.User("ann.analyst@nhs.net", "Ann Analyst", "analyst", "oidc")


def test_email_claim_preferred_and_roles_claim_matches_group_rules():
    claims = {
        "is_logged_in": True,
        "email": "a@example.org",
        "preferred_username": "other@nhs.net",
        "roles": "nel-board",
    }
    user = auth.user_from_claims(claims, SETTINGS)
    assert user is not None and user.email == "a@example.org" and user.role == "viewer" and user.name == "a@example.org"


@pytest.mark.parametrize("claims", [{}, {"is_logged_in": False, "email": "perf.lead@nhs.net"}, {"email": "x@nhs.net"}])
def test_claims_without_a_sign_in_are_nobody(claims):
    assert auth.user_from_claims(claims, SETTINGS) is None


def test_signed_in_without_any_email_has_no_role():
    user = auth.user_from_claims({"is_logged_in": True, "sub": "abc", "groups": ["nel-performance-analysts"]}, SETTINGS)
    assert user is not None and user.role is None and not auth.can(user, "view")


def test_user_from_proxy_headers():
    headers = {"X-Forwarded-Email": " Ann.Analyst@nhs.net", "X-Forwarded-Groups": "x, nel-performance-analysts ,"}
    assert auth.user_from_headers(headers, SETTINGS) == auth.User(
        "ann.analyst@nhs.net", "ann.analyst@nhs.net", "analyst", "header"
    )
    assert auth.user_from_headers({"X-Forwarded-Email": "vera@nhs.net"}, SETTINGS).role == "viewer"
    assert auth.user_from_headers({"X-Forwarded-Email": "  "}, SETTINGS) is None
    assert auth.user_from_headers({}, SETTINGS) is None


def test_groups_header_ignored_unless_configured():
    settings = SETTINGS.model_copy(update={"groups_header": None})
    headers = {"X-Forwarded-Email": "c@example.org", "X-Forwarded-Groups": "nel-performance-analysts"}
    assert auth.user_from_headers(headers, settings).role is None


def test_groups_from_header():
    assert auth.groups_from_header("a, b,,c ") == ["a", "b", "c"]
    assert auth.groups_from_header(None) == []


def _write_config(tmp_path: Path, auth_section: dict) -> Path:
    return write_config_variant(tmp_path, lambda raw: raw.update(auth=auth_section))


def test_auth_mode_from_the_environment(tmp_path, monkeypatch):
    path = _write_config(tmp_path, {"mode": "none", "role_rules": [{"domain": "nhs.net", "role": "viewer"}]})
    monkeypatch.setenv("PERFDASH_AUTH_MODE", "oidc")
    settings = load_config(path).auth
    assert settings.mode == "oidc" and settings.role_rules[0].domain == "nhs.net"
    monkeypatch.setenv("PERFDASH_AUTH_MODE", "password")
    with pytest.raises(ConfigError, match=r"auth\.mode"):
        load_config(path)


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ({"role_rules": [{"email": "a@nhs.net", "domain": "nhs.net", "role": "viewer"}]}, "role_rules.0"),
        ({"role_rules": [{"role": "viewer"}]}, "role_rules.0"),
        ({"role_rules": [{"group": "g", "role": "owner"}]}, "role_rules.0.role"),
        ({"default_role": "superuser"}, "default_role"),
    ],
)
def test_bad_role_rules_name_the_field(tmp_path, section, field):
    with pytest.raises(ConfigError, match=rf"auth\.{field}"):
        load_config(_write_config(tmp_path, section))


def test_shipped_config_gives_unmatched_accounts_no_role(config):
    # The registry as shipped: nhs.net staff can look, nobody else gets anything until a rule says so.
    assert config.auth.default_role is None
    assert auth.resolve_role("someone@gmail.com", [], config.auth) is None
    assert auth.resolve_role("someone@nhs.net", [], config.auth) == "viewer"
