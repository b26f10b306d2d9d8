"""What every `ape run` script of the project shares: accounts, deployments, and turning
failures into one clear line instead of a stack trace."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import yaml
from ape.cli import ConnectedProviderCommand
from eth_utils import to_checksum_address

from mor_market import units
from mor_market.deploy import ZERO_ADDRESS, Params, Protocol, contract_at
from mor_market.record import addresses as record_addresses

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENTS = ROOT / "deployments"
# Where deployment records are written; tests point it at a temporary folder.
RECORDS = Path(os.environ.get("MOR_DEPLOYMENTS_DIR", DEPLOYMENTS))
LOCAL_NETWORKS = ("local", "sepolia-fork", "mainnet-fork")


def network_key() -> str:
    """`<ecosystem>-<network>` of the connected network, e.g. `arbitrum-sepolia-fork`; a live
    network served by a local anvil (`./dev node` playing Arbitrum Sepolia) is
    `<ecosystem>-<network>-local`, so its records never mix with the real network's."""
    from ape import chain

    network = chain.provider.network
    key = f"{network.ecosystem.name}-{network.name}"
    if network.name not in LOCAL_NETWORKS and is_local_node():
        key += "-local"
    return key


def is_local_node() -> bool:
    """Whether the connected node is an anvil (a local chain), whatever chain id it answers."""
    from ape import chain

    web3 = getattr(chain.provider, "web3", None)
    try:
        return str(web3.client_version).lower().startswith("anvil") if web3 is not None else False
    except Exception:  # a node that does not answer web3_clientVersion is not ours
        return False


def is_local_network() -> bool:
    from ape import chain

    return chain.provider.network.name in LOCAL_NETWORKS


YES_ENV = "MOR_MARKET_YES"


def account_option() -> Callable[[Any], Any]:
    """`--account ALIAS` (an `ape accounts` alias; local networks default to TEST::0) and `--yes`
    (sign without asking; a keyfile account's passphrase comes from Ape's own variable
    APE_ACCOUNTS_<alias>_PASSPHRASE)."""

    def store_yes(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
        ctx.meta["mor_market.yes"] = value
        return value

    def decorate(f: Any) -> Any:
        f = click.option(
            "--yes",
            "-y",
            is_flag=True,
            expose_value=False,
            envvar=YES_ENV,
            callback=store_yes,
            help=f"Sign every transaction and message without asking (also {YES_ENV}=1); a keyfile "
            "account's passphrase is read from APE_ACCOUNTS_<alias>_PASSPHRASE.",
        )(f)
        return click.option(
            "--account",
            "account_alias",
            default=None,
            help="Alias of an `ape accounts` account (local networks: TEST::<n>, default TEST::0).",
        )(f)

    return decorate


def _says_yes() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().meta.get("mor_market.yes")) or bool(ctx and ctx.meta.get("mor_market.yes"))


def resolve_account(alias: str | None, default_test_index: int = 0, signs: bool = True) -> Any:
    """The account of `alias`, ready to sign: a keyfile account with `--yes` signs without asking
    (passphrase from APE_ACCOUNTS_<alias>_PASSPHRASE, or asked once on a terminal); without
    `--yes` and without a terminal it is refused at once, before anything is sent."""
    from ape import accounts

    if alias is None:
        if not is_local_network() and not is_local_node():
            raise OneLineError("--account is required on a live network (an alias from `ape accounts list`)")
        return accounts.test_accounts[default_test_index]
    if alias.startswith("TEST::"):
        index = alias.removeprefix("TEST::")
        if not index.isdigit() or int(index) >= 10:
            raise OneLineError(f"--account {alias}: test accounts are TEST::0 to TEST::9")
        return accounts.test_accounts[int(index)]
    try:
        account = accounts.load(alias)
    except Exception:  # ape raises its own error types for unknown aliases
        raise OneLineError(
            f"no account with alias {alias!r} (`ape accounts list`; import with `ape accounts import {alias}`)"
        ) from None
    if signs:
        _prepare_signing(account, alias)
    return account


def _prepare_signing(account: Any, alias: str) -> None:
    from ape_accounts import KeyfileAccount

    if not isinstance(account, KeyfileAccount):
        return
    variable = f"APE_ACCOUNTS_{alias}_PASSPHRASE"
    passphrase = os.environ.get(variable)
    interactive = sys.stdin.isatty()
    if not _says_yes():
        if not interactive:
            raise OneLineError(
                f"account {alias!r} asks 'Sign: [y/N]' for every signature and there is no terminal: "
                f"pass --yes (or {YES_ENV}=1) with the passphrase in {variable}"
            )
        return
    if not passphrase and not interactive:
        raise OneLineError(f"--yes without a terminal needs the passphrase of {alias!r} in {variable}")
    from ape.exceptions import AccountsError

    try:
        account.set_autosign(True, passphrase=passphrase or None)
    except AccountsError as err:
        raise OneLineError(f"cannot unlock account {alias!r}: {err} (check {variable})") from None


def first_block() -> int:
    """The deployment's first block: where every log scan starts."""
    return int(load_record().get("first_block", 0))


def load_config(key: str) -> dict[str, Any]:
    path = DEPLOYMENTS / "config" / f"{key}.yaml"
    if not path.exists():
        raise OneLineError(f"no deployment configuration {path.relative_to(ROOT)} for network {key}")
    return yaml.safe_load(path.read_text())


def config_hash(config: dict[str, Any]) -> str:
    return "0x" + hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def params_from_config(config: dict[str, Any]) -> Params:
    return Params(
        min_provider_stake=int(config["min_provider_stake"]),
        min_model_stake=int(config["min_model_stake"]),
        bid_fee=int(config["bid_fee"]),
        min_price_per_second=int(config["min_price_per_second"]),
        max_price_per_second=int(config["max_price_per_second"]),
        min_session_duration=int(config["min_session_duration"]),
        max_session_duration=int(config["max_session_duration"]),
        reference_supply=int(config["reference_supply"]),
        whitelist=tuple(config.get("whitelist") or ()),
        guardian=guardian_from_config(config),
    )


def guardian_from_config(config: dict[str, Any]) -> str:
    """The configuration's `guardian`: an address, or `none` (also when absent) for no guardian."""
    raw = config.get("guardian") or "none"
    # YAML reads an unquoted 0x... address as an integer
    value = f"0x{raw:040x}" if isinstance(raw, int) else str(raw).strip()
    if value.lower() == "none":
        return ZERO_ADDRESS
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
        raise OneLineError(f"guardian {value!r} is neither an address nor none")
    return to_checksum_address(value)


def deployment_path(key: str) -> Path:
    return RECORDS / f"{key}.json"


def load_record(key: str | None = None) -> dict[str, Any]:
    """The deployment record of the connected network, deployments/<network>.json."""
    key = key or network_key()
    path = deployment_path(key)
    if not path.exists():
        raise OneLineError(f"no deployment for {key}: run `ape run deploy --network ...` first")
    return json.loads(path.read_text())


def load_protocol(key: str | None = None) -> Protocol:
    """The deployed contracts of the connected network, from deployments/<network>.json."""
    from ape import Contract, project

    key = key or network_key()
    path = deployment_path(key)
    if not path.exists():
        raise OneLineError(f"no deployment for {key}: run `ape run deploy --network ...` first")
    # The record keeps contracts under their contract names (mor_market/record.py).
    data = record_addresses(json.loads(path.read_text()))
    from ape import chain

    if len(chain.provider.get_code(data["pool"])) == 0:
        raise OneLineError(
            f"{path.name} names contracts that are not on this chain (a fork is new each run): deploy here first, "
            "or operate a persistent node (`./dev node`, then --network arbitrum:sepolia:node)"
        )
    return Protocol(
        mor=Contract(data["mor"], contract_type=project.TestMOR.contract_type),
        model_registry=contract_at(project.ModelRegistry, data["model_registry"]),
        marketplace=contract_at(project.Marketplace, data["marketplace"]),
        pool=contract_at(project.ComputePool, data["pool"]),
        router=contract_at(project.SessionRouter, data["router"]),
        reputation=contract_at(project.Reputation, data["reputation"]),
        timelock=contract_at(project.GovernanceTimelock, data["timelock"]) if data.get("timelock") else None,
    )


_KNOWN = (
    "Marketplace",
    "ModelRegistry",
    "ComputePool",
    "SessionRouter",
    "Reputation",
    "GovernanceTimelock",
    "TokenProbe",
    "TestMOR",
)


def decode_revert(data: str) -> str | None:
    """`ErrorName(arg=value, ...)` for revert data of a custom error any of the project's
    contracts (or MOR) declares; None when the selector is unknown."""
    from ape import project
    from eth_abi import decode
    from eth_utils import keccak

    raw = bytes.fromhex(data.removeprefix("0x"))
    for name in _KNOWN:
        for abi in getattr(project, name).contract_type.abi:
            if abi.type != "error":
                continue
            types = [i.canonical_type for i in abi.inputs]
            if keccak(text=f"{abi.name}({','.join(types)})")[:4] == raw[:4]:
                values = decode(types, raw[4:])
                return _call_text(abi.name, {i.name: v for i, v in zip(abi.inputs, values, strict=True)})
    return None


# The unit of each custom error's arguments, so that a refusal reads in MOR, MOR/s, UTC and hex
# ids as the commands' input does: `ProviderStakeBelowMinimum(stake=100 MOR, minimum=500 MOR)`.
_MOR_ARGS = {"stake", "minimum", "balance", "requested", "owed", "budgetLeft", "held", "amount"}
_UNITS: dict[str, dict[str, str]] = {
    "PriceOutOfRange": {"price": "price", "minimum": "price", "maximum": "price"},
    "SessionTooShort": {"duration": "duration", "minimum": "duration"},
    "EnforcedPause": {"until": "time"},
    "PauseCoolingDown": {"availableAt": "time"},
    "TimelockOperationExpired": {"id": "id", "expiredAt": "time"},
    "TimelockDelayBelowFloor": {"delay": "duration", "floor": "duration"},
    "ApprovalExpired": {"deadline": "time"},
    "ReceiptExpired": {"deadline": "time"},
}
# ParameterOutOfBounds(name, value, minimum, maximum): the unit is the parameter's.
_PARAMETER_UNITS = {
    "minProviderStake": "mor",
    "minModelStake": "mor",
    "bidFee": "mor",
    "referenceSupply": "mor",
    "minPricePerSecond": "price",
    "maxPricePerSecond": "price",
    "minSessionDuration": "duration",
    "maxSessionDuration": "duration",
}


def _unit_of(error: str, argument: str, arguments: dict[str, Any]) -> str | None:
    if error == "ParameterOutOfBounds" and argument in ("value", "minimum", "maximum"):
        return _PARAMETER_UNITS.get(_show(arguments.get("name")))
    if argument in ("bidId", "sessionId"):
        return "id"
    if error in _UNITS:
        return _UNITS[error].get(argument)
    if argument in _MOR_ARGS and error.endswith(("Minimum", "Fees", "Claim", "Withdraw")):
        return "mor"
    return None


def _call_text(error: str, arguments: dict[str, Any]) -> str:
    """`Error(arg=value, ...)` with each value in its unit (MOR, MOR/s, seconds, UTC, hex id)."""
    from mor_market import units

    formats = {
        "mor": units.format_mor,
        "price": lambda wei: f"{units.format_mor(wei).removesuffix(' MOR')} MOR/s",
        "duration": lambda seconds: f"{seconds} s",
        "time": units.format_time,
        "id": units.hex_id,
    }
    shown = []
    for name, value in arguments.items():
        unit = _unit_of(error, name, arguments) if isinstance(value, int) else None
        shown.append(f"{name}={formats[unit](value) if unit else _show(value)}")
    return f"{error}({', '.join(shown)})"


def _show(value: Any) -> str:
    """A revert argument as a person reads it: a short bytes32 name as text."""
    if isinstance(value, bytes | bytearray) and len(value) == 32:
        text = bytes(value).rstrip(b"\x00")
        if text and all(32 < b < 127 for b in text):
            return text.decode()
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)


def describe_error(err: Exception) -> str:
    """One line naming the failed check: `ErrorName(arg=value, ...)` for custom errors."""
    inputs = getattr(err, "inputs", None)
    name = type(err).__name__
    if inputs is not None and name not in ("ContractLogicError", "CustomError"):
        return _call_text(name, dict(inputs))
    message = str(err).strip().splitlines()[0] if str(err).strip() else name
    # Ape leaves a custom error as raw revert data when it cannot tell which contract raised it.
    if message.startswith("0x") and len(message) >= 10:
        try:
            return decode_revert(message) or message
        except ValueError:
            return message
    return message


@contextmanager
def one_line_errors(action: str) -> Iterator[None]:
    """Turn a revert or an Ape error into `action failed: <reason>` and exit 1, no traceback."""
    from ape.exceptions import ApeException

    try:
        yield
    except (ApeException, ValueError) as err:
        raise OneLineError(f"{action} failed: {describe_error(err)}") from None


def mor(amount_wei: int) -> str:
    """A MOR amount for a report: 1,234.5678 MOR (the operating scripts print exact amounts,
    `units.format_mor`)."""
    return f"{amount_wei / 10**18:,.4f} MOR"


# ------------------------------------------------------------------ output and errors


def logs_to_stderr() -> None:
    """Send every log of Ape's ("INFO: Connecting ...") to stderr, so a script's stdout holds only
    its output and `ape run provider approve ... > approval.json` writes clean JSON. Ape's click
    handler looks its echo arguments up by the lowercase level name: give every level `err`."""
    to_stderr = {level: {"err": True} for level in ("error", "warning", "success", "info", "debug")}
    for name in ("ape", *logging.root.manager.loggerDict):
        if name == "ape" or name.startswith("ape"):
            for handler in logging.getLogger(name).handlers:
                if hasattr(handler, "echo_kwargs"):
                    handler.echo_kwargs = to_stderr


logs_to_stderr()


class OneLineError(click.ClickException):
    """`error: <what failed and what to do>` on stderr, exit code 1, never a traceback."""

    def show(self, file: Any = None) -> None:
        message = " ".join(self.format_message().split())
        click.echo(f"error: {message}", err=True)


class OneLineUsageError(OneLineError):
    exit_code = 2


def _one_line(err: BaseException) -> OneLineError:
    if isinstance(err, OneLineError):
        return err
    if isinstance(err, click.UsageError):
        where = f"{err.ctx.command_path}: " if err.ctx is not None else ""
        return OneLineUsageError(f"{where}{err.format_message()} (see --help)")
    if isinstance(err, click.ClickException):
        return OneLineError(err.format_message())
    from ape.exceptions import ApeException

    if isinstance(err, ApeException | ValueError):
        return OneLineError(describe_error(err))
    from ape.logging import logger

    logger.debug("".join(traceback.format_exception(err)))
    first = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return OneLineError(f"{type(err).__name__}: {first}" if first else type(err).__name__)


class _OneLineFailures:
    """Mixed into a click command or group: every failure, bad input included, is one line."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)  # type: ignore[misc]
        except click.exceptions.Exit:
            raise
        except click.ClickException as err:
            raise _one_line(err) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except (click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as err:  # every failure, expected or not, becomes one line
            raise _one_line(err) from None


class MarketCommand(_OneLineFailures, ConnectedProviderCommand):
    """An `ape run` command connected to the network whose every failure, bad input included,
    is one line on stderr. A negative number (`-5`) reaches its argument's check instead of
    being taken for an option."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", {}).setdefault("ignore_unknown_options", True)
        super().__init__(*args, **kwargs)


class MarketGroup(_OneLineFailures, click.Group):
    """A group of MarketCommands; an unknown subcommand or option is one line too."""

    command_class = MarketCommand


MarketGroup.group_class = MarketGroup


class OfflineCommand(_OneLineFailures, click.Command):
    """A MarketGroup command that needs no network (Ape starts no node for it), one-line failures."""


class _Parsed(click.ParamType):
    """A click type from one of `mor_market.units`' parsers: its ValueError is the message."""

    def __init__(self, name: str, parse: Callable[[str], Any]) -> None:
        self.name = name
        self._parse = parse

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self._parse(value)
        except ValueError as err:
            self.fail(str(err), param, ctx)


MOR_AMOUNT = _Parsed("MOR", units.parse_mor)  # 1.5 = 1.5 MOR; 100wei = 100 wei
PRICE = _Parsed("MOR/s", units.parse_price)  # 0.00001 (per second), 0.864/day, 10000000000wei
DURATION = _Parsed("SECONDS", units.parse_duration)  # 300, 5m, 2h, 1d
ADDRESS = _Parsed("ADDRESS", units.parse_address)
BID_ID = _Parsed("BID_ID", lambda text: units.parse_id(text, "bid id"))
SESSION_ID = _Parsed("SESSION_ID", lambda text: units.parse_id(text, "session id"))
NONCE = _Parsed("NONCE", lambda text: units.parse_id(text, "nonce", bits=96))

AMOUNT_HELP = "MOR, decimals accepted (1.5); wei only with a wei suffix (100wei)"
PRICE_HELP = "MOR per second (0.00001), or per hour or day (0.864/day); wei/s with a wei suffix"


def model_id_of(protocol: Protocol, model: str) -> int:
    """A model's id from its id or its name (any case)."""
    text = model.strip()
    if text.isdigit():
        model_id = int(text)
        if model_id == 0 or model_id > int(protocol.model_registry.modelCount()):
            raise OneLineError(f"no model {model_id} (`ape run model list`)")
        return model_id
    from mor_market.names import InvalidModelName, canonical

    try:
        canonical(text)
    except InvalidModelName as err:
        raise OneLineError(f"model name {text!r}: {err}") from None
    model_id = int(protocol.model_registry.modelIdByName(text))
    if model_id == 0:
        raise OneLineError(f"no active model named {text!r} (`ape run model list`)")
    return model_id


def echo_json(data: Any) -> None:
    """Machine output: JSON on stdout, alone."""
    click.echo(json.dumps(data, indent=2, default=str))


def note(message: str) -> None:
    """A log line for a person: stderr, never mixed into machine output."""
    click.echo(message, err=True)


def require_balance(protocol: Protocol, account: Any, needed: int, what: str) -> None:
    """Refuse, before anything is sent, an operation the account's MOR cannot pay for."""
    if needed <= 0:
        return
    balance = int(protocol.mor.balanceOf(account))
    if balance < needed:
        raise OneLineError(
            f"{what} needs {units.format_mor(needed)} but {account.address} holds {units.format_mor(balance)}"
        )
    if int(chain_balance(account)) == 0:
        raise OneLineError(f"{account.address} has no ETH to pay for gas")


def chain_balance(account: Any) -> int:
    from ape import chain

    return int(chain.provider.get_balance(account.address))


def approve_if_needed(protocol: Protocol, account: Any, spender: Any, amount: int) -> None:
    """An ERC-20 approve only when the allowance is short: never a paid approve for nothing."""
    if amount and int(protocol.mor.allowance(account, spender)) < amount:
        protocol.mor.approve(spender, amount, sender=account)


def require_usable_bid(protocol: Protocol, bid_id: int) -> Any:
    """The bid's record if it can open a session now; else one line saying why. Read from views
    that do not revert, so no failed call is traced."""
    record = protocol.marketplace.bid(bid_id)
    label = units.hex_id(bid_id)
    if not record.active:
        raise OneLineError(
            f"no active bid {label}: never posted, deleted or replaced (`ape run consumer bids MODEL` lists them)"
        )
    if protocol.marketplace.isModelClosed(record.modelId):
        raise OneLineError(f"bid {label} is on model {record.modelId}, which was deregistered")
    marketplace = protocol.marketplace
    if marketplace.whitelistEnabled() and not marketplace.isWhitelisted(record.provider):
        raise OneLineError(f"bid {label}: its provider {record.provider} is off the whitelist (suspended)")
    return record
