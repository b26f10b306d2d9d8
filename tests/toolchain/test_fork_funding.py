"""How the tests fund accounts on a fork whatever MOR's code is: the balance slot is found by
probing the token's storage and written on the fork, with the total supply moved alike, so the
same suite can run on a fork of the real Arbitrum Sepolia where MOR has no faucet."""

from __future__ import annotations

from ape import chain

from mor_market.constants import MOR
from mor_market.localnet import balance_slot, set_token_balance

NEWCOMER = "0x00000000000000000000000000000000000F0Fd1"


def test_set_token_balance__gives_exactly_the_amount_and_moves_the_supply_alike(mor, accounts):
    supply, other = mor.totalSupply(), mor.balanceOf(accounts[0])
    set_token_balance(chain.provider.uri, mor.address, NEWCOMER, 1_234 * MOR)
    assert mor.balanceOf(NEWCOMER) == 1_234 * MOR
    assert mor.totalSupply() == supply + 1_234 * MOR
    assert mor.balanceOf(accounts[0]) == other


def test_set_token_balance__lowering_a_balance__lowers_the_supply(mor, accounts):
    supply, before = mor.totalSupply(), mor.balanceOf(accounts[1])
    set_token_balance(chain.provider.uri, mor.address, accounts[1].address, before - 7)
    assert mor.balanceOf(accounts[1]) == before - 7
    assert mor.totalSupply() == supply - 7


def test_balance_slot__probing__leaves_the_token_storage_as_it_was(mor):
    supply, balance = mor.totalSupply(), mor.balanceOf(NEWCOMER)
    slot, supply_slot = balance_slot(chain.provider.uri, mor.address, NEWCOMER)
    assert supply_slot == 2  # OpenZeppelin ERC20: _balances, _allowances, _totalSupply
    assert slot != supply_slot
    assert (mor.totalSupply(), mor.balanceOf(NEWCOMER)) == (supply, balance)


def test_give_mor__adds_to_what_an_address_holds(mor, give_mor, accounts):
    before = mor.balanceOf(accounts[2])
    give_mor(accounts[2], 5 * MOR)
    assert mor.balanceOf(accounts[2]) == before + 5 * MOR
