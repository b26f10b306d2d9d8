"""The operations providers, consumers and keepers perform, shared by the `ape run` scripts
and the main job. Each state-changing operation returns its transaction receipt."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from mor_market import eip712
from mor_market.deploy import Protocol
from mor_market.ids import session_consumer, session_id
from mor_market.ranking import (
    MIN_RATED_SECONDS,
    VERDICT_WINDOW,
    Inputs,
    Weights,
    merge_windows,
    session_weight,
)

STIPEND, DIRECT = 0, 1


# ------------------------------------------------------------------ provider


def _approve(p: Protocol, account: Any, spender: Any, amount: int) -> None:
    """An ERC-20 approve only when the allowance is short: no paid approve for nothing."""
    if amount and int(p.mor.allowance(account, spender)) < amount:
        p.mor.approve(spender, amount, sender=account)


def register_provider(p: Protocol, account: Any, endpoint: str, stake: int) -> Any:
    _approve(p, account, p.marketplace, stake)
    return p.marketplace.register(endpoint, stake, sender=account)


def add_stake(p: Protocol, account: Any, amount: int) -> Any:
    _approve(p, account, p.marketplace, amount)
    return p.marketplace.addStake(amount, sender=account)


def post_bid(p: Protocol, account: Any, model_id: int, price_per_second: int) -> tuple[int, Any]:
    _approve(p, account, p.marketplace, int(p.marketplace.bidFee()))
    tx = p.marketplace.postBid(model_id, price_per_second, sender=account)
    return tx.decode_logs(p.marketplace.BidPosted)[0].bidId, tx


def sign_approval(p: Protocol, signer: Any, bid: int, consumer: str, nonce: int, deadline: int) -> dict[str, Any]:
    """The approval JSON a provider hands to a consumer."""
    from ape import chain

    message = eip712.approval_message(p.router.address, chain.chain_id, bid, consumer, nonce, deadline)
    signature = eip712.sign(signer, message)
    return {
        "router": str(p.router.address),
        "chainId": chain.chain_id,
        "bidId": str(bid),
        "consumer": str(consumer),
        "nonce": nonce,
        "deadline": deadline,
        "signature": "0x" + signature.hex(),
    }


def sign_receipt(p: Protocol, signer: Any, session: int, ttft_ms: int, tps: int, deadline: int) -> dict[str, Any]:
    """The receipt JSON a provider hands to a consumer (or uses itself) to close a session."""
    from ape import chain

    message = eip712.receipt_message(p.router.address, chain.chain_id, session, ttft_ms, tps, deadline)
    return {
        "sessionId": str(session),
        "ttftMs": ttft_ms,
        "tokensPerSecond": tps,
        "deadline": deadline,
        "signature": "0x" + eip712.sign(signer, message).hex(),
    }


def provider_status(p: Protocol, provider: str) -> dict[str, Any]:
    record = p.marketplace.providerRecord(provider)
    bids = provider_bids(p, provider)
    return {
        "provider": provider,
        "registered": bool(record.registered),
        "endpoint": record.endpoint,
        "stake": record.stake,
        "signer": record.signer,
        "bids": [{"bidId": b, **_bid(p, b)} for b in bids],
        "owed": p.pool.owed(provider),
    }


def provider_bids(p: Protocol, provider: str, page: int = 500) -> list[int]:
    """A provider's usable bids, every page of its own list (bounded calls)."""
    count = int(p.marketplace.providerRecord(provider).activeBids)
    bids: list[int] = []
    for offset in range(0, count, page):
        bids.extend(int(b) for b in p.marketplace.activeBidsOfProvider(provider, offset, page))
    return bids


def _bid(p: Protocol, bid: int) -> dict[str, Any]:
    record = p.marketplace.bid(bid)
    return {"modelId": record.modelId, "pricePerSecond": record.pricePerSecond, "active": bool(record.active)}


# ------------------------------------------------------------------ consumer


@dataclass
class RankedBid:
    bid_id: int
    provider: str
    score: int
    price_per_second: int
    inputs: Inputs
    endpoint: str


RANK_WINDOW = 200  # Reputation.MAX_WINDOW


def ranked_bids(
    p: Protocol, model_id: int, weights: Weights, limit: int | None = 20, window: int = RANK_WINDOW
) -> list[RankedBid]:
    """A model's usable bids in the exact global order for `weights`, best first, at most
    `limit` (None: all): every window of the model's list scored on-chain at one block (each
    call bounded by the window), then merged."""
    from ape import chain

    block = chain.blocks.head.number
    windows: list[list[RankedBid]] = []
    offset, total = 0, 1
    while offset < total:
        ranked, total = p.reputation.rankWindow(model_id, weights.as_tuple(), offset, window, block_id=block)
        windows.append([_ranked_bid(r) for r in ranked])
        offset += window
    merged = merge_windows(windows, key=lambda r: (r.bid_id, r.score))
    return merged if limit is None else merged[:limit]


def _ranked_bid(r: Any) -> RankedBid:
    """From a Reputation.RankedBid (Ape returns struct arrays inside a multi-value return as
    plain tuples, so fields are read by position)."""
    bid_id, provider, bid_score, inputs, endpoint = tuple(r)
    x = Inputs.from_chain(inputs)
    return RankedBid(int(bid_id), str(provider), int(bid_score), x.price_per_second, x, str(endpoint))


def open_session(
    p: Protocol, consumer: Any, approval: dict[str, Any], stake: int, mode: int = STIPEND, permit: bool = False
) -> tuple[int, Any]:
    """Open a session from a provider's approval JSON; with `permit`, in one transaction."""
    from ape import chain

    if str(approval["consumer"]).lower() != consumer.address.lower():
        raise ValueError(f"the approval is for consumer {approval['consumer']}, not {consumer.address}")
    signature = bytes.fromhex(str(approval["signature"]).removeprefix("0x"))
    bid, nonce, deadline = (int(str(approval[k]), 0) for k in ("bidId", "nonce", "deadline"))
    _held, withdrawable = p.router.holdOf(consumer)
    needed = max(0, stake - withdrawable)
    if permit and needed:
        permit_deadline = chain.pending_timestamp + 3_600
        v, r, s = _permit(p, consumer, needed, permit_deadline)
        tx = p.router.openSessionWithPermit(
            bid, nonce, deadline, stake, mode, signature, permit_deadline, v, r, s, sender=consumer
        )
    else:
        if needed:
            p.mor.approve(p.router, needed, sender=consumer)
        tx = p.router.openSession(bid, nonce, deadline, stake, mode, signature, sender=consumer)
    return session_id(consumer.address, nonce), tx


def _permit(p: Protocol, owner: Any, value: int, deadline: int) -> tuple[int, bytes, bytes]:
    from ape import chain

    name = p.mor.eip712Domain()[1]
    message = eip712.permit_message(
        p.mor.address, name, chain.chain_id, owner.address, p.router.address, value, p.mor.nonces(owner), deadline
    )
    return eip712.sign_vrs(owner, message)


def _receipt_args(session: int, receipt: dict[str, Any]) -> tuple[int, int, int, bytes]:
    """(ttftMs, tokensPerSecond, deadline, signature) of a provider's receipt JSON for `session`."""
    if int(str(receipt["sessionId"]), 0) != session:
        raise ValueError(f"the receipt is for session {receipt['sessionId']}, not {session}")
    signature = bytes.fromhex(str(receipt["signature"]).removeprefix("0x"))
    return int(receipt["ttftMs"]), int(receipt["tokensPerSecond"]), int(receipt["deadline"]), signature


def close_session(p: Protocol, closer: Any, session: int, receipt: dict[str, Any] | None = None) -> Any:
    """Close `session`: by its consumer, completed with the provider's receipt JSON or disputed
    without; by anyone else, no verdict (the consumer may still give it: `rate_session`)."""
    if receipt is None:
        return p.router.closeSession(session, sender=closer)
    return p.router.closeSessionWithReceipt(session, *_receipt_args(session, receipt), sender=closer)


def rate_session(p: Protocol, consumer: Any, session: int, receipt: dict[str, Any] | None = None) -> Any:
    """The consumer's late verdict on a session someone else closed (the provider, its signer, its
    node or a keeper), within VERDICT_WINDOW of that close: completed with the provider's receipt
    JSON (its measurements count), disputed without."""
    if receipt is None:
        return p.router.rateSession(session, sender=consumer)
    return p.router.rateSessionWithReceipt(session, *_receipt_args(session, receipt), sender=consumer)


VERDICTS = ("none", "completed", "disputed")  # ISessionRouter.Verdict, by value


def why_unrated(stake: int, seconds: int, self_dealt: bool = False) -> str | None:
    """Why a session of `stake` that provided `seconds` rates nothing (its weight is 0: no
    statistic moves, whoever closes it, and no verdict can be given), or None if it rates."""
    if session_weight(stake, seconds, self_dealt):
        return None
    if self_dealt:
        return "the session is self-dealt: it rates nothing"
    if seconds < MIN_RATED_SECONDS:
        return f"the session provided {seconds} s, fewer than the {MIN_RATED_SECONDS} s a session needs to rate"
    return "the session's stake is below 0.001 MOR: it rates nothing"


def late_verdict_refusal(p: Protocol, session: int, now: int | None = None) -> str | None:
    """Why the consumer cannot give its late verdict on `session` (at `now`, default the next
    block's time), or None if `rate_session` would take it: the session is open, already rated,
    rates nothing (self-dealt, fewer than MIN_RATED_SECONDS provided, a stake below 0.001 MOR) or
    its verdict window has closed. SessionRouter.rateSession's rules, read in one call."""
    from ape import chain

    now = chain.pending_timestamp if now is None else now
    d = p.router.sessionDetails(session)
    record = d.session
    closed_at = int(record.closedAt)
    if not closed_at:
        return "the session is still open: its consumer rates it by closing it"
    if int(record.verdict):
        return f"the session was already rated: {VERDICTS[int(record.verdict)]}"
    unrated = why_unrated(int(record.stake), int(d.secondsProvided), bool(record.selfDealt))
    if unrated is not None:
        return unrated
    if now > closed_at + VERDICT_WINDOW:
        return f"the verdict window closed at {closed_at + VERDICT_WINDOW}, 24 hours after the close"
    return None


SCAN_PAGE = 5_000  # blocks per eth_getLogs request


def scan(event: Any, start_block: int, progress: bool = True, **filters: Any) -> list[Any]:
    """Every log of `event` from `start_block` (the deployment's first block) to the head, in pages
    of SCAN_PAGE blocks; a scan of more than one page shows a progress bar on stderr."""
    import click
    from ape import chain

    end = chain.blocks.head.number + 1
    pages = [(b, min(b + SCAN_PAGE, end)) for b in range(max(0, start_block), end, SCAN_PAGE)]
    logs: list[Any] = []
    if progress and len(pages) > 1:
        label = f"scanning {end - start_block:,} blocks for {event.name}"
        with click.progressbar(pages, label=label, file=sys.stderr) as bar:
            for first, stop in bar:
                logs.extend(event.range(first, stop, search_topics=filters or None))
    else:
        for first, stop in pages:
            logs.extend(event.range(first, stop, search_topics=filters or None))
    return logs


def sessions(p: Protocol, start_block: int, consumer: str | None = None) -> list[dict[str, Any]]:
    """Sessions opened since `start_block` (optionally of one consumer), with their records."""
    found = []
    filters = {"consumer": consumer} if consumer else {}
    for log in scan(p.router.SessionOpened, start_block, **filters):
        if consumer and log.consumer.lower() != consumer.lower():
            continue
        record = p.router.session(log.sessionId)
        found.append(
            {
                "sessionId": log.sessionId,
                "consumer": session_consumer(log.sessionId),
                "provider": record.provider,
                "bidId": log.bidId,
                "stake": record.stake,
                "mode": "direct" if record.mode == DIRECT else "stipend",
                "openedAt": record.openedAt,
                "endsAt": record.endsAt,
                "closedAt": record.closedAt,
                "verdict": VERDICTS[int(record.verdict)],
            }
        )
    return found


# ------------------------------------------------------------------ keeper


def close_expired(p: Protocol, keeper: Any, start_block: int, limit: int) -> list[tuple[int, Any]]:
    """Close up to `limit` open sessions whose end time has passed; returns (session, receipt)."""
    from ape import chain

    now = chain.pending_timestamp
    closed = []
    for s in sessions(p, start_block):
        if len(closed) >= limit:
            break
        if s["closedAt"] == 0 and s["endsAt"] <= now:
            closed.append((s["sessionId"], p.router.closeSession(s["sessionId"], sender=keeper)))
    return closed


# ------------------------------------------------------------------ market


def market_status(p: Protocol) -> dict[str, Any]:
    health = p.pool.health()  # one call: ledger, token balance, today's books, total owed
    bounds = p.marketplace.priceBounds()
    durations = p.router.durationBounds()
    return {
        "pool": {
            "balance": health.ledger,
            "token_balance": health.tokenBalance,
            "budget_today": health.budget,
            "paid_today": health.paidToday,
            "left_today": health.budgetLeft,
            "total_owed": health.totalOwed,
        },
        "router": {"total_locked": p.router.totalLocked(), "reference_supply": p.router.referenceSupply()},
        "params": {
            "whitelist_enabled": bool(p.marketplace.whitelistEnabled()),
            "min_provider_stake": p.marketplace.minProviderStake(),
            "bid_fee": p.marketplace.bidFee(),
            "price_bounds": list(bounds),
            "duration_bounds": list(durations),
            "min_model_stake": p.model_registry.minModelStake(),
        },
    }


def error_name(p: Protocol, selector: bytes) -> str:
    """The custom error a 4-byte selector stands for, from the protocol's ABIs (hex if unknown)."""
    from eth_utils import keccak

    for contract in (p.router, p.marketplace, p.model_registry, p.pool):
        for abi in contract.contract_type.errors:
            if keccak(text=abi.selector)[:4] == bytes(selector):
                return abi.name
    return "0x" + bytes(selector).hex()


def quote(p: Protocol, bid: int, consumer: str, stake: int, mode: int = STIPEND) -> dict[str, Any]:
    """What `stake` buys on `bid` if opened in the next block (SessionRouter.quote), readable."""
    q = p.router.quote(bid, consumer, stake, mode)
    return {
        "bidId": bid,
        "provider": q.provider,
        "modelId": q.modelId,
        "pricePerSecond": q.pricePerSecond,
        "durationSeconds": q.duration,
        "endsAt": q.endsAt,
        "worth": q.stipend,
        "opens": bool(q.opens),
        "refusedWith": None if q.opens else error_name(p, q.reason),
    }


def session_details(p: Protocol, session: int) -> dict[str, Any]:
    """A session in one call (SessionRouter.sessionDetails)."""
    d = p.router.sessionDetails(session)
    record = d.session
    return {
        "sessionId": session,
        "consumer": d.consumer,
        "provider": record.provider,
        "signer": d.signer,
        "modelId": record.modelId,
        "mode": "direct" if record.mode == 1 else "stipend",
        "pricePerSecond": record.pricePerSecond,
        "stake": record.stake,
        "openedAt": record.openedAt,
        "endsAt": record.endsAt,
        "closedAt": record.closedAt,
        "verdict": VERDICTS[int(record.verdict)],
        "secondsProvided": d.secondsProvided,
        "pay": d.pay,
        "open": bool(d.open),
        "closableByAnyone": bool(d.closableByAnyone),
        "consumerHeld": d.consumerHeld,
        "consumerWithdrawable": d.consumerWithdrawable,
    }


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, default=str)
