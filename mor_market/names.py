"""Canonical model names (PROTOCOL.md §2), the same grammar as contracts/libraries/ModelNames.sol:
3 to 64 bytes of ASCII letters and digits with single separators (`-` `.` `_` `/` `:`) only
between them, folded to lowercase (A-Z only). Invalid names raise the contract's error, with the
same arguments. Names are unique by their skeleton, the same map of ASCII look-alikes as
`ModelNames.skeleton`: two names with one skeleton are one name."""

from __future__ import annotations

from eth_utils import keccak

MIN_LENGTH = 3  # bytes, ModelNames.MIN_LENGTH
MAX_LENGTH = 64  # bytes, ModelNames.MAX_LENGTH
SEPARATORS = b"-._/:"  # bytes, as the grammar is over bytes

_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_SEPARATORS = frozenset(SEPARATORS)

# The stated, documented map of ASCII look-alikes (ModelNames.skeleton), on canonical names:
# `0` -> `o`; `1` and `i` -> `l`; `m` -> `rn`; `w` -> `vv`; every separator -> `-`; every other
# byte is itself. `m` and `w` are expanded, never `rn` / `vv` merged: an expansion does not
# depend on its neighbours (`rnn`, `vvv`), so the map is the same applied anywhere.
LOOK_ALIKES: dict[str, str] = {"0": "o", "1": "l", "i": "l", "m": "rn", "w": "vv"} | dict.fromkeys(
    SEPARATORS.decode(), "-"
)
_SKELETON = str.maketrans(LOOK_ALIKES)


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


def skeleton(name: str | bytes) -> str:
    """What `name` looks like: its canonical form folded by `LOOK_ALIKES` (ModelNames.skeleton);
    raises `InvalidModelName` as `canonical` does."""
    return canonical(name).translate(_SKELETON)


def key(name: str | bytes) -> bytes:
    """The uniqueness key of `name`: keccak-256 of its skeleton (ModelNames.key)."""
    return keccak(skeleton(name).encode())
