"""Deploying and wiring the protocol, shared by tests, scripts and the main job.

The contracts are wired once, in constructors, into immutables. Two pairs point at each other
(ModelRegistry <-> Marketplace, ComputePool <-> SessionRouter), so the deployer's next CREATE
addresses are computed from its nonce before the first deployment; `verify` checks afterwards
that every contract points at the right others.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import rlp
from eth_utils import keccak, to_bytes, to_checksum_address

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def contract_at(container: Any, address: str) -> Any:
    """`container` at `address`, its type filed under that address first. Ape keeps one type per
    address for the whole process and `at()` *merges* a different one into it, so an address that
    held another contract earlier (a reverted test chain, a fork made again) would otherwise come
    back with both ABIs mixed."""
    from ape import chain

    chain.contracts.cache_contract_type(to_checksum_address(address), container.contract_type)
    return container.at(address)


@dataclass(frozen=True)
class Params:
    """Governance parameters of a deployment (per-network values live in deployments/config)."""

    min_provider_stake: int = 0
    min_model_stake: int = 0
    bid_fee: int = 0
    min_price_per_second: int = 10**10
    max_price_per_second: int = 10**16
    min_session_duration: int = 60
    max_session_duration: int = 86_400
    reference_supply: int = 0  # 0: total supply less the pool's balance
    whitelist: tuple[str, ...] = field(default_factory=tuple)
    guardian: str = ZERO_ADDRESS  # may pause at once, and do nothing else; zero: no guardian

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["whitelist"] = list(self.whitelist)
        return data


@dataclass
class Protocol:
    """The deployed contracts."""

    mor: Any
    model_registry: Any
    marketplace: Any
    pool: Any
    router: Any
    reputation: Any
    timelock: Any = None  # the owner of every contract on a deployment made by `ape run deploy`

    def addresses(self) -> dict[str, str]:
        named = {
            "mor": self.mor,
            "model_registry": self.model_registry,
            "marketplace": self.marketplace,
            "pool": self.pool,
            "router": self.router,
            "reputation": self.reputation,
            "timelock": self.timelock,
        }
        return {name: str(contract.address) for name, contract in named.items() if contract is not None}


def create_address(deployer: str, nonce: int) -> str:
    """The address of the contract `deployer` creates with `nonce` (CREATE)."""
    return to_checksum_address(keccak(rlp.encode([to_bytes(hexstr=deployer), nonce]))[12:])


# The contracts `deploy` creates, in order; the first four point at each other (CREATE addresses
# computed from the deployer's nonce), Reputation reads two of them.
WIRED = ("ModelRegistry", "Marketplace", "ComputePool", "SessionRouter", "Reputation")


def constructor_arguments(name: str, mor_address: str, at: list[str], deployer: str) -> list[Any]:
    """The constructor arguments of contract `name`, given the addresses `at` of the five
    contracts of WIRED (in that order) and the deployer (the first owner of those governance
    owns; the compute pool has no owner)."""
    model_registry, marketplace, pool, router, _ = at
    return {
        "ModelRegistry": [mor_address, marketplace, pool, deployer],
        "Marketplace": [mor_address, model_registry, pool, deployer],
        "ComputePool": [mor_address, router],
        "SessionRouter": [mor_address, marketplace, pool, deployer],
        "Reputation": [marketplace, router],
    }[name]


def deploy(project: Any, deployer: Any, mor_address: str, params: Params, **tx: Any) -> Protocol:
    """Deploy and configure the whole protocol; `deployer` is governance until it hands over."""
    from ape import Contract

    nonce = deployer.nonce
    at = [create_address(deployer.address, nonce + i) for i in range(len(WIRED))]
    deployed = [
        getattr(project, name).deploy(
            *constructor_arguments(name, mor_address, at, deployer.address), sender=deployer, **tx
        )
        for name in WIRED
    ]
    if [str(c.address) for c in deployed] != at:
        raise RuntimeError("deployer nonce moved during deployment: the wiring would be wrong")
    model_registry, marketplace, pool, router, reputation = deployed
    protocol = Protocol(
        # TestMOR's ABI is ERC-20 + EIP-2612 permit (+ the test faucet): what the protocol uses of MOR.
        mor=Contract(mor_address, contract_type=project.TestMOR.contract_type),
        model_registry=model_registry,
        marketplace=marketplace,
        pool=pool,
        router=router,
        reputation=reputation,
    )
    configure(protocol, deployer, params, **tx)
    return protocol


def configure(protocol: Protocol, owner: Any, params: Params, **tx: Any) -> None:
    """Set every parameter that differs from the contracts' defaults."""
    marketplace, router = protocol.marketplace, protocol.router
    if params.min_provider_stake != marketplace.minProviderStake():
        marketplace.setMinProviderStake(params.min_provider_stake, sender=owner, **tx)
    if params.min_model_stake != protocol.model_registry.minModelStake():
        protocol.model_registry.setMinModelStake(params.min_model_stake, sender=owner, **tx)
    if params.bid_fee != marketplace.bidFee():
        marketplace.setBidFee(params.bid_fee, sender=owner, **tx)
    if (params.min_price_per_second, params.max_price_per_second) != tuple(marketplace.priceBounds()):
        marketplace.setPriceBounds(params.min_price_per_second, params.max_price_per_second, sender=owner, **tx)
    if (params.min_session_duration, params.max_session_duration) != tuple(router.durationBounds()):
        router.setDurationBounds(params.min_session_duration, params.max_session_duration, sender=owner, **tx)
    if params.reference_supply:
        router.setReferenceSupply(params.reference_supply, sender=owner, **tx)
    for account in params.whitelist:
        if not marketplace.isWhitelisted(account):
            marketplace.setWhitelisted(account, True, sender=owner, **tx)
    for contract in pausable(protocol).values():
        if str(contract.guardian()).lower() != params.guardian.lower():
            contract.setGuardian(params.guardian, sender=owner, **tx)


def pausable(protocol: Protocol) -> dict[str, Any]:
    """The contracts with an emergency pause (and a guardian), by their contract names."""
    return {
        "ModelRegistry": protocol.model_registry,
        "Marketplace": protocol.marketplace,
        "SessionRouter": protocol.router,
    }


def verify(protocol: Protocol, mor_address: str, params: Params, owner: str) -> list[str]:
    """Every wiring, parameter and ownership fact of a deployment; returns the failures."""
    failures: list[str] = []

    def check(what: str, actual: Any, expected: Any) -> None:
        if actual != expected:
            failures.append(f"{what}: {actual} != expected {expected}")

    mr, mp, pool, router = protocol.model_registry, protocol.marketplace, protocol.pool, protocol.router
    check("ComputePool.mor", pool.mor(), mor_address)
    for name, contract in pausable(protocol).items():
        check(f"{name}.mor", contract.mor(), mor_address)
        check(f"{name}.owner", contract.owner(), owner)
        check(f"{name}.guardian", str(contract.guardian()).lower(), params.guardian.lower())
    check("ModelRegistry.marketplace", mr.marketplace(), mp.address)
    check("ModelRegistry.pool", mr.pool(), pool.address)
    check("Marketplace.models", mp.models(), mr.address)
    check("Marketplace.pool", mp.pool(), pool.address)
    check("ComputePool.router", pool.router(), router.address)
    check("SessionRouter.marketplace", router.marketplace(), mp.address)
    check("SessionRouter.pool", router.pool(), pool.address)
    check("Reputation.marketplace", protocol.reputation.marketplace(), mp.address)
    check("Reputation.router", protocol.reputation.router(), router.address)
    check("minProviderStake", mp.minProviderStake(), params.min_provider_stake)
    check("minModelStake", mr.minModelStake(), params.min_model_stake)
    check("bidFee", mp.bidFee(), params.bid_fee)
    check("priceBounds", tuple(mp.priceBounds()), (params.min_price_per_second, params.max_price_per_second))
    check("durationBounds", tuple(router.durationBounds()), (params.min_session_duration, params.max_session_duration))
    for account in params.whitelist:
        check(f"whitelisted({account})", mp.isWhitelisted(account), True)
    return failures
