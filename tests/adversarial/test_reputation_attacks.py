"""The reputation attacks found against v1 (issue 16), replayed against v2 and again against v3
(PROTOCOL.md "What changed in v2" and "What changed in v3", §5, §6 and promise 8). Each test
prints the attacked score before and after (BALANCED weights: 1 for each of the eight
components, 3 decimals) so the figures can be quoted; every assertion is exact.

- Pumping. v1: a provider's own wallet (or its signer) opened overlapping direct-mode sessions
  on its own bids, paying itself, and closed each with a self-signed receipt of ttft 1 ms and
  tps 2^32-1: a newcomer went from 0.389 to 0.721 for 0 MOR. v2: such a session is self-dealt;
  stipend mode refuses it (`SelfDealtStipend`), direct mode opens but writes no statistic, and a
  receipt outside 1..600,000 ms / 1..100,000 tps is refused (`ReceiptOutOfBounds`). Pumping
  through a second wallet cannot be seen on-chain, but it moves a score exactly as much as an
  unrelated consumer's identical sessions, and the earnings it shows are capped at the
  session's MOR-seconds per day (v3: its capped weight x 1e15 / 1 day) whatever the price.
- Griefing. v1: a session opened and closed in the same second, with no receipt, cost nothing
  and recorded a dispute and an early close; ten of them took a veteran from 0.446 to 0.283
  (the disputes component was 1/(1+count)). v2: a session's weight is stake x seconds, so a
  zero-second session records nothing; a paid dispute weighs its MOR-seconds, and ten sybil
  wallets buy exactly what one wallet with their pooled stake buys. v3: a session that provided
  fewer than 10 minutes (MIN_RATED_SECONDS) records nothing at all, and one session's weight is
  capped at 10 MOR-days (MAX_SESSION_WEIGHT): below the cap, ten wallets still buy exactly what
  one wallet with the pooled stake buys; above it no single session, whoever holds it, weighs
  more than the cap.
- Pre-empting. v1: a close by the provider or its signer was never a dispute, so a provider
  that closed first turned a would-be dispute into "completed". v2: only the consumer's close
  rates; a close by anyone else records the weight, seconds and earnings but no completion,
  dispute, early close or measurement. v3: the verdict cannot be pre-empted at all: a close by
  the provider or its signer leaves the session unrated (in no rate and no mean: reliability,
  earlyCloses, lag and speed stay as they were), and its consumer may still dispute
  (`rateSession`) or complete with the provider's receipt (`rateSessionWithReceipt`) within
  24 hours of that close, ending exactly where its own close would have; nobody else can give
  that verdict or change it.
- Farming. v1: a provider and its own consumer drew stake x budget / referenceSupply a day from
  the pool for no compute, stake fully back. v2: the provider and its signer cannot open stipend
  sessions at all; a second wallet with stake S draws at most S x budget / circulating in a
  day, the same as any consumer with S.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest
from ape import chain

from mor_market.constants import DAY, MOR
from mor_market.ranking import (
    BALANCED,
    MAX_SESSION_WEIGHT,
    MIN_RATED_SECONDS,
    PRIOR_WEIGHT,
    VERDICT_WINDOW,
    Inputs,
    components,
    counted_earnings,
    score,
    session_weight,
)
from tests.adversarial.conftest import next_day
from tests.conftest import PRICE
from tests.unit.session_router.conftest import DIRECT, HOUR, STATS_FIELDS, STIPEND, stats_of
from tests.utils.checks import check_conservation

INFLATED_PRICE = 10**16  # the bids' price ceiling in the test parameters: 864 MOR a day
NONE, COMPLETED, DISPUTED = 0, 1, 2  # ISessionRouter.Verdict
# The statistics a score reads (the counts and the unweighted seconds enter no score).
SCORED_FIELDS = (
    "weight",
    "completedWeight",
    "disputedWeight",
    "closedEarlyWeight",
    "earnings",
    "ttftWeighted",
    "tpsWeighted",
)

# ------------------------------------------------------------------ helpers


def _fmt(value: int) -> str:
    return f"{value / 10**18:.3f}"


def _delta(after: dict[str, int], before: dict[str, int], names: tuple[str, ...] = STATS_FIELDS) -> dict[str, int]:
    return {name: after[name] - before[name] for name in names}


def _score(reputation: Any, bid: int) -> int:
    return reputation.scoreOf(bid, BALANCED.as_tuple())


def _components(reputation: Any, bid: int) -> dict[str, int]:
    return components(Inputs.from_chain(reputation.inputsOf(bid)))


def _check_mirror(reputation: Any, bid: int) -> int:
    """The on-chain score of the bid, checked against the Python mirror of its inputs."""
    on_chain = _score(reputation, bid)
    assert on_chain == score(Inputs.from_chain(reputation.inputsOf(bid)), BALANCED)
    return on_chain


def _honest_history(kit: Any, consumer: Any, bid: int, signed_by: Any, start: int, sessions: int = 3) -> int:
    """`sessions` direct sessions of 1,000 MOR for an hour each, closed by `consumer` with a
    receipt of (500 ms, 40 tps): a veteran with real completed sessions (each weighs
    MAX_SESSION_WEIGHT, 10 MOR-days: 10^6 milli-MOR x 3,600 s is above it). Returns the end time."""
    at = start
    for _ in range(sessions):
        s = kit.open(consumer, bid, 1_000 * MOR, DIRECT, signed_by, at)
        kit.close(s, consumer, at + HOUR, (500, 40), signed_by)
        at += HOUR + 60
    return at


# ------------------------------------------------------------------ 1. pumping by oneself


def test_pumping__by_the_providers_own_wallet_and_its_signer__is_refused_in_stipend_mode_and_moves_nothing_in_direct_mode(
    protocol, router, marketplace, reputation, kit, sign_receipt, provider, signer, consumer, bid, model_id
):
    marketplace.setSigner(signer, sender=provider)
    start = next_day() + 1_000
    at = _honest_history(kit, consumer, bid, signer, start)
    before_stats, before_score = stats_of(router, provider, model_id), _check_mirror(reputation, bid)

    # Stipend mode: refused for the provider's own wallet and for its signer.
    for wallet in (provider, signer):
        with ape.reverts(router.SelfDealtStipend, bidId=bid, consumer=wallet.address):
            kit.open(wallet, bid, 1_000 * MOR, STIPEND, signer, at)

    # Direct mode: overlapping self-sessions (the pay goes back to the same owner), 10,000 MOR
    # each, closed by the self-consumer a second before their end with a self-signed receipt.
    sessions = [kit.open(wallet, bid, 10_000 * MOR, DIRECT, signer, at) for wallet in (provider, signer) * 3]
    for s in sessions:
        assert router.session(s).selfDealt
    for wallet, s in zip((provider, signer) * 3, sessions, strict=True):
        # v1's receipt, tps 2^32-1, is out of physical bounds, and so is each bound's neighbour.
        for ttft, tps in ((1, 2**32 - 1), (0, 100_000), (600_001, 40), (1, 0), (1, 100_001)):
            deadline = chain.pending_timestamp + 600
            receipt = sign_receipt(signer, s, ttft, tps, deadline)
            with ape.reverts(router.ReceiptOutOfBounds, ttftMs=ttft, tokensPerSecond=tps):
                router.closeSessionWithReceipt(s, ttft, tps, deadline, receipt, sender=wallet)
    close_at = router.session(sessions[0]).endsAt - 1
    for wallet, s in zip((provider, signer) * 3, sessions, strict=True):
        # The most extreme receipt in bounds: 1 ms, 100,000 tps, a second before the end.
        closed = kit.close(s, wallet, close_at, (1, 100_000), signer)
        assert closed.secondsProvided == DAY - 1
        assert closed.paid == PRICE * (DAY - 1)
        assert (closed.weight, closed.disputed) == (0, False)

    after_stats, after_score = stats_of(router, provider, model_id), _check_mirror(reputation, bid)
    print(f"\npumping by self (provider + signer, 6 x 10,000 MOR x 1 day): {_fmt(before_score)} -> {_fmt(after_score)}")
    assert after_stats == before_stats
    assert after_score == before_score
    check_conservation(protocol)


# ------------------------------------------------------------------ 2. free griefing


def test_griefing__ten_wallets_opening_and_closing_in_the_same_second_without_receipt__change_nothing(
    protocol, router, reputation, kit, wallets, provider, consumer, bid, model_id, funded_pool
):
    start = next_day() + 1_000
    at = _honest_history(kit, consumer, bid, provider, start)
    before_stats, before_score = stats_of(router, provider, model_id), _check_mirror(reputation, bid)

    sybils = wallets(10, 1_000 * MOR)
    for i, sybil in enumerate(sybils):
        # Stipend and direct mode alike: open and close in the same second, no receipt.
        mode = STIPEND if i % 2 == 0 else DIRECT
        second = at + i
        s = kit.open(sybil, bid, 1_000 * MOR, mode, provider, second)
        closed = kit.close(s, sybil, second)
        assert (closed.secondsProvided, closed.paid, closed.held, closed.weight) == (0, 0, 0, 0)
        assert (closed.disputed, closed.closedEarly) == (False, False)

    after_stats, after_score = stats_of(router, provider, model_id), _check_mirror(reputation, bid)
    print(f"\ngriefing, 10 zero-second sessions: veteran {_fmt(before_score)} -> {_fmt(after_score)}")
    assert after_stats == before_stats
    assert after_score == before_score
    check_conservation(protocol)


# ------------------------------------------------------------------ 3. paid griefing


@pytest.fixture
def twin_veterans(register_provider, post_bid, provider, provider2, consumer, consumer2, model_id, kit):
    """provider and provider2: the same stake, the same bid price, and the same history of three
    completed hour-long sessions (made at the same seconds). Returns (bid1, bid2, end time)."""
    register_provider(provider, 1_000 * MOR)
    register_provider(provider2, 1_000 * MOR)
    bid1 = post_bid(provider, model_id, INFLATED_PRICE)
    bid2 = post_bid(provider2, model_id, INFLATED_PRICE)
    at = next_day() + 1_000
    for _ in range(3):
        s1 = kit.open(consumer, bid1, 1_000 * MOR, DIRECT, provider, at)
        s2 = kit.open(consumer2, bid2, 1_000 * MOR, DIRECT, provider2, at)
        kit.close(s1, consumer, at + HOUR, (500, 40), provider)
        kit.close(s2, consumer2, at + HOUR, (500, 40), provider2)
        at += HOUR + 60
    return bid1, bid2, at


def test_paid_griefing__split_across_ten_sybil_wallets__moves_the_score_exactly_as_one_wallet_with_the_pooled_stake(
    protocol, router, reputation, kit, wallets, provider, provider2, model_id, twin_veterans
):
    """Ten sybils' disputes and one whale's, of the same pooled MOR-seconds, move every scored
    statistic by the same amounts. v3: each session lasts 864 s, above MIN_RATED_SECONDS (a
    shorter one would record nothing), and the whale's pooled weight stays below
    MAX_SESSION_WEIGHT, so the cap binds neither side (above it, the whale's one session would
    weigh the cap, as any one session does, and the sybils' ten at most ten caps)."""
    bid1, bid2, at = twin_veterans
    stake, seconds = 50 * MOR, 864
    assert seconds >= MIN_RATED_SECONDS
    assert (10 * stake // 10**15) * seconds < MAX_SESSION_WEIGHT
    before1, before2 = stats_of(router, provider, model_id), stats_of(router, provider2, model_id)
    assert {k: before1[k] for k in STATS_FIELDS} == {k: before2[k] for k in STATS_FIELDS}
    score_before = _check_mirror(reputation, bid1)
    assert _check_mirror(reputation, bid2) == score_before
    reliability_before = _components(reputation, bid1)["reliability"]

    sybils = wallets(10, stake)
    (whale,) = wallets(1, 10 * stake)
    sessions = [kit.open(sybil, bid1, stake, DIRECT, provider, at) for sybil in sybils]
    whale_session = kit.open(whale, bid2, 10 * stake, DIRECT, provider2, at)
    for sybil, s in zip(sybils, sessions, strict=True):
        closed = kit.close(s, sybil, at + seconds)
        assert (closed.weight, closed.disputed, closed.closedEarly) == (session_weight(stake, seconds), True, True)
    closed = kit.close(whale_session, whale, at + seconds)
    assert (closed.weight, closed.disputed) == (session_weight(10 * stake, seconds), True)

    after1, after2 = stats_of(router, provider, model_id), stats_of(router, provider2, model_id)
    d1, d2 = _delta(after1, before1), _delta(after2, before2)
    w = 10 * session_weight(stake, seconds)
    assert w == session_weight(10 * stake, seconds)
    counted = 10 * counted_earnings(INFLATED_PRICE * seconds, session_weight(stake, seconds))
    assert counted == counted_earnings(INFLATED_PRICE * seconds, w)
    expected = {
        "weight": w,
        "completedWeight": 0,
        "disputedWeight": w,
        "closedEarlyWeight": w,
        "earnings": counted,
        "ttftWeighted": 0,
        "tpsWeighted": 0,
    }
    assert {k: d1[k] for k in SCORED_FIELDS} == expected
    assert {k: d2[k] for k in SCORED_FIELDS} == expected
    # Only the counts and the unweighted seconds differ, and no score reads them.
    assert (d1["disputed"], d1["secondsProvided"]) == (10, 10 * seconds)
    assert (d2["disputed"], d2["secondsProvided"]) == (1, seconds)

    score1, score2 = _check_mirror(reputation, bid1), _check_mirror(reputation, bid2)
    assert score1 == score2 < score_before
    # Reliability (v3: the completed share of the rated weight, which v2 called "disputes") moves
    # by the disputed weight share, as the Python mirror says; every session here was rated.
    reliability_after = _components(reputation, bid1)["reliability"]
    W, Wd = after1["weight"], after1["disputedWeight"]
    Wr = after1["completedWeight"] + Wd
    assert Wr == W
    assert reliability_after == (Wr - Wd + PRIOR_WEIGHT // 2) * 10**18 // (Wr + PRIOR_WEIGHT)
    assert reliability_after == _components(reputation, bid2)["reliability"] < reliability_before
    print(
        f"\npaid griefing, 10 sybils x {stake // MOR} MOR x {seconds} s: {_fmt(score_before)} -> {_fmt(score1)};"
        f" 1 wallet x {10 * stake // MOR} MOR x {seconds} s: {_fmt(score_before)} -> {_fmt(score2)};"
        f" reliability component {_fmt(reliability_before)} -> {_fmt(reliability_after)}"
        f" (disputed share {Wd / Wr:.3f} of Wr = {Wr})"
    )
    check_conservation(protocol)


# ------------------------------------------------------------------ 4. pre-empting


OUTCOMES = (
    # (name, closer, with receipt)
    ("consumer disputes", "consumer", False),
    ("consumer completes", "consumer", True),
    ("provider pre-empts with receipt", "provider", True),
    ("provider pre-empts without receipt", "provider", False),
    ("signer pre-empts with receipt", "signer", True),
    ("signer pre-empts without receipt", "signer", False),
)
PREEMPTS = tuple(name for name, closer, _ in OUTCOMES if closer != "consumer")
CLOSE_AFTER = 1_800  # the close, half an hour in: before the session's end (it runs a day)
LATE = HOUR  # the consumer's late verdict, an hour after the close: inside VERDICT_WINDOW
LATE_DISPUTE, LATE_COMPLETION = ", then the consumer disputes", ", then the consumer completes"


@pytest.fixture
def preempt_outcomes(router, marketplace, reputation, kit, provider, signer, consumer, bid, model_id):
    """A veteran (provider with a signer, three completed sessions) and one more 1,000-MOR
    direct session of the consumer, closed half an hour in by each closer in turn (the chain
    restored between them); after each close by the provider or its signer, the consumer's late
    verdict an hour later, disputed (`rateSession`) and completed (`rateSessionWithReceipt`),
    each from the state the close left. Returns (before, {outcome: (stats, score, components,
    event, the session's verdict)}), the event being `SessionClosed` of a close and
    `SessionRated` of a late verdict."""
    marketplace.setSigner(signer, sender=provider)
    at = _honest_history(kit, consumer, bid, signer, next_day() + 1_000)
    s = kit.open(consumer, bid, 1_000 * MOR, DIRECT, signer, at)
    assert router.session(s).endsAt > at + CLOSE_AFTER
    before = (stats_of(router, provider, model_id), _check_mirror(reputation, bid), _components(reputation, bid))
    closers = {"consumer": consumer, "provider": provider, "signer": signer}

    def outcome(event: Any) -> tuple:
        return (
            stats_of(router, provider, model_id),
            _check_mirror(reputation, bid),
            _components(reputation, bid),
            event,
            int(router.session(s).verdict),
        )

    results = {}
    for name, closer, with_receipt in OUTCOMES:
        snapshot = chain.snapshot()
        event = kit.close(s, closers[closer], at + CLOSE_AFTER, (1, 100_000) if with_receipt else None, signer)
        results[name] = outcome(event)
        if closer != "consumer":
            for late, receipt in ((LATE_DISPUTE, None), (LATE_COMPLETION, (1, 100_000))):
                closed = chain.snapshot()
                results[name + late] = outcome(kit.rate(s, consumer, at + CLOSE_AFTER + LATE, receipt, signer))
                chain.restore(closed)
        chain.restore(snapshot)
    return before, results


def test_preempting__by_the_provider_or_its_signer_closing_first__records_no_verdict_and_no_measurement(
    preempt_outcomes,
):
    """v3: a close by the provider or its signer, with or without a receipt, adds what was served
    (weight, seconds, earnings) and leaves the verdict open: the session is in no rate and no
    mean, so reliability, earlyCloses, lag and speed stay exactly as before the close; it is
    neither the consumer's dispute (reliability falls) nor its completion (reliability rises)."""
    (before_stats, before_score, before_parts), results = preempt_outcomes
    dispute_stats, dispute_score, dispute_parts, _, dispute_verdict = results["consumer disputes"]
    complete_stats, complete_score, complete_parts, _, complete_verdict = results["consumer completes"]
    w = session_weight(1_000 * MOR, CLOSE_AFTER)
    assert w == MAX_SESSION_WEIGHT  # 10^6 milli-MOR x 1,800 s: capped
    assert _delta(dispute_stats, before_stats)["disputedWeight"] == w
    assert _delta(complete_stats, before_stats)["completedWeight"] == w
    assert (dispute_verdict, complete_verdict) == (DISPUTED, COMPLETED)

    print(
        f"\npre-empting, veteran {_fmt(before_score)} (reliability {_fmt(before_parts['reliability'])}):"
        f" consumer disputes -> {_fmt(dispute_score)} (reliability {_fmt(dispute_parts['reliability'])}),"
        f" consumer completes -> {_fmt(complete_score)} (reliability {_fmt(complete_parts['reliability'])})"
    )
    for name in PREEMPTS:
        stats, score_, parts, event, verdict = results[name]
        print(f"  {name} -> {_fmt(score_)} (reliability {_fmt(parts['reliability'])})")
        assert (event.weight, event.disputed, event.closedEarly) == (w, False, False)
        assert verdict == NONE
        # No completion, dispute, early close or measurement: only weight, seconds, earnings.
        assert _delta(stats, before_stats) == {
            "weight": w,
            "completedWeight": 0,
            "disputedWeight": 0,
            "disputed": 0,
            "closedEarlyWeight": 0,
            "secondsProvided": CLOSE_AFTER,
            "earnings": counted_earnings(PRICE * CLOSE_AFTER, w),
            "ttftWeighted": 0,
            "tpsWeighted": 0,
            "completed": 0,
        }
        # Every rate and mean as before the close: neither disputed nor completed.
        for part in ("reliability", "early_closes", "lag", "speed"):
            assert parts[part] == before_parts[part], (name, part)
        assert dispute_parts["reliability"] < parts["reliability"] < complete_parts["reliability"]
        # What was served counts as it does under the consumer's own close.
        assert (parts["experience"], parts["earnings"]) == (dispute_parts["experience"], dispute_parts["earnings"])


def test_preempting__a_would_be_dispute__leaves_the_disputed_and_closed_early_shares_unchanged(preempt_outcomes):
    """Promise 8: closes by others than the consumer move no rating. v3: the pre-empted session
    is in no denominator either (v2 counted it in reliability's W), so the provider's reliability
    and earlyCloses components stay exactly as they were, where the consumer's dispute would
    have lowered both; only experience and earnings grow with what was served, so until the
    consumer's late verdict (next test) the score stands above both the dispute's and its own
    before the close."""
    (_, before_score, before_parts), results = preempt_outcomes
    _, dispute_score, dispute_parts, _, _ = results["consumer disputes"]
    print()
    for name in PREEMPTS:
        _, score_, parts, _, _ = results[name]
        print(
            f"{name}: reliability {_fmt(before_parts['reliability'])} -> {_fmt(parts['reliability'])}"
            f" (consumer's dispute: {_fmt(dispute_parts['reliability'])}),"
            f" earlyCloses {_fmt(before_parts['early_closes'])} -> {_fmt(parts['early_closes'])}"
            f" (dispute: {_fmt(dispute_parts['early_closes'])}),"
            f" score {_fmt(before_score)} -> {_fmt(score_)} (dispute: {_fmt(dispute_score)})"
        )
    assert dispute_parts["reliability"] < before_parts["reliability"]
    assert dispute_parts["early_closes"] < before_parts["early_closes"]
    for name in PREEMPTS:
        _, score_, parts, _, _ = results[name]
        assert (parts["reliability"], parts["early_closes"]) == (
            before_parts["reliability"],
            before_parts["early_closes"],
        ), name
        assert score_ > before_score > dispute_score, name


def test_preempting__then_the_consumers_late_verdict__ends_exactly_where_its_own_close_would_have(
    preempt_outcomes,
):
    """v3, the verdict cannot be pre-empted: after the provider's or its signer's close (with or
    without a receipt), the consumer disputes (`rateSession`) or completes with the provider's
    receipt (`rateSessionWithReceipt`) an hour later, and every statistic, every component and the
    score are exactly those of its own disputed or completed close at the same second as the
    pre-empting one (cut short: the close came before the session's end)."""
    _, results = preempt_outcomes
    w = session_weight(1_000 * MOR, CLOSE_AFTER)
    print()
    for own, late, verdict in (
        ("consumer disputes", LATE_DISPUTE, DISPUTED),
        ("consumer completes", LATE_COMPLETION, COMPLETED),
    ):
        own_stats, own_score, own_parts, _, own_verdict = results[own]
        assert own_verdict == verdict
        for name in PREEMPTS:
            stats, score_, parts, event, late_verdict = results[name + late]
            print(f"{name}{late} -> {_fmt(score_)} ({own}: {_fmt(own_score)})")
            assert (event.verdict, event.weight, event.closedEarly) == (verdict, w, True), name + late
            assert late_verdict == verdict
            assert stats == own_stats, name + late
            assert parts == own_parts, name + late
            assert score_ == own_score, name + late


def test_preempting__nobody_but_the_consumer__gives_the_verdict_or_changes_it(
    router, marketplace, kit, sign_receipt, provider, signer, consumer, keeper, stranger, bid, model_id
):
    """After the provider closes first, neither the provider, its signer nor anyone else can rate
    the session (not even completed with the provider's own valid receipt): `NotSessionConsumer`,
    nothing recorded. The consumer's late dispute is final: a second verdict, its own included,
    is refused (`SessionAlreadyRated`). The window runs from the pre-empting close, so closing
    first does not shorten it."""
    marketplace.setSigner(signer, sender=provider)
    at = _honest_history(kit, consumer, bid, signer, next_day() + 1_000)
    s = kit.open(consumer, bid, 1_000 * MOR, DIRECT, signer, at)
    kit.close(s, provider, at + CLOSE_AFTER, (1, 100_000), signer)
    unrated = stats_of(router, provider, model_id)

    late = at + CLOSE_AFTER + VERDICT_WINDOW  # the window's last second
    for someone in (provider, signer, keeper, stranger):
        chain.pending_timestamp = late
        with ape.reverts(router.NotSessionConsumer, sessionId=s, caller=someone.address):
            router.rateSession(s, sender=someone)
        deadline = late + 600
        receipt = sign_receipt(signer, s, 1, 100_000, deadline)
        chain.pending_timestamp = late
        with ape.reverts(router.NotSessionConsumer, sessionId=s, caller=someone.address):
            router.rateSessionWithReceipt(s, 1, 100_000, deadline, receipt, sender=someone)
    assert stats_of(router, provider, model_id) == unrated
    assert router.session(s).verdict == NONE

    rated = kit.rate(s, consumer, late)
    assert (rated.verdict, rated.closedEarly) == (DISPUTED, True)
    disputed = stats_of(router, provider, model_id)
    assert _delta(disputed, unrated)["disputedWeight"] == MAX_SESSION_WEIGHT
    deadline = late + 600
    receipt = sign_receipt(signer, s, 1, 100_000, deadline)
    chain.pending_timestamp = late
    with ape.reverts(router.SessionAlreadyRated, sessionId=s, verdict=DISPUTED):
        router.rateSessionWithReceipt(s, 1, 100_000, deadline, receipt, sender=consumer)
    for someone in (consumer, provider):
        chain.pending_timestamp = late
        with ape.reverts(router.SessionAlreadyRated if someone == consumer else router.NotSessionConsumer):
            router.rateSession(s, sender=someone)
    assert stats_of(router, provider, model_id) == disputed
    assert router.session(s).verdict == DISPUTED


# ------------------------------------------------------------------ 5. pumping by a second wallet


def test_pumping__through_a_second_wallet_at_an_inflated_price__moves_the_score_exactly_as_an_honest_consumer_and_caps_earnings(
    protocol, router, reputation, kit, register_provider, post_bid, provider, provider2, consumer, stranger, model_id
):
    # Two fresh providers with the same stake, bidding the same inflated price; `stranger` is the
    # pumped provider's second wallet, `consumer` an unrelated consumer of the honest one.
    register_provider(provider, 1_000 * MOR)
    register_provider(provider2, 1_000 * MOR)
    pumped = post_bid(provider, model_id, INFLATED_PRICE)
    honest = post_bid(provider2, model_id, INFLATED_PRICE)
    before = _check_mirror(reputation, pumped)
    assert _check_mirror(reputation, honest) == before

    stake, seconds, sessions = 100 * MOR, HOUR, 5
    at = next_day() + 1_000
    for _ in range(sessions):
        s1 = kit.open(stranger, pumped, stake, DIRECT, provider, at)
        s2 = kit.open(consumer, honest, stake, DIRECT, provider2, at)
        assert not router.session(s1).selfDealt
        c1 = kit.close(s1, stranger, at + seconds, (1, 100_000), provider)
        c2 = kit.close(s2, consumer, at + seconds, (1, 100_000), provider2)
        assert c1.paid == c2.paid == INFLATED_PRICE * seconds
        at += seconds + 60

    pumped_stats, honest_stats = stats_of(router, provider, model_id), stats_of(router, provider2, model_id)
    assert pumped_stats == honest_stats
    pay, weight = INFLATED_PRICE * seconds, session_weight(stake, seconds)
    assert weight == stake // 10**15 * seconds < MAX_SESSION_WEIGHT  # 100 MOR for an hour: not capped
    # Counted earnings: the session's MOR-seconds per day, min(pay, weight x 1e15 / 1 day).
    assert pumped_stats["earnings"] == sessions * counted_earnings(pay, weight)
    assert weight * 10**15 // DAY == stake * seconds // DAY < pay  # the cap binds: 4.166 MOR counted of 36 MOR paid
    assert pumped_stats["earnings"] == sessions * (weight * 10**15 // DAY) < sessions * pay
    assert pumped_stats["weight"] == sessions * weight
    after_pumped, after_honest = _check_mirror(reputation, pumped), _check_mirror(reputation, honest)
    assert after_pumped == after_honest
    print(
        f"\npumping by a second wallet, {sessions} x {stake // MOR} MOR x {seconds} s at {INFLATED_PRICE} wei/s:"
        f" pumped {_fmt(before)} -> {_fmt(after_pumped)}, honest {_fmt(before)} -> {_fmt(after_honest)};"
        f" earnings counted {_fmt(pumped_stats['earnings'])} MOR of {_fmt(sessions * pay)} MOR paid"
    )
    check_conservation(protocol)


# ------------------------------------------------------------------ 6. farming


def test_farming__by_the_provider_its_signer_or_a_second_wallet__draws_at_most_the_fair_stipend_of_any_consumer(
    protocol,
    router,
    marketplace,
    pool,
    mor,
    kit,
    wallets,
    register_provider,
    post_bid,
    provider,
    provider2,
    signer,
    model_id,
    funded_pool,
):
    register_provider(provider, 1_000 * MOR)
    register_provider(provider2, 1_000 * MOR)
    marketplace.setSigner(signer, sender=provider)
    farmed = post_bid(provider, model_id, PRICE)
    honest = post_bid(provider2, model_id, PRICE)
    stake = 1_000 * MOR
    farmer, consumer = wallets(2, stake)  # the provider's second wallet; an unrelated consumer
    start = next_day() + 1_000

    for wallet in (provider, signer):
        with ape.reverts(router.SelfDealtStipend, bidId=farmed, consumer=wallet.address):
            kit.open(wallet, farmed, stake, STIPEND, signer, start)

    chain.pending_timestamp = start
    budget, _, pool_balance = pool.today()
    fair = stake * budget // (mor.totalSupply() - pool_balance)
    owed_before = (pool.owed(provider), pool.owed(provider2))

    # Each wallet: open with everything, close half-way, reopen with what came back, run to the
    # end, close; then nothing is left to open with until tomorrow.
    pairs = ((farmer, farmed, signer), (consumer, honest, provider2))
    first = [kit.open(w, b, stake, STIPEND, sig, start) for w, b, sig in pairs]
    half = start + (router.session(first[0]).endsAt - start) // 2
    for (w, _, _), s in zip(pairs, first, strict=True):
        kit.close(s, w, half)
    second = [kit.open(w, b, mor.balanceOf(w), STIPEND, sig, half) for w, b, sig in pairs]
    end = router.session(second[0]).endsAt
    assert end == router.session(second[1]).endsAt and end < next_day(start)
    for (w, _, _), s in zip(pairs, second, strict=True):
        kit.close(s, w, end)
        assert mor.balanceOf(w) == 0  # everything used today is held until tomorrow

    farmed_credit = pool.owed(provider) - owed_before[0]
    honest_credit = pool.owed(provider2) - owed_before[1]
    print(
        f"\nfarming with {stake // MOR} MOR in a day: second wallet credited {_fmt(farmed_credit)} MOR,"
        f" unrelated consumer {_fmt(honest_credit)} MOR, fair stipend {_fmt(fair)} MOR"
        f" (wei: {farmed_credit}, {honest_credit}, {fair})"
    )
    assert farmed_credit == honest_credit
    assert 0 < farmed_credit <= fair
    # As in v1, the stake itself comes back whole (the next day): the bound is on the stipend.
    chain.pending_timestamp = next_day(end) + 60
    for w in (farmer, consumer):
        router.withdrawHeld(sender=w)
        assert mor.balanceOf(w) == stake
    check_conservation(protocol)
