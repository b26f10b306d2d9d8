"""Rules of the market's catalog: token allowances, providers (§1), models (§2), bids (§3)."""

from __future__ import annotations

from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from mor_market.constants import MOR
from tests.properties.model import (
    ZERO_ADDRESS,
    bid_id,
)
from tests.properties.world import (
    ALLOWANCE,
    BOB_SIGNER,
    CONTRACTS,
    KEEPER,
    MODEL_OWNER,
    PROVIDERS,
    amounts,
    anyone,
    choose,
    endpoints,
    index,
    model_names,
    prices,
    provider_names,
    tag_lists,
)


class MarketRules:
    """Rules of the market's catalog: token allowances, providers (§1), models (§2), bids (§3)."""

    # ================================================================== rules: token

    @rule(actor=anyone, spender=st.sampled_from(CONTRACTS), amount=st.sampled_from([0, MOR, 1_000 * MOR, ALLOWANCE]))
    def set_allowance(self, actor: str, spender: str, amount: int) -> None:
        """An actor approves a contract to pull its MOR (0 revokes it)."""
        contract = self.w.contract(spender)
        self.act(
            actor,
            self.w.mor,
            "approve",
            (contract.address, amount),
            lambda: self.model.token.approve(self.addr(actor), str(contract.address), amount),
        )

    # ================================================================== rules: providers (§1)

    @rule(provider=provider_names, endpoint=endpoints, stake=amounts)
    def register_provider(self, provider: str, endpoint: str, stake: int) -> None:
        """Register (or register again: new endpoint, more stake); whitelisted while the whitelist is on."""
        self.act(
            provider,
            self.w.marketplace,
            "register",
            (endpoint, stake),
            lambda: self.model.register(self.addr(provider), endpoint, stake),
        )

    @rule(provider=provider_names, amount=amounts)
    def add_provider_stake(self, provider: str, amount: int) -> None:
        """A provider adds stake at any time, also while paused."""
        self.act(
            provider,
            self.w.marketplace,
            "addStake",
            (amount,),
            lambda: self.model.add_stake(self.addr(provider), amount),
        )

    @rule(provider=provider_names, signer=st.sampled_from([BOB_SIGNER, "zero", "self", KEEPER]))
    def set_provider_signer(self, provider: str, signer: str) -> None:
        """A provider names the key that signs its approvals and receipts (zero: itself)."""
        address = {"zero": ZERO_ADDRESS, "self": self.addr(provider)}.get(signer) or self.addr(signer)
        self.act(
            provider,
            self.w.marketplace,
            "setSigner",
            (address,),
            lambda: self.model.set_signer(self.addr(provider), address),
        )

    @rule(provider=provider_names, delete_bids_first=st.booleans())
    def deregister_provider(self, provider: str, delete_bids_first: bool) -> None:
        """A provider with no active bids deregisters and gets its whole stake back (here it may
        first delete its bids one by one)."""
        if delete_bids_first:
            for bid in self.model.active_bid_ids_of_provider(self.addr(provider)):
                self.act(
                    provider,
                    self.w.marketplace,
                    "deleteBid",
                    (bid,),
                    lambda bid=bid: self.model.delete_bid(self.addr(provider), bid),
                )
        self.act(provider, self.w.marketplace, "deregister", (), lambda: self.model.deregister(self.addr(provider)))

    # ================================================================== rules: models (§2)

    @rule(owner=st.sampled_from([MODEL_OWNER, MODEL_OWNER, "carol"]), name=model_names, tags=tag_lists, stake=amounts)
    def register_model(self, owner: str, name: str, tags: list[bytes], stake: int) -> None:
        """Anyone registers a model with an optional stake (at least governance's minimum)."""
        content_id = keccak(text=name)
        self.act(
            owner,
            self.w.model_registry,
            "registerModel",
            (name, content_id, tags, stake),
            lambda: self.model.register_model(self.addr(owner), name, content_id, tags, stake),
        )

    @rule(
        caller=st.sampled_from([MODEL_OWNER, MODEL_OWNER, "carol", "alice"]),
        pick=index,
        tags=tag_lists,
    )
    def update_model(self, caller: str, pick: int, tags: list[bytes]) -> None:
        """The owner replaces a model's content id and tags (never its name); anyone else is refused."""
        model_id = pick % (len(self.model.models) + 2)  # includes 0 and an unknown id
        content_id = keccak(text=f"{model_id}-{len(tags)}-v2")
        self.act(
            caller,
            self.w.model_registry,
            "updateModel",
            (model_id, content_id, tags),
            lambda: self.model.update_model(self.addr(caller), model_id, content_id, tags),
        )

    @rule(caller=st.sampled_from([MODEL_OWNER, MODEL_OWNER, "carol"]), pick=index)
    def deregister_model(self, caller: str, pick: int) -> None:
        """The owner deregisters a model, whatever others bid on it, and gets its stake back."""
        model_id = pick % (len(self.model.models) + 2)
        self.act(
            caller,
            self.w.model_registry,
            "deregisterModel",
            (model_id,),
            lambda: self.model.deregister_model(self.addr(caller), model_id),
        )

    @rule(pick=index)
    def model_owner_deregisters_and_registers_again(self, pick: int) -> None:
        """v3 reset attack: the owner of a model deregisters it and registers its name again at
        once. The name keeps its id, the bids still active on it are usable again, and no
        provider's statistics change (a score never moves on deregister/register)."""
        owned = [mid for mid, m in self.model.models.items() if m.active and m.owner == self.addr(MODEL_OWNER)]
        if not owned:
            return
        model_id = choose(sorted(owned), pick)
        name = self.model.models[model_id].name
        before = {p: tuple(self.w.router.stats(self.addr(p), model_id)) for p in PROVIDERS}
        self.deregister_model(MODEL_OWNER, model_id)
        self.register_model(MODEL_OWNER, name, [], 0)
        self.w.attackers["model reset"] += 1
        if self.model.models[model_id].active:
            assert self.model.model_id_by_name(name) == model_id
            assert {p: tuple(self.w.router.stats(self.addr(p), model_id)) for p in PROVIDERS} == before

    # ================================================================== rules: bids (§3)

    @rule(provider=provider_names, model_pick=index, price=prices)
    def post_bid(self, provider: str, model_pick: int, price: int) -> None:
        """Post a bid (replacing the pair's active bid with a new version); price within bounds."""
        model_id = 1 + model_pick % (len(self.model.models) + 1)  # the last one is unknown
        self.act(
            provider,
            self.w.marketplace,
            "postBid",
            (model_id, price),
            lambda: self.model.post_bid(self.addr(provider), model_id, price),
        )

    @precondition(lambda self: any(b.version for b in self.model.bids.values()))
    @rule(caller=provider_names, pick=index, stale=st.booleans())
    def delete_bid(self, caller: str, pick: int, stale: bool) -> None:
        """A provider deletes its bid; someone else's, or a replaced or deleted version, is refused."""
        pairs = sorted(k for k, b in self.model.bids.items() if b.version)
        provider, model_id = choose(pairs, pick)
        version = self.model.bids[(provider, model_id)].version
        bid = bid_id(provider, model_id, max(version - 1, 1) if stale else version)
        self.act(caller, self.w.marketplace, "deleteBid", (bid,), lambda: self.model.delete_bid(self.addr(caller), bid))
