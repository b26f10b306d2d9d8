"""A stipend needs a reference supply to divide by (PROTOCOL.md §5 "Stipend"): when every MOR in
existence sits in the pool and none is pinned, the supply is zero and a stipend open reverts
ZeroReferenceSupply before any MOR moves; the quote views say the same."""

from __future__ import annotations

import ape
from ape import chain

from mor_market.constants import DAY, MOR
from mor_market.deploy import Params, deploy
from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.unit.session_router.conftest import STIPEND
from tests.utils.views import assert_view_reverts


def test_open__stipend_with_all_mor_in_the_pool__reverts_zero_reference_supply(
    project, owner, provider, consumer, funder, model_owner, sign_approval
):
    token = project.TestMOR.deploy(sender=owner)  # a MOR of its own: nothing minted yet
    protocol = deploy(project, owner, token.address, Params(whitelist=(provider.address,)))
    market, pool, router = protocol.marketplace, protocol.pool, protocol.router
    model = protocol.model_registry.registerModel("mod", b"\x11" * 32, [], 0, sender=model_owner)
    model_id = model.decode_logs(protocol.model_registry.ModelRegistered)[0].modelId
    market.register("gpu.example.org:3333", 0, sender=provider)
    bid = market.postBid(model_id, PRICE, sender=provider).decode_logs(market.BidPosted)[0].bidId
    token.mint(funder, 50_000 * MOR, sender=funder)
    token.approve(pool, 50_000 * MOR, sender=funder)
    pool.fund(50_000 * MOR, sender=funder)
    chain.pending_timestamp += DAY
    chain.mine()
    assert token.totalSupply() == pool.poolBalance()

    assert_view_reverts(router.ZeroReferenceSupply, router.referenceSupply)
    assert_view_reverts(router.ZeroReferenceSupply, router.stipendDuration, 1_000 * MOR, PRICE)
    deadline = chain.pending_timestamp + 3_600
    approval = sign_approval(provider, bid, consumer.address, 1, deadline, router=router.address)
    with ape.reverts(router.ZeroReferenceSupply):
        router.openSession(bid, 1, deadline, 1_000 * MOR, STIPEND, approval, sender=consumer)
    assert router.totalLocked() == 0
    assert token.balanceOf(router) == token.balanceOf(consumer) == 0
    assert router.session(session_id(consumer.address, 1)).openedAt == 0
