"""`ape run model ...`: register, update, deregister, list and show AI models (PROTOCOL.md §2).
A model is named canonically (any case in, lowercase stored); anywhere a model is asked for, its id
or its name will do. Listings are JSON on stdout."""

from __future__ import annotations

from typing import Any

import click

from mor_market.cli import (
    AMOUNT_HELP,
    MOR_AMOUNT,
    MarketGroup,
    OneLineError,
    account_option,
    echo_json,
    load_protocol,
    model_id_of,
    one_line_errors,
    require_balance,
    resolve_account,
)
from mor_market.names import InvalidModelName, canonical
from mor_market.readable import model_view
from mor_market.units import format_mor as mor

MAX_TAGS = 8
PAGE = 100  # ModelRegistry.models' page limit
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _content_id(text: str) -> bytes:
    """32 bytes from `0x` + 64 hex digits, an IPFS CIDv0 (`Qm...`: its sha2-256 digest), or
    text of at most 32 bytes (zero-padded)."""
    raw = text.strip()
    if raw.lower().startswith("0x"):
        try:
            value = bytes.fromhex(raw[2:])
        except ValueError:
            raise OneLineError(f"--content-id {raw!r} is not hex") from None
        if len(value) != 32:
            raise OneLineError(f"--content-id {raw!r} is {len(value)} bytes, not 32")
        return value
    if raw.startswith("Qm") and len(raw) == 46 and all(c in _BASE58 for c in raw):
        number = 0
        for c in raw:
            number = number * 58 + _BASE58.index(c)
        multihash = number.to_bytes(34, "big")
        if multihash[:2] == b"\x12\x20":  # sha2-256, 32 bytes
            return multihash[2:]
    return _text32(raw, "--content-id")


def _text32(text: str, what: str) -> bytes:
    encoded = text.encode()
    if not encoded or len(encoded) > 32:
        raise OneLineError(f"{what} {text!r} must be 1 to 32 bytes (or 0x + 64 hex digits)")
    return encoded.ljust(32, b"\x00")


def _tags(tags: tuple[str, ...]) -> list[bytes]:
    if len(tags) > MAX_TAGS:
        raise OneLineError(f"{len(tags)} tags: at most {MAX_TAGS}")
    return [_text32(t, "--tag") for t in tags]


@click.group(cls=MarketGroup, short_help="Models: register, update, deregister, list, show")
def cli() -> None:
    """AI models providers bid for. A MODEL argument is its id or its name, in any case."""


@cli.command(short_help="Register a model under a canonical name")
@account_option()
@click.argument("name")
@click.option("--content-id", default="", help="0x + 64 hex, an IPFS CIDv0 (Qm...), or text of at most 32 bytes.")
@click.option("--tag", "tags", multiple=True, help=f"A tag (at most 32 bytes), up to {MAX_TAGS} times.")
@click.option("--stake", type=MOR_AMOUNT, default="0", show_default=True, help=f"Stake to lock: {AMOUNT_HELP}.")
def register(account_alias: str | None, name: str, content_id: str, tags: tuple[str, ...], stake: int) -> None:
    """Register NAME (3 to 64 ASCII letters and digits with single - . _ / : between them;
    stored in lowercase); prints its id."""
    try:
        canonical_name = canonical(name)
    except InvalidModelName as err:
        raise OneLineError(f"model name {name!r}: {err}") from None
    cid = _content_id(content_id) if content_id else b"\x00" * 32
    tag_bytes = _tags(tags)
    account, p = resolve_account(account_alias), load_protocol()
    holder = int(p.model_registry.modelIdByName(canonical_name))
    if holder:
        raise OneLineError(f"{canonical_name!r} is taken by model {holder} (`ape run model show {holder}`)")
    minimum = int(p.model_registry.minModelStake())
    if stake < minimum:
        raise OneLineError(f"--stake {mor(stake)} is under the minimum model stake {mor(minimum)}")
    require_balance(p, account, stake, "the model stake")
    with one_line_errors("model register"):
        if stake and int(p.mor.allowance(account, p.model_registry)) < stake:
            p.mor.approve(p.model_registry, stake, sender=account)
        tx = p.model_registry.registerModel(canonical_name, cid, tag_bytes, stake, sender=account)
    model_id = int(tx.decode_logs(p.model_registry.ModelRegistered)[0].modelId)
    click.echo(f"model {model_id} {canonical_name!r} registered, stake {mor(stake)}")


def _owned(p: Any, account: Any, model: str) -> int:
    model_id = model_id_of(p, model)
    record = p.model_registry.model(model_id)
    if not record.active:
        raise OneLineError(f"model {model_id} is deregistered")
    if str(record.owner) != account.address:
        raise OneLineError(f"model {model_id} belongs to {record.owner}, not {account.address}")
    return model_id


@cli.command(short_help="Update a model's content id and tags (the name never changes)")
@account_option()
@click.argument("model")
@click.option("--content-id", required=True, help="0x + 64 hex, an IPFS CIDv0 (Qm...), or text of at most 32 bytes.")
@click.option("--tag", "tags", multiple=True, help=f"A tag, up to {MAX_TAGS} times (replaces the tags).")
def update(account_alias: str | None, model: str, content_id: str, tags: tuple[str, ...]) -> None:
    """Replace MODEL's content id and tags (owner only)."""
    cid, tag_bytes = _content_id(content_id), _tags(tags)
    account, p = resolve_account(account_alias), load_protocol()
    model_id = _owned(p, account, model)
    with one_line_errors("model update"):
        p.model_registry.updateModel(model_id, cid, tag_bytes, sender=account)
    click.echo(f"model {model_id} updated")


@cli.command(short_help="Deregister a model and get its stake back")
@account_option()
@click.argument("model")
def deregister(account_alias: str | None, model: str) -> None:
    """Deregister MODEL (owner only): the stake comes back at once, its bids stop opening
    sessions, open sessions run on, the name becomes free. The name keeps the model's id:
    whoever registers it again gets this model back, with the bids still active on it."""
    account, p = resolve_account(account_alias), load_protocol()
    model_id = _owned(p, account, model)
    with one_line_errors("model deregister"):
        tx = p.model_registry.deregisterModel(model_id, sender=account)
    returned = tx.decode_logs(p.model_registry.ModelDeregistered)[0].stakeReturned
    click.echo(f"model {model_id} deregistered; stake returned {mor(returned)}")


@cli.command("list", short_help="Models, active ones by default (JSON)")
@click.option("--all", "include_all", is_flag=True, help="Include deregistered models.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
def list_(include_all: bool, limit: int) -> None:
    """Every model (every page of the registry), with owner, stake, content id, tags and the
    number of active bids."""
    p = load_protocol()
    found: list[dict[str, Any]] = []
    offset, count = 0, int(p.model_registry.modelCount())
    while offset < count and len(found) < limit:
        rows, _total = p.model_registry.models(offset, PAGE, not include_all)
        found.extend(model_view(p, m) for m in rows)
        offset += PAGE
    echo_json(found[:limit])


@cli.command(short_help="One model by id or name, in any case (JSON)")
@click.argument("model")
def show(model: str) -> None:
    """MODEL (id or name): owner, stake, content id, tags, active bids."""
    p = load_protocol()
    echo_json(model_view(p, p.model_registry.model(model_id_of(p, model))))
