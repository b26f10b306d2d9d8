"""PROTOCOL §7: ownership cannot be renounced. Losing the owner would freeze the whitelist, a
pause and every parameter, so `renounceOwnership` always reverts, whoever calls it."""

from __future__ import annotations

import ape
import pytest

GOVERNED = ["marketplace", "model_registry", "router"]  # the compute pool has no owner at all


@pytest.mark.parametrize("name", GOVERNED)
def test_renounce_ownership__by_the_owner__reverts_and_the_owner_stays(request, protocol, name, owner):
    contract = request.getfixturevalue(name)

    with ape.reverts(contract.OwnershipCannotBeRenounced):
        contract.renounceOwnership(sender=owner)

    assert contract.owner() == owner.address


@pytest.mark.parametrize("name", GOVERNED)
def test_renounce_ownership__by_a_stranger__reverts_the_same_way(request, protocol, name, stranger, owner):
    contract = request.getfixturevalue(name)

    with ape.reverts(contract.OwnershipCannotBeRenounced):
        contract.renounceOwnership(sender=stranger)

    assert contract.owner() == owner.address
