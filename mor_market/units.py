"""What a person types and reads: MOR amounts (decimals, wei only when asked), prices per
second, durations, UTC times, hex ids and checksummed addresses. Pure functions; the scripts
turn their ValueError into one line."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from eth_utils import is_address, to_checksum_address

from mor_market.constants import DAY, MOR

DECIMALS = 18
# MOR's maximum supply: no amount a person means can be larger, so a larger one is a typo.
MAX_SUPPLY_MOR = 42_000_000
MAX_AMOUNT = MAX_SUPPLY_MOR * MOR
UINT256_MAX = 2**256 - 1
_PER = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "h": 3_600, "hour": 3_600, "d": DAY, "day": DAY}
_DURATION = {"": 1, "s": 1, "m": 60, "h": 3_600, "d": DAY}


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.replace("_", "").replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{what} {text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{what} {text!r} is not a number")
    if value < 0:
        raise ValueError(f"{what} {text!r} is negative")
    return value


def parse_mor(text: str, what: str = "amount", maximum: int = MAX_AMOUNT) -> int:
    """Wei of a MOR amount: `1.5` or `1.5 MOR` is 1.5 MOR; `100 wei` or `100wei` is 100 wei.
    Refuses negatives, more than 18 decimals and more than MOR's maximum supply."""
    raw = str(text).strip()
    lowered = raw.lower()
    if lowered.endswith("wei"):
        number, scale = lowered.removesuffix("wei").strip(), 1
    else:
        number, scale = lowered.removesuffix("mor").strip(), MOR
    value = _decimal(number, what) * scale
    if value != value.to_integral_value():
        unit = "wei" if scale == 1 else "MOR"
        raise ValueError(f"{what} {raw!r} has more than {0 if scale == 1 else DECIMALS} decimals of {unit}")
    wei = int(value)
    if wei > maximum:
        raise ValueError(f"{what} {raw!r} is more than {format_mor(maximum)}")
    return wei


def parse_price(text: str) -> int:
    """Wei per second of a price: MOR per second by default (`0.00001`), or per minute, hour or
    day with a suffix (`0.864/day`), or wei per second (`10000000000wei`); rounded down to the wei
    per second, refused if that is 0."""
    raw = str(text).strip()
    amount, _, per = raw.lower().partition("/")
    per = per.strip() or "s"
    if per not in _PER:
        raise ValueError(f"price {raw!r}: unknown unit /{per} (use /s, /h or /day)")
    wei = parse_mor(amount, "price", maximum=MAX_AMOUNT * DAY)
    per_second = wei // _PER[per]
    if per_second == 0 and wei:
        raise ValueError(f"price {raw!r} is less than 1 wei per second")
    return per_second


def parse_duration(text: str) -> int:
    """Seconds of `300`, `300s`, `5m`, `2h` or `1d`."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", str(text).lower())
    if not match:
        raise ValueError(f"duration {text!r} is not a number of seconds (or 5m, 2h, 1d)")
    return int(match.group(1)) * _DURATION[match.group(2)]


def parse_id(text: str, what: str = "id", bits: int = 256) -> int:
    """An id given in hex (`0x...`, as the scripts print them) or decimal."""
    raw = str(text).strip()
    try:
        value = int(raw, 16) if raw.lower().startswith("0x") else int(raw.replace("_", ""), 10)
    except ValueError:
        raise ValueError(f"{what} {raw!r} is not a hex (0x...) or decimal number") from None
    if value < 0 or value >= 2**bits:
        raise ValueError(f"{what} {raw!r} is out of range")
    return value


def parse_address(text: str, what: str = "address") -> str:
    """A checksummed address; a malformed one, or a mixed-case one with a wrong checksum, is refused."""
    raw = str(text).strip()
    digits = raw[2:] if raw.lower().startswith("0x") else raw
    mixed_case = digits != digits.lower() and digits != digits.upper()
    if not is_address(raw) or (mixed_case and to_checksum_address(raw) != raw):
        raise ValueError(f"{what} {raw!r} is not an address (0x and 40 hex digits, checksum if mixed case)")
    return to_checksum_address(raw)


def format_mor(wei: int) -> str:
    """`1234.5 MOR`, exact to the wei (no rounding, no float)."""
    whole, frac = divmod(int(wei), MOR)
    text = f"{whole}.{frac:018d}".rstrip("0").rstrip(".") if frac else str(whole)
    return f"{text} MOR"


def format_price(wei_per_second: int) -> str:
    """`0.00001 MOR/s (0.864 MOR/day)`."""
    per_day = format_mor(int(wei_per_second) * DAY).removesuffix(" MOR")
    return f"{format_mor(wei_per_second).removesuffix(' MOR')} MOR/s ({per_day} MOR/day)"


def format_time(timestamp: int) -> str:
    """`2026-12-01 12:00:00 UTC (1764590400)`; 0 is `never`."""
    if not timestamp:
        return "never"
    return f"{datetime.fromtimestamp(int(timestamp), UTC):%Y-%m-%d %H:%M:%S} UTC ({int(timestamp)})"


def format_duration(seconds: int) -> str:
    """`3600 s (1h 0m)`."""
    s = int(seconds)
    days, rest = divmod(s, DAY)
    hours, rest = divmod(rest, 3_600)
    parts = ([f"{days}d"] if days else []) + [f"{hours}h", f"{rest // 60}m"]
    return f"{s} s ({' '.join(parts)})"


def hex_id(value: int) -> str:
    """A bid or session id as 64 hex digits: the provider or consumer address shows in it."""
    return f"0x{int(value):064x}"
