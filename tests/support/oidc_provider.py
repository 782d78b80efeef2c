"""A real OpenID Connect provider on loopback for sign-in tests (oidc-provider-mock, built on Authlib).

It serves discovery, JWKS, an authorize endpoint with a sign-in form (type the email, press Authorize),
and a token endpoint issuing RS256-signed ID tokens carrying each user's claims (email, name, groups).
Clients register with their exact redirect URI, and a nonce is required, as with Entra ID.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from types import TracebackType

import oidc_provider_mock
import werkzeug.debug
import werkzeug.serving


@dataclass(frozen=True)
class Client:
    """A registered relying party."""

    client_id: str
    client_secret: str


class OidcProvider:
    """oidc-provider-mock served from a thread on 127.0.0.1 at a free port; use as a context manager."""

    def __init__(self) -> None:
        app = oidc_provider_mock.app(require_client_registration=True, require_nonce=True)
        # The package wraps itself in Werkzeug's interactive debugger; a test provider does not need one.
        if isinstance(app.wsgi_app, werkzeug.debug.DebuggedApplication):
            app.wsgi_app = app.wsgi_app.app
        app.debug = False
        self._server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    @property
    def metadata_url(self) -> str:
        """The discovery document's address (secrets.toml server_metadata_url)."""
        return f"{self.url}/.well-known/openid-configuration"

    def _send(self, method: str, path: str, body: object) -> bytes:
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    def register_client(self, redirect_uri: str) -> Client:
        """Register an app (RFC 7591) that may only be sent back to this exact redirect URI."""
        answer = json.loads(self._send("POST", "/oauth2/clients", {"redirect_uris": [redirect_uri]}))
        return Client(answer["client_id"], answer["client_secret"])

    def add_user(self, email: str, *, name: str, groups: list[str] | None = None) -> None:
        """Give a person (subject = their email) the claims their ID token will carry."""
        claims: dict[str, object] = {"email": email, "name": name}
        if groups is not None:
            claims["groups"] = groups
        self._send("PUT", f"/users/{urllib.parse.quote(email, safe='')}", claims)

    def __enter__(self) -> OidcProvider:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
