"""Bid and session ids, packed exactly as contracts/libraries/BidIds.sol and SessionIds.sol pack them."""

from __future__ import annotations

from eth_utils import to_checksum_address

_ADDRESS_MASK = (1 << 160) - 1


def _address(value: int) -> str:
    """The checksummed address of the low 160 bits of `value`, leading zero bytes kept (eth_utils
    reads an int as hex without them and rejects, say, 0x08A2...)."""
    return to_checksum_address(f"0x{value & _ADDRESS_MASK:040x}")


def bid_id(provider: str, model_id: int, version: int) -> int:
    """`provider (160) | modelId (32) | version (64)`."""
    return (int(provider, 16) << 96) | (model_id << 64) | version


def bid_parts(bid: int) -> tuple[str, int, int]:
    """(provider, model id, version) of a bid id."""
    return _address(bid >> 96), (bid >> 64) & 0xFFFFFFFF, bid & ((1 << 64) - 1)


def session_id(consumer: str, nonce: int) -> int:
    """`consumer (160) | approval nonce (96)`."""
    return (int(consumer, 16) << 96) | nonce


def session_consumer(session: int) -> str:
    """The consumer of a session id."""
    return _address(session >> 96)
