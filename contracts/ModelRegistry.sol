// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ExpiringPause} from "./governance/ExpiringPause.sol";
import {SurplusSweep} from "./governance/SurplusSweep.sol";
import {IComputePool} from "./interfaces/IComputePool.sol";
import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {ModelNames} from "./libraries/ModelNames.sol";

/// @title ModelRegistry
/// @notice Models that providers bid for (PROTOCOL.md §2). Anyone registers a model; its owner
/// updates the metadata and may always deregister it, getting the stake back at once whatever
/// others bid: deregistering closes the model's market in the marketplace in O(1). Names are
/// unique by their look-alike skeleton (ModelNames), and a name keeps its model id for good:
/// registering a freed name again gives back the same id and reopens its market.
/// Governance sets the minimum stake and may pause new registrations; it can never move a stake.
contract ModelRegistry is IModelRegistry, ExpiringPause, SurplusSweep {
    using SafeERC20 for IERC20;

    /// @notice Highest minimum model stake: 100,000 MOR, as for providers: anyone must stay able
    /// to register a model.
    uint256 public constant MAX_MIN_MODEL_STAKE = 100_000 ether;

    /// @notice Most tags per model.
    uint256 public constant MAX_TAGS = 8;

    /// @notice The MOR token.
    IERC20 public immutable mor;
    /// @notice Largest page of `models`.
    uint256 public constant MAX_PAGE = 100;

    /// @notice The marketplace, told when a model's market closes.
    IMarketplace public immutable marketplace;
    /// @notice The compute pool, where swept surplus goes.
    IComputePool public immutable pool;

    /// @dev Slot layout of `ModelRecord`: [owner 160 | stake 88 | active 8], [contentId], name
    /// (canonical), tags.
    struct ModelRecord {
        address owner;
        uint88 stake;
        bool active;
        bytes32 contentId;
        string name;
        bytes32[] tags;
    }

    mapping(uint32 modelId => ModelRecord) private _models;
    /// @dev The model of each skeleton, by `ModelNames.key`: written when a skeleton is first
    /// registered and never deleted, so a name keeps its id (and the id its bids and records)
    /// for good. Whether the name is free is the model's `active` flag.
    mapping(bytes32 nameKey => uint32 modelId) private _modelIdByKey;
    uint32 private _modelCount;
    uint256 private _minModelStake;
    uint256 private _totalStake;

    constructor(IERC20 mor_, IMarketplace marketplace_, IComputePool pool_, address owner_) Ownable(owner_) {
        mor = mor_;
        marketplace = marketplace_;
        pool = pool_;
    }

    /// @inheritdoc IModelRegistry
    function registerModel(string calldata name, bytes32 contentId, bytes32[] calldata tags, uint256 stake)
        external
        whenNotPaused
        nonReentrant
        returns (uint32 modelId)
    {
        string memory canonicalName = ModelNames.canonical(name);
        bytes32 nameKey = ModelNames.key(canonicalName);
        modelId = _modelIdByKey[nameKey];
        bool reclaimed = modelId != 0;
        if (reclaimed) _requireReclaimable(modelId, canonicalName);
        _requireValidTags(tags);
        if (stake < _minModelStake) revert ModelStakeBelowMinimum(stake, _minModelStake);

        if (!reclaimed) {
            modelId = ++_modelCount;
            _modelIdByKey[nameKey] = modelId;
            _models[modelId].name = canonicalName;
        }
        ModelRecord storage record = _models[modelId];
        record.owner = msg.sender;
        record.stake = SafeCast.toUint88(stake);
        record.active = true;
        record.contentId = contentId;
        record.tags = tags;
        _totalStake += stake;
        emit ModelRegistered(modelId, msg.sender, canonicalName, contentId, tags, stake);

        // The bids still active on a reclaimed name become usable again: deregistering and
        // registering again changes nothing for the providers. The marketplace is told after
        // the record is complete and the event out, as at deregistration; the stake comes last.
        if (reclaimed) marketplace.reopenModel(modelId);
        if (stake > 0) mor.safeTransferFrom(msg.sender, address(this), stake);
    }

    /// @inheritdoc IModelRegistry
    function updateModel(uint32 modelId, bytes32 contentId, bytes32[] calldata tags) external {
        ModelRecord storage record = _requireOwnedActiveModel(modelId);
        _requireValidTags(tags);
        record.contentId = contentId;
        record.tags = tags;
        emit ModelUpdated(modelId, contentId, tags);
    }

    /// @inheritdoc IModelRegistry
    function deregisterModel(uint32 modelId) external nonReentrant {
        ModelRecord storage record = _requireOwnedActiveModel(modelId);

        uint256 stake = record.stake;
        record.active = false;
        record.stake = 0;
        _totalStake -= stake;
        // The name is free again because the model is inactive; its key keeps pointing at this
        // id, so whoever registers the name next gets the same model back.
        emit ModelDeregistered(modelId, msg.sender, stake);

        // Bids on the model stop opening sessions; nobody's bid can hold the owner's stake.
        marketplace.closeModel(modelId);
        if (stake > 0) mor.safeTransfer(msg.sender, stake);
    }

    /// @inheritdoc IModelRegistry
    function setMinModelStake(uint256 minimum) external onlyOwner {
        _checkBounds("minModelStake", minimum, 0, MAX_MIN_MODEL_STAKE);
        _minModelStake = minimum;
        emit ParameterChanged("minModelStake", minimum);
    }

    /// @inheritdoc IModelRegistry
    /// @dev Governance or the guardian (`NotPauser` otherwise).
    function pause() external {
        _pause();
    }

    /// @inheritdoc IModelRegistry
    function unpause() external onlyOwner {
        _unpause();
    }

    /// @inheritdoc IModelRegistry
    function isActive(uint32 modelId) external view returns (bool) {
        return _models[modelId].active;
    }

    /// @inheritdoc IModelRegistry
    function modelIdByName(string calldata name) external view returns (uint32) {
        string memory canonicalName = ModelNames.canonical(name);
        uint32 modelId = _modelIdByKey[ModelNames.key(canonicalName)];
        ModelRecord storage record = _models[modelId]; // model 0 is never active
        return record.active && _sameName(record.name, canonicalName) ? modelId : 0;
    }

    /// @inheritdoc IModelRegistry
    function model(uint32 modelId) external view returns (Model memory) {
        return _model(modelId);
    }

    /// @inheritdoc IModelRegistry
    function models(uint256 offset, uint256 limit, bool activeOnly)
        external
        view
        returns (Model[] memory page, uint256 total)
    {
        total = _modelCount;
        uint256 length = offset >= total ? 0 : Math.min(Math.min(limit, MAX_PAGE), total - offset);
        page = new Model[](length);
        uint256 n = 0;
        for (uint256 i = 0; i < length; ++i) {
            // Cannot truncate: offset + i < total <= type(uint32).max.
            uint32 modelId = uint32(offset + i + 1);
            if (activeOnly && !_models[modelId].active) continue;
            page[n++] = _model(modelId);
        }
        // Drop the unused tail: the array's length word is the first word of its memory.
        assembly ("memory-safe") {
            mstore(page, n)
        }
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256) {
        return _modelCount;
    }

    /// @inheritdoc IModelRegistry
    function totalStake() external view returns (uint256) {
        return _totalStake;
    }

    /// @inheritdoc IModelRegistry
    function minModelStake() external view returns (uint256) {
        return _minModelStake;
    }

    /// @dev Model stakes: everything else the registry holds is surplus.
    function _owedMor() internal view override returns (uint256) {
        return _totalStake;
    }

    function _sweepRoute() internal view override returns (IERC20, IComputePool) {
        return (mor, pool);
    }

    function _model(uint32 modelId) private view returns (Model memory) {
        ModelRecord storage record = _models[modelId];
        return Model({
            id: modelId,
            owner: record.owner,
            stake: record.stake,
            active: record.active,
            contentId: record.contentId,
            name: record.name,
            tags: record.tags
        });
    }

    function _requireOwnedActiveModel(uint32 modelId) private view returns (ModelRecord storage record) {
        record = _models[modelId];
        if (!record.active) revert ModelNotActive(modelId);
        if (record.owner != msg.sender) revert NotModelOwner(modelId, msg.sender);
    }

    /// @dev The model holding the skeleton of `canonicalName` may be taken over only when it is
    /// inactive and under its own spelling: a look-alike of an active name is taken, and one of
    /// a freed name is reserved for that name (nobody reclaims `gpt-oss-20b` as `gpt-oss-2ob`).
    function _requireReclaimable(uint32 modelId, string memory canonicalName) private view {
        ModelRecord storage held = _models[modelId];
        if (held.active) revert ModelNameTaken(canonicalName, held.name, modelId, held.owner);
        if (!_sameName(held.name, canonicalName)) revert ModelNameReserved(canonicalName, held.name, modelId);
    }

    /// @dev Whether a stored name and a canonical name are the same bytes (at most 64 each).
    function _sameName(string storage stored, string memory canonicalName) private view returns (bool) {
        return keccak256(bytes(stored)) == keccak256(bytes(canonicalName));
    }

    function _requireValidTags(bytes32[] calldata tags) private pure {
        if (tags.length > MAX_TAGS) revert TooManyTags(tags.length, MAX_TAGS);
    }
}
