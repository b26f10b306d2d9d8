"""Constants that mirror the contracts and the chain they run on."""

from typing import Final

ARBITRUM_SEPOLIA_CHAIN_ID: Final = 421614
# MOR on Arbitrum Sepolia (PROTOCOL.md); the local node places the test MOR here.
MOR_SEPOLIA_ADDRESS: Final = "0x34a285A1B1C166420Df5b6630132542923B5b27E"
MOR: Final = 10**18  # 18 decimals
DAY: Final = 86_400  # seconds; same value as Days.DAY in the contracts
BPS: Final = 10_000  # basis points denominator; same value as BPS in the contracts
