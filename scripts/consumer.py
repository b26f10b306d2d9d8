"""`ape run consumer ...`: what a consumer does on-chain. Stakes are MOR (decimals accepted, wei
only with a `wei` suffix), ids hex, times UTC; JSON goes to stdout alone, logs to stderr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from ape import chain

from mor_market import operations as ops
from mor_market.cli import (
    ADDRESS,
    AMOUNT_HELP,
    BID_ID,
    MOR_AMOUNT,
    SESSION_ID,
    MarketGroup,
    OneLineError,
    account_option,
    echo_json,
    first_block,
    load_protocol,
    model_id_of,
    note,
    one_line_errors,
    require_balance,
    require_usable_bid,
    resolve_account,
)
from mor_market.deploy import Protocol
from mor_market.ranking import Weights
from mor_market.readable import session_view
from mor_market.units import format_duration, format_mor, format_price, format_time, hex_id, parse_id
from mor_market.units import format_mor as mor

_WEIGHT_NAMES = [
    "reliability",
    "early_closes",
    "experience",
    "earnings",
    "lag",
    "speed",
    "price",
    "stake",
]
_ANYONE = "0x0000000000000000000000000000000000000001"


@click.group(cls=MarketGroup, short_help="Consumer: rank bids, open and close sessions, withdraw held stake")
def cli() -> None:
    """Operate as a consumer. Stakes are MOR (1.5; 100wei for wei), bid and session ids hex
    (0x...) as the scripts print them."""


def _weights(text: str) -> Weights:
    try:
        values = [int(w) for w in text.split(",")]
    except ValueError:
        raise OneLineError(
            f"--weights {text!r}: give {len(_WEIGHT_NAMES)} integers ({','.join(_WEIGHT_NAMES)})"
        ) from None
    if len(values) != len(_WEIGHT_NAMES) or not all(0 <= v < 2**16 for v in values) or not any(values):
        raise OneLineError(
            f"--weights: give {len(_WEIGHT_NAMES)} integers 0..65535, not all 0 ({','.join(_WEIGHT_NAMES)})"
        )
    return Weights(*values)


@cli.command(short_help="A model's bids ranked by your weights, with endpoints")
@click.argument("model")
@click.option("--weights", default="1,1,1,1,1,1,1,1", show_default=True, help=",".join(_WEIGHT_NAMES))
@click.option("--limit", type=click.IntRange(1, 10_000), default=10, show_default=True)
@click.option(
    "--stake", type=MOR_AMOUNT, default=None, help=f"Also show how long this stake buys on each bid: {AMOUNT_HELP}."
)
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout instead of a table.")
def bids(model: str, weights: str, limit: int, stake: int | None, as_json: bool) -> None:
    """List MODEL's (id or name) active bids, best first for your needs: provider, endpoint,
    price, score, and with --stake what that stake buys."""
    w = _weights(weights)
    p = load_protocol()
    model_id = model_id_of(p, model)
    with one_line_errors("bids"):
        ranked = ops.ranked_bids(p, model_id, w, limit)
    rows = []
    for rank, r in enumerate(ranked, 1):
        row: dict[str, Any] = {
            "rank": rank,
            "bidId": hex_id(r.bid_id),
            "provider": r.provider,
            "endpoint": r.endpoint,
            "price": format_price(r.price_per_second),
            "score": round(r.score / 1e18, 4),
        }
        if stake is not None:
            q = ops.quote(p, r.bid_id, _ANYONE, stake)
            row["buys"] = format_duration(q["durationSeconds"]) if q["opens"] else f"refused: {q['refusedWith']}"
        rows.append(row)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo(f"no active bid on model {model_id}")
    for row in rows:
        buys = f"  buys {row['buys']}" if "buys" in row else ""
        click.echo(
            f"{row['rank']:>2}. bid {row['bidId']}  score {row['score']:.4f}  {row['price']}"
            f"  endpoint {row['endpoint']}  provider {row['provider']}{buys}"
        )


@cli.command(short_help="What a stake buys on a bid, and whether it would open (JSON)")
@click.argument("bid_id", type=BID_ID)
@click.option("--stake", type=MOR_AMOUNT, required=True, help=f"Stake to lock: {AMOUNT_HELP}.")
@click.option("--direct", is_flag=True, help="Pay the provider from the stake instead of the pool's stipend.")
@click.option("--consumer", type=ADDRESS, default=_ANYONE, help="The consumer's address.")
def quote(bid_id: int, stake: int, direct: bool, consumer: str) -> None:
    """Quote BID_ID: duration, end, price and provider, and the error an open would hit now."""
    p = load_protocol()
    require_usable_bid(p, bid_id)
    with one_line_errors("quote"):
        q = ops.quote(p, bid_id, consumer, stake, int(direct))
    q["stake"] = stake
    echo_json(session_view(q))


@cli.command(short_help="A session's details in one call (JSON)")
@click.argument("session_id", type=SESSION_ID)
def session(session_id: int) -> None:
    """SESSION_ID's parties, seconds and pay so far, who may close it, and the consumer's hold."""
    p = load_protocol()
    _require_session(p, session_id)
    with one_line_errors("session"):
        echo_json(session_view(ops.session_details(p, session_id)))


def _require_session(p: Protocol, session_id: int) -> Any:
    record = p.router.session(session_id)
    if not int(record.openedAt):
        raise OneLineError(f"no session {hex_id(session_id)}")
    return record


def _read_approval(path: Path) -> dict[str, Any]:
    try:
        approval = json.loads(path.read_text())
        for key in ("bidId", "consumer", "nonce", "deadline", "signature", "chainId", "router"):
            approval[key]
        return approval
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise OneLineError(f"{path} is not an approval JSON (`ape run provider approve ... > {path}`)") from None
    except (KeyError, TypeError) as err:
        raise OneLineError(f"{path} is not an approval JSON: {err} is missing") from None


@cli.command("open", short_help="Open a session from an approval JSON")
@account_option()
@click.argument("approval", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--stake", type=MOR_AMOUNT, required=True, help=f"Stake to lock: {AMOUNT_HELP}.")
@click.option("--direct", is_flag=True, help="Pay the provider from the stake instead of the pool's stipend.")
@click.option("--permit/--approve", default=True, show_default=True, help="One transaction with an EIP-2612 permit.")
def open_(account_alias: str | None, approval: Path, stake: int, direct: bool, permit: bool) -> None:
    """Open a session with the provider's signed APPROVAL (the JSON file `provider approve` wrote).
    Checked before sending: the approval's chain, router, consumer and deadline, your balance,
    and whether the router would open it now."""
    data = _read_approval(approval)
    account, p = resolve_account(account_alias), load_protocol()
    if int(str(data["chainId"]), 0) != chain.chain_id or str(data["router"]) != str(p.router.address):
        raise OneLineError(f"{approval} is for chain {data['chainId']} router {data['router']}, not this deployment")
    if str(data["consumer"]).lower() != account.address.lower():
        raise OneLineError(f"{approval} is for consumer {data['consumer']}, not {account.address}")
    if int(str(data["deadline"]), 0) < chain.pending_timestamp:
        raise OneLineError(f"{approval} expired at {format_time(int(str(data['deadline']), 0))}: ask for a new one")
    bid_id = parse_id(str(data["bidId"]), "bid id")
    require_usable_bid(p, bid_id)
    _held, withdrawable = p.router.holdOf(account)
    require_balance(p, account, stake - int(withdrawable), "the stake")
    q = ops.quote(p, bid_id, account.address, stake, int(direct))
    if not q["opens"]:
        raise OneLineError(f"open would fail: {q['refusedWith']} (see `ape run consumer quote {hex_id(bid_id)}`)")
    with one_line_errors("open"):
        session_id, _ = ops.open_session(p, account, data, stake, int(direct), permit)
    record = p.router.session(session_id)
    click.echo(
        f"session {hex_id(session_id)} open until {format_time(record.endsAt)}"
        f" ({format_duration(record.endsAt - record.openedAt)}), stake {mor(stake)}"
    )


@cli.command(short_help="Close a session (a dispute without --receipt), or rate it if someone else closed it")
@account_option()
@click.argument("session_id", type=SESSION_ID)
@click.option("--receipt", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def close(account_alias: str | None, session_id: int, receipt: Path | None) -> None:
    """Close SESSION_ID, with the provider's receipt JSON or as a dispute. If the provider, its
    node or a keeper closed it already, give your verdict late instead (within 24 hours of that
    close): completed with --receipt, disputed without."""
    account, p = resolve_account(account_alias), load_protocol()
    record = _require_session(p, session_id)
    closed_at = int(record.closedAt)
    if closed_at:
        refusal = ops.late_verdict_refusal(p, session_id)
        if refusal is not None:
            raise OneLineError(f"session {hex_id(session_id)} was closed at {format_time(closed_at)}: {refusal}")
    signed = None
    if receipt is not None:
        try:
            signed = json.loads(receipt.read_text())
            signed["signature"]
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
            raise OneLineError(f"{receipt} is not a receipt JSON (`ape run provider receipt ...`)") from None
    if closed_at:
        with one_line_errors("rate"):
            tx = ops.rate_session(p, account, session_id, signed)
        rated = tx.decode_logs(p.router.SessionRated)[0]
        click.echo(
            f"rated {hex_id(session_id)}, closed at {format_time(closed_at)} by someone else:"
            f" {ops.VERDICTS[int(rated.verdict)]}{' (cut short)' if rated.closedEarly else ''}"
        )
        return
    with one_line_errors("close"):
        tx = ops.close_session(p, account, session_id, signed)
    event = tx.decode_logs(p.router.SessionClosed)[0]
    click.echo(
        f"closed {hex_id(session_id)}: {format_duration(event.secondsProvided)} provided, provider paid "
        f"{mor(event.paid)}, returned {mor(event.returned)}, held until tomorrow {mor(event.held)}"
    )


@cli.command(short_help="Chat through the best provider's node: open, chat, receipt, close (JSON)")
@account_option()
@click.argument("model")
@click.option("--stake", type=MOR_AMOUNT, required=True, help=f"Stake to lock: {AMOUNT_HELP}.")
@click.option("--prompt", "prompts", multiple=True, required=True, help="A user message; repeat for more requests.")
@click.option("--weights", default="1,1,1,1,1,1,1,1", show_default=True, help=",".join(_WEIGHT_NAMES))
@click.option("--timeout", type=click.FloatRange(1, 3_600), default=120, show_default=True, help="Seconds per request.")
def chat(
    account_alias: str | None, model: str, stake: int, prompts: tuple[str, ...], weights: str, timeout: float
) -> None:
    """Chat with MODEL (id or name): rank its bids by your --weights, ask the best provider's node
    (its registered endpoint) for an approval (the next one if it refuses), open the session in
    one transaction with a permit, send each --prompt signed with your key, measuring time to
    first token and tokens per second yourself, then fetch the provider's receipt and close with
    it, or close without it (a dispute) if its numbers are far better than yours or the node
    stopped answering. Each answer is printed to stderr; the session, answers, both measurements and
    the verdict go to stdout as JSON."""
    from mor_market.client import Consumer, ProviderError

    w = _weights(weights)
    account, p = resolve_account(account_alias), load_protocol()
    model_id = model_id_of(p, model)
    name = str(p.model_registry.model(model_id).name)
    _held, withdrawable = p.router.holdOf(account)
    require_balance(p, account, stake - int(withdrawable), "the stake")
    client = Consumer(p, account, w, timeout=timeout)
    try:
        with one_line_errors("open"):
            s = client.open(model_id, name, stake)
    except ProviderError as err:
        raise OneLineError(f"chat: {err}") from None
    note(f"session {hex_id(s.session)} open with {s.provider} at {s.endpoint}")
    answers = []
    for prompt in prompts:
        try:
            measured = client.chat(s, [{"role": "user", "content": prompt}])
        except ProviderError as err:
            note(f"the provider failed ({err}): closing")
            break
        note(measured.text)
        answers.append(
            {
                "prompt": prompt,
                "answer": measured.text,
                "ttftMs": round(measured.ttft_ms, 1),
                "tokens": measured.tokens,
                "tokensPerSecond": None if measured.tokens_per_second is None else round(measured.tokens_per_second, 1),
            }
        )
    with one_line_errors("close"):
        result = client.finish(s)
    result.update(
        stake=format_mor(stake),
        paid=format_mor(result["paid"]),
        model=name,
        answers=answers,
        sessionId=hex_id(s.session),
    )
    echo_json(result)


@cli.command(short_help="Withdraw held stake released at the start of a day")
@account_option()
def withdraw(account_alias: str | None) -> None:
    """Withdraw released held stake."""
    account, p = resolve_account(account_alias), load_protocol()
    held, withdrawable = p.router.holdOf(account)
    if int(withdrawable) == 0:
        raise OneLineError(f"nothing to withdraw ({mor(held)} held until the next day)")
    with one_line_errors("withdraw"):
        tx = p.router.withdrawHeld(sender=account)
    click.echo(f"withdrew {mor(tx.decode_logs(p.router.HeldReleased)[0].amount)}")


@cli.command(short_help="A consumer's sessions, held stake and balance (JSON)")
@account_option()
@click.argument("consumer", type=ADDRESS, required=False)
@click.option(
    "--from-block", type=click.IntRange(0), default=None, help="First block to scan (default: the deployment's)."
)
def status(account_alias: str | None, consumer: str | None, from_block: int | None) -> None:
    """CONSUMER's (default: your account's) sessions since the deployment, held and withdrawable
    stake, and MOR balance."""
    address = consumer or resolve_account(account_alias, signs=False).address
    p = load_protocol()
    held, withdrawable = p.router.holdOf(address)
    start = first_block() if from_block is None else from_block
    echo_json(
        {
            "consumer": address,
            "balance": format_mor(int(p.mor.balanceOf(address))),
            "held": format_mor(int(held)),
            "withdrawable": format_mor(int(withdrawable)),
            "sessions": [session_view(s) for s in ops.sessions(p, start, address)],
        }
    )
