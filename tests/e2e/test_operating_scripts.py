"""The operating code that `ape run provider|consumer|keeper|status` use: a provider's approval
and receipt JSON drive a consumer's open and close, the keeper closes what expired, and every
failure reaches the user as one line naming the failed check."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import ape
import click
import pytest
from ape import chain
from ape.exceptions import ContractLogicError
from click.testing import CliRunner

from mor_market import governance as gov
from mor_market import operations as ops
from mor_market.cli import describe_error, load_protocol, one_line_errors
from mor_market.constants import MOR
from mor_market.deploy import ZERO_ADDRESS
from mor_market.ranking import BALANCED, MIN_RATED_SECONDS, VERDICT_WINDOW
from mor_market.readable import stats_view
from mor_market.units import format_time
from tests.utils.deployments import deploy_as_on_a_public_network

SCRIPTS = Path(__file__).parents[2] / "scripts"
DAY = 86_400


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
        ("governance", ["schedule", "execute", "cancel", "show", "guardian"]),
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
            _revert_data(
                "ParameterOutOfBounds(bytes32,uint256,uint256,uint256)", b"minPricePerSecond", 10**13, 10**9, 5 * 10**12
            ),
            "ParameterOutOfBounds(name=minPricePerSecond, value=0.00001 MOR/s, minimum=0.000000001 MOR/s, "
            "maximum=0.000005 MOR/s)",
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


# ------------------------------------------------------------------ `ape run governance`


def _run(name: str, *args: str) -> Any:
    """`ape run <name> ARGS` in this process, connected to the test's own fork (the provider is
    handed over as `--network` would hand over a new one); stdout and stderr apart."""
    return CliRunner(mix_stderr=False).invoke(_script(name), list(args), obj={"provider": chain.provider})


def _ok(result: Any) -> str:
    assert result.exit_code == 0, result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    return result.stdout


def _one_error_line(result: Any) -> str:
    assert result.exit_code == 1, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith(("INFO:", "WARNING:"))]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout and result.stdout.strip() == ""
    return lines[0]


@pytest.fixture
def deployed(project, owner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A local `ape run deploy` (no delay: every change applies at once), recorded where the
    scripts look."""
    monkeypatch.setattr("mor_market.cli.RECORDS", tmp_path)
    from mor_market.deployment import deploy_network

    deploy_network(project, owner, force=True)
    return load_protocol()


@pytest.fixture
def deployed_with_a_day(project, owner, stranger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`ape run deploy` as on a public network: a day's delay (and floor), `stranger` (TEST::6)
    governs."""
    monkeypatch.setattr("mor_market.cli.RECORDS", tmp_path)
    return deploy_as_on_a_public_network(project, owner, stranger.address, monkeypatch)


def test_governance_cli__guardian_set_show_revoke__the_guardian_pauses_at_once_and_cannot_unpause(deployed, keeper):
    protocol = deployed
    marketplace = protocol.marketplace
    assert _ok(_run("governance", "guardian", "show")).splitlines() == [
        f"{name:<14} guardian none" for name in ("marketplace", "model-registry", "router")
    ]

    done = _ok(_run("governance", "guardian", "set", keeper.address, "--contract", "marketplace"))
    assert done.strip() == f"done: Marketplace.setGuardian({keeper.address})"
    assert _ok(_run("governance", "guardian", "show")).splitlines() == [
        f"marketplace    guardian {keeper.address}",
        "model-registry guardian none",
        "router         guardian none",
    ]
    assert marketplace.guardian() == keeper.address

    # The guardian (TEST::5) pauses at once, without the timelock; it cannot lift the pause.
    operations_before = len(gov.operations(protocol.timelock, 0))
    paused = _ok(_run("governance", "pause", "marketplace", "--account", "TEST::5"))
    until = marketplace.pauseState()[0]
    assert paused.strip() == f"paused Marketplace until {format_time(until)} (as its guardian)"
    assert marketplace.paused() and len(gov.operations(protocol.timelock, 0)) == operations_before
    refused = _one_error_line(_run("governance", "unpause", "marketplace", "--account", "TEST::5"))
    assert refused == f"error: {keeper.address} is a guardian: it may pause, only governance unpauses"
    assert marketplace.paused()
    # Where it is not the guardian, its pause is governance's: refused by the timelock.
    router_refused = _one_error_line(_run("governance", "pause", "router", "--account", "TEST::5"))
    assert router_refused.startswith("error: pause failed: AccessControlUnauthorizedAccount(")
    assert not protocol.router.paused()

    revoked = _ok(_run("governance", "guardian", "revoke"))
    assert revoked.splitlines() == [
        "done: Marketplace.setGuardian(0x0000000000000000000000000000000000000000)",
        "model-registry: no guardian to revoke",
        "router: no guardian to revoke",
    ]
    assert [c.guardian() for c in (marketplace, protocol.model_registry, protocol.router)] == [ZERO_ADDRESS] * 3


def test_governance_cli__guardian_set__with_a_delay__is_scheduled_and_applies_after_it(deployed_with_a_day, keeper):
    protocol = deployed_with_a_day
    scheduled = _ok(_run("governance", "guardian", "set", keeper.address, "--account", "TEST::6"))
    lines = scheduled.splitlines()
    assert len(lines) == 3 and all(line.startswith("scheduled ") for line in lines)
    assert [c.guardian() for c in gov.governed(protocol).values()] == [ZERO_ADDRESS] * 3
    assert _one_error_line(_run("governance", "pause", "router", "--account", "TEST::5")).startswith(
        "error: pause failed: AccessControlUnauthorizedAccount("
    )

    chain.pending_timestamp += DAY
    for line in lines:
        _ok(_run("governance", "execute", line.split()[1].rstrip(":")[:12], "--account", "TEST::6"))
    assert [c.guardian() for c in gov.governed(protocol).values()] == [keeper.address] * 3
    assert "as its guardian" in _ok(_run("governance", "pause", "router", "--account", "TEST::5"))
    assert protocol.router.paused()


def test_governance_cli__show__prints_each_operation_state_and_when_it_expires(deployed_with_a_day):
    protocol = deployed_with_a_day
    timelock = protocol.timelock
    scheduled = _ok(_run("governance", "set", "bid-fee", "1", "--account", "TEST::6"))
    op_id = scheduled.split()[1].rstrip(":")
    ready_at = int(timelock.getTimestamp(bytes.fromhex(op_id)))
    expires = ready_at + gov.GRACE_PERIOD
    assert f", ready at {format_time(ready_at)}, expires at {format_time(expires)}; then " in scheduled

    def line() -> str:
        shown = _ok(_run("governance", "show")).splitlines()
        assert f"timelock       {timelock.address}: delay 86400 s (floor 86400 s), governance " in shown[3]
        return next(row for row in shown if row.startswith(op_id[:16]))

    waiting = line()
    print(waiting)
    assert waiting == (
        f"{op_id[:16]}  waiting   Marketplace.setBidFee(1000000000000000000), "
        f"ready at {format_time(ready_at)}, expires at {format_time(expires)}"
    )
    chain.mine(timestamp=ready_at)
    assert line().startswith(f"{op_id[:16]}  ready     ") and line().endswith(f"expires at {format_time(expires)}")
    chain.mine(timestamp=expires)
    expired = line()
    print(expired)
    assert expired == (
        f"{op_id[:16]}  expired   Marketplace.setBidFee(1000000000000000000), "
        f"expired at {format_time(expires)}: schedule it again"
    )


def test_governance_cli__execute_of_an_expired_operation__is_one_line_saying_when_it_expired(
    deployed_with_a_day, stranger
):
    protocol = deployed_with_a_day
    timelock = protocol.timelock
    op_id = _ok(_run("governance", "set", "bid-fee", "1", "--account", "TEST::6")).split()[1].rstrip(":")
    expires = int(timelock.getTimestamp(bytes.fromhex(op_id))) + gov.GRACE_PERIOD
    expected = f"error: execute failed: operation 0x{op_id} expired at {format_time(expires)}: schedule it again"

    # Expired in the block the execution would run in: the timelock's revert, named the same way.
    chain.mine(timestamp=expires - 2)
    chain.pending_timestamp = expires
    assert _one_error_line(_run("governance", "execute", op_id[:12], "--account", "TEST::6")) == expected

    # Expired already: refused before anything is sent.
    chain.mine(timestamp=expires + 1)
    nonce = stranger.nonce
    assert _one_error_line(_run("governance", "execute", op_id[:12], "--account", "TEST::6")) == expected
    assert stranger.nonce == nonce
    assert protocol.marketplace.bidFee() == 0


def test_governance_cli__params__shows_the_budget_as_a_constant_and_each_guardian(deployed):
    shown = _ok(_run("governance", "params")).splitlines()
    assert "budget             1% of the previous day's close (constant)" in shown
    assert not any(line.startswith("budget-bps") for line in shown)
    assert "marketplace        guardian none" in shown
