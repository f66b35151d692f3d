"""The OpenID Connect relying party: discovery, the authorization request, and the checked claims.

No Django here: the views keep a `PendingLogin` in the session between the two halves, and
`publica.accounts.oidc_services` decides what the claims mean for accounts.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

__all__ = [
    "EIDAS_LEVELS",
    "OidcFailure",
    "PendingLogin",
    "ProviderConfig",
    "VerifiedLogin",
    "authorization_request",
    "complete",
    "forget_metadata",
    "level_for_acr",
]

EIDAS_LEVELS = {
    "http://eidas.europa.eu/LoA/low": "low",
    "http://eidas.europa.eu/LoA/substantial": "substantial",
    "http://eidas.europa.eu/LoA/high": "high",
}
# Only keys the provider publishes may sign an ID token: never "none", and never HMAC with the
# client secret, which the relying party itself knows.
ASYMMETRIC_ALGORITHMS = frozenset(
    ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
)
METADATA_SECONDS = 3600
CLOCK_LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class ProviderConfig:
    """How this Publica is registered with its identity provider (read from settings)."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid email profile"
    acr_values: str = ""
    auth_method: str = "client_secret_basic"
    timeout: float = 5.0
    # For private_key_jwt (e.g. GOV.UK One Login): a PEM file with the client's private key,
    # whose public half is registered with the provider.
    client_key_file: str = ""


@dataclass(frozen=True)
class PendingLogin:
    """What the callback needs to check the answer to one authorization request."""

    state: str
    nonce: str
    code_verifier: str
    issuer: str

    def as_dict(self) -> dict[str, str]:
        return {
            "state": self.state,
            "nonce": self.nonce,
            "code_verifier": self.code_verifier,
            "issuer": self.issuer,
        }


@dataclass(frozen=True)
class VerifiedLogin:
    """A person the provider vouched for: the ID token's claims merged with UserInfo's."""

    issuer: str
    subject: str
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def acr(self) -> str:
        return str(self.claims.get("acr") or "")


class OidcFailure(Exception):
    """The sign-in did not complete. `reason` is a short code, safe to log (no personal data):
    access_denied, provider_error, state, unreachable, token, id_token, claims."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def level_for_acr(acr: str, mapping: dict[str, str]) -> str:
    """The eIDAS level an `acr` value stands for; an unknown or missing one counts as low."""
    level = mapping.get(acr, "low")
    return level if level in ("low", "substantial", "high") else "low"


# Discovery and key sets, kept per process for an hour; a key id the cached set lacks (the
# provider rotated its keys) fetches the set again once.
_metadata: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def forget_metadata() -> None:
    with _lock:
        _metadata.clear()


def _get_json(url: str, timeout: float) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        body = response.json()
    except requests.Timeout as exc:
        raise OidcFailure("unreachable", f"timed out fetching {url}") from exc
    except (requests.RequestException, ValueError) as exc:
        raise OidcFailure("unreachable", f"could not fetch {url}: {type(exc).__name__}") from exc
    if not isinstance(body, dict):
        raise OidcFailure("unreachable", f"{url} did not answer a JSON object")
    return body


def _discover(config: ProviderConfig, *, refresh: bool = False) -> dict[str, Any]:
    issuer = config.issuer.rstrip("/")
    with _lock:
        cached = _metadata.get(config.issuer)
    if cached and not refresh and cached[0] > time.monotonic():
        return cached[1]
    metadata = _get_json(f"{issuer}/.well-known/openid-configuration", config.timeout)
    if metadata.get("issuer") != config.issuer:
        # OIDC Discovery 4.3: the issuer in the document must be exactly the one configured.
        raise OidcFailure("unreachable", "discovery document names another issuer")
    for required in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(required), str):
            raise OidcFailure("unreachable", f"discovery document has no {required}")
    metadata = {**metadata, "jwks": _get_json(metadata["jwks_uri"], config.timeout)}
    with _lock:
        _metadata[config.issuer] = (time.monotonic() + METADATA_SECONDS, metadata)
    return metadata


def authorization_request(
    config: ProviderConfig, *, redirect_uri: str, prompt: str = ""
) -> tuple[str, PendingLogin]:
    """The provider URL to send the resident to, and what to keep until they come back."""
    metadata = _discover(config)
    pending = PendingLogin(
        state=generate_token(32),
        nonce=generate_token(32),
        code_verifier=generate_token(64),
        issuer=config.issuer,
    )
    extra = {"nonce": pending.nonce}
    if config.acr_values:
        extra["acr_values"] = config.acr_values
    if prompt:
        extra["prompt"] = prompt
    session = _session(config, redirect_uri)
    url, _ = session.create_authorization_url(
        metadata["authorization_endpoint"],
        state=pending.state,
        code_challenge=create_s256_code_challenge(pending.code_verifier),
        code_challenge_method="S256",
        **extra,
    )
    return url, pending


def complete(
    config: ProviderConfig, *, redirect_uri: str, pending: PendingLogin, query: dict[str, str]
) -> VerifiedLogin:
    """Check the provider's answer (the callback's query) and return who signed in.

    Raises OidcFailure for every way it can go wrong, from the provider's own error to an ID
    token whose signature, issuer, audience, expiry or nonce does not hold.
    """
    if pending.issuer != config.issuer:
        raise OidcFailure("state", "the sign-in was started with another provider")
    if query.get("state") != pending.state:
        raise OidcFailure("state", "state does not match")
    if "iss" in query and query["iss"] != config.issuer:
        # RFC 9207: an answer from another provider (a mix-up attack) is refused.
        raise OidcFailure("state", "the answer names another issuer")
    if query.get("error"):
        reason = "access_denied" if query["error"] == "access_denied" else "provider_error"
        raise OidcFailure(reason, query["error"][:60])
    code = query.get("code")
    if not code:
        raise OidcFailure("provider_error", "no code in the answer")
    metadata = _discover(config)
    token = _exchange(config, metadata, redirect_uri=redirect_uri, pending=pending, code=code)
    claims = _id_token_claims(config, metadata, token=token, nonce=pending.nonce)
    if metadata.get("userinfo_endpoint") and token.get("access_token"):
        userinfo = _userinfo(config, metadata, token["access_token"])
        if userinfo.get("sub") != claims["sub"]:
            # OIDC Core 5.3.2: UserInfo about another subject must not be used.
            raise OidcFailure("claims", "UserInfo is about another subject")
        claims = {**userinfo, **claims}
    return VerifiedLogin(issuer=config.issuer, subject=str(claims["sub"]), claims=claims)


def _session(
    config: ProviderConfig, redirect_uri: str, *, token_endpoint: str = ""
) -> OAuth2Session:
    secret = config.client_secret
    if config.auth_method == "private_key_jwt" and token_endpoint:
        try:
            secret = Path(config.client_key_file).read_text()
        except OSError as exc:
            raise OidcFailure("token", "the client key file cannot be read") from exc
    session = OAuth2Session(
        client_id=config.client_id,
        client_secret=secret,
        scope=config.scopes,
        redirect_uri=redirect_uri,
        token_endpoint_auth_method=config.auth_method,
    )
    if config.auth_method == "private_key_jwt" and token_endpoint:
        session.register_client_auth_method(PrivateKeyJWT(token_endpoint))
    return session


def _exchange(
    config: ProviderConfig,
    metadata: dict[str, Any],
    *,
    redirect_uri: str,
    pending: PendingLogin,
    code: str,
) -> dict[str, Any]:
    session = _session(config, redirect_uri, token_endpoint=metadata["token_endpoint"])
    try:
        token = session.fetch_token(
            metadata["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            code_verifier=pending.code_verifier,
            timeout=config.timeout,
        )
    except requests.Timeout as exc:
        raise OidcFailure("unreachable", "token endpoint timed out") from exc
    except requests.RequestException as exc:
        raise OidcFailure("unreachable", f"token endpoint: {type(exc).__name__}") from exc
    except Exception as exc:  # authlib's OAuthError and friends: the provider refused the code
        raise OidcFailure(
            "token", f"token endpoint refused the code: {type(exc).__name__}"
        ) from exc
    finally:
        session.close()
    if not token.get("id_token"):
        raise OidcFailure("token", "no ID token in the token response")
    return dict(token)


def _id_token_claims(
    config: ProviderConfig, metadata: dict[str, Any], *, token: dict[str, Any], nonce: str
) -> dict[str, Any]:
    advertised = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    registry = JWSRegistry(algorithms=sorted(ASYMMETRIC_ALGORITHMS.intersection(advertised)))
    try:
        try:
            decoded = jwt.decode(
                token["id_token"], KeySet.import_key_set(metadata["jwks"]), registry=registry
            )
        except JoseError as first:
            if type(first).__name__ not in ("InvalidKeyIdError", "BadSignatureError"):
                raise
            fresh = _discover(config, refresh=True)
            decoded = jwt.decode(
                token["id_token"], KeySet.import_key_set(fresh["jwks"]), registry=registry
            )
        checked = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": config.issuer},
                "aud": {"essential": True, "value": config.client_id},
            },
            {
                "nonce": nonce,
                "client_id": config.client_id,
                "access_token": token.get("access_token"),
            },
        )
        checked.validate(leeway=CLOCK_LEEWAY_SECONDS)
    except OidcFailure:
        raise
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise OidcFailure("id_token", f"ID token refused: {type(exc).__name__}") from exc
    return dict(checked)


def _userinfo(
    config: ProviderConfig, metadata: dict[str, Any], access_token: str
) -> dict[str, Any]:
    try:
        response = requests.get(
            metadata["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=config.timeout,
        )
        response.raise_for_status()
        body = response.json()
    except requests.Timeout as exc:
        raise OidcFailure("unreachable", "UserInfo timed out") from exc
    except (requests.RequestException, ValueError) as exc:
        raise OidcFailure("claims", f"UserInfo: {type(exc).__name__}") from exc
    if not isinstance(body, dict):
        # A signed or encrypted UserInfo (application/jwt) is not supported; refusing is
        # safer than signing in on the ID token's claims alone.
        raise OidcFailure("claims", "UserInfo is not a JSON object")
    return body
