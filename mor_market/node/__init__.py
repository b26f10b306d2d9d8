"""The provider node: a long-running aiohttp service that signs approvals for its own active bids
within its capacity, serves an OpenAI-compatible chat endpoint to the consumers of its open
sessions (each request signed by the consumer), measures time-to-first-token and tokens-per-second
itself, signs receipts with those measurements, closes its expired sessions and claims what the
pool owes it. State lives in SQLite; `python -m mor_market.node --config node.toml` runs it."""
