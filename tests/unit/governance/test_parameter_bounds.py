"""PROTOCOL §7 "Hard bounds": every governance parameter has a range fixed in the code. Both edges
of each range are accepted; one step outside either edge reverts with
`ParameterOutOfBounds(name, value, minimum, maximum)` and changes nothing. (The pool's budget is
no parameter but a constant 1%: compute_pool/test_budget.py.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ape
import pytest

from mor_market.constants import DAY, MOR


@dataclass(frozen=True)
class Bound:
    """One parameter: how to set it, read it back, and its range."""

    name: str
    contract: str  # fixture name
    minimum: int
    maximum: int
    set: Callable[[Any, int, Any], Any]
    get: Callable[[Any], Any]


def _price_min(mp: Any, value: int, who: Any) -> Any:
    return mp.setPriceBounds(value, max(value, 10**16), sender=who)


def _price_max(mp: Any, value: int, who: Any) -> Any:
    return mp.setPriceBounds(10**9, value, sender=who)


def _duration_min(router: Any, value: int, who: Any) -> Any:
    return router.setDurationBounds(value, max(value, DAY), sender=who)


def _duration_max(router: Any, value: int, who: Any) -> Any:
    return router.setDurationBounds(60, value, sender=who)


BOUNDS = [
    Bound("minPricePerSecond", "marketplace", 10**9, 5 * 10**12, _price_min, lambda c: tuple(c.priceBounds())),
    Bound("maxPricePerSecond", "marketplace", 10**9, 10**17, _price_max, lambda c: tuple(c.priceBounds())),
    Bound("bidFee", "marketplace", 0, 10 * MOR, lambda c, v, w: c.setBidFee(v, sender=w), lambda c: c.bidFee()),
    Bound(
        "minProviderStake",
        "marketplace",
        0,
        100_000 * MOR,
        lambda c, v, w: c.setMinProviderStake(v, sender=w),
        lambda c: c.minProviderStake(),
    ),
    Bound(
        "minModelStake",
        "model_registry",
        0,
        100_000 * MOR,
        lambda c, v, w: c.setMinModelStake(v, sender=w),
        lambda c: c.minModelStake(),
    ),
    Bound("minSessionDuration", "router", 60, 3_600, _duration_min, lambda c: tuple(c.durationBounds())),
    Bound("maxSessionDuration", "router", 60, 7 * DAY, _duration_max, lambda c: tuple(c.durationBounds())),
    Bound(
        "referenceSupply",
        "router",
        0,
        42_000_000 * MOR,
        lambda c, v, w: c.setReferenceSupply(v, sender=w),
        lambda c: c.referenceSupply(),
    ),
]
IDS = [b.name for b in BOUNDS]


def _name(name: str) -> bytes:
    return name.encode().ljust(32, b"\0")


@pytest.mark.parametrize("bound", BOUNDS, ids=IDS)
@pytest.mark.parametrize("edge", ["minimum", "maximum"])
def test_parameter__at_either_edge_of_its_bound__is_accepted_and_announced(
    request, protocol, owner, bound: Bound, edge: str
):
    contract = request.getfixturevalue(bound.contract)
    value = getattr(bound, edge)

    tx = bound.set(contract, value, owner)

    changed = {(log.name, log.value) for log in tx.decode_logs(contract.ParameterChanged)}
    assert (_name(bound.name), value) in changed


@pytest.mark.parametrize("bound", [b for b in BOUNDS if b.minimum > 0], ids=[b.name for b in BOUNDS if b.minimum > 0])
def test_parameter__one_below_its_minimum__reverts_parameter_out_of_bounds_and_changes_nothing(
    request, protocol, owner, bound: Bound
):
    contract = request.getfixturevalue(bound.contract)
    before = bound.get(contract)

    with ape.reverts(
        contract.ParameterOutOfBounds,
        name=_name(bound.name),
        value=bound.minimum - 1,
        minimum=bound.minimum,
        maximum=bound.maximum,
    ):
        bound.set(contract, bound.minimum - 1, owner)

    assert bound.get(contract) == before


@pytest.mark.parametrize("bound", BOUNDS, ids=IDS)
def test_parameter__one_above_its_maximum__reverts_parameter_out_of_bounds_and_changes_nothing(
    request, protocol, owner, bound: Bound
):
    contract = request.getfixturevalue(bound.contract)
    before = bound.get(contract)
    # A maximum bound's lower edge is the minimum it is paired with; the error names that.
    paired_minimum = 10**9 if bound.name == "maxPricePerSecond" else 60 if bound.name == "maxSessionDuration" else None

    with ape.reverts(
        contract.ParameterOutOfBounds,
        name=_name(bound.name),
        value=bound.maximum + 1,
        minimum=bound.minimum if paired_minimum is None else paired_minimum,
        maximum=bound.maximum,
    ):
        bound.set(contract, bound.maximum + 1, owner)

    assert bound.get(contract) == before


def test_price_bounds__a_maximum_below_the_minimum__reverts_naming_the_minimum_as_its_bound(marketplace, owner):
    before = tuple(marketplace.priceBounds())

    with ape.reverts(
        marketplace.ParameterOutOfBounds,
        name=_name("maxPricePerSecond"),
        value=10**12 - 1,
        minimum=10**12,
        maximum=10**17,
    ):
        marketplace.setPriceBounds(10**12, 10**12 - 1, sender=owner)

    assert tuple(marketplace.priceBounds()) == before


def test_duration_bounds__a_maximum_below_the_minimum__reverts_naming_the_minimum_as_its_bound(router, owner):
    before = tuple(router.durationBounds())

    with ape.reverts(router.ParameterOutOfBounds, name=_name("maxSessionDuration"), value=599, minimum=600):
        router.setDurationBounds(600, 599, sender=owner)

    assert tuple(router.durationBounds()) == before


def test_bounds__are_public_constants_of_the_contracts(marketplace, model_registry, router):
    assert (marketplace.PRICE_FLOOR(), marketplace.MIN_PRICE_CEILING(), marketplace.PRICE_CEILING()) == (
        10**9,
        5 * 10**12,
        10**17,
    )
    assert marketplace.MAX_BID_FEE() == 10 * MOR
    assert marketplace.MAX_MIN_PROVIDER_STAKE() == 100_000 * MOR
    assert model_registry.MAX_MIN_MODEL_STAKE() == 100_000 * MOR
    assert (router.MIN_DURATION_FLOOR(), router.MIN_DURATION_CEILING(), router.MAX_DURATION_CEILING()) == (
        60,
        3_600,
        7 * DAY,
    )
    assert router.MAX_REFERENCE_SUPPLY() == 42_000_000 * MOR
