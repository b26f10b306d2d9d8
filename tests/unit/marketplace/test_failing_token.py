"""PROTOCOL promise 7: a token that fails (returns false, or reverts) gets a clear error and
changes nothing. Every MOR transfer goes through SafeERC20. Runs on a second deployment wired to
a token whose transfers can be switched to fail."""

from __future__ import annotations

import ape
import pytest

from mor_market.constants import MOR
from tests.unit.marketplace.conftest import ENDPOINT, ZERO, provider_view

NORMAL, RETURN_FALSE, REVERT = 0, 1, 2
STAKE = 500 * MOR


@pytest.fixture
def bad_market(bad_protocol, bad_token, provider) -> object:
    """The second marketplace; the provider holds and has approved 10_000 tokens."""
    marketplace = bad_protocol.marketplace
    bad_token.mint(provider, 10_000 * MOR, sender=provider)
    bad_token.approve(marketplace, 10_000 * MOR, sender=provider)
    return marketplace


def _state(marketplace, token, account) -> tuple:
    return (
        token.balanceOf(account),
        token.balanceOf(marketplace),
        marketplace.totalStake(),
        marketplace.feeBalance(),
        provider_view(marketplace, account),
    )


def test_register__token_returns_false__reverts_safe_erc20_failed_operation_and_changes_nothing(
    bad_market, bad_token, provider
):
    bad_token.setMode(RETURN_FALSE, sender=provider)
    before = _state(bad_market, bad_token, provider)

    with ape.reverts(bad_market.SafeERC20FailedOperation, token=bad_token.address):
        bad_market.register(ENDPOINT, STAKE, sender=provider)

    assert _state(bad_market, bad_token, provider) == before
    assert provider_view(bad_market, provider) == (False, 0, ZERO, 0, "")


def test_register__token_reverts__bubbles_the_tokens_error_and_changes_nothing(bad_market, bad_token, provider):
    bad_token.setMode(REVERT, sender=provider)
    before = _state(bad_market, bad_token, provider)

    with ape.reverts(bad_token.TransferRejected):
        bad_market.register(ENDPOINT, STAKE, sender=provider)

    assert _state(bad_market, bad_token, provider) == before


def test_register__token_working__locks_the_stake_as_usual(bad_market, bad_token, provider):
    bad_market.register(ENDPOINT, STAKE, sender=provider)

    assert provider_view(bad_market, provider)[:2] == (True, STAKE)
    assert bad_token.balanceOf(bad_market) == STAKE == bad_market.totalStake()


def test_add_stake__token_returns_false__reverts_and_keeps_the_stake(bad_market, bad_token, provider):
    bad_market.register(ENDPOINT, STAKE, sender=provider)
    bad_token.setMode(RETURN_FALSE, sender=provider)
    before = _state(bad_market, bad_token, provider)

    with ape.reverts(bad_market.SafeERC20FailedOperation, token=bad_token.address):
        bad_market.addStake(MOR, sender=provider)

    assert _state(bad_market, bad_token, provider) == before


def test_deregister__token_returns_false__reverts_and_the_provider_keeps_its_registration_and_stake(
    bad_market, bad_token, provider
):
    bad_market.register(ENDPOINT, STAKE, sender=provider)
    bad_token.setMode(RETURN_FALSE, sender=provider)
    before = _state(bad_market, bad_token, provider)

    with ape.reverts(bad_market.SafeERC20FailedOperation, token=bad_token.address):
        bad_market.deregister(sender=provider)

    assert _state(bad_market, bad_token, provider) == before
    assert provider_view(bad_market, provider) == (True, STAKE, ZERO, 0, ENDPOINT)

    bad_token.setMode(NORMAL, sender=provider)
    bad_market.deregister(sender=provider)
    assert bad_token.balanceOf(bad_market) == 0


def test_post_bid__fee_transfer_returns_false__reverts_and_posts_no_bid(
    bad_protocol, bad_market, bad_token, owner, provider, model_owner
):
    model_id = bad_protocol.model_registry.registerModel("mod", b"\x01" * 32, [], 0, sender=model_owner).decode_logs(
        bad_protocol.model_registry.ModelRegistered
    )[0]["modelId"]
    bad_market.register(ENDPOINT, 0, sender=provider)
    bad_market.setBidFee(MOR, sender=owner)
    bad_token.setMode(RETURN_FALSE, sender=provider)
    before = _state(bad_market, bad_token, provider)

    with ape.reverts(bad_market.SafeERC20FailedOperation, token=bad_token.address):
        bad_market.postBid(model_id, 10**13, sender=provider)

    assert _state(bad_market, bad_token, provider) == before
    assert bad_market.activeBidOf(provider, model_id) == 0
    assert bad_market.activeBidCountOfModel(model_id) == 0


def test_withdraw_fees__token_returns_false__reverts_and_keeps_the_fee_balance(
    bad_protocol, bad_market, bad_token, owner, provider, model_owner
):
    model_id = bad_protocol.model_registry.registerModel("mod", b"\x01" * 32, [], 0, sender=model_owner).decode_logs(
        bad_protocol.model_registry.ModelRegistered
    )[0]["modelId"]
    bad_market.register(ENDPOINT, 0, sender=provider)
    bad_market.setBidFee(MOR, sender=owner)
    bad_market.postBid(model_id, 10**13, sender=provider)
    bad_token.setMode(RETURN_FALSE, sender=provider)
    before = _state(bad_market, bad_token, owner)

    with ape.reverts(bad_market.SafeERC20FailedOperation, token=bad_token.address):
        bad_market.withdrawFees(owner, MOR, sender=owner)

    assert _state(bad_market, bad_token, owner) == before
    assert bad_market.feeBalance() == MOR
