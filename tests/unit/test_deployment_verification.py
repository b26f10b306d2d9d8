"""The deployment verification finds every wiring or parameter fault (so a deploy that passes
it is wired right), and the deployed code dispatches every function of every ABI."""

from __future__ import annotations

from dataclasses import replace

from mor_market.deploy import verify
from mor_market.deployment import unreachable_functions


def test_verify__the_test_deployment__finds_nothing(protocol, params, owner):
    assert verify(protocol, protocol.mor.address, params, owner.address) == []


def test_verify__a_parameter_that_differs_from_the_configuration__is_reported(protocol, params, owner):
    failures = verify(protocol, protocol.mor.address, replace(params, budget_bps=200), owner.address)
    assert failures == ["budgetBps: 100 != expected 200"]


def test_verify__the_wrong_mor_or_owner__is_reported_for_every_contract(protocol, params, owner, stranger):
    failures = verify(protocol, stranger.address, params, stranger.address)
    assert (
        len([f for f in failures if f.endswith(".mor: " + protocol.mor.address + " != expected " + stranger.address)])
        == 4
    )
    assert len([f for f in failures if ".owner:" in f]) == 4


def test_unreachable_functions__the_deployed_contracts__dispatch_every_function(protocol):
    assert unreachable_functions(protocol) == []
