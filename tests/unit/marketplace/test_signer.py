"""PROTOCOL §1: a provider may name a separate signer for approvals and receipts (so its
staking key stays cold), and may be a smart-contract wallet whose signatures are checked with
ERC-1271."""

from __future__ import annotations

import ape
from ape import chain

from mor_market.constants import MOR
from tests.conftest import PRICE
from tests.unit.marketplace.conftest import ENDPOINT, ZERO, events, provider_view
from tests.utils.checks import check_conservation


def test_signer_of__no_signer_named__is_the_provider_itself(marketplace, registered_provider, bid):
    assert marketplace.signerOf(registered_provider) == registered_provider.address
    assert marketplace.activeBid(bid).signer == registered_provider.address


def test_set_signer__registered_provider__names_the_signer_for_its_bids(
    marketplace, registered_provider, signer, bid, provider_stake
):
    tx = marketplace.setSigner(signer, sender=registered_provider)

    assert events(tx, marketplace.ProviderSignerSet) == [
        {"provider": registered_provider.address, "signer": signer.address}
    ]
    assert marketplace.signerOf(registered_provider) == signer.address
    assert provider_view(marketplace, registered_provider) == (True, provider_stake, signer.address, 1, ENDPOINT)
    assert marketplace.activeBid(bid).signer == signer.address


def test_set_signer__zero__returns_signing_to_the_provider(marketplace, registered_provider, signer):
    marketplace.setSigner(signer, sender=registered_provider)

    tx = marketplace.setSigner(ZERO, sender=registered_provider)

    assert events(tx, marketplace.ProviderSignerSet) == [{"provider": registered_provider.address, "signer": ZERO}]
    assert marketplace.signerOf(registered_provider) == registered_provider.address


def test_set_signer__unregistered_account__reverts_provider_not_registered_and_changes_nothing(
    marketplace, stranger, signer
):
    with ape.reverts(marketplace.ProviderNotRegistered, account=stranger.address):
        marketplace.setSigner(signer, sender=stranger)

    assert marketplace.signerOf(stranger) == stranger.address
    assert provider_view(marketplace, stranger) == (False, 0, ZERO, 0, "")


def test_set_signer__by_the_signer_itself__cannot_change_the_providers_signer(
    marketplace, registered_provider, signer, stranger
):
    marketplace.setSigner(signer, sender=registered_provider)

    with ape.reverts(marketplace.ProviderNotRegistered, account=signer.address):
        marketplace.setSigner(stranger, sender=signer)

    assert marketplace.signerOf(registered_provider) == signer.address


def test_open_session__approval_signed_by_the_named_signer__opens(
    protocol, marketplace, router, registered_provider, signer, consumer, bid, funded_pool, open_session
):
    marketplace.setSigner(signer, sender=registered_provider)

    session = open_session(consumer, bid, 10_000 * MOR, signed_by=signer)

    assert router.session(session).provider == registered_provider.address
    check_conservation(protocol)


def test_open_session__approval_signed_by_the_cold_key_after_naming_a_signer__reverts(
    marketplace, router, mor, registered_provider, signer, consumer, bid, funded_pool, sign_approval
):
    marketplace.setSigner(signer, sender=registered_provider)
    deadline = chain.pending_timestamp + 3_600
    approval = sign_approval(registered_provider, bid, consumer.address, 1, deadline)
    mor.approve(router, 10_000 * MOR, sender=consumer)
    balance = mor.balanceOf(consumer)

    with ape.reverts(router.InvalidApprovalSignature, signer=signer.address):
        router.openSession(bid, 1, deadline, 10_000 * MOR, 0, approval, sender=consumer)

    assert mor.balanceOf(consumer) == balance


def test_register__by_a_contract_wallet__whose_erc1271_signature_opens_a_session_until_it_refuses(
    project,
    protocol,
    marketplace,
    router,
    mor,
    owner,
    provider,
    consumer,
    model_id,
    funded_pool,
    open_session,
    sign_approval,
):
    wallet = project.ProviderWallet.deploy(provider, sender=provider)
    marketplace.setWhitelisted(wallet, True, sender=owner)
    wallet.execute(marketplace, marketplace.register.encode_input(ENDPOINT, 0), sender=provider)
    tx = wallet.execute(marketplace, marketplace.postBid.encode_input(model_id, PRICE), sender=provider)
    wallet_bid = events(tx, marketplace.BidPosted)[0]["bidId"]
    assert provider_view(marketplace, wallet) == (True, 0, ZERO, 1, ENDPOINT)
    assert marketplace.signerOf(wallet) == wallet.address

    # The wallet's owner key signs; the router asks the wallet (ERC-1271).
    session = open_session(consumer, wallet_bid, 10_000 * MOR, signed_by=provider)
    assert router.session(session).provider == wallet.address

    wallet.setAccepting(False, sender=provider)
    deadline = chain.pending_timestamp + 3_600
    approval = sign_approval(provider, wallet_bid, consumer.address, 777, deadline)
    mor.approve(router, 10_000 * MOR, sender=consumer)
    balance = mor.balanceOf(consumer)
    with ape.reverts(router.InvalidApprovalSignature, signer=wallet.address):
        router.openSession(wallet_bid, 777, deadline, 10_000 * MOR, 0, approval, sender=consumer)
    assert mor.balanceOf(consumer) == balance
    check_conservation(protocol)
