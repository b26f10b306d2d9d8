"""The quote's cast checks at their exact edges (PROTOCOL.md §5 "Open"; promise 7): a stake of
exactly 2^96 - 1 wei, a session ending at exactly 2^40 - 1 seconds, and a locked total that
reaches exactly 2^96 - 1 once the consumer's released hold counts towards the stake all open;
one wei or one second more is the open's `SafeCastOverflowedUintDowncast`. Each edge is read in a
quote and, where the chain allows, confirmed by the open itself."""

from __future__ import annotations

from typing import Any

from ape import chain

from mor_market.constants import DAY
from tests.unit.session_router.conftest import DIRECT, HOUR, MAX_DURATION, held_part
from tests.unit.session_router.test_quote import (
    NO_REASON,
    U96,
    assert_refused,
    quote_then_open,  # noqa: F401 (a fixture)
    selector,
)

U40 = 2**40 - 1
OVERFLOW = selector("SafeCastOverflowedUintDowncast(uint8,uint256)")


def quote_at_time(router: Any, timestamp: int, bid: int, consumer: Any, stake: int, mode: int) -> Any:
    """`router.quote(...)` evaluated in a block of time `timestamp` without moving the chain's
    clock (an `eth_call` with a block override: the year-36812 block never exists)."""
    abi = router.contract_type.view_methods["quote"]
    data = "0x" + bytes(router.quote.encode_input(bid, consumer.address, stake, mode)).hex()
    call = {"to": str(router.address), "data": data}
    raw = chain.provider.make_request("eth_call", [call, "latest", {}, {"time": hex(timestamp)}])
    return chain.provider.network.ecosystem.decode_returndata(abi, bytes.fromhex(raw.removeprefix("0x")))[0]


def test_quote__stake_of_exactly_2_96_minus_1__opens(
    router,
    consumer,
    bid,
    day_start,
    give_mor,
    quote_then_open,  # noqa: F811
):
    give_mor(consumer, U96)

    attempt = quote_then_open(consumer, bid, U96, DIRECT, day_start + 1_000)

    assert attempt.quote.opens and attempt.quote.reason == NO_REASON
    assert attempt.error is None
    assert router.totalLocked() == U96


def test_quote__session_ending_at_exactly_2_40_minus_1__opens_and_one_second_later_overflows(
    router, consumer, bid, price
):
    stake = MAX_DURATION * price  # a direct session of the longest duration
    last_start = U40 - MAX_DURATION  # ends at 2^40 - 1: the last second a uint40 holds

    fits = quote_at_time(router, last_start, bid, consumer, stake, DIRECT)
    over = quote_at_time(router, last_start + 1, bid, consumer, stake, DIRECT)

    assert (fits.endsAt, fits.opens, fits.reason) == (U40, True, NO_REASON)
    assert (over.endsAt, over.opens, over.reason) == (U40 + 1, False, OVERFLOW)


def test_quote__locked_total_reaching_2_96_minus_1_with_a_released_hold__opens_and_one_wei_more_overflows(
    router,
    consumer,
    consumer2,
    bid,
    stake,
    running,
    close_at,
    give_mor,
    open_at,
):
    # The consumer's stipend session closed an hour in: part of its stake is held until tomorrow.
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    held = held_part(stake, HOUR, running.ends_at - running.opened_at)
    tomorrow = (running.opened_at // DAY + 1) * DAY
    # Tomorrow, a whale locks almost everything a uint96 holds.
    whale = U96 - held - 10 * stake
    give_mor(consumer2, whale)
    open_at(consumer2, bid, whale, tomorrow + 100, DIRECT)
    locked = router.totalLocked()
    assert locked == whale + held and tuple(router.holdOf(consumer)) == (0, held)
    # The largest stake that fits counts the released hold once: locked + stake - held == 2^96 - 1.
    largest = U96 - locked + held
    give_mor(consumer, largest)

    quote = router.quote(bid, consumer, largest, DIRECT)

    assert (quote.opens, quote.reason) == (True, NO_REASON)
    assert router.quote(bid, consumer, largest + 1, DIRECT).reason == OVERFLOW
    opened = open_at(consumer, bid, largest, tomorrow + 200, DIRECT)
    assert opened.tx.decode_logs(router.HeldReleased)[0].amount == held
    assert router.totalLocked() == U96


def test_quote__locked_total_one_wei_past_2_96_minus_1__is_refused_like_the_open(
    consumer,
    consumer2,
    bid,
    day_start,
    give_mor,
    open_at,
    quote_then_open,  # noqa: F811
):
    give_mor(consumer2, U96 - 10**18)
    open_at(consumer2, bid, U96 - 10**18, day_start + 1_000, DIRECT)

    attempt = quote_then_open(consumer, bid, 10**18 + 1, DIRECT, day_start + 1_010)

    assert_refused(attempt, "SafeCastOverflowedUintDowncast(uint8,uint256)")
