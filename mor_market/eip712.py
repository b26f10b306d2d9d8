"""EIP-712 approvals and receipts, field for field as SessionRouter's APPROVAL_TYPEHASH and
RECEIPT_TYPEHASH; signed with any Ape account (test, keyfile or hardware)."""

from __future__ import annotations

from typing import Any

from eth_account.messages import SignableMessage, _hash_eip191_message, encode_typed_data

DOMAIN_NAME = "MOR Compute SessionRouter"
DOMAIN_VERSION = "1"

APPROVAL_TYPE = [
    {"name": "bidId", "type": "uint256"},
    {"name": "consumer", "type": "address"},
    {"name": "nonce", "type": "uint96"},
    {"name": "deadline", "type": "uint256"},
]
RECEIPT_TYPE = [
    {"name": "sessionId", "type": "uint256"},
    {"name": "ttftMs", "type": "uint32"},
    {"name": "tokensPerSecond", "type": "uint32"},
    {"name": "deadline", "type": "uint256"},
]
_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def _typed(primary: str, fields: list[dict], router: str, chain_id: int, message: dict[str, Any]) -> SignableMessage:
    return encode_typed_data(
        full_message={
            "types": {"EIP712Domain": _DOMAIN_TYPE, primary: fields},
            "primaryType": primary,
            "domain": {
                "name": DOMAIN_NAME,
                "version": DOMAIN_VERSION,
                "chainId": chain_id,
                "verifyingContract": str(router),
            },
            "message": message,
        }
    )


def approval_message(
    router: str, chain_id: int, bid_id: int, consumer: str, nonce: int, deadline: int
) -> SignableMessage:
    """The approval a provider signs to let `consumer` open session `nonce` on `bid_id`."""
    message = {"bidId": bid_id, "consumer": str(consumer), "nonce": nonce, "deadline": deadline}
    return _typed("Approval", APPROVAL_TYPE, router, chain_id, message)


def receipt_message(
    router: str, chain_id: int, session_id: int, ttft_ms: int, tokens_per_second: int, deadline: int
) -> SignableMessage:
    """The receipt a provider signs for the close of `session_id`."""
    message = {
        "sessionId": session_id,
        "ttftMs": ttft_ms,
        "tokensPerSecond": tokens_per_second,
        "deadline": deadline,
    }
    return _typed("Receipt", RECEIPT_TYPE, router, chain_id, message)


PERMIT_TYPE = [
    {"name": "owner", "type": "address"},
    {"name": "spender", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]


def permit_message(
    token: str, token_name: str, chain_id: int, owner: str, spender: str, value: int, nonce: int, deadline: int
) -> SignableMessage:
    """An EIP-2612 permit of an OpenZeppelin ERC20Permit token (domain version "1")."""
    return encode_typed_data(
        full_message={
            "types": {"EIP712Domain": _DOMAIN_TYPE, "Permit": PERMIT_TYPE},
            "primaryType": "Permit",
            "domain": {"name": token_name, "version": "1", "chainId": chain_id, "verifyingContract": str(token)},
            "message": {
                "owner": str(owner),
                "spender": str(spender),
                "value": value,
                "nonce": nonce,
                "deadline": deadline,
            },
        }
    )


def sign_vrs(account: Any, message: SignableMessage) -> tuple[int, bytes, bytes]:
    """(v, r, s) of `message` signed by an Ape account, r and s as 32 bytes each."""
    signature = sign(account, message)
    return signature[64], signature[:32], signature[32:64]


def digest(message: SignableMessage) -> bytes:
    """The 32-byte EIP-712 digest of a message (what the contract's digest views return)."""
    return bytes(_hash_eip191_message(message))


def sign(account: Any, message: SignableMessage) -> bytes:
    """65-byte `r || s || v` signature of `message` by an Ape account."""
    signature = account.sign_message(message)
    if signature is None:
        raise ValueError(f"account {account} refused to sign")
    # r and s may come back shorter than 32 bytes when they start with zero bytes (about one
    # signature in 256); the contract needs exactly 65 bytes.
    r = int.from_bytes(bytes(signature.r), "big").to_bytes(32, "big")
    s = int.from_bytes(bytes(signature.s), "big").to_bytes(32, "big")
    return r + s + bytes([signature.v])
