"""mor_market/ids.py packs and unpacks bid and session ids exactly as BidIds.sol and
SessionIds.sol do, for every address, including those that start with zero bytes (the suite once
failed on a provider at 0x08A2...: its bid's provider could not be read back)."""

from __future__ import annotations

from eth_utils import to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from mor_market.ids import bid_id, bid_parts, session_consumer, session_id

addresses = st.one_of(
    st.integers(0, 2**160 - 1),
    st.integers(0, 2**152 - 1),  # a leading zero byte
    st.integers(0, 2**8 - 1),  # nineteen of them
).map(lambda n: to_checksum_address(f"0x{n:040x}"))


@given(addresses, st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1))
def test_bid_parts__of_any_bid_id__give_back_its_provider_model_and_version(provider, model_id, version):
    assert bid_parts(bid_id(provider, model_id, version)) == (provider, model_id, version)


@given(addresses, st.integers(0, 2**96 - 1))
def test_session_consumer__of_any_session_id__gives_back_its_consumer(consumer, nonce):
    assert session_consumer(session_id(consumer, nonce)) == consumer


def test_bid_parts__provider_with_a_leading_zero_byte__keeps_it():
    provider = "0x08A2DE6F3528319123b25935C92888B16db8913E"
    assert bid_parts(bid_id(provider, 1, 7))[0] == provider


def test_bid_id__matches_the_contracts_packing(marketplace, registered_provider, model_id, post_bid):
    bid = post_bid(registered_provider, model_id)
    assert bid_parts(bid) == (registered_provider.address, model_id, bid & (2**64 - 1))
