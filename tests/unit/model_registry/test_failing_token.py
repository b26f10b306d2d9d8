"""PROTOCOL promise 7 for the registry: a token whose transfer returns false or reverts gets a
clear error and changes nothing."""

from __future__ import annotations

import ape
import pytest

from mor_market.constants import MOR
from tests.unit.model_registry.conftest import CONTENT_ID, TAGS

NORMAL, RETURN_FALSE, REVERT = 0, 1, 2


@pytest.fixture
def bad_registry(bad_protocol, bad_token, model_owner) -> object:
    registry = bad_protocol.model_registry
    bad_token.mint(model_owner, 1_000 * MOR, sender=model_owner)
    bad_token.approve(registry, 1_000 * MOR, sender=model_owner)
    return registry


def _state(registry, token, account) -> tuple:
    return (token.balanceOf(account), token.balanceOf(registry), registry.totalStake(), registry.modelCount())


def test_register_model__token_returns_false__reverts_safe_erc20_failed_operation_and_changes_nothing(
    bad_registry, bad_token, model_owner
):
    bad_token.setMode(RETURN_FALSE, sender=model_owner)
    before = _state(bad_registry, bad_token, model_owner)

    with ape.reverts(bad_registry.SafeERC20FailedOperation, token=bad_token.address):
        bad_registry.registerModel("mod", CONTENT_ID, TAGS, 10 * MOR, sender=model_owner)

    assert _state(bad_registry, bad_token, model_owner) == before
    assert not bad_registry.isActive(1)


def test_register_model__token_reverts__bubbles_the_tokens_error_and_changes_nothing(
    bad_registry, bad_token, model_owner
):
    bad_token.setMode(REVERT, sender=model_owner)
    before = _state(bad_registry, bad_token, model_owner)

    with ape.reverts(bad_token.TransferRejected):
        bad_registry.registerModel("mod", CONTENT_ID, TAGS, 10 * MOR, sender=model_owner)

    assert _state(bad_registry, bad_token, model_owner) == before


def test_deregister_model__token_returns_false__reverts_and_the_model_keeps_its_stake(
    bad_registry, bad_token, model_owner
):
    bad_registry.registerModel("mod", CONTENT_ID, TAGS, 10 * MOR, sender=model_owner)
    bad_token.setMode(RETURN_FALSE, sender=model_owner)
    before = _state(bad_registry, bad_token, model_owner)

    with ape.reverts(bad_registry.SafeERC20FailedOperation, token=bad_token.address):
        bad_registry.deregisterModel(1, sender=model_owner)

    assert _state(bad_registry, bad_token, model_owner) == before
    assert bad_registry.isActive(1)
    assert bad_registry.model(1).stake == 10 * MOR

    bad_token.setMode(NORMAL, sender=model_owner)
    bad_registry.deregisterModel(1, sender=model_owner)
    assert bad_token.balanceOf(bad_registry) == 0
