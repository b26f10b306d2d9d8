"""The token check, found wanting by the v2 review (issue 27): the deployment's fee-on-transfer probe
moved the deployer's tokens only through the deployer itself, so it passed a token that charges 1%
only when a third party pulls (spender != holder), which is how every deposit into the protocol
comes in. On that token the marketplace held 1,980 MOR against 2,000 owed to two providers, and
the second provider's `deregister` reverted.

v3 (PROTOCOL §7, "What changed in v3"): the check deploys a TokenProbe that pulls as a third party
and sends back, and refuses the token. Both halves are played again on the review's
ThirdPartyFeeToken: the v2-style moves pass, the v3 check refuses it; and a protocol deployed on it
anyway loses 1% of every stake, so the check is what keeps the last provider's stake whole.
"""

from __future__ import annotations

import ape
import pytest

from mor_market.constants import MOR
from mor_market.deploy import Params, deploy
from mor_market.deployment import PROBE_AMOUNT, token_problems

STAKE = 1_000 * MOR  # each provider's, as in the review


@pytest.fixture
def fee_token(project, owner) -> object:
    """The review's token: exact on transfer and on a holder's own transferFrom, 1% burnt when a
    third party pulls."""
    token = project.ThirdPartyFeeToken.deploy(sender=owner)
    token.mint(owner, 10 * MOR, sender=owner)
    return token


def test_token_check__third_party_fee_token__passes_the_holders_own_moves_and_is_refused_by_the_probe(
    fee_token, owner, stranger, token_probe
):
    # Before: the moves a holder makes itself deliver exactly (what the v2 probe looked at).
    fee_token.approve(owner, PROBE_AMOUNT, sender=owner)
    fee_token.transferFrom(owner, stranger, PROBE_AMOUNT, sender=owner)
    own_pull = fee_token.balanceOf(stranger)
    fee_token.transfer(owner, PROBE_AMOUNT, sender=stranger)
    assert (own_pull, fee_token.balanceOf(owner)) == (PROBE_AMOUNT, 10 * MOR)

    problems = token_problems(fee_token, owner, token_probe)

    credited = PROBE_AMOUNT - PROBE_AMOUNT // 100
    misbehaves = f"TokenMisbehaves(pattern=deposit, amount={PROBE_AMOUNT}, debited={PROBE_AMOUNT}, credited={credited})"
    assert problems == [f"the token moves amounts inexactly ({misbehaves}): fee-on-transfer tokens are not supported"]
    assert fee_token.balanceOf(owner) == 10 * MOR  # the probe's revert undid its pull
    print(
        f"\nholder's own transferFrom of {PROBE_AMOUNT:,} wei delivered {own_pull:,} (v2 probe: passed)\n"
        f"TokenProbe's third-party pull of {PROBE_AMOUNT:,} wei delivered {credited:,} (v3: refused)"
    )


def test_marketplace__deployed_on_the_third_party_fee_token__holds_less_than_it_owes_and_traps_a_stake(
    project, owner, provider, provider2, fee_token
):
    protocol = deploy(project, owner, fee_token.address, Params(whitelist=(provider.address, provider2.address)))
    market = protocol.marketplace
    for account in (provider, provider2):
        fee_token.mint(account, STAKE, sender=account)
        fee_token.approve(market, STAKE, sender=account)
        market.register("gpu.example.org:3333", STAKE, sender=account)

    owed, held = market.totalStake(), fee_token.balanceOf(market)
    assert (owed, held) == (2 * STAKE, 2 * STAKE - 2 * STAKE // 100)

    market.deregister(sender=provider)
    assert fee_token.balanceOf(provider) == STAKE  # the first one out is paid in full
    left = fee_token.balanceOf(market)
    with ape.reverts(fee_token.ERC20InsufficientBalance, sender=market.address, balance=left, needed=STAKE):
        market.deregister(sender=provider2)
    record = market.providerRecord(provider2)
    assert (record.registered, record.stake, market.totalStake()) == (True, STAKE, STAKE)
    print(
        f"\nmarketplace on ThirdPartyFeeToken: holds {held / MOR:,.0f} MOR against {owed / MOR:,.0f} MOR owed; "
        f"after the first provider leaves, {left / MOR:,.0f} MOR left for a {STAKE / MOR:,.0f}-MOR stake: "
        "the second deregister reverts"
    )
