"""The market as a person reads it, for the scripts' JSON output: amounts in MOR (exact
strings), prices in MOR per second and per day, times in UTC beside unix seconds, bid and session
ids in hex. `mor_market.operations` keeps the raw integers for code and tests."""

from __future__ import annotations

from typing import Any

from mor_market import operations as ops
from mor_market.deploy import Protocol
from mor_market.units import format_duration, format_mor, format_price, format_time, hex_id


def stats_view(stats: Any) -> dict[str, Any]:
    """A (provider, model) statistics record, with the shares and means it implies. Shares are of
    the weight the consumers rated (completed + disputed), as the score's rates are: a session no
    consumer rated is in no share (v3)."""
    completed_weight = int(stats.completedWeight)
    rated = completed_weight + int(stats.disputedWeight)
    return {
        "sessions_completed": int(stats.completed),
        "sessions_disputed": int(stats.disputed),
        "weight_mmor_seconds": int(stats.weight),
        "rated_weight_mmor_seconds": rated,
        "completed_share": _share(completed_weight, rated),
        "disputed_share": _share(int(stats.disputedWeight), rated),
        "closed_early_share": _share(int(stats.closedEarlyWeight), rated),
        "seconds_provided": int(stats.secondsProvided),
        "earnings_counted": format_mor(int(stats.earnings)),
        "mean_ttft_ms": round(int(stats.ttftWeighted) / completed_weight, 1) if completed_weight else None,
        "mean_tokens_per_second": round(int(stats.tpsWeighted) / completed_weight, 1) if completed_weight else None,
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def provider_view(p: Protocol, provider: str) -> dict[str, Any]:
    record = p.marketplace.providerRecord(provider)
    bids = []
    for bid_id in ops.provider_bids(p, provider):
        b = p.marketplace.bid(bid_id)
        model = p.model_registry.model(b.modelId)
        bids.append(
            {
                "bidId": hex_id(bid_id),
                "modelId": int(b.modelId),
                "model": str(model.name),
                "price": format_price(int(b.pricePerSecond)),
                "postedAt": format_time(int(b.postedAt)),
                "statistics": stats_view(p.router.stats(provider, b.modelId)),
            }
        )
    whitelisted = bool(p.marketplace.isWhitelisted(provider))
    return {
        "provider": provider,
        "registered": bool(record.registered),
        "endpoint": str(record.endpoint),
        "stake": format_mor(int(record.stake)),
        "signer": str(p.marketplace.signerOf(provider)),
        "whitelisted": whitelisted if p.marketplace.whitelistEnabled() else "whitelist off",
        "bids": bids,
        "owed": format_mor(int(p.pool.owed(provider))),
        "claimed": format_mor(int(p.pool.claimed(provider))),
        "balance": format_mor(int(p.mor.balanceOf(provider))),
    }


def session_view(raw: dict[str, Any]) -> dict[str, Any]:
    """`ops.session_details` or an `ops.sessions` entry, readable."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("sessionId", "bidId"):
            out[key] = hex_id(int(value))
        elif key in ("stake", "pay", "consumerHeld", "consumerWithdrawable", "worth"):
            out[key] = format_mor(int(value))
        elif key == "pricePerSecond":
            out["price"] = format_price(int(value))
        elif key in ("openedAt", "endsAt", "closedAt"):
            out[key] = format_time(int(value))
        elif key in ("secondsProvided", "durationSeconds"):
            out[key] = format_duration(int(value))
        else:
            out[key] = value
    return out


MODEL_FIELDS = ("id", "owner", "stake", "active", "contentId", "name", "tags")  # IModelRegistry.Model


def model_view(p: Protocol, model: Any) -> dict[str, Any]:
    """A model record; Ape returns struct arrays inside a multi-value return as plain tuples, so
    a tuple is read by position."""
    if not hasattr(model, "id"):
        from types import SimpleNamespace

        model = SimpleNamespace(**dict(zip(MODEL_FIELDS, tuple(model), strict=True)))
    model_id = int(model.id)
    return {
        "modelId": model_id,
        "name": str(model.name),
        "owner": str(model.owner),
        "active": bool(model.active),
        "stake": format_mor(int(model.stake)),
        "contentId": "0x" + bytes(model.contentId).hex(),
        "tags": [_text(t) for t in model.tags],
        "activeBids": int(p.marketplace.activeBidCountOfModel(model_id)) if model.active else 0,
    }


def _text(value: Any) -> str:
    raw = bytes(value).rstrip(b"\x00")
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return "0x" + bytes(value).hex()


def market_view(p: Protocol, open_sessions: list[dict[str, Any]]) -> dict[str, Any]:
    state = ops.market_status(p)
    pool, params = state["pool"], state["params"]
    low, high = params["price_bounds"]
    shortest, longest = params["duration_bounds"]
    paused = {
        name: bool(contract.paused())
        for name, contract in (
            ("marketplace", p.marketplace),
            ("model_registry", p.model_registry),
            ("router", p.router),
        )
    }
    from ape import chain

    now = chain.blocks.head.timestamp
    return {
        "now": format_time(now),
        "pool": {key: format_mor(int(value)) for key, value in pool.items()},
        "router": {
            "total_locked": format_mor(int(state["router"]["total_locked"])),
            "reference_supply": format_mor(int(state["router"]["reference_supply"])),
        },
        "params": {
            "whitelist_enabled": params["whitelist_enabled"],
            "min_provider_stake": format_mor(int(params["min_provider_stake"])),
            "min_model_stake": format_mor(int(params["min_model_stake"])),
            "bid_fee": format_mor(int(params["bid_fee"])),
            "price_bounds": [format_price(int(low)), format_price(int(high))],
            "duration_bounds": [format_duration(int(shortest)), format_duration(int(longest))],
        },
        "paused": paused,
        "fees": format_mor(int(p.marketplace.feeBalance())),
        "models": int(p.model_registry.modelCount()),
        "open_sessions": [session_view(s) for s in open_sessions],
    }
