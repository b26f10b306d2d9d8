"""`arbitrum:sepolia:mor-market`: the Arbitrum Sepolia that the project's default network,
`arbitrum:sepolia-fork:foundry`, forks (`foundry.fork.arbitrum.sepolia.upstream_provider` in
ape-config.yaml).

Which chain that is:
- `WEB3_PROVIDER_URI` set (Ape's own variable) to a node of chain 421614: that node. A real
  Arbitrum Sepolia RPC URL makes the fork a fork of the real chain, where MOR is the real token;
  the URL that `./dev node` prints makes it a fork of that persistent local node.
- Otherwise: a throwaway local node (`mor_market.localnet.LocalSepolia`) started the first
  time the fork asks for its upstream and stopped when the process ends (also if it is killed:
  the node is told to die with its parent).
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

from ape.exceptions import ProviderError
from ape.logging import logger
from ape_ethereum.provider import EthereumNodeProvider

from mor_market.constants import ARBITRUM_SEPOLIA_CHAIN_ID
from mor_market.localnet import LocalnetError, LocalSepolia, chain_id_of

ENV_URI = "WEB3_PROVIDER_URI"

_node: LocalSepolia | None = None
_uri: str | None = None


def upstream_uri() -> str:
    """The URI of the Arbitrum Sepolia to fork, starting the throwaway node if that is the one
    (once per process). Raises ProviderError with one line when it cannot."""
    global _node, _uri
    if _uri is not None:
        return _uri
    if given := os.environ.get(ENV_URI):
        try:
            chain_id = chain_id_of(given)
        except LocalnetError as err:
            raise ProviderError(f"{ENV_URI}: {err}") from None
        if chain_id != ARBITRUM_SEPOLIA_CHAIN_ID:
            raise ProviderError(
                f"{ENV_URI}={given} is chain {chain_id}, not Arbitrum Sepolia ({ARBITRUM_SEPOLIA_CHAIN_ID}): "
                "unset it to fork a throwaway local node"
            )
        _uri = given
        return _uri
    node = LocalSepolia()
    try:
        _uri = node.start()
    except LocalnetError as err:
        raise ProviderError(f"local Arbitrum Sepolia: {err}") from None
    _node = node
    atexit.register(stop_upstream)
    logger.debug(f"started a local Arbitrum Sepolia at {_uri} (pid {node.process.pid if node.process else '?'})")
    return _uri


def stop_upstream() -> None:
    """Stop the throwaway node this process started, if any."""
    global _node, _uri
    if _node is not None:
        _node.stop()
        _node, _uri = None, None


def started_here() -> bool:
    """Whether this process started the node it forks (rather than using WEB3_PROVIDER_URI)."""
    return _node is not None


class LocalSepoliaUpstream(EthereumNodeProvider):
    """A JSON-RPC provider whose URI is `upstream_uri()`. Disconnecting does not stop the node:
    the fork provider connects and disconnects its upstream once while it starts."""

    @property
    def uri(self) -> str:
        return upstream_uri()

    @property
    def http_uri(self) -> str:
        return upstream_uri()

    @property
    def ws_uri(self) -> None:
        return None

    @property
    def ipc_path(self) -> Path | None:
        return None
