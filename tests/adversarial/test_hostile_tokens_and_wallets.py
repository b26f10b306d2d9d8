"""Hostile tokens and wallets: a fee-on-transfer token is refused at deployment, and a
smart-contract provider that changes its ERC-1271 answer loses its power to approve and to
sign receipts at once (sessions it approved earlier still close and pay). A re-entering token
and a token that returns false are covered in u/session_router/test_reentrancy.py and
u/*/test_failing_token.py."""

from __future__ import annotations

import ape
from ape import chain

from mor_market.constants import MOR
from mor_market.deployment import PROBE_AMOUNT, token_problems


def _refusal(debited: int, credited: int) -> list[str]:
    """token_problems' answer for a deposit of PROBE_AMOUNT that took `debited` and gave `credited`."""
    misbehaves = f"TokenMisbehaves(pattern=deposit, amount={PROBE_AMOUNT}, debited={debited}, credited={credited})"
    return [f"the token moves amounts inexactly ({misbehaves}): fee-on-transfer tokens are not supported"]


def test_deployment_probe__fee_on_transfer_token__is_refused_and_the_deployer_keeps_its_tokens(
    project, owner, token_probe
):
    token = project.FeeOnTransferToken.deploy(sender=owner)
    token.mint(owner, 10 * MOR, sender=owner)

    problems = token_problems(token, owner, token_probe)

    assert problems == _refusal(PROBE_AMOUNT, PROBE_AMOUNT - PROBE_AMOUNT // 100)
    assert token.balanceOf(owner) == 10 * MOR  # the probe's revert undid the pull
    assert token.balanceOf(token_probe) == 0


def test_deployment_probe__token_charging_only_on_transfer_from__is_refused(project, owner, token_probe):
    # Its plain transfer is exact, so a probe of `transfer` alone would pass it; every deposit
    # into the protocol goes through `transferFrom`, where it burns 1%.
    token = project.TransferFromFeeToken.deploy(sender=owner)
    token.mint(owner, 10 * MOR, sender=owner)

    problems = token_problems(token, owner, token_probe)

    assert problems == _refusal(PROBE_AMOUNT, PROBE_AMOUNT - PROBE_AMOUNT // 100)
    assert token.balanceOf(owner) == 10 * MOR


def test_deployment_probe__mor__passes_and_leaves_the_deployer_where_it_was(mor, owner, token_probe):
    before = mor.balanceOf(owner)

    assert token_problems(mor, owner, token_probe) == []

    assert mor.balanceOf(owner) == before
    assert mor.balanceOf(token_probe) == 0


def test_erc1271_provider__that_changes_its_answer__can_no_longer_approve_or_sign_receipts(
    project, owner, marketplace, router, mor, model_id, consumer, signer, sign_approval, sign_receipt, funded_pool
):
    wallet = project.ProviderWallet.deploy(signer, sender=signer)
    marketplace.setWhitelisted(wallet, True, sender=owner)
    wallet.execute(marketplace, marketplace.register.encode_input("wallet.gpu.example:1", 0), sender=signer)
    tx = wallet.execute(marketplace, marketplace.postBid.encode_input(model_id, 10**13), sender=signer)
    bid = tx.decode_logs(marketplace.BidPosted)[0].bidId
    deadline = chain.pending_timestamp + 600
    mor.approve(router, 2_000 * MOR, sender=consumer)
    router.openSession(
        bid, 1, deadline, 1_000 * MOR, 0, sign_approval(signer, bid, consumer, 1, deadline), sender=consumer
    )
    wallet.setAccepting(False, sender=signer)
    approval = sign_approval(signer, bid, consumer, 2, deadline)
    with ape.reverts(router.InvalidApprovalSignature, signer=wallet.address):
        router.openSession(bid, 2, deadline, 1_000 * MOR, 0, approval, sender=consumer)
    session = (int(consumer.address, 16) << 96) | 1
    chain.pending_timestamp += 600
    receipt = sign_receipt(signer, session, 100, 50, chain.pending_timestamp + 600)
    with ape.reverts(router.InvalidReceiptSignature, signer=wallet.address):
        router.closeSessionWithReceipt(session, 100, 50, chain.pending_timestamp + 600, receipt, sender=consumer)
    assert router.session(session).closedAt == 0
    tx = router.closeSession(session, sender=consumer)
    closed = tx.decode_logs(router.SessionClosed)[0]
    assert closed.disputed
    assert closed.paid == 10**13 * closed.secondsProvided
