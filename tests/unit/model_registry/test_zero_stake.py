"""PROTOCOL §2: a model's stake is optional. A model registered without stake never touches the
token: no transfer in, none out, so even a token that rejects every transfer cannot block it."""

from __future__ import annotations

from mor_market.constants import MOR
from tests.unit.model_registry.conftest import CONTENT_ID, TAGS

REVERT = 2


def test_register_model__without_stake__makes_no_token_transfer(model_registry, mor, model_owner):
    tx = model_registry.registerModel("free", CONTENT_ID, TAGS, 0, sender=model_owner)

    assert tx.decode_logs(mor.Transfer) == []
    assert model_registry.model(1).stake == 0
    assert model_registry.totalStake() == 0


def test_deregister_model__without_stake__makes_no_token_transfer(model_registry, mor, model_owner):
    model_registry.registerModel("free", CONTENT_ID, TAGS, 0, sender=model_owner)

    tx = model_registry.deregisterModel(1, sender=model_owner)

    assert tx.decode_logs(mor.Transfer) == []
    assert not model_registry.isActive(1)


def test_register_and_deregister__without_stake__work_while_the_token_rejects_every_transfer(
    bad_protocol, bad_token, model_owner
):
    registry = bad_protocol.model_registry
    bad_token.mint(model_owner, 1_000 * MOR, sender=model_owner)
    bad_token.setMode(REVERT, sender=model_owner)

    registry.registerModel("free", CONTENT_ID, TAGS, 0, sender=model_owner)
    assert registry.isActive(1)
    registry.deregisterModel(1, sender=model_owner)

    assert not registry.isActive(1)
    assert bad_token.balanceOf(model_owner) == 1_000 * MOR
    assert bad_token.balanceOf(registry) == 0
