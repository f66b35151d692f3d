"""A software WebAuthn authenticator for tests: a P-256 key, "none" attestation, real
clientDataJSON and authenticatorData, so py_webauthn's own verification runs on its answers.

It answers the options Publica's pages hand the browser (the JSON of
navigator.credentials.create() and .get()) with the JSON a browser would post back.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

FLAG_UP, FLAG_UV, FLAG_AT = 0x01, 0x04, 0x40


class SoftAuthenticator:
    """One credential. `counting=False` imitates authenticators that keep no counter (0)."""

    def __init__(self, *, origin: str = "http://testserver", counting: bool = True) -> None:
        self.origin = origin
        self.counting = counting
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0

    def clone(self) -> SoftAuthenticator:
        """A copy of the key and counter, as an attacker who extracted them would hold."""
        return copy.copy(self)

    def create(self, options: dict[str, Any], *, origin: str | None = None) -> str:
        """The answer to navigator.credentials.create(options)."""
        rp_id = options["rp"]["id"]
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        auth_data = (
            _sha256(rp_id.encode())
            + bytes([FLAG_UP | FLAG_UV | FLAG_AT])
            + self.counter.to_bytes(4, "big")
            + bytes(16)  # AAGUID: none
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self._cose_public_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps(
            {
                "id": bytes_to_base64url(self.credential_id),
                "rawId": bytes_to_base64url(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "attestationObject": bytes_to_base64url(attestation),
                    "transports": ["usb"],
                },
                "clientExtensionResults": {},
            }
        )

    def get(
        self, options: dict[str, Any], *, origin: str | None = None, rp_id: str | None = None
    ) -> str:
        """The answer to navigator.credentials.get(options), signed with the key."""
        if self.counting:
            self.counter += 1
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = (
            _sha256((rp_id or options["rpId"]).encode())
            + bytes([FLAG_UP | FLAG_UV])
            + self.counter.to_bytes(4, "big")
        )
        signature = self.key.sign(auth_data + _sha256(client_data), ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": bytes_to_base64url(self.credential_id),
                "rawId": bytes_to_base64url(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "authenticatorData": bytes_to_base64url(auth_data),
                    "signature": bytes_to_base64url(signature),
                },
                "clientExtensionResults": {},
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps({**data, "crossOrigin": False}).encode()

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
