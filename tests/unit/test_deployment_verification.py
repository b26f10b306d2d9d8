"""The deployment verification finds every wiring or parameter fault (so a deploy that passes
it is wired right), and the deployed code dispatches every function of every ABI."""

from __future__ import annotations

from dataclasses import replace

from mor_market.deploy import verify
from mor_market.deployment import unreachable_functions

PAUSABLE = ("ModelRegistry", "Marketplace", "SessionRouter")  # owned, with a guardian; the pool has neither


def test_verify__the_test_deployment__finds_nothing(protocol, params, owner):
    assert verify(protocol, protocol.mor.address, params, owner.address) == []


def test_verify__a_parameter_that_differs_from_the_configuration__is_reported(protocol, params, owner):
    failures = verify(protocol, protocol.mor.address, replace(params, bid_fee=7), owner.address)
    assert failures == ["bidFee: 0 != expected 7"]


def test_verify__the_wrong_mor_or_owner__is_reported_for_every_contract(protocol, params, owner, stranger):
    failures = verify(protocol, stranger.address, params, stranger.address)
    assert (
        len([f for f in failures if f.endswith(".mor: " + protocol.mor.address + " != expected " + stranger.address)])
        == 4
    )
    assert sorted(f.split(".owner:")[0] for f in failures if ".owner:" in f) == sorted(PAUSABLE)


def test_verify__a_guardian_other_than_the_configured_one__is_reported_for_the_three_pausable_contracts(
    protocol, params, owner, stranger
):
    failures = verify(protocol, protocol.mor.address, replace(params, guardian=stranger.address), owner.address)
    assert sorted(f.split(".guardian:")[0] for f in failures) == sorted(PAUSABLE)
    assert all(f.endswith(f"!= expected {stranger.address.lower()}") for f in failures)


def test_verify__the_configured_guardian_once_set__finds_nothing(protocol, params, owner, stranger):
    for contract in (protocol.model_registry, protocol.marketplace, protocol.router):
        contract.setGuardian(stranger, sender=owner)

    assert verify(protocol, protocol.mor.address, replace(params, guardian=stranger.address), owner.address) == []


def test_unreachable_functions__the_deployed_contracts__dispatch_every_function(protocol):
    assert unreachable_functions(protocol) == []
