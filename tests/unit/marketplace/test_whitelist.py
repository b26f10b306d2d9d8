"""PROTOCOL §1: the whitelist is on after deployment and only whitelisted addresses may
register (without stake); governance turns it off once and for good, and then anyone may
register with at least `minProviderStake`."""

from __future__ import annotations

import ape

from mor_market.constants import MOR
from tests.conftest import MIN_PROVIDER_STAKE
from tests.unit.marketplace.conftest import ENDPOINT, ZERO, events, provider_view
from tests.utils.checks import check_conservation


def test_whitelist__after_deployment__is_on_with_only_the_configured_providers(
    marketplace, provider, provider2, stranger
):
    assert marketplace.whitelistEnabled()
    assert marketplace.isWhitelisted(provider)
    assert marketplace.isWhitelisted(provider2)
    assert not marketplace.isWhitelisted(stranger)
    assert marketplace.minProviderStake() == MIN_PROVIDER_STAKE


def test_set_whitelisted__by_governance__lets_the_account_register_without_stake(
    protocol, marketplace, owner, stranger
):
    tx = marketplace.setWhitelisted(stranger, True, sender=owner)

    assert events(tx, marketplace.WhitelistSet) == [{"account": stranger.address, "whitelisted": True}]
    assert marketplace.isWhitelisted(stranger)
    marketplace.register(ENDPOINT, 0, sender=stranger)
    assert provider_view(marketplace, stranger) == (True, 0, ZERO, 0, ENDPOINT)
    check_conservation(protocol)


def test_set_whitelisted__false__stops_the_account_registering(marketplace, owner, provider, market_state):
    tx = marketplace.setWhitelisted(provider, False, sender=owner)

    assert events(tx, marketplace.WhitelistSet) == [{"account": provider.address, "whitelisted": False}]
    assert not marketplace.isWhitelisted(provider)
    before = market_state(provider)
    with ape.reverts(marketplace.NotWhitelisted, account=provider.address):
        marketplace.register(ENDPOINT, 0, sender=provider)
    assert market_state(provider) == before


def test_set_whitelisted__zero_address__reverts_zero_address_and_changes_nothing(marketplace, owner):
    with ape.reverts(marketplace.ZeroAddress):
        marketplace.setWhitelisted(ZERO, True, sender=owner)

    assert not marketplace.isWhitelisted(ZERO)


def test_disable_whitelist__by_governance__turns_it_off_and_emits(marketplace, owner):
    tx = marketplace.disableWhitelist(sender=owner)

    assert events(tx, marketplace.WhitelistDisabled) == [{}]
    assert not marketplace.whitelistEnabled()


def test_disable_whitelist__twice__reverts_whitelist_already_disabled(marketplace, owner, market_state):
    marketplace.disableWhitelist(sender=owner)
    before = market_state()

    with ape.reverts(marketplace.WhitelistAlreadyDisabled):
        marketplace.disableWhitelist(sender=owner)

    assert market_state() == before
    assert not marketplace.whitelistEnabled()


def test_register__whitelist_off_with_stake_below_minimum__reverts_provider_stake_below_minimum(
    open_market, mor, stranger, market_state
):
    mor.approve(open_market, MIN_PROVIDER_STAKE, sender=stranger)
    before = market_state(stranger)

    with ape.reverts(open_market.ProviderStakeBelowMinimum, stake=MIN_PROVIDER_STAKE - 1, minimum=MIN_PROVIDER_STAKE):
        open_market.register(ENDPOINT, MIN_PROVIDER_STAKE - 1, sender=stranger)

    assert market_state(stranger) == before


def test_register__whitelist_off_with_exactly_the_minimum__registers_anyone(protocol, open_market, mor, stranger):
    mor.approve(open_market, MIN_PROVIDER_STAKE, sender=stranger)

    tx = open_market.register(ENDPOINT, MIN_PROVIDER_STAKE, sender=stranger)

    assert events(tx, open_market.ProviderStakeAdded) == [
        {"provider": stranger.address, "amount": MIN_PROVIDER_STAKE, "totalStake": MIN_PROVIDER_STAKE}
    ]
    assert provider_view(open_market, stranger) == (True, MIN_PROVIDER_STAKE, ZERO, 0, ENDPOINT)
    check_conservation(protocol)


def test_register__whitelist_off_and_whitelisted_without_stake__reverts_as_whitelisting_no_longer_counts(
    open_market, provider, market_state
):
    before = market_state(provider)

    with ape.reverts(open_market.ProviderStakeBelowMinimum, stake=0, minimum=MIN_PROVIDER_STAKE):
        open_market.register(ENDPOINT, 0, sender=provider)

    assert market_state(provider) == before


def test_register__whitelist_off_and_account_unwhitelisted__still_registers_with_stake(
    protocol, open_market, mor, owner, provider
):
    open_market.setWhitelisted(provider, False, sender=owner)
    mor.approve(open_market, 150 * MOR, sender=provider)

    open_market.register(ENDPOINT, 150 * MOR, sender=provider)

    assert provider_view(open_market, provider) == (True, 150 * MOR, ZERO, 0, ENDPOINT)
    assert not open_market.whitelistEnabled()
    check_conservation(protocol)


def test_register__whitelist_off_in_several_steps__counts_the_stake_already_locked(
    protocol, open_market, mor, registered_provider, provider_stake
):
    # The whitelisted provider registered with 1000 MOR before; re-registering needs no more.
    tx = open_market.register("b.example.org:1", 0, sender=registered_provider)

    assert events(tx, open_market.ProviderRegistered) == [
        {"provider": registered_provider.address, "endpoint": "b.example.org:1"}
    ]
    assert provider_view(open_market, registered_provider)[1] == provider_stake
    check_conservation(protocol)
