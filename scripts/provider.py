"""`ape run provider ...`: what a compute provider does on-chain. Amounts are MOR (decimals
accepted, wei only with a `wei` suffix), prices MOR per second, ids hex; `approve` and `receipt`
print JSON on stdout alone (every log goes to stderr), so `> approval.json` hands over a clean file."""

from __future__ import annotations

import secrets
from typing import Any

import click
from ape import chain

from mor_market import operations as ops
from mor_market.cli import (
    ADDRESS,
    AMOUNT_HELP,
    BID_ID,
    MOR_AMOUNT,
    NONCE,
    PRICE,
    SESSION_ID,
    MarketGroup,
    OneLineError,
    account_option,
    echo_json,
    load_protocol,
    model_id_of,
    one_line_errors,
    require_balance,
    require_usable_bid,
    resolve_account,
)
from mor_market.deploy import Protocol
from mor_market.ids import session_id
from mor_market.readable import provider_view
from mor_market.units import format_mor as mor
from mor_market.units import format_price, format_time, hex_id

TTFT_MS = (1, 600_000)  # SessionRouter's physical bounds of a receipt
TPS = (1, 100_000)


@click.group(cls=MarketGroup, short_help="Provider: register, stake, bid, sign approvals and receipts, claim")
def cli() -> None:
    """Operate as a compute provider. Amounts are MOR (1.5; 100wei for wei), prices MOR per
    second (0.00001, or 0.864/day), bid and session ids hex (0x...) as the scripts print them."""


def _require_may_register(p: Protocol, account: Any, added: int) -> None:
    """The whitelist, the minimum stake and the balance, checked before any transaction."""
    marketplace = p.marketplace
    if marketplace.whitelistEnabled() and not marketplace.isWhitelisted(account):
        raise OneLineError(
            f"{account.address} is not whitelisted: governance must first run "
            f"`ape run governance whitelist add {account.address}`"
        )
    if not marketplace.whitelistEnabled():
        total = int(marketplace.providerRecord(account).stake) + added
        minimum = int(marketplace.minProviderStake())
        if total < minimum:
            raise OneLineError(f"the stake would be {mor(total)}: at least {mor(minimum)} is needed (--stake)")
    require_balance(p, account, added, "the stake")


@cli.command(short_help="Register (or update the endpoint) and add stake")
@account_option()
@click.argument("endpoint")
@click.option("--stake", type=MOR_AMOUNT, default="0", show_default=True, help=f"Stake to lock: {AMOUNT_HELP}.")
def register(account_alias: str | None, endpoint: str, stake: int) -> None:
    """Register as a provider serving at ENDPOINT (host:port or URL); again to update it."""
    if not endpoint.strip() or len(endpoint.encode()) > 128:
        raise OneLineError(f"endpoint {endpoint!r} must be 1 to 128 bytes (host:port or URL)")
    account, p = resolve_account(account_alias), load_protocol()
    _require_may_register(p, account, stake)
    with one_line_errors("register"):
        ops.register_provider(p, account, endpoint, stake)
    click.echo(f"registered {account.address} at {endpoint}, stake {mor(p.marketplace.providerRecord(account).stake)}")


@cli.command("add-stake", short_help="Lock more MOR")
@account_option()
@click.argument("amount", type=MOR_AMOUNT)
def add_stake(account_alias: str | None, amount: int) -> None:
    """Add AMOUNT (MOR; 100wei for wei) to the locked stake."""
    if amount == 0:
        raise OneLineError("amount must be more than 0")
    account, p = resolve_account(account_alias), load_protocol()
    if not p.marketplace.providerRecord(account).registered:
        raise OneLineError(f"{account.address} is not a registered provider (`ape run provider register`)")
    require_balance(p, account, amount, "add-stake")
    with one_line_errors("add-stake"):
        ops.add_stake(p, account, amount)
    click.echo(f"added {mor(amount)}; stake now {mor(p.marketplace.providerRecord(account).stake)}")


@cli.command("set-signer", short_help="Name the key that signs for you")
@account_option()
@click.argument("signer", type=ADDRESS)
def set_signer(account_alias: str | None, signer: str) -> None:
    """Let SIGNER sign session approvals and receipts (0x0000000000000000000000000000000000000000:
    your own key)."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("set-signer"):
        p.marketplace.setSigner(signer, sender=account)
    click.echo(f"signer of {account.address}: {p.marketplace.signerOf(account)}")


@cli.command(short_help="Post or replace the bid for a model")
@account_option()
@click.argument("model")
@click.argument("price", type=PRICE, metavar="PRICE")
def bid(account_alias: str | None, model: str, price: int) -> None:
    """Post (or replace) the bid for MODEL (id or name) at PRICE: MOR per second
    (0.00001), or per hour or day (0.864/day); wei per second with a wei suffix (10000000000wei)."""
    account, p = resolve_account(account_alias), load_protocol()
    model_id = model_id_of(p, model)
    low, high = (int(v) for v in p.marketplace.priceBounds())
    if not low <= price <= high:
        raise OneLineError(f"price {format_price(price)} is outside [{format_price(low)}, {format_price(high)}]")
    if not p.marketplace.providerRecord(account).registered:
        raise OneLineError(f"{account.address} is not a registered provider (`ape run provider register`)")
    if p.marketplace.whitelistEnabled() and not p.marketplace.isWhitelisted(account):
        raise OneLineError(f"{account.address} is not (or no longer) whitelisted: it cannot post bids")
    require_balance(p, account, int(p.marketplace.bidFee()), "the bid fee")
    with one_line_errors("bid"):
        bid_id, _ = ops.post_bid(p, account, model_id, price)
    click.echo(f"bid {hex_id(bid_id)} on model {model_id} at {format_price(price)}")


@cli.command("delete-bid", short_help="Delete a bid")
@account_option()
@click.argument("bid_id", type=BID_ID)
def delete_bid(account_alias: str | None, bid_id: int) -> None:
    """Delete BID_ID (open sessions on it run on)."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("delete-bid"):
        p.marketplace.deleteBid(bid_id, sender=account)
    click.echo(f"deleted bid {hex_id(bid_id)}")


def _require_speaks_for(p: Protocol, account: Any, provider: str, what: str) -> None:
    signer = str(p.marketplace.signerOf(provider))
    if account.address not in (str(provider), signer):
        raise OneLineError(f"{what} belongs to provider {provider}, whose signer is {signer}, not {account.address}")


@cli.command(short_help="Sign a session approval (prints JSON)")
@account_option()
@click.argument("bid_id", type=BID_ID)
@click.argument("consumer", type=ADDRESS)
@click.option(
    "--nonce", type=NONCE, default=None, help="The consumer's nonce (session id = consumer|nonce); random by default."
)
@click.option(
    "--valid-for",
    type=click.IntRange(60, 86_400),
    default=600,
    show_default=True,
    help="Seconds the approval stays valid.",
)
def approve(account_alias: str | None, bid_id: int, consumer: str, nonce: int | None, valid_for: int) -> None:
    """Sign the approval for CONSUMER to open a session on BID_ID: checked first to be an active
    bid of yours (or of the provider you sign for). JSON on stdout: redirect it to a file."""
    account, p = resolve_account(account_alias), load_protocol()
    provider = require_usable_bid(p, bid_id).provider
    _require_speaks_for(p, account, str(provider), f"bid {hex_id(bid_id)}")
    nonce = secrets.randbits(95) + 1 if nonce is None else nonce
    if int(p.router.session(session_id(consumer, nonce)).openedAt):
        raise OneLineError(f"nonce {nonce} was already used by {consumer}: choose another")
    with one_line_errors("approve"):
        approval = ops.sign_approval(p, account, bid_id, consumer, nonce, chain.pending_timestamp + valid_for)
    approval["bidId"] = hex_id(bid_id)
    approval["sessionId"] = hex_id(session_id(consumer, nonce))
    approval["expires"] = format_time(approval["deadline"])
    echo_json(approval)


@cli.command(short_help="Sign a close receipt (prints JSON)")
@account_option()
@click.argument("session_id", type=SESSION_ID)
@click.option("--ttft-ms", type=click.IntRange(*TTFT_MS), required=True, help="Measured time to first token, ms.")
@click.option("--tps", type=click.IntRange(*TPS), required=True, help="Measured tokens per second.")
@click.option("--valid-for", type=click.IntRange(60, 86_400 * 7), default=600, show_default=True)
def receipt(account_alias: str | None, session_id: int, ttft_ms: int, tps: int, valid_for: int) -> None:
    """Sign the receipt that closes SESSION_ID without a dispute, or with which its consumer rates
    it completed after someone else closed it (JSON on stdout)."""
    account, p = resolve_account(account_alias), load_protocol()
    record = p.router.session(session_id)
    if not int(record.openedAt):
        raise OneLineError(f"no session {hex_id(session_id)}")
    _require_speaks_for(p, account, str(record.provider), f"session {hex_id(session_id)}")
    with one_line_errors("receipt"):
        signed = ops.sign_receipt(p, account, session_id, ttft_ms, tps, chain.pending_timestamp + valid_for)
    signed["sessionId"] = hex_id(session_id)
    echo_json(signed)


@cli.command(short_help="Claim what the pool owes you, within today's budget")
@account_option()
@click.option("--provider", "address", type=ADDRESS, default=None, help="Claim for this provider (default: yours).")
def claim(account_alias: str | None, address: str | None) -> None:
    """Claim owed MOR from the compute pool (anyone may claim, to the provider)."""
    account, p = resolve_account(account_alias), load_protocol()
    provider = address or account.address
    if int(p.pool.owed(provider)) == 0:
        raise OneLineError(f"the pool owes {provider} nothing")
    with one_line_errors("claim"):
        tx = p.pool.claim(provider, sender=account)
    event = tx.decode_logs(p.pool.Claimed)[0]
    click.echo(f"claimed {mor(event.amount)} for {provider}; still owed {mor(event.owed)}")


@cli.command(short_help="Deregister and get the whole stake back")
@account_option()
def deregister(account_alias: str | None) -> None:
    """Deregister (needs no active bids); the stake comes back in the same transaction."""
    account, p = resolve_account(account_alias), load_protocol()
    if not p.marketplace.providerRecord(account).registered:
        raise OneLineError(f"{account.address} is not a registered provider")
    with one_line_errors("deregister"):
        tx = p.marketplace.deregister(sender=account)
    click.echo(
        f"deregistered; stake returned {mor(tx.decode_logs(p.marketplace.ProviderDeregistered)[0].stakeReturned)}"
    )


@cli.command(short_help="Any provider: endpoint, stake, bids, statistics, owed (JSON)")
@account_option()
@click.argument("address", metavar="PROVIDER", type=ADDRESS, required=False)
def show(account_alias: str | None, address: str | None) -> None:
    """PROVIDER's (default: your account's) registration, endpoint, stake, signer, bids with
    prices, statistics per model and what the pool owes it."""
    address = address or resolve_account(account_alias, signs=False).address
    echo_json(provider_view(load_protocol(), address))


@cli.command(short_help="Your provider record (the same as `show`)")
@account_option()
@click.argument("address", metavar="PROVIDER", type=ADDRESS, required=False)
def status(account_alias: str | None, address: str | None) -> None:
    """The same as `show`."""
    address = address or resolve_account(account_alias, signs=False).address
    echo_json(provider_view(load_protocol(), address))
