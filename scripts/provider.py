"""`ape run provider ...`: what a compute provider does on-chain."""

from __future__ import annotations

import json

import click
from ape import chain
from ape.cli import ConnectedProviderCommand

from mor_market import operations as ops
from mor_market.cli import account_option, load_protocol, mor, one_line_errors, resolve_account


@click.group(short_help="Provider: register, stake, bid, sign approvals and receipts, claim")
def cli() -> None:
    """Operate as a compute provider."""


@cli.command(cls=ConnectedProviderCommand, short_help="Register (or update the endpoint) and add stake")
@account_option()
@click.argument("endpoint")
@click.option("--stake", type=int, default=0, show_default=True, help="MOR wei to lock.")
def register(account_alias: str | None, endpoint: str, stake: int) -> None:
    """Register as a provider serving at ENDPOINT (host:port or URL)."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("register"):
        ops.register_provider(p, account, endpoint, stake)
    click.echo(f"registered {account.address} at {endpoint}, stake {mor(p.marketplace.providerRecord(account).stake)}")


@cli.command("add-stake", cls=ConnectedProviderCommand, short_help="Lock more MOR")
@account_option()
@click.argument("amount", type=int)
def add_stake(account_alias: str | None, amount: int) -> None:
    """Add AMOUNT MOR wei to the locked stake."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("add-stake"):
        ops.add_stake(p, account, amount)
    click.echo(f"stake now {mor(p.marketplace.providerRecord(account).stake)}")


@cli.command("set-signer", cls=ConnectedProviderCommand, short_help="Name the key that signs for you")
@account_option()
@click.argument("signer")
def set_signer(account_alias: str | None, signer: str) -> None:
    """Let SIGNER sign session approvals and receipts (0x0 for your own key)."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("set-signer"):
        p.marketplace.setSigner(signer, sender=account)
    click.echo(f"signer of {account.address}: {p.marketplace.signerOf(account)}")


@cli.command(cls=ConnectedProviderCommand, short_help="Post or replace the bid for a model")
@account_option()
@click.argument("model_id", type=int)
@click.argument("price_per_second", type=int)
def bid(account_alias: str | None, model_id: int, price_per_second: int) -> None:
    """Post (or replace) the bid for MODEL_ID at PRICE_PER_SECOND MOR wei."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("bid"):
        bid_id, _ = ops.post_bid(p, account, model_id, price_per_second)
    click.echo(f"bid {bid_id}")


@cli.command("delete-bid", cls=ConnectedProviderCommand, short_help="Delete a bid")
@account_option()
@click.argument("bid_id", type=int)
def delete_bid(account_alias: str | None, bid_id: int) -> None:
    """Delete BID_ID (open sessions on it run on)."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("delete-bid"):
        p.marketplace.deleteBid(bid_id, sender=account)
    click.echo(f"deleted bid {bid_id}")


@cli.command(cls=ConnectedProviderCommand, short_help="Sign a session approval (prints JSON)")
@account_option()
@click.argument("bid_id", type=int)
@click.argument("consumer")
@click.option("--nonce", type=int, required=True, help="The consumer's chosen nonce (session id = consumer|nonce).")
@click.option("--valid-for", type=int, default=600, show_default=True, help="Seconds the approval stays valid.")
def approve(account_alias: str | None, bid_id: int, consumer: str, nonce: int, valid_for: int) -> None:
    """Sign the approval for CONSUMER to open a session on BID_ID."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("approve"):
        approval = ops.sign_approval(p, account, bid_id, consumer, nonce, chain.pending_timestamp + valid_for)
    click.echo(json.dumps(approval, indent=2))


@cli.command(cls=ConnectedProviderCommand, short_help="Sign a close receipt (prints JSON)")
@account_option()
@click.argument("session_id", type=int)
@click.option("--ttft-ms", type=int, required=True, help="Measured time to first token, ms.")
@click.option("--tps", type=int, required=True, help="Measured tokens per second.")
@click.option("--valid-for", type=int, default=600, show_default=True)
def receipt(account_alias: str | None, session_id: int, ttft_ms: int, tps: int, valid_for: int) -> None:
    """Sign the receipt that closes SESSION_ID without a dispute."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("receipt"):
        signed = ops.sign_receipt(p, account, session_id, ttft_ms, tps, chain.pending_timestamp + valid_for)
    click.echo(json.dumps(signed, indent=2))


@cli.command(cls=ConnectedProviderCommand, short_help="Claim what the pool owes you, within today's budget")
@account_option()
def claim(account_alias: str | None) -> None:
    """Claim owed MOR from the compute pool."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("claim"):
        tx = p.pool.claim(account, sender=account)
    event = tx.decode_logs(p.pool.Claimed)[0]
    click.echo(f"claimed {mor(event.amount)}; still owed {mor(event.owed)}")


@cli.command(cls=ConnectedProviderCommand, short_help="Deregister and get the whole stake back")
@account_option()
def deregister(account_alias: str | None) -> None:
    """Deregister (needs no active bids); the stake comes back in the same transaction."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("deregister"):
        tx = p.marketplace.deregister(sender=account)
    click.echo(
        f"deregistered; stake returned {mor(tx.decode_logs(p.marketplace.ProviderDeregistered)[0].stakeReturned)}"
    )


@cli.command(cls=ConnectedProviderCommand, short_help="Show registration, stake, bids and owed")
@account_option()
def status(account_alias: str | None) -> None:
    """Your provider record, bids and what the pool owes you."""
    account, p = resolve_account(account_alias), load_protocol()
    click.echo(ops.dumps(ops.provider_status(p, account.address)))
