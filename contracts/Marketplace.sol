// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ExpiringPause} from "./governance/ExpiringPause.sol";
import {SurplusSweep} from "./governance/SurplusSweep.sol";
import {IComputePool} from "./interfaces/IComputePool.sol";
import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {BidIds} from "./libraries/BidIds.sol";

/// @title Marketplace
/// @notice Providers and their bids (PROTOCOL.md §1, §3). A provider registers with an endpoint
/// and locked MOR, names a signer, and posts one bid per model at a price per second. Stake is
/// only locked: the one path that moves it is `deregister`, which pays it back to the provider.
/// Bid fees are the only MOR governance may withdraw.
contract Marketplace is IMarketplace, ExpiringPause, SurplusSweep, Multicall {
    using SafeERC20 for IERC20;

    /// @notice Longest endpoint, in bytes: room for a URL with host, port and path.
    uint256 public constant MAX_ENDPOINT_LENGTH = 128;
    /// @notice Lowest price bound: 1 gwei of MOR a second (0.0000864 MOR a day). Below it a day
    /// of compute costs less than the gas of the transaction that opens it: spam, not a price.
    uint256 public constant PRICE_FLOOR = 1e9;
    /// @notice Highest price bound: 0.1 MOR a second (8,640 MOR a day, the whole daily budget of
    /// an 864,000-MOR pool). It also caps what one session can be owed: price x longest session.
    uint256 public constant PRICE_CEILING = 1e17;
    /// @notice Highest `minPricePerSecond`: 5e12 wei a second (0.432 MOR a day). The minimum
    /// price keeps dust bids out; it must not price stipend sessions out. With it, the longest
    /// minimum session (`SessionRouter.MIN_DURATION_CEILING`, an hour) costs 0.018 MOR, which a
    /// stake of 1% of the MOR circulating outside the pool buys whenever the pool holds 1% of
    /// it, at 1M MOR circulating and the reference supply pinned at 42M MOR (7,560 MOR of the
    /// 10,000 allowed): no in-bound combination shuts stipend sessions (PROTOCOL.md §7).
    uint256 public constant MIN_PRICE_CEILING = 5e12;
    /// @notice Highest bid fee: 10 MOR. Fees go to governance, so the ceiling keeps governance
    /// from taxing providers out of the market (the reference implementation charges 0.3 MOR).
    uint256 public constant MAX_BID_FEE = 10 ether;
    /// @notice Highest minimum provider stake: 100,000 MOR (0.24% of MOR's 42M supply). Entry
    /// must stay open: a higher minimum would let governance close the market to newcomers.
    uint256 public constant MAX_MIN_PROVIDER_STAKE = 100_000 ether;

    /// @notice The MOR token.
    IERC20 public immutable mor;
    /// @notice The model registry.
    IModelRegistry public immutable models;
    /// @notice The compute pool, where swept surplus goes.
    IComputePool public immutable pool;

    /// @dev One slot: [stake 88 | activeBids 32 | registered 8]; read and written by register,
    /// postBid, deleteBid and deregister. uint88 holds 3e26 wei, seven times MOR's 42M supply.
    /// The signer lives in its own slot: only sessions read it, only setSigner writes it.
    struct ProviderRecord {
        uint88 stake;
        uint32 activeBids;
        bool registered;
    }

    /// @notice Largest page of the listing views: bounds their gas (a listing carries an
    /// endpoint of up to 128 bytes) whatever the caller asks for.
    uint256 public constant MAX_PAGE = 500;

    /// @dev One slot: [price 64 | version 64 | postedAt 40 | modelPos 32 | providerPos 32 |
    /// active 8] = 240 bits. `version` is the pair's latest version, kept after deletion so ids
    /// never repeat; the positions index the model's and the provider's lists of active bids.
    struct BidRecord {
        uint64 price;
        uint64 version;
        uint40 postedAt;
        uint32 modelPos;
        uint32 providerPos;
        bool active;
    }

    /// @dev One slot: [minProviderStake 88 | minPrice 64 | maxPrice 64 | whitelistEnabled 8].
    struct Params {
        uint88 minProviderStake;
        uint64 minPrice;
        uint64 maxPrice;
        bool whitelistEnabled;
    }

    mapping(address provider => ProviderRecord) private _providers;
    mapping(address provider => address) private _signers;
    mapping(address provider => string) private _endpoints;
    mapping(address provider => mapping(uint32 modelId => BidRecord)) private _bids;
    mapping(uint32 modelId => address[]) private _modelBidders;
    /// @dev A provider's active bids by model id, at positions 0 .. activeBids - 1 (slots past
    /// the end keep stale ids on purpose: the next bid then rewrites a non-zero slot).
    mapping(address provider => mapping(uint256 position => uint32 modelId)) private _providerModels;
    /// @dev Models their owner deregistered: their bids open no session and are not listed,
    /// until the name is registered again (the model keeps its id) and the flag is cleared.
    mapping(uint32 modelId => bool) private _closedModels;
    mapping(address account => bool) private _whitelist;
    Params private _params;
    uint96 private _bidFee;
    uint96 private _feeBalance;
    uint256 private _totalStake;

    constructor(IERC20 mor_, IModelRegistry models_, IComputePool pool_, address owner_) Ownable(owner_) {
        mor = mor_;
        models = models_;
        pool = pool_;
        _params = Params({
            minProviderStake: 0,
            minPrice: uint64(PRICE_FLOOR),
            maxPrice: uint64(PRICE_CEILING),
            whitelistEnabled: true
        });
    }

    // ---------------------------------------------------------------- providers

    /// @inheritdoc IMarketplace
    function register(string calldata endpoint, uint256 stake) external whenNotPaused nonReentrant {
        uint256 length = bytes(endpoint).length;
        if (length == 0) revert EmptyEndpoint();
        if (length > MAX_ENDPOINT_LENGTH) revert EndpointTooLong(length, MAX_ENDPOINT_LENGTH);
        Params memory params = _params;
        if (params.whitelistEnabled && !_whitelist[msg.sender]) revert NotWhitelisted(msg.sender);

        ProviderRecord storage record = _providers[msg.sender];
        uint256 total = record.stake + stake;
        if (!params.whitelistEnabled && total < params.minProviderStake) {
            revert ProviderStakeBelowMinimum(total, params.minProviderStake);
        }
        record.registered = true;
        record.stake = SafeCast.toUint88(total);
        _totalStake += stake;
        _endpoints[msg.sender] = endpoint;
        emit ProviderRegistered(msg.sender, endpoint);

        if (stake > 0) {
            emit ProviderStakeAdded(msg.sender, stake, total);
            mor.safeTransferFrom(msg.sender, address(this), stake);
        }
    }

    /// @inheritdoc IMarketplace
    function addStake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        ProviderRecord storage record = _requireRegistered(msg.sender);
        uint256 total = record.stake + amount;
        record.stake = SafeCast.toUint88(total);
        _totalStake += amount;
        emit ProviderStakeAdded(msg.sender, amount, total);

        mor.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IMarketplace
    function setSigner(address signer) external {
        _requireRegistered(msg.sender);
        _signers[msg.sender] = signer;
        emit ProviderSignerSet(msg.sender, signer);
    }

    /// @inheritdoc IMarketplace
    function deregister() external nonReentrant {
        ProviderRecord storage record = _requireRegistered(msg.sender);
        _deleteBidsOnClosedModels(msg.sender, record);
        if (record.activeBids != 0) revert ProviderHasActiveBids(record.activeBids);

        uint256 stake = record.stake;
        record.stake = 0;
        record.registered = false;
        _totalStake -= stake;
        delete _endpoints[msg.sender];
        emit ProviderDeregistered(msg.sender, stake);

        if (stake > 0) mor.safeTransfer(msg.sender, stake);
    }

    // ---------------------------------------------------------------- bids

    /// @inheritdoc IMarketplace
    function postBid(uint32 modelId, uint256 pricePerSecond) external whenNotPaused nonReentrant returns (uint256 bidId) {
        Params memory params = _params;
        ProviderRecord storage provider_ = _requireRegistered(msg.sender);
        // A provider taken off the whitelist while it is on is suspended: no new or replaced bid.
        if (params.whitelistEnabled && !_whitelist[msg.sender]) revert NotWhitelisted(msg.sender);
        if (!params.whitelistEnabled && provider_.stake < params.minProviderStake) {
            revert ProviderStakeBelowMinimum(provider_.stake, params.minProviderStake);
        }
        if (pricePerSecond < params.minPrice || pricePerSecond > params.maxPrice) {
            revert PriceOutOfRange(pricePerSecond, params.minPrice, params.maxPrice);
        }
        if (!models.isActive(modelId)) revert IModelRegistry.ModelNotActive(modelId);

        BidRecord storage record = _bids[msg.sender][modelId];
        if (record.active) {
            emit BidDeleted(BidIds.encode(msg.sender, modelId, record.version), msg.sender, modelId);
        } else {
            uint32 position = provider_.activeBids;
            record.modelPos = SafeCast.toUint32(_modelBidders[modelId].length);
            record.providerPos = position;
            record.active = true;
            _modelBidders[modelId].push(msg.sender);
            _providerModels[msg.sender][position] = modelId;
            // Cannot overflow: one active bid per model, and model ids are uint32.
            unchecked {
                provider_.activeBids = position + 1;
            }
        }
        // Cannot overflow: a version grows by one per post, and 2^64 posts cannot be paid for.
        unchecked {
            ++record.version;
        }
        record.price = uint64(pricePerSecond); // within maxPrice <= type(uint64).max, checked above
        record.postedAt = SafeCast.toUint40(block.timestamp);
        bidId = BidIds.encode(msg.sender, modelId, record.version);
        uint256 fee = _bidFee;
        emit BidPosted(bidId, msg.sender, modelId, pricePerSecond, fee);

        if (fee > 0) {
            _feeBalance += uint96(fee);
            mor.safeTransferFrom(msg.sender, address(this), fee);
        }
    }

    /// @inheritdoc IMarketplace
    function deleteBid(uint256 bidId) external {
        address bidProvider = BidIds.provider(bidId);
        if (bidProvider != msg.sender) revert NotBidProvider(bidId, msg.sender);
        uint32 modelId = BidIds.modelId(bidId);
        BidRecord storage record = _bids[msg.sender][modelId];
        if (!record.active || record.version != BidIds.version(bidId)) revert BidNotActive(bidId);

        _removeBid(msg.sender, _providers[msg.sender], modelId, record);
        emit BidDeleted(bidId, msg.sender, modelId);
    }

    /// @inheritdoc IMarketplace
    function closeModel(uint32 modelId) external {
        _requireModelRegistry();
        _closedModels[modelId] = true;
        emit ModelClosed(modelId);
    }

    /// @inheritdoc IMarketplace
    function reopenModel(uint32 modelId) external {
        _requireModelRegistry();
        // Closing left the bids in their lists (only their providers may have deleted some
        // since): clearing the flag is all it takes for the ones still active to be usable and
        // listed again, in O(1) whatever their number.
        _closedModels[modelId] = false;
        emit ModelReopened(modelId);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IMarketplace
    function setWhitelisted(address account, bool whitelisted) external onlyOwner {
        if (account == address(0)) revert ZeroAddress();
        _whitelist[account] = whitelisted;
        emit WhitelistSet(account, whitelisted);
    }

    /// @inheritdoc IMarketplace
    function disableWhitelist() external onlyOwner {
        if (!_params.whitelistEnabled) revert WhitelistAlreadyDisabled();
        _params.whitelistEnabled = false;
        emit WhitelistDisabled();
    }

    /// @inheritdoc IMarketplace
    function setMinProviderStake(uint256 minimum) external onlyOwner {
        _checkBounds("minProviderStake", minimum, 0, MAX_MIN_PROVIDER_STAKE);
        _params.minProviderStake = uint88(minimum);
        emit ParameterChanged("minProviderStake", minimum);
    }

    /// @inheritdoc IMarketplace
    function setPriceBounds(uint256 minimum, uint256 maximum) external onlyOwner {
        _checkBounds("minPricePerSecond", minimum, PRICE_FLOOR, MIN_PRICE_CEILING);
        _checkBounds("maxPricePerSecond", maximum, minimum, PRICE_CEILING);
        _params.minPrice = uint64(minimum);
        _params.maxPrice = uint64(maximum);
        emit ParameterChanged("minPricePerSecond", minimum);
        emit ParameterChanged("maxPricePerSecond", maximum);
    }

    /// @inheritdoc IMarketplace
    function setBidFee(uint256 fee) external onlyOwner {
        _checkBounds("bidFee", fee, 0, MAX_BID_FEE);
        _bidFee = uint96(fee);
        emit ParameterChanged("bidFee", fee);
    }

    /// @inheritdoc IMarketplace
    function withdrawFees(address to, uint256 amount) external onlyOwner nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        uint256 fees = _feeBalance;
        if (amount > fees) revert InsufficientFees(fees, amount);
        // Cannot underflow: amount <= fees, checked above.
        unchecked {
            _feeBalance = uint96(fees - amount);
        }
        emit FeesWithdrawn(to, amount);

        mor.safeTransfer(to, amount);
    }

    /// @inheritdoc IMarketplace
    /// @dev Governance or the guardian (`NotPauser` otherwise).
    function pause() external {
        _pause();
    }

    /// @inheritdoc IMarketplace
    function unpause() external onlyOwner {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IMarketplace
    function activeBid(uint256 bidId)
        external
        view
        returns (address provider_, uint32 modelId, uint256 pricePerSecond, address signer)
    {
        provider_ = BidIds.provider(bidId);
        modelId = BidIds.modelId(bidId);
        BidRecord storage record = _bids[provider_][modelId];
        if (!record.active || record.version != BidIds.version(bidId)) revert BidNotActive(bidId);
        // A deregistered model's bids and a suspended provider's bids open no session.
        if (_closedModels[modelId]) revert IModelRegistry.ModelNotActive(modelId);
        if (_params.whitelistEnabled && !_whitelist[provider_]) revert NotWhitelisted(provider_);
        pricePerSecond = record.price;
        signer = _signerOf(provider_);
    }

    /// @inheritdoc IMarketplace
    function signerOf(address provider_) external view returns (address) {
        return _signerOf(provider_);
    }

    /// @inheritdoc IMarketplace
    function providerRecord(address provider_) external view returns (Provider memory) {
        ProviderRecord storage record = _providers[provider_];
        return Provider({
            registered: record.registered,
            stake: record.stake,
            signer: _signers[provider_],
            activeBids: record.activeBids,
            endpoint: _endpoints[provider_]
        });
    }

    /// @inheritdoc IMarketplace
    function bid(uint256 bidId) external view returns (Bid memory) {
        address provider_ = BidIds.provider(bidId);
        uint32 modelId = BidIds.modelId(bidId);
        uint64 version = BidIds.version(bidId);
        BidRecord storage record = _bids[provider_][modelId];
        bool current = record.version == version;
        return Bid({
            provider: provider_,
            modelId: modelId,
            version: version,
            // A replaced version's price and time live in its BidPosted event, not in storage.
            pricePerSecond: current ? record.price : 0,
            postedAt: current ? record.postedAt : 0,
            active: current && record.active
        });
    }

    /// @inheritdoc IMarketplace
    function activeBidOf(address provider_, uint32 modelId) external view returns (uint256) {
        BidRecord storage record = _bids[provider_][modelId];
        return record.active ? BidIds.encode(provider_, modelId, record.version) : 0;
    }

    /// @inheritdoc IMarketplace
    function activeBidsOfModel(uint32 modelId, uint256 offset, uint256 limit) external view returns (uint256[] memory bidIds) {
        address[] storage bidders = _listedBidders(modelId);
        uint256 length = _pageLength(bidders.length, offset, limit);
        bidIds = new uint256[](length);
        uint256 n = 0;
        for (uint256 i = 0; i < length; ++i) {
            address bidder = bidders[offset + i];
            if (_isSuspended(bidder)) continue;
            bidIds[n++] = BidIds.encode(bidder, modelId, _bids[bidder][modelId].version);
        }
        _shrink(bidIds, n);
    }

    /// @inheritdoc IMarketplace
    function activeBidsOfProvider(address provider_, uint256 offset, uint256 limit)
        external
        view
        returns (uint256[] memory bidIds)
    {
        uint256 length = _isSuspended(provider_) ? 0 : _pageLength(_providers[provider_].activeBids, offset, limit);
        bidIds = new uint256[](length);
        uint256 n = 0;
        for (uint256 i = 0; i < length; ++i) {
            uint32 modelId = _providerModels[provider_][offset + i];
            if (_closedModels[modelId]) continue;
            bidIds[n++] = BidIds.encode(provider_, modelId, _bids[provider_][modelId].version);
        }
        _shrink(bidIds, n);
    }

    /// @inheritdoc IMarketplace
    function bidListings(uint32 modelId, uint256 offset, uint256 limit)
        external
        view
        returns (Listing[] memory listings, uint256 total)
    {
        address[] storage bidders = _listedBidders(modelId);
        total = bidders.length;
        uint256 length = _pageLength(total, offset, limit);
        listings = new Listing[](length);
        uint256 n = 0;
        for (uint256 i = 0; i < length; ++i) {
            address bidder = bidders[offset + i];
            if (_isSuspended(bidder)) continue;
            BidRecord storage record = _bids[bidder][modelId];
            listings[n++] = Listing({
                bidId: BidIds.encode(bidder, modelId, record.version),
                provider: bidder,
                pricePerSecond: record.price,
                postedAt: record.postedAt,
                providerStake: _providers[bidder].stake,
                endpoint: _endpoints[bidder]
            });
        }
        // Drop the unused tail: the array's length word is the first word of its memory.
        assembly ("memory-safe") {
            mstore(listings, n)
        }
    }

    /// @inheritdoc IMarketplace
    function activeBidCountOfModel(uint32 modelId) external view returns (uint256) {
        return _listedBidders(modelId).length;
    }

    /// @inheritdoc IMarketplace
    function isModelClosed(uint32 modelId) external view returns (bool) {
        return _closedModels[modelId];
    }

    /// @inheritdoc IMarketplace
    function isWhitelisted(address account) external view returns (bool) {
        return _whitelist[account];
    }

    /// @inheritdoc IMarketplace
    function whitelistEnabled() external view returns (bool) {
        return _params.whitelistEnabled;
    }

    /// @inheritdoc IMarketplace
    function minProviderStake() external view returns (uint256) {
        return _params.minProviderStake;
    }

    /// @inheritdoc IMarketplace
    function priceBounds() external view returns (uint256 minimum, uint256 maximum) {
        return (_params.minPrice, _params.maxPrice);
    }

    /// @inheritdoc IMarketplace
    function bidFee() external view returns (uint256) {
        return _bidFee;
    }

    /// @inheritdoc IMarketplace
    function totalStake() external view returns (uint256) {
        return _totalStake;
    }

    /// @inheritdoc IMarketplace
    function feeBalance() external view returns (uint256) {
        return _feeBalance;
    }

    // ---------------------------------------------------------------- internal

    /// @dev Stakes and uncollected fees: everything else the marketplace holds is surplus.
    function _owedMor() internal view override returns (uint256) {
        return _totalStake + _feeBalance;
    }

    function _sweepRoute() internal view override returns (IERC20, IComputePool) {
        return (mor, pool);
    }

    function _requireRegistered(address account) private view returns (ProviderRecord storage record) {
        record = _providers[account];
        if (!record.registered) revert ProviderNotRegistered(account);
    }

    function _signerOf(address provider_) private view returns (address) {
        address signer = _signers[provider_];
        return signer == address(0) ? provider_ : signer;
    }

    /// @dev Only the model registry opens and closes a model's market (its owner's exit and a
    /// name registered again).
    function _requireModelRegistry() private view {
        if (msg.sender != address(models)) revert NotModelRegistry(msg.sender);
    }

    /// @dev Whether the whitelist is on and `provider_` is not on it: its bids are unusable.
    function _isSuspended(address provider_) private view returns (bool) {
        return _params.whitelistEnabled && !_whitelist[provider_];
    }

    /// @dev The bidders a model's listings page over: none while the model is closed (model id 0
    /// is never registered, so its list is always empty).
    function _listedBidders(uint32 modelId) private view returns (address[] storage bidders) {
        bidders = _modelBidders[_closedModels[modelId] ? 0 : modelId];
    }

    /// @dev Number of items of a page at `offset` of at most `min(limit, MAX_PAGE)` items in a
    /// list of `length`.
    function _pageLength(uint256 length, uint256 offset, uint256 limit) private pure returns (uint256) {
        return offset >= length ? 0 : Math.min(Math.min(limit, MAX_PAGE), length - offset);
    }

    /// @dev Cuts a memory array to its first `n` items (its length word is its first word).
    function _shrink(uint256[] memory items, uint256 n) private pure {
        assembly ("memory-safe") {
            mstore(items, n)
        }
    }

    /// @dev Removes an active bid from its model's and its provider's lists, O(1) each
    /// (swap-and-pop: the last item takes the removed one's place).
    function _removeBid(address provider_, ProviderRecord storage providerRecord_, uint32 modelId, BidRecord storage record)
        private
    {
        record.active = false;
        address[] storage bidders = _modelBidders[modelId];
        address lastBidder = bidders[bidders.length - 1];
        bidders[record.modelPos] = lastBidder;
        _bids[lastBidder][modelId].modelPos = record.modelPos;
        bidders.pop();

        // Cannot underflow: the bid was active, so it was counted.
        uint32 lastPos;
        unchecked {
            lastPos = providerRecord_.activeBids - 1;
        }
        uint32 lastModel = _providerModels[provider_][lastPos];
        _providerModels[provider_][record.providerPos] = lastModel;
        _bids[provider_][lastModel].providerPos = record.providerPos;
        providerRecord_.activeBids = lastPos;
    }

    /// @dev Deletes the provider's bids on models their owners deregistered, so that they do
    /// not hold its deregistration. O(the provider's own active bids), walked from the end so
    /// that a swapped-in bid has always been looked at already.
    function _deleteBidsOnClosedModels(address provider_, ProviderRecord storage record) private {
        for (uint256 i = record.activeBids; i > 0; --i) {
            uint32 modelId = _providerModels[provider_][i - 1];
            if (!_closedModels[modelId]) continue;
            BidRecord storage bid_ = _bids[provider_][modelId];
            _removeBid(provider_, record, modelId, bid_);
            emit BidDeleted(BidIds.encode(provider_, modelId, bid_.version), provider_, modelId);
        }
    }
}
