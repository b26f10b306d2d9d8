"""The custom error a *view* call reverts with, decoded exactly.

With a view (eth_call) Ape leaves a custom error from anvil undecoded, and `ape.reverts(error,
**inputs)` then passes for any revert: it checks neither the error nor its inputs (measured:
`ape.reverts(marketplace.BidNotActive, bidId=12345)` around `reputation.score` with zero weights
passes). Transactions are decoded and checked. So every test that asserts a view's custom error
goes through `view_reverts`, which reads the raw revert data of a plain eth_call and matches it
against the error's own ABI, name and arguments."""

from __future__ import annotations

from typing import Any

from ape import chain
from eth_abi import decode
from eth_utils import keccak, to_checksum_address


def view_revert(method: Any, *args: Any) -> bytes:
    """The raw revert data of `method(*args)` as an eth_call on the latest block; AssertionError
    when it does not revert."""
    tx = method.as_transaction(*args)
    response = chain.provider.web3.provider.make_request(
        "eth_call", [{"to": str(tx.receiver), "data": "0x" + bytes(tx.data).hex()}, "latest"]
    )
    if "error" not in response:
        raise AssertionError(f"{method} did not revert")
    return bytes.fromhex(str(response["error"].get("data", "0x")).removeprefix("0x"))


def assert_view_reverts(error: Any, method: Any, *args: Any, **expected: Any) -> None:
    """`method(*args)` reverts with exactly the custom error `error` (a contract's error class,
    e.g. `marketplace.BidNotActive`) and, for each keyword, exactly that argument value."""
    abi = error.abi
    types = [i.canonical_type for i in abi.inputs]
    selector = keccak(text=f"{abi.name}({','.join(types)})")[:4]
    data = view_revert(method, *args)
    assert data[:4] == selector, f"expected {abi.name} ({selector.hex()}), got revert data 0x{data.hex()}"
    values = dict(zip([i.name for i in abi.inputs], decode(types, data[4:]), strict=True))
    for name, want in expected.items():
        got = values[name]
        if isinstance(got, str) and got.startswith("0x") and len(got) == 42:
            got, want = to_checksum_address(got), to_checksum_address(str(want))
        assert got == want, f"{abi.name}.{name}: expected {want!r}, got {got!r}"
