"""The reputation attacks a review of v2 found still cheap (issue 26), replayed against v3
(PROTOCOL.md "What changed in v3", §5, §6, promise 8) as inverse tests. Each prints its figures
before and after the attack; every assertion is exact.

- Keeper erases verdicts. v2: once a session had ended, anyone closed it before its consumer;
  the consumer's close with the receipt then reverted, and the session counted against the
  provider's reliability. A veteran with 8 completed sessions fell from 0.6281 to 0.3797
  (balanced weights), completed sessions from 8 to 0. v3: whoever closes, the consumer rates
  once within 24 hours; a session nobody rated is in no rate.
- Rent by the second. v2: weight = stake x seconds with no lower limit on seconds, so 1M MOR
  for 10 s lifted a newcomer from 0.3334 to 0.5470, above the veteran, and 10 s of disputes
  poisoned a veteran, for about 0 MOR. v3: a session rates only after 10 minutes, and one
  session weighs at most 10 MOR-days.
- What moving a score costs in v3 (the README's table): sessions, MOR-days locked, wall-clock
  time and gas of pumping a newcomer above the veteran and of poisoning the veteran below the
  newcomer, replayed on chain with the cheapest sessions that carry the full weight.
"""

from __future__ import annotations

from typing import Any

import pytest

from mor_market.constants import DAY, MOR
from mor_market.ranking import (
    BALANCED,
    MAX_SESSION_WEIGHT,
    MILLI_MOR,
    MIN_RATED_SECONDS,
    Inputs,
    Weights,
    score,
)
from tests.adversarial.conftest import HOUR, Kit, next_day
from tests.conftest import PRICE
from tests.unit.session_router.conftest import DIRECT, stats_of

VERDICTS_ONLY = Weights(reliability=1, early_closes=1)  # a consumer that counts only verdicts
GOOD_RECEIPT = (500, 40)  # ttft ms, tokens/s
BEST_RECEIPT = (1, 100_000)  # the physical bounds' best
# The smallest stake that carries the full weight in the fewest seconds that rate: 10 MOR-days
# in 10 minutes (one more milli-MOR for the rounding of the stake's unit).
FULL_WEIGHT_STAKE = (MAX_SESSION_WEIGHT // MIN_RATED_SECONDS) * MILLI_MOR
WHALE = 1_000_000 * MOR


def _fmt(value: int) -> str:
    return f"{value / 10**18:.4f}"


def _score(reputation: Any, bid: int, weights: Weights = BALANCED) -> int:
    on_chain = reputation.scoreOf(bid, weights.as_tuple())
    assert on_chain == score(Inputs.from_chain(reputation.inputsOf(bid)), weights)  # the mirror agrees
    return on_chain


@pytest.fixture
def twins(register_provider, post_bid, provider, provider2, model_id) -> tuple[int, int]:
    """provider (the veteran to be attacked) and provider2 (its control, or a newcomer): the same
    stake and the same bid price on the same model. Returns (bid1, bid2)."""
    register_provider(provider, 1_000 * MOR)
    register_provider(provider2, 1_000 * MOR)
    return post_bid(provider, model_id, PRICE), post_bid(provider2, model_id, PRICE)


def _history(kit: Kit, consumers: list[Any], bid: int, provider: Any, at: int) -> int:
    """A veteran's history: each consumer holds 1,000 MOR for an hour on the bid and closes with
    the provider's receipt. Returns the time after it."""
    for consumer in consumers:
        s = kit.open(consumer, bid, 1_000 * MOR, DIRECT, provider, at)
        kit.close(s, consumer, at + HOUR, GOOD_RECEIPT, provider)
        at += HOUR + 60
    return at


# ------------------------------------------------------------------ 1. the keeper erases verdicts


def test_keeper_erasing_verdicts__the_consumers_late_receipts__leave_the_veterans_score_and_completed_count_as_if_they_had_closed(
    router, reputation, kit, wallets, twins, provider, provider2, model_id, stranger
):
    """Eight consumers each use both twins for a day. On the control their own close carries the
    receipt; on the veteran a keeper closes every session first, the second it ends, and each
    consumer then rates with the same receipt. Both end with the same statistics and score."""
    bid1, bid2 = twins
    consumers = wallets(8, 3_000 * MOR)
    at = next_day() + 1_000
    sessions = []
    for consumer in consumers:
        s1 = kit.open(consumer, bid1, 1_000 * MOR, DIRECT, provider, at)
        s2 = kit.open(consumer, bid2, 1_000 * MOR, DIRECT, provider2, at)
        sessions.append((consumer, s1, s2))
    ends_at = router.session(sessions[0][1]).endsAt
    assert ends_at == at + DAY  # the longest session

    for consumer, _, s2 in sessions:
        kit.close(s2, consumer, ends_at, GOOD_RECEIPT, provider2)  # the control: the consumer closes
    kit.gas = 0
    for _, s1, _ in sessions:
        closed = kit.close(s1, stranger, ends_at)  # the keeper is first on every session
        assert (closed.weight, closed.disputed, closed.closedEarly) == (MAX_SESSION_WEIGHT, False, False)
    keeper_gas = kit.gas
    erased = stats_of(router, provider, model_id)
    assert (erased["completed"], erased["completedWeight"], erased["disputedWeight"]) == (0, 0, 0)
    # Unrated, the sessions are in no rate: reliability stays at the prior's 0.5, not below it.
    erased_score = _score(reputation, bid1, VERDICTS_ONLY)
    assert erased_score == 5 * 10**17

    kit.gas = 0
    for consumer, s1, _ in sessions:
        rated = kit.rate(s1, consumer, ends_at + 3_600, GOOD_RECEIPT, provider)
        assert (rated.weight, rated.verdict, rated.closedEarly) == (MAX_SESSION_WEIGHT, 1, False)
    late_gas = kit.gas // len(sessions)

    assert stats_of(router, provider, model_id) == stats_of(router, provider2, model_id)
    assert stats_of(router, provider, model_id)["completed"] == 8
    for weights in (BALANCED, VERDICTS_ONLY):
        assert _score(reputation, bid1, weights) == _score(reputation, bid2, weights)
    print(
        f"\nkeeper erasing 8 verdicts ({keeper_gas:,} gas): veteran, verdict-only weights, after the keeper"
        f" {_fmt(erased_score)} (unrated: the prior, not below); after the consumers' late receipts"
        f" ({late_gas:,} gas each) balanced {_fmt(_score(reputation, bid1))}, verdict-only"
        f" {_fmt(_score(reputation, bid1, VERDICTS_ONLY))}, completed 8, the same as the control"
        f" (v2: 0.6281 -> 0.3797 balanced, 0.9947 -> 0.3351 verdict-only, completed 8 -> 0)"
    )


# ------------------------------------------------------------------ 2. renting by the second


@pytest.mark.parametrize("seconds", [10, 180, MIN_RATED_SECONDS - 1])
def test_renting_by_the_second__a_million_mor_for_less_than_ten_minutes__neither_pumps_a_newcomer_nor_poisons_a_veteran(
    router, reputation, kit, wallets, twins, provider, provider2, model_id, seconds
):
    """A whale holds 1M MOR on the newcomer's bid with the newcomer's best receipt (its own
    second wallet, pumping), and on the veteran's bid disputing (a griefer, poisoning), for
    `seconds`: the provider is paid for the seconds, and no input of any score moves."""
    bid1, bid2 = twins
    at = _history(kit, wallets(3, 2_000 * MOR), bid1, provider, next_day() + 1_000)
    (whale,) = wallets(1, 2 * WHALE)
    before = {
        bid: (stats_of(router, p, model_id), _score(reputation, bid), _score(reputation, bid, VERDICTS_ONLY))
        for bid, p in ((bid1, provider), (bid2, provider2))
    }

    pump = kit.open(whale, bid2, WHALE, DIRECT, provider2, at)
    poison = kit.open(whale, bid1, WHALE, DIRECT, provider, at)
    pumped = kit.close(pump, whale, at + seconds, BEST_RECEIPT, provider2)
    poisoned = kit.close(poison, whale, at + seconds)

    for closed in (pumped, poisoned):
        assert (closed.secondsProvided, closed.paid, closed.weight) == (seconds, PRICE * seconds, 0)
    for bid, p in ((bid1, provider), (bid2, provider2)):
        after = (stats_of(router, p, model_id), _score(reputation, bid), _score(reputation, bid, VERDICTS_ONLY))
        assert after == before[bid]
    print(
        f"\nrenting 1M MOR for {seconds} s: newcomer {_fmt(before[bid2][1])} -> {_fmt(_score(reputation, bid2))},"
        f" veteran {_fmt(before[bid1][1])} -> {_fmt(_score(reputation, bid1))} balanced,"
        f" {_fmt(before[bid1][2])} -> {_fmt(_score(reputation, bid1, VERDICTS_ONLY))} verdict-only"
        " (v2, 10 s: newcomer 0.3334 -> 0.5470; veteran 0.6618 -> 0.4950 verdict-only)"
    )


def test_renting_ten_minutes__a_million_mor__weighs_no_more_than_the_cap(
    router, reputation, kit, wallets, twins, provider, model_id
):
    """From the rated minimum on a session rates, but one session of 1M MOR weighs what 1,440
    MOR do in ten minutes: 10 MOR-days, so it cannot outweigh a history."""
    bid1, _ = twins
    at = next_day() + 1_000
    (whale,) = wallets(1, WHALE)
    s = kit.open(whale, bid1, WHALE, DIRECT, provider, at)
    closed = kit.close(s, whale, at + MIN_RATED_SECONDS)
    assert (closed.weight, closed.disputed) == (MAX_SESSION_WEIGHT, True)
    assert stats_of(router, provider, model_id)["disputedWeight"] == MAX_SESSION_WEIGHT


# ------------------------------------------------------------------ 3. what moving a score costs


def _attack_until(
    kit: Kit, attackers: list[Any], bid: int, signed_by: Any, at: int, receipt, done, limit: int
) -> dict[str, int]:
    """Full-weight sessions of ten minutes, one per attacker wallet, all opened at `at` and closed
    by their consumer (with `receipt` if given, disputing otherwise), in rounds of as many as
    there are wallets, until `done()` or `limit` sessions. Returns sessions, MOR-days locked,
    seconds and gas."""
    kit.gas, sessions, locked = 0, 0, 0
    start = at
    while not done() and sessions < limit:
        opened = [kit.open(a, bid, FULL_WEIGHT_STAKE, DIRECT, signed_by, at) for a in attackers]
        for attacker, s in zip(attackers, opened, strict=True):
            kit.close(s, attacker, at + MIN_RATED_SECONDS, receipt, signed_by if receipt else None)
            sessions += 1
            locked += FULL_WEIGHT_STAKE * MIN_RATED_SECONDS
            if done():
                break
        at += MIN_RATED_SECONDS + 60
    return {"sessions": sessions, "mor_days": locked // (MOR * DAY), "seconds": at - start, "gas": kit.gas}


@pytest.mark.parametrize(("attack", "weights"), [("pump", BALANCED), ("poison", BALANCED), ("poison", VERDICTS_ONLY)])
def test_moving_a_score__against_a_veteran_of_eight_day_long_sessions__costs_sessions_mor_days_and_time(
    reputation, kit, wallets, twins, provider, provider2, attack, weights
):
    """The veteran: eight consumers held 1,000 MOR for a day each and closed with its receipt (8
    full-weight sessions). Pump: the newcomer's second wallets complete full-weight ten-minute
    sessions with its best receipt until it ranks above the veteran. Poison: a griefer's wallets
    dispute full-weight ten-minute sessions on the veteran until it ranks below the newcomer.
    Ten wallets run side by side (if the provider approves them all at once). With balanced
    weights poisoning never gets there: disputes take reliability and early closes towards 0,
    but every disputed session adds to the veteran's experience and earnings, which the
    newcomer lacks; 60 sessions (600 MOR-days) show the veteran still ahead."""
    bid1, bid2 = twins
    at = next_day() + 1_000
    history = [(c, kit.open(c, bid1, 1_000 * MOR, DIRECT, provider, at)) for c in wallets(8, 2_000 * MOR)]
    for consumer, s in history:
        kit.close(s, consumer, at + DAY, GOOD_RECEIPT, provider)
    at += DAY + 60
    veteran, newcomer = _score(reputation, bid1, weights), _score(reputation, bid2, weights)
    assert veteran > newcomer
    attackers = wallets(10, 2 * FULL_WEIGHT_STAKE)

    limit = 60
    if attack == "pump":
        moved = lambda: _score(reputation, bid2, weights) > _score(reputation, bid1, weights)  # noqa: E731
        cost = _attack_until(kit, attackers, bid2, provider2, at, BEST_RECEIPT, moved, limit)
    else:
        moved = lambda: _score(reputation, bid1, weights) < _score(reputation, bid2, weights)  # noqa: E731
        cost = _attack_until(kit, attackers, bid1, provider, at, None, moved, limit)
    expected = {"pump": 13, "poison": 9 if weights == VERDICTS_ONLY else None}[attack]
    if expected is None:
        assert cost["sessions"] == limit and not moved()  # out of reach
    else:
        assert cost["sessions"] == expected and moved()
    assert cost["mor_days"] == 10 * cost["sessions"]  # every session paid its full 10 MOR-days
    name = "balanced" if weights == BALANCED else "verdict-only"
    print(
        f"\nmoving a score, {attack} ({name}){'' if moved() else ', NOT REACHED'}:"
        f" veteran {_fmt(veteran)}, newcomer {_fmt(newcomer)} ->"
        f" veteran {_fmt(_score(reputation, bid1, weights))}, newcomer {_fmt(_score(reputation, bid2, weights))};"
        f" {cost['sessions']} sessions of {FULL_WEIGHT_STAKE // MOR:,} MOR for 10 min, {cost['mor_days']:,} MOR-days"
        f" locked, {cost['seconds'] // 60} min with 10 wallets side by side"
        f" ({cost['sessions'] * MIN_RATED_SECONDS // 60} min through one), {cost['gas']:,} gas"
    )
