// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IExpiringPause} from "./IExpiringPause.sol";
import {ISurplusSweep} from "./ISurplusSweep.sol";

/// @title IMarketplace
/// @notice The supply side (PROTOCOL.md §1 and §3): providers register with an endpoint and
/// locked MOR stake (never slashed) and post bids, a price in MOR wei per second, for models.
/// @dev Providers and their bids share one contract: posting a bid reads the provider's
/// registration and stake, deregistering reads the provider's active bids, and a provider can
/// register, name a signer and post several bids in one `multicall`.
interface IMarketplace is IExpiringPause, ISurplusSweep {
    /// @notice A provider, as the views return it.
    struct Provider {
        bool registered;
        uint256 stake;
        address signer;
        uint256 activeBids;
        string endpoint;
    }

    /// @notice A bid, as the views return it.
    struct Bid {
        address provider;
        uint32 modelId;
        uint64 version;
        uint64 pricePerSecond;
        uint40 postedAt;
        bool active;
    }

    /// @notice A model's usable bid with what a consumer needs to choose it and reach its
    /// provider, as the listing view returns it.
    struct Listing {
        uint256 bidId;
        address provider;
        uint64 pricePerSecond;
        uint40 postedAt;
        uint256 providerStake;
        string endpoint;
    }

    /// @notice The endpoint is empty.
    error EmptyEndpoint();
    /// @notice The endpoint is longer than `max` bytes.
    error EndpointTooLong(uint256 length, uint256 max);
    /// @notice The whitelist is on and `account` is not on it (for a registered provider: it is
    /// suspended, and can neither post bids nor be opened on).
    error NotWhitelisted(address account);
    /// @notice The provider's stake is below the minimum required once the whitelist is off.
    error ProviderStakeBelowMinimum(uint256 stake, uint256 minimum);
    /// @notice `account` is not a registered provider.
    error ProviderNotRegistered(address account);
    /// @notice The provider still has `count` active bids.
    error ProviderHasActiveBids(uint256 count);
    /// @notice A zero amount was given where MOR must move.
    error ZeroAmount();
    /// @notice A zero address was given.
    error ZeroAddress();
    /// @notice The price is outside governance's bounds.
    error PriceOutOfRange(uint256 price, uint256 minimum, uint256 maximum);
    /// @notice Bid `bidId` is not the active bid of its (provider, model) pair.
    error BidNotActive(uint256 bidId);
    /// @notice `caller` is not the provider of bid `bidId`.
    error NotBidProvider(uint256 bidId, address caller);
    /// @notice The whitelist was already turned off (it cannot be turned on again).
    error WhitelistAlreadyDisabled();
    /// @notice Governance asked for more fees than the fee balance holds.
    error InsufficientFees(uint256 balance, uint256 requested);
    /// @notice Only the model registry may close or reopen a model's market.
    error NotModelRegistry(address caller);

    /// @notice A provider registered, or registered again to update its endpoint.
    event ProviderRegistered(address indexed provider, string endpoint);
    /// @notice A provider added stake.
    event ProviderStakeAdded(address indexed provider, uint256 amount, uint256 totalStake);
    /// @notice A provider named a signer for approvals and receipts (zero: the provider itself).
    event ProviderSignerSet(address indexed provider, address indexed signer);
    /// @notice A provider deregistered and got its whole stake back.
    event ProviderDeregistered(address indexed provider, uint256 stakeReturned);
    /// @notice A bid was posted (a replaced bid is reported by `BidDeleted` first).
    event BidPosted(uint256 indexed bidId, address indexed provider, uint32 indexed modelId, uint256 pricePerSecond, uint256 fee);
    /// @notice A bid stopped being active, deleted by its provider or replaced by a new post.
    event BidDeleted(uint256 indexed bidId, address indexed provider, uint32 indexed modelId);
    /// @notice A model's owner deregistered it: its bids open no session and are not listed.
    event ModelClosed(uint32 indexed modelId);
    /// @notice A deregistered model's name was registered again: its bids still active open
    /// sessions and are listed again.
    event ModelReopened(uint32 indexed modelId);
    /// @notice Governance put `account` on the whitelist or took it off.
    event WhitelistSet(address indexed account, bool whitelisted);
    /// @notice Governance turned the whitelist off for good.
    event WhitelistDisabled();
    /// @notice Governance withdrew bid fees.
    event FeesWithdrawn(address indexed to, uint256 amount);
    /// @notice A governance parameter changed.
    event ParameterChanged(bytes32 indexed name, uint256 value);

    /// @notice Registers the caller as a provider, or updates its endpoint, and adds `stake`.
    /// @dev Requirements: not paused; endpoint 1..128 bytes; while the whitelist is on the caller
    /// is whitelisted (no stake needed); once it is off, the total stake after this call is at
    /// least `minProviderStake`; the caller approved `stake` MOR to this contract.
    /// @param endpoint host:port or URL where the provider serves sessions.
    /// @param stake MOR to add to the locked stake (may be 0).
    function register(string calldata endpoint, uint256 stake) external;

    /// @notice Adds `amount` to the caller's locked stake. Works while paused.
    /// @dev Requirements: the caller is registered; `amount > 0`.
    /// @param amount MOR wei.
    function addStake(uint256 amount) external;

    /// @notice Names the key that signs the caller's session approvals and receipts.
    /// @dev Requirements: the caller is registered. Zero means the provider's own key (or its
    /// ERC-1271 wallet) signs.
    /// @param signer The signer, or zero.
    function setSigner(address signer) external;

    /// @notice Deregisters the caller and returns its whole stake in the same transaction.
    /// Its bids on deregistered models are deleted first: they never hold a provider back.
    /// @dev Requirements: registered; no active bid on a registered model. Works while paused.
    /// Costs O(the caller's own active bids), never more.
    function deregister() external;

    /// @notice Posts the caller's bid for `modelId`, replacing its active bid for that model.
    /// @dev Requirements: not paused; the caller is registered; while the whitelist is on, the
    /// caller is on it (a provider taken off is suspended), and once it is off, its stake is at
    /// least `minProviderStake`; the model is active; the price is within bounds; the caller
    /// approved `bidFee` MOR if it is not zero.
    /// @param modelId The model.
    /// @param pricePerSecond Price in MOR wei per second of compute.
    /// @return bidId The new bid's id.
    function postBid(uint32 modelId, uint256 pricePerSecond) external returns (uint256 bidId);

    /// @notice Deletes the caller's bid. Open sessions on it run on unchanged. Works while paused.
    /// @dev Requirements: the caller is the bid's provider; the bid is active.
    /// @param bidId The bid.
    function deleteBid(uint256 bidId) external;

    /// @notice Closes a model's market when its owner deregisters it, in O(1): its bids stop
    /// opening sessions and being listed, and stop counting against their providers'
    /// deregistration. Open sessions on them run and close as usual. Model registry only.
    /// @param modelId The model.
    function closeModel(uint32 modelId) external;

    /// @notice Reopens a closed model's market when its name is registered again (a name keeps
    /// its id), in O(1): its bids still active open sessions and are listed again, and count
    /// against their providers' deregistration again. Bids deleted while it was closed (by
    /// their provider, or at its deregistration) stay deleted. Model registry only.
    /// @param modelId The model.
    function reopenModel(uint32 modelId) external;

    /// @notice Whitelists or un-whitelists `account`. Governance only.
    /// @param account The account.
    /// @param whitelisted Whether it may register while the whitelist is on.
    function setWhitelisted(address account, bool whitelisted) external;

    /// @notice Turns the whitelist off, once and for good. Governance only.
    function disableWhitelist() external;

    /// @notice Sets the stake a provider needs once the whitelist is off. Governance only.
    /// @param minimum MOR wei, 0..100,000 MOR (`ParameterOutOfBounds` outside).
    function setMinProviderStake(uint256 minimum) external;

    /// @notice Sets the bounds of bid prices. Governance only.
    /// @param minimum Lowest price per second, `PRICE_FLOOR` (1e9) .. `MIN_PRICE_CEILING` (5e12).
    /// @param maximum Highest price per second, `minimum` .. `PRICE_CEILING`.
    function setPriceBounds(uint256 minimum, uint256 maximum) external;

    /// @notice Sets the fee paid with each posted bid (may be 0). Governance only.
    /// @param fee MOR wei, 0..10 MOR (`ParameterOutOfBounds` outside).
    function setBidFee(uint256 fee) external;

    /// @notice Sends collected bid fees, and nothing else, to `to`. Governance only.
    /// @param to Receiver.
    /// @param amount MOR wei, at most the fee balance.
    function withdrawFees(address to, uint256 amount) external;

    /// @notice Stops new registrations and bids for at most 7 days (it lifts itself), and only 7
    /// days after the previous pause ended. Governance, or at once its guardian.
    function pause() external;

    /// @notice Lifts the pause before it expires. Governance only.
    function unpause() external;

    /// @notice What the session router needs to open a session on a bid, in one call.
    /// @dev Reverts with `BidNotActive` unless `bidId` is the active bid of its pair, with
    /// `IModelRegistry.ModelNotActive` if its model was deregistered, and with `NotWhitelisted`
    /// if its provider is suspended (whitelist on, provider taken off it).
    /// @param bidId The bid.
    /// @return provider The bid's provider.
    /// @return modelId The bid's model.
    /// @return pricePerSecond The bid's price.
    /// @return signer The account whose signature approves sessions for the provider.
    function activeBid(uint256 bidId)
        external
        view
        returns (address provider, uint32 modelId, uint256 pricePerSecond, address signer);

    /// @notice The account whose signature speaks for `provider`: its signer, or itself.
    /// @param provider The provider.
    /// @return The signing account.
    function signerOf(address provider) external view returns (address);

    /// @notice A provider's record.
    /// @param provider The provider.
    /// @return The record.
    function providerRecord(address provider) external view returns (Provider memory);

    /// @notice A bid's record, active or not.
    /// @param bidId The bid.
    /// @return The record.
    function bid(uint256 bidId) external view returns (Bid memory);

    /// @notice The active bid id of (provider, model), or 0.
    /// @param provider The provider.
    /// @param modelId The model.
    /// @return The bid id, 0 when none is active.
    function activeBidOf(address provider, uint32 modelId) external view returns (uint256);

    /// @notice A model's usable bids, paginated over the positions of its list of active bids.
    /// @dev Positions `[offset, offset + min(limit, MAX_PAGE))` of the list; bids of suspended
    /// providers are skipped, so a page may hold fewer; page on with `offset + limit` until
    /// `activeBidCountOfModel`. Order: the order of posting, except that deleting a bid moves
    /// the model's last bid into its place. A deregistered model lists nothing.
    /// @param modelId The model.
    /// @param offset First position.
    /// @param limit Largest number of positions to read (at most 500).
    /// @return bidIds The usable bids.
    function activeBidsOfModel(uint32 modelId, uint256 offset, uint256 limit) external view returns (uint256[] memory bidIds);

    /// @notice A provider's usable bids, paginated over the positions of its own list of active
    /// bids (`providerRecord(p).activeBids` positions).
    /// @dev Positions `[offset, offset + min(limit, MAX_PAGE))`; bids on deregistered models are
    /// skipped, and a suspended provider lists nothing. Deleting a bid moves the provider's
    /// last bid into its place.
    /// @param provider The provider.
    /// @param offset First position.
    /// @param limit Largest number of positions to read (at most 500).
    /// @return bidIds The usable bids.
    function activeBidsOfProvider(address provider, uint256 offset, uint256 limit)
        external
        view
        returns (uint256[] memory bidIds);

    /// @notice A model's usable bids with their prices and their providers' stakes and
    /// endpoints, in one call: what a consumer needs to choose a bid and reach its provider.
    /// Same positions and order as `activeBidsOfModel`.
    /// @param modelId The model.
    /// @param offset First position.
    /// @param limit Largest number of positions to read (at most 500).
    /// @return listings The usable bids of the page.
    /// @return total The number of positions (`activeBidCountOfModel`).
    function bidListings(uint32 modelId, uint256 offset, uint256 limit)
        external
        view
        returns (Listing[] memory listings, uint256 total);

    /// @notice Number of positions in a model's list of active bids: the bids that are listed,
    /// suspended providers' included (skipped by the listings). 0 while the model is deregistered.
    /// @param modelId The model.
    /// @return The count.
    function activeBidCountOfModel(uint32 modelId) external view returns (uint256);

    /// @notice Whether the model's owner deregistered it (its market is closed until the name is
    /// registered again).
    /// @param modelId The model.
    /// @return True while closed.
    function isModelClosed(uint32 modelId) external view returns (bool);

    /// @notice Whether `account` is whitelisted.
    /// @param account The account.
    /// @return True when whitelisted.
    function isWhitelisted(address account) external view returns (bool);

    /// @notice Whether the whitelist is still on.
    /// @return True while on.
    function whitelistEnabled() external view returns (bool);

    /// @notice Stake a provider needs once the whitelist is off.
    /// @return MOR wei.
    function minProviderStake() external view returns (uint256);

    /// @notice Price bounds of bids.
    /// @return minimum Lowest price per second.
    /// @return maximum Highest price per second.
    function priceBounds() external view returns (uint256 minimum, uint256 maximum);

    /// @notice Fee per posted bid.
    /// @return MOR wei.
    function bidFee() external view returns (uint256);

    /// @notice Sum of all providers' stakes.
    /// @return MOR wei; with `feeBalance`, equals the marketplace's MOR balance (conservation).
    function totalStake() external view returns (uint256);

    /// @notice Bid fees collected and not yet withdrawn.
    /// @return MOR wei.
    function feeBalance() external view returns (uint256);
}
