"""How a consumer signs each request to a provider node: an EIP-191 message naming the
deployment (router, chain), the session, a nonce the node accepts once per session, the path and
the SHA-256 of the body. The node recovers the signer and checks it is the session's consumer.

An approval request (`POST /v1/approvals`) is signed the same way, before the session exists: its
session is the id consumer|nonce will open (mor_market.ids.session_id) and its nonce is that
approval nonce (up to 96 bits), so only the consumer can ask for an approval in its name. The
node does not record it as a used request nonce: asking again returns the same approval."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_defunct

SESSION_HEADER = "X-Mor-Session"
NONCE_HEADER = "X-Mor-Nonce"
SIGNATURE_HEADER = "X-Mor-Signature"
MAX_NONCE = 2**64 - 1  # a chat or receipt request's nonce
MAX_APPROVAL_NONCE = 2**96 - 1  # an approval request's nonce is the session's approval nonce (uint96)
CHAT_PATH = "/v1/chat/completions"
APPROVAL_PATH = "/v1/approvals"


def request_message(router: str, chain_id: int, session: int, nonce: int, path: str, body: bytes) -> SignableMessage:
    text = (
        "MOR compute request\n"
        f"router: {str(router).lower()}\n"
        f"chain: {int(chain_id)}\n"
        f"session: 0x{int(session):064x}\n"
        f"nonce: {int(nonce)}\n"
        f"path: {path}\n"
        f"body: {hashlib.sha256(body).hexdigest()}"
    )
    return encode_defunct(text=text)


def signature_of(account: Any, message: SignableMessage) -> bytes:
    """65-byte r||s||v of `message` by an Ape account or an eth-account LocalAccount."""
    if hasattr(account, "key") and not hasattr(account, "alias"):
        return bytes(Account.sign_message(message, account.key).signature)
    from mor_market import eip712

    return eip712.sign(account, message)


def request_headers(
    account: Any, router: str, chain_id: int, session: int, nonce: int, path: str, body: bytes
) -> dict[str, str]:
    signature = signature_of(account, request_message(router, chain_id, session, nonce, path, body))
    return {
        SESSION_HEADER: f"0x{int(session):064x}",
        NONCE_HEADER: str(int(nonce)),
        SIGNATURE_HEADER: "0x" + signature.hex(),
    }


@dataclass(frozen=True)
class SignedRequest:
    session: int
    nonce: int
    signer: str


def recover(
    headers: Any, router: str, chain_id: int, path: str, body: bytes, max_nonce: int = MAX_NONCE
) -> SignedRequest:
    """The session, nonce and signer of a request; ValueError when a header is missing or malformed
    or the nonce is above `max_nonce` (MAX_APPROVAL_NONCE for an approval request)."""
    try:
        session = int(headers[SESSION_HEADER], 16)
        nonce = int(headers[NONCE_HEADER], 10)
        signature = bytes.fromhex(str(headers[SIGNATURE_HEADER]).removeprefix("0x"))
    except KeyError as err:
        raise ValueError(f"missing header {err.args[0]} (sign each request: see mor_market/node/auth.py)") from None
    except ValueError:
        raise ValueError(f"malformed {SESSION_HEADER}, {NONCE_HEADER} or {SIGNATURE_HEADER} header") from None
    if not 0 <= nonce <= max_nonce or not 0 < session < 2**256 or len(signature) != 65:
        raise ValueError("session, nonce or signature out of range")
    message = request_message(router, chain_id, session, nonce, path, body)
    try:
        signer = Account.recover_message(message, signature=signature)
    except Exception:  # eth-keys raises several types for a signature that is not a point
        raise ValueError("the signature does not recover to an address") from None
    return SignedRequest(session, nonce, signer)
