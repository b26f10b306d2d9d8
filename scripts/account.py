"""`ape run account import ALIAS`: a keyfile account for Ape, imported without a terminal.

`ape accounts import` asks for the key and twice for the passphrase on a terminal; a CI job or a
provisioning script has none. This imports the same keyfile (Ape's own format, in Ape's accounts
folder, so `--account ALIAS` works everywhere) from the environment: the private key from
MOR_MARKET_PRIVATE_KEY (or one line on stdin when stdin is not a terminal), the passphrase from
APE_ACCOUNTS_<ALIAS>_PASSPHRASE, the variable that later unlocks it for `--yes`. Prints the
alias, address and keyfile as JSON on stdout; the key itself is never printed or logged."""

from __future__ import annotations

import json
import os
import sys

import click

from mor_market.cli import MarketGroup, OfflineCommand, OneLineError

KEY_ENV = "MOR_MARKET_PRIVATE_KEY"


def _private_key() -> str:
    key = os.environ.get(KEY_ENV, "").strip()
    if not key and not sys.stdin.isatty():
        key = sys.stdin.readline().strip()
    if not key:
        raise OneLineError(f"no private key: set {KEY_ENV} or pipe it on stdin (one line)")
    digits = key.removeprefix("0x")
    if len(digits) != 64 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise OneLineError(f"the private key in {KEY_ENV} (or stdin) is not 64 hex digits")
    return "0x" + digits


@click.group(cls=MarketGroup, short_help="Keyfile accounts without a terminal")
def cli() -> None:
    """Keyfile accounts for Ape, imported without prompts (for CI and provisioning)."""


@cli.command("import", cls=OfflineCommand, short_help="Import a private key as a keyfile account")
@click.argument("alias")
def import_(alias: str) -> None:
    """Import the private key in MOR_MARKET_PRIVATE_KEY (or one line on stdin) as the keyfile
    account ALIAS, encrypted with the passphrase in APE_ACCOUNTS_<ALIAS>_PASSPHRASE. Refused if
    ALIAS exists (`ape accounts delete ALIAS` first)."""
    from ape import accounts
    from ape_accounts import import_account_from_private_key

    variable = f"APE_ACCOUNTS_{alias}_PASSPHRASE"
    passphrase = os.environ.get(variable, "")
    if not passphrase:
        raise OneLineError(f"no passphrase: set {variable} (it also unlocks the account for --yes)")
    if alias in accounts.aliases:
        raise OneLineError(f"an account named {alias!r} exists already (`ape accounts delete {alias}` first)")
    key = _private_key()
    try:
        account = import_account_from_private_key(alias, passphrase, key)
    except Exception as err:  # Ape's alias and passphrase checks raise its own error types
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise OneLineError(f"cannot import {alias!r}: {first}") from None
    click.echo(json.dumps({"alias": alias, "address": str(account.address), "keyfile": str(account.keyfile_path)}))
