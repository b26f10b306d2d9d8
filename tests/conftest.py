"""Fixtures shared by every test: one per actor, the deployed protocol, amounts, and factories
that make each test read as a short story. Deployment is session-scoped; Ape's per-test
snapshot isolation resets the chain between tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ape import Contract, chain

from mor_market import eip712
from mor_market.constants import DAY, MOR, MOR_SEPOLIA_ADDRESS
from mor_market.deploy import Params, Protocol, deploy
from mor_market.ids import session_id
from mor_market.localnet import MOR_PER_ACCOUNT, set_token_balance

STIPEND, DIRECT = 0, 1
PRICE = 10**13  # MOR wei per second: 0.864 MOR a day
MIN_PROVIDER_STAKE = 100 * MOR


# ------------------------------------------------------------------ actors


@pytest.fixture(scope="session")
def owner(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def provider(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def provider2(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def consumer(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def consumer2(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def keeper(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def model_owner(accounts):
    return accounts[7]


@pytest.fixture(scope="session")
def signer(accounts):
    """A provider's separate signing key."""
    return accounts[8]


@pytest.fixture(scope="session")
def funder(accounts):
    """The emission source that funds the compute pool."""
    return accounts[9]


# ------------------------------------------------------------------ amounts


@pytest.fixture(scope="session")
def price() -> int:
    return PRICE


@pytest.fixture(scope="session")
def provider_stake() -> int:
    return 1_000 * MOR


@pytest.fixture(scope="session")
def pool_funding() -> int:
    return 100_000 * MOR


# ------------------------------------------------------------------ protocol


@pytest.fixture(scope="session")
def mor(project):
    return Contract(MOR_SEPOLIA_ADDRESS, contract_type=project.TestMOR.contract_type)


@pytest.fixture(scope="session")
def give_mor(mor) -> Callable[[Any, int], None]:
    """Adds MOR to an address on the fork by writing the token's storage (its balance and the total
    supply beside it), so it works on MOR's real code as well as on the test MOR."""

    def _give(address: Any, amount: int) -> None:
        holder = str(getattr(address, "address", address))
        set_token_balance(chain.provider.uri, mor.address, holder, mor.balanceOf(holder) + amount)

    return _give


@pytest.fixture(scope="session", autouse=True)
def mor_in_test_accounts(accounts, mor) -> None:
    """Each test account starts with 1,000,000 MOR. On the local Arbitrum Sepolia they already
    have it (the node is seeded); on a fork of the real chain this writes it into the fork."""
    for account in accounts:
        if mor.balanceOf(account) != MOR_PER_ACCOUNT:
            set_token_balance(chain.provider.uri, mor.address, account.address, MOR_PER_ACCOUNT)


@pytest.fixture(scope="session", autouse=True)
def contract_types_stay_in_this_process() -> None:
    """Ape 0.8 files the contract types seen on a fork under the upstream network's name and so
    writes them to ~/.ape/arbitrum/sepolia/ on disk, where the gas check running beside the suite
    (and any earlier run) leaves its own deployments at the same addresses. The suite's caches
    stay in memory: neither read from nor written to that folder."""
    for name in ("contract_types", "proxy_infos", "contract_creations", "blueprints"):
        cache = getattr(chain.contracts, name)
        cache._write_to_disk = False
        cache._read_from_disk = False


@pytest.fixture(autouse=True)
def contract_types_follow_the_snapshot() -> Any:
    """Ape remembers the contract type at each address for the whole session, but the chain is
    reverted after every test: a test that deploys a fresh protocol puts, say, a ModelRegistry
    where the session's SessionRouter lives, and every later test then decodes the router's
    reverts with the registry's ABI (its custom errors come back undecoded). The cache is put
    back with the chain."""
    cache = chain.contracts.contract_types.memory
    saved = dict(cache)
    yield
    cache.clear()
    cache.update(saved)


@pytest.fixture(scope="session")
def params(provider, provider2) -> Params:
    return Params(
        min_provider_stake=MIN_PROVIDER_STAKE,
        min_price_per_second=10**10,
        max_price_per_second=10**16,
        whitelist=(provider.address, provider2.address),
    )


@pytest.fixture(scope="session")
def protocol(project, owner, params, mor) -> Protocol:
    return deploy(project, owner, mor.address, params)


@pytest.fixture(scope="session")
def model_registry(protocol):
    return protocol.model_registry


@pytest.fixture(scope="session")
def marketplace(protocol):
    return protocol.marketplace


@pytest.fixture(scope="session")
def pool(protocol):
    return protocol.pool


@pytest.fixture(scope="session")
def router(protocol):
    return protocol.router


# ------------------------------------------------------------------ factories


@pytest.fixture(scope="session")
def register_model(model_registry, model_owner, mor) -> Callable[..., int]:
    def _register(name: str = "llama-3.1-8b", stake: int = 0, sender: Any = None) -> int:
        sender = sender or model_owner
        if stake:
            mor.approve(model_registry, stake, sender=sender)
        tx = model_registry.registerModel(name, b"\x11" * 32, [b"llm".ljust(32, b"\0")], stake, sender=sender)
        return tx.decode_logs(model_registry.ModelRegistered)[0].modelId

    return _register


@pytest.fixture(scope="session")
def register_provider(marketplace, mor, owner) -> Callable[..., Any]:
    def _register(account: Any, stake: int = 0, endpoint: str = "gpu.example.org:3333") -> Any:
        if marketplace.whitelistEnabled() and not marketplace.isWhitelisted(account):
            marketplace.setWhitelisted(account, True, sender=owner)
        if stake:
            mor.approve(marketplace, stake, sender=account)
        return marketplace.register(endpoint, stake, sender=account)

    return _register


@pytest.fixture(scope="session")
def post_bid(marketplace) -> Callable[..., int]:
    def _post(account: Any, model_id: int, price_per_second: int = PRICE) -> int:
        tx = marketplace.postBid(model_id, price_per_second, sender=account)
        return tx.decode_logs(marketplace.BidPosted)[0].bidId

    return _post


@pytest.fixture(scope="session")
def fund_pool(pool, mor, funder) -> Callable[[int], Any]:
    def _fund(amount: int) -> Any:
        mor.approve(pool, amount, sender=funder)
        return pool.fund(amount, sender=funder)

    return _fund


@pytest.fixture(scope="session")
def sign_approval(router) -> Callable[..., bytes]:
    def _sign(signer_account: Any, bid: int, consumer_address: Any, nonce: int, deadline: int, **domain: Any) -> bytes:
        message = eip712.approval_message(
            domain.get("router", router.address),
            domain.get("chain_id", chain.chain_id),
            bid,
            str(consumer_address),
            nonce,
            deadline,
        )
        return eip712.sign(signer_account, message)

    return _sign


@pytest.fixture(scope="session")
def sign_receipt(router) -> Callable[..., bytes]:
    def _sign(signer_account: Any, session: int, ttft_ms: int, tps: int, deadline: int, **domain: Any) -> bytes:
        message = eip712.receipt_message(
            domain.get("router", router.address),
            domain.get("chain_id", chain.chain_id),
            session,
            ttft_ms,
            tps,
            deadline,
        )
        return eip712.sign(signer_account, message)

    return _sign


@pytest.fixture(scope="session")
def open_session(router, mor, sign_approval) -> Callable[..., int]:
    """Opens a session with a fresh approval signed by `signed_by` (default: the bid's provider)."""
    counter = {"nonce": 0}

    def _open(
        consumer_account: Any,
        bid: int,
        stake: int,
        mode: int = STIPEND,
        signed_by: Any = None,
        nonce: int | None = None,
    ) -> int:
        from mor_market.ids import bid_parts

        if nonce is None:
            counter["nonce"] += 1
            nonce = counter["nonce"]
        signed_by = signed_by or _account_of(bid_parts(bid)[0])
        deadline = chain.pending_timestamp + 3_600
        signature = sign_approval(signed_by, bid, consumer_account.address, nonce, deadline)
        mor.approve(router, stake, sender=consumer_account)
        router.openSession(bid, nonce, deadline, stake, mode, signature, sender=consumer_account)
        return session_id(consumer_account.address, nonce)

    return _open


GENERATED_ACCOUNTS: list[Any] = []  # accounts a test generated beyond the configured ten


def _account_of(address: str) -> Any:
    from ape import accounts

    for account in [*accounts.test_accounts, *GENERATED_ACCOUNTS]:
        if account.address == address:
            return account
    raise LookupError(f"no test account {address}")


# ------------------------------------------------------------------ stories


@pytest.fixture
def model_id(register_model) -> int:
    """An active model, registered by the model owner."""
    return register_model()


@pytest.fixture
def registered_provider(register_provider, provider, provider_stake):
    """A whitelisted provider with stake."""
    register_provider(provider, provider_stake)
    return provider


@pytest.fixture
def bid(registered_provider, model_id, post_bid) -> int:
    """The provider's active bid for the model, at PRICE."""
    return post_bid(registered_provider, model_id, PRICE)


@pytest.fixture
def funded_pool(fund_pool, pool_funding) -> int:
    """The pool funded yesterday, so today's budget is 1% of the funding."""
    fund_pool(pool_funding)
    chain.pending_timestamp += DAY
    return pool_funding
