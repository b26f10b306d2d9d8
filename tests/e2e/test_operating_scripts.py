"""The operating code that `ape run provider|consumer|keeper|status` use: a provider's approval
and receipt JSON drive a consumer's open and close, the keeper closes what expired, and every
failure reaches the user as one line naming the failed check."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import ape
import click
import pytest
from ape import chain
from ape.exceptions import ContractLogicError
from click.testing import CliRunner

from mor_market import operations as ops
from mor_market.cli import describe_error, one_line_errors
from mor_market.constants import MOR
from mor_market.ranking import BALANCED, MIN_RATED_SECONDS, VERDICT_WINDOW
from mor_market.readable import stats_view

SCRIPTS = Path(__file__).parents[2] / "scripts"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(f"script_{name}", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "provider",
            [
                "register",
                "add-stake",
                "set-signer",
                "bid",
                "delete-bid",
                "approve",
                "receipt",
                "claim",
                "deregister",
                "status",
            ],
        ),
        ("consumer", ["bids", "quote", "open", "chat", "session", "close", "withdraw", "status"]),
        ("governance", ["schedule", "execute", "cancel", "show"]),
        ("keeper", ["--limit"]),
        ("status", ["--from-block"]),
        ("deploy", ["--force", "--account"]),
    ],
)
def test_script_help__every_operating_script__lists_its_commands(name: str, expected: list[str]):
    result = CliRunner().invoke(_script(name), ["--help"])
    assert result.exit_code == 0, result.output
    for word in expected:
        assert word in result.output


def test_one_line_errors__a_revert__becomes_one_line_with_the_error_and_its_arguments(
    protocol, registered_provider, model_id
):
    with pytest.raises(click.ClickException) as raised, one_line_errors("bid"):
        ops.post_bid(protocol, registered_provider, model_id, 1)
    message = raised.value.format_message()
    assert (
        message
        == "bid failed: PriceOutOfRange(price=0.000000000000000001 MOR/s, minimum=0.00000001 MOR/s, maximum=0.01 MOR/s)"
    )
    assert "\n" not in message


def test_operations__approval_and_receipt_json__open_and_close_a_session(
    protocol, bid, registered_provider, consumer, funded_pool, keeper
):
    approval = ops.sign_approval(protocol, registered_provider, bid, consumer.address, 7, chain.pending_timestamp + 600)
    approval = json.loads(json.dumps(approval))  # as it travels between provider and consumer
    chain.mine()  # the quote reads the latest block: bring it to the day the open will run on
    quoted = ops.quote(protocol, bid, consumer.address, 1_000 * MOR)
    assert quoted["opens"] and quoted["refusedWith"] is None, quoted["refusedWith"]
    session, _ = ops.open_session(protocol, consumer, approval, 1_000 * MOR, ops.STIPEND, permit=True)
    ranked = ops.ranked_bids(protocol, protocol.marketplace.bid(bid).modelId, BALANCED)
    assert [(r.bid_id, r.endpoint) for r in ranked] == [(bid, "gpu.example.org:3333")]
    details = ops.session_details(protocol, session)
    assert (details["consumer"], details["open"], details["stake"]) == (consumer.address, True, 1_000 * MOR)
    chain.pending_timestamp = protocol.router.session(session).openedAt + 600  # exact, whatever the wall clock
    receipt = json.loads(
        json.dumps(ops.sign_receipt(protocol, registered_provider, session, 250, 40, chain.pending_timestamp + 600))
    )
    tx = ops.close_session(protocol, consumer, session, receipt)
    closed = tx.decode_logs(protocol.router.SessionClosed)[0]
    assert closed.secondsProvided == 600
    assert not closed.disputed
    assert (ops.session_details(protocol, session)["pay"], ops.session_details(protocol, session)["open"]) == (
        closed.paid,
        False,
    )
    assert ops.quote(protocol, bid, registered_provider.address, MOR)["refusedWith"] == "SelfDealtStipend"
    status = ops.provider_status(protocol, registered_provider.address)
    assert status["owed"] == closed.paid
    assert [b["bidId"] for b in status["bids"]] == [bid]


def test_operations__keeper__closes_only_expired_sessions_within_its_limit(
    protocol, bid, consumer, open_session, keeper, funded_pool
):
    start = chain.blocks.head.number
    first = open_session(consumer, bid, 1_000 * MOR)
    second = open_session(consumer, bid, 1_000 * MOR)
    assert ops.close_expired(protocol, keeper, start, 10) == []
    chain.pending_timestamp = max(protocol.router.session(s).endsAt for s in (first, second)) + 1
    closed = ops.close_expired(protocol, keeper, start, 1)
    assert [s for s, _ in closed] == [first]
    closed = ops.close_expired(protocol, keeper, start, 10)
    assert [s for s, _ in closed] == [second]
    state = ops.market_status(protocol)
    assert state["router"]["total_locked"] == protocol.router.totalLocked()
    assert state["pool"]["total_owed"] == protocol.pool.owed(protocol.marketplace.bid(bid).provider)


def test_operations__late_verdict__is_given_once_on_a_session_someone_else_closed_within_its_window(
    protocol, bid, registered_provider, model_id, consumer, open_session, keeper, funded_pool
):
    """v3: after a close by anyone but the consumer, `rate_session` gives the consumer's verdict
    late; `late_verdict_refusal` says beforehand why the router would refuse it (open, too short to
    rate, already rated, window closed), and the readable statistics' shares count only the
    rated weight."""
    router = protocol.router
    short, rated, forgotten = (open_session(consumer, bid, 1_000 * MOR) for _ in range(3))
    assert ops.late_verdict_refusal(protocol, rated).startswith("the session is still open")

    # The provider closes one after 599 s: paid, and it rates nothing, late or not.
    chain.pending_timestamp = router.session(short).openedAt + MIN_RATED_SECONDS - 1
    ops.close_session(protocol, registered_provider, short)
    assert ops.late_verdict_refusal(protocol, short) == (
        "the session provided 599 s, fewer than the 600 s a session needs to rate"
    )
    with ape.reverts(router.SessionNotRatable):
        ops.rate_session(protocol, consumer, short)

    # The keeper closes the other two at their end; the consumer completes one with a receipt.
    ends = max(router.session(s).endsAt for s in (rated, forgotten))
    chain.pending_timestamp = ends + 1
    assert sorted(s for s, _ in ops.close_expired(protocol, keeper, 0, 10)) == sorted((rated, forgotten))
    assert ops.late_verdict_refusal(protocol, rated) is None
    receipt = json.loads(
        json.dumps(ops.sign_receipt(protocol, registered_provider, rated, 250, 40, chain.pending_timestamp + 600))
    )
    with pytest.raises(ValueError, match="the receipt is for session"):
        ops.rate_session(protocol, consumer, forgotten, receipt)
    event = ops.rate_session(protocol, consumer, rated, receipt).decode_logs(router.SessionRated)[0]
    assert (event.verdict, event.ttftMs, event.tokensPerSecond, event.closedEarly) == (1, 250, 40, False)
    assert ops.late_verdict_refusal(protocol, rated) == "the session was already rated: completed"
    assert ops.session_details(protocol, rated)["verdict"] == "completed"
    assert ops.session_details(protocol, forgotten)["verdict"] == "none"

    # The other was never rated: 24 hours after its close the window has closed.
    window_end = router.session(forgotten).closedAt + VERDICT_WINDOW
    assert ops.late_verdict_refusal(protocol, forgotten, now=window_end) is None
    assert ops.late_verdict_refusal(protocol, forgotten, now=window_end + 1) == (
        f"the verdict window closed at {window_end}, 24 hours after the close"
    )
    chain.pending_timestamp = window_end + 1
    with ape.reverts(router.VerdictWindowClosed):
        ops.rate_session(protocol, consumer, forgotten)

    # Two sessions served and one rated (completed): the shares are of the rated weight only.
    stats = router.stats(registered_provider, model_id)
    assert stats.weight == 2 * stats.completedWeight > 0
    view = stats_view(stats)
    assert view["rated_weight_mmor_seconds"] == stats.completedWeight
    assert (view["completed_share"], view["disputed_share"], view["closed_early_share"]) == (1.0, 0.0, 0.0)


def test_describe_error__raw_revert_data_of_a_custom_error__is_decoded_with_its_arguments():
    data = "0x32aa6024" + "1".rjust(64, "0") + hex(10**10)[2:].rjust(64, "0") + hex(10**16)[2:].rjust(64, "0")
    assert describe_error(ContractLogicError(data)) == (
        "PriceOutOfRange(price=0.000000000000000001 MOR/s, minimum=0.00000001 MOR/s, maximum=0.01 MOR/s)"
    )
    assert describe_error(ContractLogicError("0xdeadbeef")) == "0xdeadbeef"


def _revert_data(signature: str, *words: int | bytes) -> str:
    from eth_utils import keccak

    encoded = b"".join(w.ljust(32, b"\x00") if isinstance(w, bytes) else w.to_bytes(32, "big") for w in words)
    return "0x" + (keccak(text=signature)[:4] + encoded).hex()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            _revert_data(
                "ParameterOutOfBounds(bytes32,uint256,uint256,uint256)", b"minProviderStake", 10**24, 0, 10**23
            ),
            "ParameterOutOfBounds(name=minProviderStake, value=1000000 MOR, minimum=0 MOR, maximum=100000 MOR)",
        ),
        (
            _revert_data("ParameterOutOfBounds(bytes32,uint256,uint256,uint256)", b"budgetBps", 500, 1, 100),
            "ParameterOutOfBounds(name=budgetBps, value=500, minimum=1, maximum=100)",
        ),
        (
            _revert_data("ParameterOutOfBounds(bytes32,uint256,uint256,uint256)", b"minSessionDuration", 1, 60, 86400),
            "ParameterOutOfBounds(name=minSessionDuration, value=1 s, minimum=60 s, maximum=86400 s)",
        ),
        (
            _revert_data("NothingToClaim(uint256,uint256)", 25 * 10**17, 0),
            "NothingToClaim(owed=2.5 MOR, budgetLeft=0 MOR)",
        ),
        (
            _revert_data("ProviderStakeBelowMinimum(uint256,uint256)", 10**20, 5 * 10**20),
            "ProviderStakeBelowMinimum(stake=100 MOR, minimum=500 MOR)",
        ),
        (
            _revert_data("EnforcedPause(uint256)", 1_796_126_400),
            "EnforcedPause(until=2026-12-01 12:00:00 UTC (1796126400))",
        ),
        (_revert_data("BidNotActive(uint256)", 255), f"BidNotActive(bidId=0x{255:064x})"),
    ],
)
def test_describe_error__amounts_times_and_ids_in_a_revert__read_in_mor_utc_and_hex(data: str, expected: str):
    assert describe_error(ContractLogicError(data)) == expected


def test_load_protocol__a_record_of_contracts_not_on_this_chain__is_one_line_naming_the_way_out(tmp_path, monkeypatch):
    from mor_market.cli import load_protocol

    monkeypatch.setattr("mor_market.cli.RECORDS", tmp_path)
    nowhere = "0x000000000000000000000000000000000000F00D"
    names = ("MOR", "ModelRegistry", "Marketplace", "ComputePool", "SessionRouter", "Reputation")  # record format 2
    contracts = {name: {"address": nowhere} for name in names}
    (tmp_path / "arbitrum-sepolia-fork.json").write_text(json.dumps({"contracts": contracts}))

    with pytest.raises(click.ClickException) as raised:
        load_protocol()

    message = raised.value.format_message()
    assert "not on this chain" in message and "./dev node" in message and "\n" not in message
