"""PROTOCOL §7, v3: the deployment's token check pulls as a third party. TokenProbe moves the
caller's tokens the two ways the protocol's contracts do (a deposit: `transferFrom` by a spender
that is not the holder; a payout: `transfer` from the contract) and refuses a token unless each
move delivers exactly what was sent: `TokenMisbehaves(pattern, amount, debited, credited)`. The
caller ends where it began."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from mor_market.constants import MOR

AMOUNT = 12_345 * MOR + 67  # not a multiple of 100: a 1% fee rounds down
DEPOSIT = b"deposit".ljust(32, b"\0")


@pytest.fixture
def probe(project, owner) -> Any:
    return project.TokenProbe.deploy(sender=owner)


@pytest.fixture(params=["ThirdPartyFeeToken", "TransferFromFeeToken", "FeeOnTransferToken"])
def fee_token(request, project, owner) -> Any:
    """A token that burns 1% when a third party pulls: the v2 review's (only then), one that
    does on every transferFrom, and one that does on every transfer of any kind."""
    token = getattr(project, request.param).deploy(sender=owner)
    token.mint(owner, AMOUNT, sender=owner)
    return token


def test_probe__of_test_mor__passes_and_leaves_the_caller_where_it_began(probe, mor, owner):
    balance = mor.balanceOf(owner)
    mor.approve(probe, AMOUNT, sender=owner)

    tx = probe.probe(mor, AMOUNT, sender=owner)

    assert [(log.token, log.holder, log.amount) for log in tx.decode_logs(probe.TokenProbed)] == [
        (mor.address, owner.address, AMOUNT)
    ]
    moves = [(t["from"], t.to, t.value) for t in tx.decode_logs(mor.Transfer)]
    assert moves == [(owner.address, probe.address, AMOUNT), (probe.address, owner.address, AMOUNT)]
    assert (mor.balanceOf(owner), mor.balanceOf(probe)) == (balance, 0)
    assert mor.allowance(owner, probe) == 0


def test_probe__of_a_token_that_burns_1_percent_of_a_third_party_pull__reverts_token_misbehaves_on_deposit(
    probe, fee_token, owner
):
    fee = AMOUNT // 100
    fee_token.approve(probe, AMOUNT, sender=owner)
    before = (fee_token.balanceOf(owner), fee_token.balanceOf(probe), fee_token.totalSupply())
    print(f"\n{fee_token.symbol()}: sends {AMOUNT}, the holder loses {AMOUNT}, the probe gets {AMOUNT - fee}")

    with ape.reverts(probe.TokenMisbehaves, pattern=DEPOSIT, amount=AMOUNT, debited=AMOUNT, credited=AMOUNT - fee):
        probe.probe(fee_token, AMOUNT, sender=owner)

    assert (fee_token.balanceOf(owner), fee_token.balanceOf(probe), fee_token.totalSupply()) == before
    assert fee_token.allowance(owner, probe) == AMOUNT


def test_the_third_party_fee_token__moved_by_its_holder_itself__is_exact(project, owner, stranger):
    """Why the probe must pull as a third party: the holder's own transferFrom would pass it."""
    token = project.ThirdPartyFeeToken.deploy(sender=owner)
    token.mint(owner, AMOUNT, sender=owner)
    token.approve(owner, AMOUNT, sender=owner)

    token.transferFrom(owner, stranger, AMOUNT, sender=owner)

    assert (token.balanceOf(owner), token.balanceOf(stranger), token.totalSupply()) == (0, AMOUNT, AMOUNT)


def test_probe__without_allowance__reverts_and_moves_nothing(probe, mor, owner):
    balance = mor.balanceOf(owner)
    assert mor.allowance(owner, probe) == 0

    with ape.reverts(mor.ERC20InsufficientAllowance, spender=probe.address, allowance=0, needed=AMOUNT):
        probe.probe(mor, AMOUNT, sender=owner)

    assert (mor.balanceOf(owner), mor.balanceOf(probe)) == (balance, 0)


def test_probe__of_a_token_that_returns_false__reverts_safe_erc20_failed_operation(project, probe, owner):
    token = project.ReturnsFalseToken.deploy(sender=owner)
    token.mint(owner, AMOUNT, sender=owner)
    token.approve(probe, AMOUNT, sender=owner)
    token.setMode(1, sender=owner)  # ReturnFalse

    with ape.reverts(probe.SafeERC20FailedOperation, token=token.address):
        probe.probe(token, AMOUNT, sender=owner)

    assert (token.balanceOf(owner), token.balanceOf(probe)) == (AMOUNT, 0)


PAYOUT = b"payout".ljust(32, b"\0")


def test_probe__of_a_token_that_burns_1_percent_of_a_payout__reverts_token_misbehaves_on_payout(probe, project, owner):
    token = project.PayoutFeeToken.deploy(sender=owner)
    token.mint(owner, AMOUNT, sender=owner)
    token.approve(probe, AMOUNT, sender=owner)
    before = (token.balanceOf(owner), token.balanceOf(probe), token.totalSupply())

    with ape.reverts(
        probe.TokenMisbehaves, pattern=PAYOUT, amount=AMOUNT, debited=AMOUNT, credited=AMOUNT - AMOUNT // 100
    ):
        probe.probe(token, AMOUNT, sender=owner)

    assert (token.balanceOf(owner), token.balanceOf(probe), token.totalSupply()) == before


def test_probe__holding_stray_tokens_of_its_own__still_measures_each_move_exactly(probe, mor, owner):
    stray = 777 * MOR
    mor.transfer(probe, stray, sender=owner)  # anyone may send the probe tokens
    balance = mor.balanceOf(owner)
    mor.approve(probe, AMOUNT, sender=owner)

    tx = probe.probe(mor, AMOUNT, sender=owner)

    assert [log.amount for log in tx.decode_logs(probe.TokenProbed)] == [AMOUNT]
    assert (mor.balanceOf(owner), mor.balanceOf(probe)) == (balance, stray)
