"""PROTOCOL §1: a provider registers with an endpoint and MOR to lock; registering again
updates the endpoint and adds stake. While the whitelist is on, no stake (and no MOR) is needed."""

from __future__ import annotations

import ape
from ape import accounts

from mor_market.constants import MOR
from tests.unit.marketplace.conftest import ENDPOINT, ZERO, events, provider_view
from tests.utils.checks import check_conservation


def test_register__whitelisted_with_stake__locks_the_stake_and_emits_both_events(
    protocol, marketplace, mor, provider, provider_stake
):
    balance = mor.balanceOf(provider)
    mor.approve(marketplace, provider_stake, sender=provider)

    tx = marketplace.register(ENDPOINT, provider_stake, sender=provider)

    assert events(tx, marketplace.ProviderRegistered) == [{"provider": provider.address, "endpoint": ENDPOINT}]
    assert events(tx, marketplace.ProviderStakeAdded) == [
        {"provider": provider.address, "amount": provider_stake, "totalStake": provider_stake}
    ]
    assert provider_view(marketplace, provider) == (True, provider_stake, ZERO, 0, ENDPOINT)
    assert mor.balanceOf(provider) == balance - provider_stake
    assert mor.balanceOf(marketplace) == provider_stake
    assert marketplace.totalStake() == provider_stake
    check_conservation(protocol)


def test_register__whitelisted_account_holding_no_mor__registers_without_stake(protocol, marketplace, mor, owner):
    newcomer = accounts.test_accounts.generate_test_account()
    owner.transfer(newcomer, 10**18)
    assert mor.balanceOf(newcomer) == 0
    marketplace.setWhitelisted(newcomer, True, sender=owner)

    tx = marketplace.register(ENDPOINT, 0, sender=newcomer)

    assert events(tx, marketplace.ProviderRegistered) == [{"provider": newcomer.address, "endpoint": ENDPOINT}]
    assert events(tx, marketplace.ProviderStakeAdded) == []
    assert provider_view(marketplace, newcomer) == (True, 0, ZERO, 0, ENDPOINT)
    assert marketplace.totalStake() == 0
    check_conservation(protocol)


def test_register__again__updates_the_endpoint_and_adds_the_stake(
    protocol, marketplace, mor, registered_provider, provider_stake
):
    balance = mor.balanceOf(registered_provider)
    mor.approve(marketplace, 50 * MOR, sender=registered_provider)

    tx = marketplace.register("https://new.example.org/v1", 50 * MOR, sender=registered_provider)

    assert events(tx, marketplace.ProviderRegistered) == [
        {"provider": registered_provider.address, "endpoint": "https://new.example.org/v1"}
    ]
    assert events(tx, marketplace.ProviderStakeAdded) == [
        {"provider": registered_provider.address, "amount": 50 * MOR, "totalStake": provider_stake + 50 * MOR}
    ]
    assert provider_view(marketplace, registered_provider) == (
        True,
        provider_stake + 50 * MOR,
        ZERO,
        0,
        "https://new.example.org/v1",
    )
    assert mor.balanceOf(registered_provider) == balance - 50 * MOR
    assert marketplace.totalStake() == provider_stake + 50 * MOR
    check_conservation(protocol)


def test_register__again_without_stake__only_updates_the_endpoint(
    protocol, marketplace, mor, registered_provider, provider_stake
):
    balance = mor.balanceOf(registered_provider)

    tx = marketplace.register("10.0.0.1:8080", 0, sender=registered_provider)

    assert events(tx, marketplace.ProviderRegistered) == [
        {"provider": registered_provider.address, "endpoint": "10.0.0.1:8080"}
    ]
    assert events(tx, marketplace.ProviderStakeAdded) == []
    assert provider_view(marketplace, registered_provider) == (True, provider_stake, ZERO, 0, "10.0.0.1:8080")
    assert mor.balanceOf(registered_provider) == balance
    check_conservation(protocol)


def test_register__not_whitelisted__reverts_not_whitelisted_and_changes_nothing(
    marketplace, mor, stranger, market_state
):
    mor.approve(marketplace, 100 * MOR, sender=stranger)
    before = market_state(stranger)

    with ape.reverts(marketplace.NotWhitelisted, account=stranger.address):
        marketplace.register(ENDPOINT, 100 * MOR, sender=stranger)

    assert market_state(stranger) == before
    assert not provider_view(marketplace, stranger)[0]


def test_register__empty_endpoint__reverts_empty_endpoint_and_changes_nothing(marketplace, provider, market_state):
    before = market_state(provider)

    with ape.reverts(marketplace.EmptyEndpoint):
        marketplace.register("", 0, sender=provider)

    assert market_state(provider) == before


def test_register__endpoint_of_128_bytes__is_accepted(protocol, marketplace, provider):
    endpoint = "https://" + "a" * 120
    assert len(endpoint.encode()) == 128

    marketplace.register(endpoint, 0, sender=provider)

    assert provider_view(marketplace, provider)[4] == endpoint
    check_conservation(protocol)


def test_register__endpoint_of_129_bytes__reverts_endpoint_too_long_and_changes_nothing(
    marketplace, registered_provider, market_state
):
    before = market_state(registered_provider)

    with ape.reverts(marketplace.EndpointTooLong, length=129, max=128):
        marketplace.register("https://" + "a" * 121, 0, sender=registered_provider)

    assert market_state(registered_provider) == before
    assert provider_view(marketplace, registered_provider)[4] == ENDPOINT


def test_register__endpoint_of_65_two_byte_characters__counts_bytes_and_reverts(marketplace, provider, market_state):
    before = market_state(provider)

    with ape.reverts(marketplace.EndpointTooLong, length=130, max=128):
        marketplace.register("é" * 65, 0, sender=provider)

    assert market_state(provider) == before


def test_register__stake_without_allowance__reverts_in_the_token_and_changes_nothing(
    marketplace, mor, provider, market_state
):
    before = market_state(provider)

    with ape.reverts(mor.ERC20InsufficientAllowance, spender=marketplace.address, allowance=0, needed=5 * MOR):
        marketplace.register(ENDPOINT, 5 * MOR, sender=provider)

    assert market_state(provider) == before
