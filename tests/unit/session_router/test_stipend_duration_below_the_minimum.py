"""The stipend-duration view answers the seconds a stake buys before the minimum-duration check
(ISessionRouter.stipendDuration, PROTOCOL.md §5 "Stipend"): a stake too small for the shortest
session reads its short duration, while opening a session with that stake reverts
SessionTooShort."""

from __future__ import annotations

import ape

from tests.conftest import PRICE
from tests.unit.session_router.conftest import HOUR, MIN_DURATION, STIPEND, stipend_duration


def test_stipend_duration_view__of_a_stake_one_wei_below_the_minimum__is_the_short_duration_not_a_revert(
    router, mor, consumer, provider, bid, day_start, budget, supply, sign_approval
):
    stake = -(-MIN_DURATION * PRICE * supply() // budget) - 1
    assert stipend_duration(stake, budget, supply()) == MIN_DURATION - 1
    ape.chain.mine(timestamp=day_start + 1_000)  # the views read today's pool

    assert router.stipendDuration(stake, PRICE) == MIN_DURATION - 1

    deadline = day_start + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    mor.approve(router, stake, sender=consumer)
    ape.chain.pending_timestamp = day_start + 1_001
    with ape.reverts(router.SessionTooShort, duration=MIN_DURATION - 1, minimum=MIN_DURATION):
        router.openSession(bid, 1, deadline, stake, STIPEND, signature, sender=consumer)
