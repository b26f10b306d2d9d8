"""A measured fact about Ape 0.8: it remembers the contract type at each address for the whole
session although the chain is reverted after every test, so a contract deployed by one test and
reverted away leaves its ABI on the address, where the session's own contract may live (CI saw
the router's reverts decoded with ModelRegistry's ABI: `not a custom error`). tests/conftest.py
puts the cache back with the chain; these two tests, run in order, show it."""

from __future__ import annotations

import ape
from ape import chain


def test_a_test_that_leaves_another_abi_on_the_routers_address(protocol):
    # What a reverted deployment at the router's address does to Ape's memory.
    chain.contracts.contract_types.memory[protocol.router.address] = protocol.model_registry.contract_type
    assert chain.contracts.get(protocol.router.address).name == "ModelRegistry"


def test_the_next_test_decodes_the_routers_errors_with_the_routers_abi(protocol, consumer):
    assert chain.contracts.get(protocol.router.address).name == "SessionRouter"
    with ape.reverts(protocol.router.ZeroStake):
        protocol.router.openSession(1, 1, 0, 0, 0, b"", sender=consumer)


def test_the_disk_cache_of_the_forked_network_is_neither_read_nor_written():
    cache = chain.contracts.contract_types
    assert not cache._write_to_disk and not cache._read_from_disk
