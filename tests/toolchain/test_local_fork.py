"""The tests run on a real fork: the chain id is Arbitrum Sepolia's, MOR's code and
balances come from the upstream node, and transactions on the fork stay on the fork."""

from __future__ import annotations

import pytest
from ape import Contract, chain

from ape_mor_market.provider import upstream_uri
from mor_market.constants import ARBITRUM_SEPOLIA_CHAIN_ID, MOR_SEPOLIA_ADDRESS
from mor_market.localnet import rpc


def _upstream(method: str, params: list) -> str:
    return rpc(upstream_uri(), method, params)


@pytest.fixture(scope="module")
def mor_at_sepolia_address(project):
    return Contract(MOR_SEPOLIA_ADDRESS, contract_type=project.TestMOR.contract_type)


def test_fork__chain_id__is_arbitrum_sepolia():
    assert chain.chain_id == ARBITRUM_SEPOLIA_CHAIN_ID
    assert chain.provider.network.name == "sepolia-fork"
    assert chain.provider.fork_url == upstream_uri()


def test_fork__mor_code_and_balances__come_from_the_upstream_node(mor_at_sepolia_address, accounts):
    upstream_code = _upstream("eth_getCode", [MOR_SEPOLIA_ADDRESS, "latest"])
    assert len(upstream_code) > 2
    assert chain.provider.web3.eth.get_code(MOR_SEPOLIA_ADDRESS).to_0x_hex() == upstream_code
    holder = accounts[0].address
    call = "0x70a08231" + holder[2:].lower().rjust(64, "0")  # balanceOf(holder)
    upstream_balance = int(_upstream("eth_call", [{"to": MOR_SEPOLIA_ADDRESS, "data": call}, "latest"]), 16)
    assert upstream_balance > 0
    assert mor_at_sepolia_address.balanceOf(holder) == upstream_balance
    assert mor_at_sepolia_address.decimals() == 18


def test_fork__a_transaction_on_the_fork__does_not_change_the_upstream(mor_at_sepolia_address, accounts):
    sender, receiver = accounts[0], accounts[1]
    call = "0x70a08231" + receiver.address[2:].lower().rjust(64, "0")
    before = int(_upstream("eth_call", [{"to": MOR_SEPOLIA_ADDRESS, "data": call}, "latest"]), 16)
    mor_at_sepolia_address.transfer(receiver, 12345, sender=sender)
    assert mor_at_sepolia_address.balanceOf(receiver) == before + 12345
    after = int(_upstream("eth_call", [{"to": MOR_SEPOLIA_ADDRESS, "data": call}, "latest"]), 16)
    assert after == before
