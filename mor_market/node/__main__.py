"""`python -m mor_market.node --config node.toml`: run the provider node until SIGTERM/SIGINT.
The signing key comes from MOR_NODE_KEY, or MOR_NODE_KEYFILE and MOR_NODE_PASSPHRASE; logs go to
stderr, and one JSON line on stdout says where it listens."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from mor_market.node import config as node_config
from mor_market.node.app import build
from mor_market.node.chain import ChainError
from mor_market.node.runner import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mor_market.node",
        description="The provider node: approvals, OpenAI-compatible chat, measured receipts, closes and claims. "
        "Key: MOR_NODE_KEY, or MOR_NODE_KEYFILE and MOR_NODE_PASSPHRASE (never an argument).",
    )
    parser.add_argument("--config", required=True, type=Path, help="the node's TOML configuration")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr, level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        cfg = node_config.load(args.config)
        node = build(cfg, node_config.signing_key())
    except (node_config.ConfigError, ChainError, OSError) as err:
        print(f"mor_market.node: {err}", file=sys.stderr)
        return 2

    def listening() -> None:
        url = f"http://{cfg.bind}:{node.port}"
        print(json.dumps({"listening": url, "endpoint": node.endpoint, "provider": node.provider}), flush=True)
        logging.getLogger("mor_market.node").info("listening on %s (registered endpoint %s)", url, node.endpoint)

    serve(node.app(), cfg.bind, node.port, listening)
    return 0


if __name__ == "__main__":
    sys.exit(main())
