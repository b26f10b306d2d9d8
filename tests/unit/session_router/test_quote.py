"""The router's one-call quote (PROTOCOL.md §5 "Open"): what a stake buys on a bid in either mode,
and whether `openSession` would succeed in the same block, or the exact error it would revert
with. A quote read in a block equals what an open in a block of the same time then sets."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ape
import pytest
from ape import chain
from ape.exceptions import ContractLogicError, CustomError
from eth_utils import function_signature_to_4byte_selector
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mor_market.constants import DAY, MOR
from mor_market.deploy import Params, deploy
from tests.conftest import PRICE
from tests.unit.session_router.conftest import (
    DIRECT,
    HOUR,
    MAX_DURATION,
    MIN_DURATION,
    STIPEND,
    direct_duration,
    stipend_duration,
)

NO_REASON = b"\x00" * 4
MIN_PRICE, MAX_PRICE = 10**10, 10**16  # the marketplace's price bounds in the `params` fixture
U96 = 2**96 - 1


def selector(signature: str) -> bytes:
    """The 4-byte selector of a custom error, from its signature."""
    return function_signature_to_4byte_selector(signature)


def selector_of(error: ContractLogicError) -> bytes:
    """The selector of the custom error a call reverted with (Ape decodes it with the ABIs of
    the contracts involved)."""
    assert isinstance(error, CustomError), f"not a custom error: {error!r}"
    return selector(error.abi.selector)


@dataclass
class Attempt:
    """A quote and the open tried right after it, at the same block time."""

    quote: Any
    tx: Any = None
    error: ContractLogicError | None = None


@pytest.fixture
def quote_then_open(router, mor, provider, sign_approval) -> Callable[..., Attempt]:
    """Reads the quote in a block mined at `at`, then sends the open in the next block, at the
    same time: the quote's block time is the open's. The allowance is given before, so that no
    other transaction comes in between."""
    nonces = itertools.count(1)

    def _attempt(who: Any, bid: int, stake: int, mode: int, at: int | None = None, signed_by: Any = None) -> Attempt:
        nonce = next(nonces)
        mor.approve(router, stake, sender=who)
        at = chain.blocks.head.timestamp + 1 if at is None else at
        deadline = at + HOUR
        signature = sign_approval(signed_by or provider, bid, who.address, nonce, deadline)
        chain.mine(timestamp=at)
        quote = router.quote(bid, who, stake, mode)
        chain.pending_timestamp = at
        try:
            tx = router.openSession(bid, nonce, deadline, stake, mode, signature, sender=who)
        except ContractLogicError as error:
            return Attempt(quote, error=error)
        assert tx.timestamp == at
        return Attempt(quote, tx=tx)

    return _attempt


def assert_refused(attempt: Attempt, signature: str) -> None:
    """The quote says the open fails with `signature`'s error, and the open did."""
    assert not attempt.quote.opens
    assert attempt.quote.reason == selector(signature)
    assert attempt.tx is None, "the open succeeded"
    assert selector_of(attempt.error) == selector(signature)


def assert_bid_fields(quote: Any, provider: Any, model_id: int, price: int = PRICE) -> None:
    assert (quote.provider, quote.modelId, quote.pricePerSecond, quote.signer) == (
        provider.address,
        model_id,
        price,
        provider.address,
    )


# ------------------------------------------------------------------ what the open sets


def test_quote__stipend__equals_the_duration_end_price_and_provider_the_open_then_sets(
    router, consumer, provider, bid, model_id, stake, day_start, budget, supply, quote_then_open
):
    at = day_start + 1_000
    expected = stipend_duration(stake, budget, supply())
    assert MIN_DURATION < expected < MAX_DURATION

    attempt = quote_then_open(consumer, bid, stake, STIPEND, at)

    quote, opened = attempt.quote, attempt.tx.decode_logs(router.SessionOpened)[0]
    assert quote.opens and quote.reason == NO_REASON
    assert_bid_fields(quote, provider, model_id)
    assert quote.duration == expected
    assert quote.endsAt == at + expected == opened.endsAt
    assert quote.stipend == PRICE * expected
    record = router.session(opened.sessionId)
    assert (record.provider, record.modelId, record.pricePerSecond) == (provider.address, model_id, PRICE)
    assert (record.openedAt, record.endsAt) == (at, quote.endsAt)


def test_quote__direct__equals_the_duration_end_price_and_provider_the_open_then_sets(
    router, consumer, provider, bid, model_id, day_start, quote_then_open
):
    at, stake = day_start + 1_000, PRICE * 5_000 + 123  # 5,000 s and a remainder that buys nothing
    assert direct_duration(stake) == 5_000

    attempt = quote_then_open(consumer, bid, stake, DIRECT, at)

    quote, opened = attempt.quote, attempt.tx.decode_logs(router.SessionOpened)[0]
    assert quote.opens and quote.reason == NO_REASON
    assert_bid_fields(quote, provider, model_id)
    assert (quote.duration, quote.endsAt) == (5_000, at + 5_000)
    assert quote.stipend == PRICE * 5_000 <= stake  # the most the consumer pays
    assert opened.endsAt == quote.endsAt
    record = router.session(opened.sessionId)
    assert (record.provider, record.pricePerSecond, record.openedAt, record.endsAt) == (
        provider.address,
        PRICE,
        at,
        quote.endsAt,
    )


def test_quote__direct_by_the_provider_itself__opens_self_dealt(
    router, provider, bid, model_id, day_start, quote_then_open
):
    attempt = quote_then_open(provider, bid, PRICE * HOUR, DIRECT, day_start + 1_000)

    assert attempt.quote.opens
    assert attempt.quote.endsAt == day_start + 1_000 + HOUR
    assert router.session(attempt.tx.decode_logs(router.SessionOpened)[0].sessionId).selfDealt


# ------------------------------------------------------------------ why it would not open


def test_quote__deleted_bid__bid_not_active_and_no_bid_fields(
    marketplace, provider, consumer, bid, stake, day_start, quote_then_open
):
    marketplace.deleteBid(bid, sender=provider)

    attempt = quote_then_open(consumer, bid, stake, STIPEND, day_start + 1_000)

    assert_refused(attempt, "BidNotActive(uint256)")
    quote = attempt.quote
    assert (quote.provider, quote.pricePerSecond, quote.duration, quote.endsAt, quote.stipend) == (
        "0x0000000000000000000000000000000000000000",
        0,
        0,
        0,
        0,
    )


def test_quote__suspended_provider__not_whitelisted(
    marketplace, owner, provider, consumer, bid, stake, day_start, quote_then_open
):
    marketplace.setWhitelisted(provider, False, sender=owner)

    attempt = quote_then_open(consumer, bid, stake, STIPEND, day_start + 1_000)

    assert_refused(attempt, "NotWhitelisted(address)")


def test_quote__while_paused__enforced_pause_and_still_what_the_stake_buys(
    router, owner, provider, consumer, bid, model_id, stake, day_start, budget, supply, quote_then_open
):
    router.pause(sender=owner)

    attempt = quote_then_open(consumer, bid, stake, STIPEND, day_start + 1_000)

    assert_refused(attempt, "EnforcedPause(uint256)")
    assert_bid_fields(attempt.quote, provider, model_id)  # the bid could be read: it is filled
    assert attempt.quote.duration == stipend_duration(stake, budget, supply())


def test_quote__zero_stake__zero_stake(consumer, bid, day_start, quote_then_open):
    assert_refused(quote_then_open(consumer, bid, 0, STIPEND, day_start + 1_000), "ZeroStake()")


def test_quote__mode_out_of_range__invalid_mode(provider, consumer, bid, model_id, stake, day_start, quote_then_open):
    attempt = quote_then_open(consumer, bid, stake, 2, day_start + 1_000)

    assert_refused(attempt, "InvalidMode(uint8)")
    assert_bid_fields(attempt.quote, provider, model_id)
    assert attempt.quote.duration == 0


def test_quote__stipend_by_the_provider_itself__self_dealt_stipend(provider, bid, stake, day_start, quote_then_open):
    assert_refused(
        quote_then_open(provider, bid, stake, STIPEND, day_start + 1_000), "SelfDealtStipend(uint256,address)"
    )


def test_quote__stipend_by_the_providers_signer__self_dealt_stipend(
    marketplace, provider, signer, bid, stake, day_start, quote_then_open
):
    marketplace.setSigner(signer, sender=provider)

    attempt = quote_then_open(signer, bid, stake, STIPEND, day_start + 1_000, signed_by=signer)

    assert_refused(attempt, "SelfDealtStipend(uint256,address)")
    assert attempt.quote.signer == signer.address


def test_quote__stake_one_wei_below_the_minimum__session_too_short_with_its_duration(
    consumer, bid, day_start, budget, supply, quote_then_open
):
    stake = -(-MIN_DURATION * PRICE * supply() // budget) - 1
    assert stipend_duration(stake, budget, supply()) == MIN_DURATION - 1

    attempt = quote_then_open(consumer, bid, stake, STIPEND, day_start + 1_000)

    assert_refused(attempt, "SessionTooShort(uint256,uint256)")
    assert attempt.quote.duration == MIN_DURATION - 1


def test_quote__stake_beyond_96_bits__safe_cast_overflow(consumer, bid, day_start, quote_then_open):
    attempt = quote_then_open(consumer, bid, U96 + 1, DIRECT, day_start + 1_000)

    assert_refused(attempt, "SafeCastOverflowedUintDowncast(uint8,uint256)")
    assert attempt.quote.duration == MAX_DURATION


def test_quote__locked_total_pushed_beyond_96_bits__safe_cast_overflow(
    router, consumer, consumer2, bid, day_start, give_mor, open_at, quote_then_open
):
    half = 2**95
    give_mor(consumer2, half)
    open_at(consumer2, bid, half, day_start + 1_000, DIRECT)
    assert router.totalLocked() == half

    attempt = quote_then_open(consumer, bid, half, DIRECT, day_start + 1_010)

    assert_refused(attempt, "SafeCastOverflowedUintDowncast(uint8,uint256)")
    assert router.quote(bid, consumer, half - 1, DIRECT).opens  # one wei less fits


@pytest.fixture
def all_mor_in_the_pool(project, owner, provider, funder, model_owner) -> tuple[Any, Any, int]:
    """A protocol on a MOR of its own whose whole supply was put into the pool yesterday (the
    budget today is 1% of it): (token, router, the provider's bid at PRICE)."""
    token = project.TestMOR.deploy(sender=owner)  # nothing minted yet
    protocol = deploy(project, owner, token.address, Params(whitelist=(provider.address,)))
    registry, market, pool = protocol.model_registry, protocol.marketplace, protocol.pool
    registered = registry.registerModel("mod", b"\x11" * 32, [], 0, sender=model_owner)
    model_id = registered.decode_logs(registry.ModelRegistered)[0].modelId
    market.register("gpu.example.org:3333", 0, sender=provider)
    bid = market.postBid(model_id, PRICE, sender=provider).decode_logs(market.BidPosted)[0].bidId
    token.mint(funder, 50_000 * MOR, sender=funder)
    token.approve(pool, 50_000 * MOR, sender=funder)
    pool.fund(50_000 * MOR, sender=funder)
    chain.pending_timestamp += DAY
    chain.mine()
    assert token.totalSupply() == pool.poolBalance()
    assert pool.today()[0] == 500 * MOR
    return token, protocol.router, bid


def test_quote__stipend_with_all_mor_in_the_pool__zero_reference_supply_and_no_duration(
    provider, consumer, all_mor_in_the_pool
):
    _, router, bid = all_mor_in_the_pool

    quote = router.quote(bid, consumer, 1_000 * MOR, STIPEND)

    assert not quote.opens
    assert quote.reason == selector("ZeroReferenceSupply()")
    assert (quote.provider, quote.duration, quote.endsAt, quote.stipend) == (provider.address, 0, 0, 0)
    assert router.quote(bid, consumer, PRICE * HOUR, DIRECT).opens  # direct mode needs no supply


def test_quote__stipend_of_2_256_wei_or_more__buys_the_longest_session_and_fails_the_stake_cast(
    provider, consumer, all_mor_in_the_pool, sign_approval
):
    token, router, bid = all_mor_in_the_pool
    token.mint(consumer, 1, sender=consumer)  # one wei circulates: the reference supply is 1 wei
    top = 2**256 - 1  # top * budget / supply does not fit 256 bits: mulDiv alone would overflow

    quote = router.quote(bid, consumer, top, STIPEND)

    assert quote.duration == MAX_DURATION
    assert quote.reason == selector("SafeCastOverflowedUintDowncast(uint8,uint256)")
    deadline = chain.pending_timestamp + HOUR
    approval = sign_approval(provider, bid, consumer.address, 1, deadline, router=router.address)
    with ape.reverts(router.SafeCastOverflowedUintDowncast, bits=96, value=top):
        router.openSession(bid, 1, deadline, top, STIPEND, approval, sender=consumer)
    assert router.stipendDuration(top, PRICE) == MAX_DURATION


def test_quote__absurd_inputs__never_revert(router, consumer, bid, day_start):
    chain.mine(timestamp=day_start)  # a day with a budget
    top = 2**256 - 1

    assert router.quote(top, consumer, top, 255).reason == selector("InvalidMode(uint8)")
    assert router.quote(top, consumer, top, STIPEND).reason == selector("BidNotActive(uint256)")
    assert router.quote(bid, consumer, top, STIPEND).reason == selector("SafeCastOverflowedUintDowncast(uint8,uint256)")
    assert router.quote(bid, consumer, top, DIRECT).duration == MAX_DURATION
    assert router.quote(0, consumer, 0, DIRECT).reason == selector("ZeroStake()")


# ------------------------------------------------------------------ for every input


@st.composite
def log_uniform(draw: st.DrawFn, low: int, high: int) -> int:
    """An integer in [low, high], spread over its orders of magnitude."""
    bits = draw(st.integers(low.bit_length(), high.bit_length()))
    return draw(st.integers(max(low, 2 ** (bits - 1)), min(high, 2**bits - 1)))


@st.composite
def stakes(draw: st.DrawFn) -> int:
    """Mostly 1 MOR to 2^79 wei (604,000 MOR, within every test account's balance), spread over
    the orders of magnitude where a session becomes long enough; sometimes zero, dust, or a stake
    beyond 96 bits."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return 0
    if kind == 1:
        return draw(log_uniform(1, 10**15))
    if kind == 2:
        return draw(st.integers(U96 + 1, 2**256 - 1))
    return draw(log_uniform(MOR, 2**79))


MODES = st.sampled_from([STIPEND, STIPEND, STIPEND, DIRECT, DIRECT, DIRECT, 7])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stake=stakes(),
    mode=MODES,
    price=log_uniform(MIN_PRICE, MAX_PRICE),
    by_provider=st.sampled_from([False, False, False, True]),
)
def test_quote__for_any_stake_mode_and_price__opens_exactly_when_the_open_succeeds_and_else_names_its_error(
    router,
    marketplace,
    provider,
    consumer,
    model_id,
    registered_provider,
    post_bid,
    funded_pool,
    quote_then_open,
    stake: int,
    mode: int,
    price: int,
    by_provider: bool,
):
    assert tuple(marketplace.priceBounds()) == (MIN_PRICE, MAX_PRICE)
    snapshot = chain.snapshot()
    try:
        bid = post_bid(provider, model_id, price)
        who = provider if by_provider else consumer

        attempt = quote_then_open(who, bid, stake, mode)

        quote = attempt.quote
        event("opens" if quote.opens else f"reverts {quote.reason.hex()}")
        if quote.opens:
            assert attempt.error is None, f"quoted to open, reverted {attempt.error!r}"
            opened = attempt.tx.decode_logs(router.SessionOpened)[0]
            assert opened.endsAt == quote.endsAt
            assert quote.endsAt - attempt.tx.timestamp == quote.duration
            assert quote.stipend == price * quote.duration
        else:
            assert attempt.tx is None, f"quoted {quote.reason.hex()}, opened"
            assert selector_of(attempt.error) == quote.reason
    finally:
        chain.restore(snapshot)
