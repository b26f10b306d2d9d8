"""Canonical model names (PROTOCOL.md §2), the same grammar as contracts/libraries/ModelNames.sol:
3 to 64 bytes of ASCII letters and digits with single separators (`-` `.` `_` `/` `:`) only
between them, folded to lowercase (A-Z only). Invalid names raise the contract's error, with the
same arguments."""

from __future__ import annotations

from eth_utils import keccak

MIN_LENGTH = 3  # bytes, ModelNames.MIN_LENGTH
MAX_LENGTH = 64  # bytes, ModelNames.MAX_LENGTH
SEPARATORS = b"-._/:"  # bytes, as the grammar is over bytes

_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_SEPARATORS = frozenset(SEPARATORS)


class InvalidModelName(ValueError):
    """The contract's revert for an invalid name: `error` is "InvalidModelNameLength" with
    `args == (length, MIN_LENGTH, MAX_LENGTH)`, or "InvalidModelNameCharacter" with
    `args == (position, character)`, `character` the offending byte as a 1-byte `bytes`."""

    def __init__(self, error: str, *args: int | bytes) -> None:
        super().__init__(*args)
        self.error = error

    def __str__(self) -> str:
        return f"{self.error}{self.args!r}"


def canonical(name: str | bytes) -> str:
    """The canonical (lowercase) form of `name`, a `str` taken as its UTF-8 bytes; raises
    `InvalidModelName` at the first byte that breaks the grammar, as the contract reverts."""
    raw = name.encode() if isinstance(name, str) else bytes(name)
    if not MIN_LENGTH <= len(raw) <= MAX_LENGTH:
        raise InvalidModelName("InvalidModelNameLength", len(raw), MIN_LENGTH, MAX_LENGTH)
    after_separator = True  # the start counts as a separator: no name begins with one
    for position, byte in enumerate(raw):
        if byte in _ALNUM:
            after_separator = False
        elif byte in _SEPARATORS and not after_separator and position != len(raw) - 1:
            after_separator = True
        else:
            raise InvalidModelName("InvalidModelNameCharacter", position, bytes([byte]))
    return raw.decode("ascii").lower()  # ASCII only here, so lower() changes A-Z and nothing else


def key(name: str | bytes) -> bytes:
    """The uniqueness key of `name`: keccak-256 of its canonical bytes (ModelNames.key)."""
    return keccak(canonical(name).encode())
