"""What a person types and reads in the operating scripts: MOR by default (decimals exact),
wei only when asked, prices per second or per day, hex ids, UTC times."""

from __future__ import annotations

import pytest

from mor_market.constants import MOR
from mor_market.units import (
    format_mor,
    format_price,
    format_time,
    hex_id,
    parse_address,
    parse_duration,
    parse_id,
    parse_mor,
    parse_price,
)


@pytest.mark.parametrize(
    ("typed", "wei"),
    [("100", 100 * MOR), ("1.5", 3 * MOR // 2), ("1_000 MOR", 1_000 * MOR), ("100wei", 100), ("7 wei", 7), ("0", 0)],
)
def test_parse_mor__an_amount__is_mor_unless_wei_is_written(typed: str, wei: int):
    assert parse_mor(typed) == wei


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("-5", "negative"), ("1e30", "more than"), ("0.0000000000000000001", "decimals"), ("lots", "not a number")],
)
def test_parse_mor__a_negative_absurd_or_too_fine_amount__is_refused_with_the_reason(typed: str, reason: str):
    with pytest.raises(ValueError, match=reason):
        parse_mor(typed)


def test_parse_price__per_second_per_day_or_wei__is_wei_per_second():
    assert parse_price("0.00001") == 10**13
    assert parse_price("0.864/day") == 10**13
    assert parse_price("10000000000wei") == 10**10
    with pytest.raises(ValueError, match="unknown unit"):
        parse_price("1/week")


def test_formats__amounts_prices_times_and_ids__read_exactly():
    assert format_mor(977_022977022977022977) == "977.022977022977022977 MOR"
    assert format_mor(500 * MOR) == "500 MOR"
    assert format_price(10**13) == "0.00001 MOR/s (0.864 MOR/day)"
    assert format_time(86_400) == "1970-01-02 00:00:00 UTC (86400)"
    assert hex_id(0x1234) == "0x" + "0" * 60 + "1234"
    assert parse_id(hex_id(0x1234)) == parse_id("4660") == 0x1234
    assert parse_duration("5m") == 300 and parse_duration("1d") == 86_400


def test_parse_address__malformed_or_wrong_checksum__is_refused():
    assert parse_address("0x90f79bf6eb2c4f870365e785982e1f101e93b906") == "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
    for bad in ("0x12345", "0x90f79bf6EB2c4f870365E785982E1f101E93b906", "alice"):
        with pytest.raises(ValueError, match="not an address"):
            parse_address(bad)
