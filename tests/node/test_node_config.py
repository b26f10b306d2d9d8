"""The node's configuration and key: the key comes from the environment (a raw key, or a keyfile
and its passphrase), never from the command line; a configuration it cannot start with is refused
in one line naming what to fix."""

from __future__ import annotations

import json

import pytest
from eth_account import Account

from mor_market.node.config import (
    KEY_ENV,
    KEYFILE_ENV,
    PASSPHRASE_ENV,
    ConfigError,
    endpoint_port,
    endpoint_url,
    load,
    signing_key,
    to_toml,
)

KEY = "0x" + "11" * 32
PROVIDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_signing_key__raw_key_or_keyfile_with_passphrase__is_read_from_the_environment(tmp_path):
    assert signing_key({KEY_ENV: KEY}) == bytes.fromhex("11" * 32)
    keyfile = tmp_path / "provider.json"
    keyfile.write_text(json.dumps(Account.encrypt(KEY, "secret", iterations=2)))
    assert signing_key({KEYFILE_ENV: str(keyfile), PASSPHRASE_ENV: "secret"}) == bytes.fromhex("11" * 32)

    with pytest.raises(ConfigError, match="cannot decrypt"):
        signing_key({KEYFILE_ENV: str(keyfile), PASSPHRASE_ENV: "wrong"})
    with pytest.raises(ConfigError, match=f"set {PASSPHRASE_ENV}"):
        signing_key({KEYFILE_ENV: str(keyfile)})
    with pytest.raises(ConfigError, match=f"no signing key: set {KEY_ENV}"):
        signing_key({})
    with pytest.raises(ConfigError, match="not a private key"):
        signing_key({KEY_ENV: "0x1234"})


def test_config__written_as_toml__loads_back_with_the_record_beside_it(tmp_path):
    (tmp_path / "record.json").write_text(json.dumps({"chain_id": 421614, "contracts": {}}))
    config = {
        "rpc_url": "http://127.0.0.1:8547",
        "deployment": "record.json",
        "provider": PROVIDER.lower(),
        "database": "node.sqlite",
        "bind": "0.0.0.0",
        "models": {"Qwen/Qwen3-8B": {"backend": "http://127.0.0.1:8000/v1/", "capacity": 3}},
    }
    (tmp_path / "node.toml").write_text(to_toml(config))
    loaded = load(tmp_path / "node.toml")
    assert loaded.provider == PROVIDER and loaded.deployment["chain_id"] == 421614
    assert loaded.database == tmp_path / "node.sqlite" and loaded.bind == "0.0.0.0" and loaded.port is None
    model = loaded.model("qwen/qwen3-8b")
    assert model is not None and (model.backend, model.backend_model, model.capacity) == (
        "http://127.0.0.1:8000/v1",
        "Qwen/Qwen3-8B",
        3,
    )


def test_config__missing_or_malformed__is_refused_in_one_line(tmp_path):
    (tmp_path / "a.toml").write_text('rpc_url = "http://x"\n')
    with pytest.raises(ConfigError, match="has no 'deployment'"):
        load(tmp_path / "a.toml")
    (tmp_path / "b.toml").write_text("rpc_url = \n")
    with pytest.raises(ConfigError, match=r"b\.toml"):
        load(tmp_path / "b.toml")
    (tmp_path / "c.toml").write_text(
        to_toml(
            {
                "rpc_url": "http://x",
                "deployment": "missing.json",
                "provider": PROVIDER,
                "models": {"m": {"backend": "http://y"}},
            }
        )
    )
    with pytest.raises(ConfigError, match="deployment record"):
        load(tmp_path / "c.toml")


def test_endpoint__host_port_or_url__gives_the_url_and_the_port_to_listen_on():
    assert endpoint_url("gpu.example.org:3333") == "http://gpu.example.org:3333"
    assert endpoint_port("gpu.example.org:3333") == 3333
    assert endpoint_port("https://gpu.example.org") == 443
    assert endpoint_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
