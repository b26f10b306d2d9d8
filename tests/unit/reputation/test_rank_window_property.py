"""For random markets (providers with random stakes and prices, some with a history), random
weights and a random window width, the merge of rankWindow's windows equals the Python ranking
of every usable bid's live inputs (issue 17: paged ranking equals mor_market.ranking)."""

from __future__ import annotations

from typing import Any

import pytest
from ape import accounts, chain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mor_market.constants import MOR
from mor_market.ranking import Inputs, Weights, merge_windows, rank
from tests.conftest import GENERATED_ACCOUNTS
from tests.unit.reputation.conftest import window

MAX_PROVIDERS = 8

weights = st.builds(Weights, *[st.integers(0, 5) for _ in range(8)]).filter(lambda w: w.total > 0)
bidders = st.lists(
    st.tuples(st.integers(0, 2_000), st.integers(1, 100), st.booleans()),  # stake in MOR, price x min, history
    min_size=1,
    max_size=MAX_PROVIDERS,
)


@pytest.fixture(scope="module")
def wallets(mor, give_mor) -> list[Any]:
    generated = []
    for _ in range(MAX_PROVIDERS):
        account = accounts.test_accounts.generate_test_account()
        chain.provider.set_balance(account.address, 10**20)
        give_mor(account, 10_000 * MOR)
        generated.append(account)
    GENERATED_ACCOUNTS.extend(generated)  # they sign their own approvals
    return generated


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(market=bidders, w=weights, width=st.integers(1, 5))
def test_rank_window__merged_windows_of_a_random_market__equal_the_python_ranking(
    reputation,
    marketplace,
    params,
    model_id,
    register_provider,
    post_bid,
    history,
    funded_pool,
    wallets,
    market,
    w,
    width,
):
    snapshot = chain.snapshot()
    try:
        bids = []
        for account, (stake, multiple, with_history) in zip(wallets, market, strict=False):
            register_provider(account, stake * MOR)
            bid = post_bid(account, model_id, params.min_price_per_second * multiple)
            if with_history:
                history(account, bid, sessions=1, ttft_ms=100 + multiple, tps=10 + stake % 90)
            bids.append(bid)
        total = marketplace.activeBidCountOfModel(model_id)
        windows = [window(reputation, model_id, w, offset, width) for offset in range(0, total, width)]
        expected = rank({b: Inputs.from_chain(reputation.inputsOf(b)) for b in bids}, w)
        assert merge_windows(windows) == expected
    finally:
        chain.restore(snapshot)
