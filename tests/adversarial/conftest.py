"""What the attack tests share: fresh funded wallets, the reputation contract, and a kit that
opens, closes and rates sessions at exact timestamps."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from ape import accounts, chain

from mor_market.constants import DAY
from mor_market.governance import install_timelock
from mor_market.ids import session_id

HOUR = 3_600

_nonces = itertools.count(10_000)


def next_day(at: int | None = None) -> int:
    """The start of the day after `at` (default: the next block's time)."""
    at = chain.pending_timestamp if at is None else at
    return (at // DAY + 1) * DAY


@pytest.fixture
def wallets(give_mor):
    """Fresh funded wallets: `wallets(n, mor_each)` gives n new accounts with gas and MOR."""

    def _wallets(n: int, mor_each: int) -> list[Any]:
        made = []
        for _ in range(n):
            account = accounts.test_accounts.generate_test_account()
            chain.provider.set_balance(account.address, 10**21)
            give_mor(account, mor_each)
            made.append(account)
        return made

    return _wallets


@pytest.fixture
def reputation(protocol):
    return protocol.reputation


class Kit:
    """Sessions at exact timestamps: every call lands in a block at `at`. Each returns the
    transaction, or for `open` the session id; `gas` sums the gas of every transaction sent."""

    def __init__(self, router: Any, mor: Any, sign_approval: Any, sign_receipt: Any) -> None:
        self.router, self.mor = router, mor
        self.sign_approval, self.sign_receipt = sign_approval, sign_receipt
        self.gas = 0

    def _sent(self, tx: Any, at: int) -> Any:
        assert tx.timestamp == at
        self.gas += tx.gas_used
        return tx

    def open(self, consumer: Any, bid: int, stake: int, mode: int, signed_by: Any, at: int) -> int:
        """Opens a session at exactly `at` with a fresh approval signed by `signed_by`."""
        nonce = next(_nonces)
        deadline = at + HOUR
        approval = self.sign_approval(signed_by, bid, consumer.address, nonce, deadline)
        chain.pending_timestamp = at  # the approval's block too, so `at` is never in the past
        self._sent(self.mor.approve(self.router, stake, sender=consumer), at)
        chain.pending_timestamp = at
        self._sent(self.router.openSession(bid, nonce, deadline, stake, mode, approval, sender=consumer), at)
        return session_id(consumer.address, nonce)

    def _receipt(self, session: int, receipt: tuple[int, int], signed_by: Any, at: int) -> tuple[Any, ...]:
        deadline = at + 600
        return (*receipt, deadline, self.sign_receipt(signed_by, session, *receipt, deadline))

    def close(
        self, session: int, sender: Any, at: int, receipt: tuple[int, int] | None = None, signed_by: Any = None
    ) -> Any:
        """Closes at exactly `at`, with a receipt (ttft ms, tps) signed by `signed_by` if given;
        returns the SessionClosed event."""
        chain.pending_timestamp = at
        if receipt is None:
            tx = self.router.closeSession(session, sender=sender)
        else:
            tx = self.router.closeSessionWithReceipt(
                session, *self._receipt(session, receipt, signed_by, at), sender=sender
            )
        return self._sent(tx, at).decode_logs(self.router.SessionClosed)[0]

    def rate(
        self, session: int, sender: Any, at: int, receipt: tuple[int, int] | None = None, signed_by: Any = None
    ) -> Any:
        """The consumer's late verdict at exactly `at`; returns the SessionRated event."""
        chain.pending_timestamp = at
        if receipt is None:
            tx = self.router.rateSession(session, sender=sender)
        else:
            tx = self.router.rateSessionWithReceipt(
                session, *self._receipt(session, receipt, signed_by, at), sender=sender
            )
        return self._sent(tx, at).decode_logs(self.router.SessionRated)[0]


@pytest.fixture
def kit(router, mor, sign_approval, sign_receipt) -> Kit:
    return Kit(router, mor, sign_approval, sign_receipt)


# ------------------------------------------------------------------ governance (issue 27)


def name32(name: str) -> bytes:
    """A parameter's name as the contracts' errors and events carry it: bytes32, zero-padded."""
    return name.encode().ljust(32, b"\0")


def stipend_seconds(stake: int, budget: int, supply: int, price: int, max_duration: int) -> int:
    """The router's stipend duration, in exact integers: `min(maxDur, (stake*budget//supply)//price)`."""
    return min(max_duration, stake * budget // supply // price)


def smallest_stipend_stake(min_duration: int, price: int, supply: int, budget: int) -> int:
    """The smallest stake whose stipend buys `min_duration` seconds at `price`:
    `floor(floor(s*B/S)/p) >= d` holds exactly when `s*B >= d*p*S`, so `ceil(d*p*S/B)`."""
    return -(-min_duration * price * supply // budget)


@pytest.fixture
def day_timelock(project, protocol, owner, stranger) -> Any:
    """A GovernanceTimelock with a one-day delay and a one-day floor, as on a public network,
    owning the protocol; `stranger` is governance (proposer, executor, canceller), the deployer
    keeps nothing."""
    timelock = install_timelock(project, protocol, owner, stranger.address, DAY, floor=DAY)
    protocol.timelock = timelock  # `protocol` is session-scoped: cleared again when the chain reverts
    yield timelock
    protocol.timelock = None


@pytest.fixture
def token_probe(project, owner) -> Any:
    """The deployment's token check (TokenProbe), deployed by the deployer."""
    return project.TokenProbe.deploy(sender=owner)
