"""The project's own Ape plugin: what makes plain `ape compile`, `ape test`, `ape console` and
`ape run` work in this project with no variable set and nothing started by hand.

Installed with the project (`pip install -e .`, done by `./dev setup`); Ape loads every
installed distribution named `ape-*`. When Ape loads it, it
- points py-solc-x at the project's compiler adapter (`.solcx/solc-v0.8.28` over solc-js)
  unless `SOLCX_BINARY_PATH` is already set, and puts the project's anvil first on `PATH`;
- removes a stale `contracts/.cache` (ape-solidity's copy of OpenZeppelin, 507 files, which
  pushes the project's own sources past Ape's 500-file listing), and again when the process ends;
- registers the provider `mor-market` for `arbitrum:sepolia`: the upstream that the default
  network, `arbitrum:sepolia-fork:foundry`, forks (see `ape_mor_market.provider`).
"""

from ape import plugins

from ape_mor_market import environment
from ape_mor_market.provider import LocalSepoliaUpstream

environment.prepare()


@plugins.register(plugins.ProviderPlugin)
def providers():
    yield "arbitrum", "sepolia", LocalSepoliaUpstream
