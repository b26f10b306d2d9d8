// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IExpiringPause} from "./IExpiringPause.sol";
import {ISurplusSweep} from "./ISurplusSweep.sol";

/// @title IModelRegistry
/// @notice Models that providers bid for (PROTOCOL.md §2): a stable id, a name, a content id
/// (such as the digest of an IPFS CID), tags, and an optional stake returned at deregistration.
interface IModelRegistry is IExpiringPause, ISurplusSweep {
    /// @notice A registered model, as the views return it.
    struct Model {
        uint32 id;
        address owner;
        uint96 stake;
        bool active;
        bytes32 contentId;
        string name;
        bytes32[] tags;
    }

    /// @notice The model name is `length` bytes long, outside `minimum..maximum` (ModelNames).
    error InvalidModelNameLength(uint256 length, uint256 minimum, uint256 maximum);
    /// @notice Byte `position` (0-based) of the model name, `character`, breaks the grammar of
    /// ModelNames: it is not an ASCII letter, digit or separator, or it is a separator that comes
    /// first, last or right after another separator.
    error InvalidModelNameCharacter(uint256 position, bytes1 character);
    /// @notice More than `max` tags were given.
    error TooManyTags(uint256 count, uint256 max);
    /// @notice `name` (the canonical form of the name asked for) looks like the name of active
    /// model `holderId`, `holderName`, owned by `holderOwner`: both have the same skeleton
    /// (ModelNames.skeleton), so they are one name.
    error ModelNameTaken(string name, string holderName, uint32 holderId, address holderOwner);
    /// @notice `name` (canonical) has the skeleton of `reservedName`, the name of deregistered
    /// model `modelId`: a freed name is given back only under its own spelling, `reservedName`,
    /// with its id and records, never under a look-alike.
    error ModelNameReserved(string name, string reservedName, uint32 modelId);
    /// @notice The stake is below the minimum governance set for models.
    error ModelStakeBelowMinimum(uint256 stake, uint256 minimum);
    /// @notice No model has id `modelId`, or it was deregistered.
    error ModelNotActive(uint32 modelId);
    /// @notice `caller` is not the owner of model `modelId`.
    error NotModelOwner(uint32 modelId, address caller);

    /// @notice A model was registered, or a deregistered model's name was registered again: then
    /// `modelId` is that model's, with its new owner, content id, tags and stake.
    event ModelRegistered(
        uint32 indexed modelId, address indexed owner, string name, bytes32 contentId, bytes32[] tags, uint256 stake
    );
    /// @notice A model's content id and tags were replaced (its name never changes).
    event ModelUpdated(uint32 indexed modelId, bytes32 contentId, bytes32[] tags);
    /// @notice A model was deregistered and its stake returned to its owner.
    event ModelDeregistered(uint32 indexed modelId, address indexed owner, uint256 stakeReturned);
    /// @notice A governance parameter changed.
    event ParameterChanged(bytes32 indexed name, uint256 value);

    /// @notice Registers a model owned by the caller under the canonical (lowercase) form of
    /// `name`, locking `stake` MOR. A name keeps its id for good: registering a name whose model
    /// was deregistered gives back that model id, with the caller as its owner, the new stake,
    /// content id and tags, the name as first registered, and its market reopened
    /// (`Marketplace.reopenModel`): the bids still active on it are usable again and its
    /// records continue. A fresh name gets the next id.
    /// @dev Requirements: not paused; `name` follows the grammar of `ModelNames` (3..64 bytes of
    /// ASCII letters and digits, single `-._/:` separators between them), else
    /// `InvalidModelNameLength` / `InvalidModelNameCharacter`; no active model has a name of the
    /// same skeleton (`ModelNameTaken` names the holder); a deregistered model's name is taken
    /// back only in its own spelling (`ModelNameReserved` for a look-alike); at most 8 tags;
    /// `stake >= minModelStake`; the caller approved `stake` MOR to this contract. O(1).
    /// @param name The model's name, in any case (`Qwen/Qwen3-8B` registers `qwen/qwen3-8b`).
    /// @param contentId Content id of the model files (for example the digest of an IPFS CID).
    /// @param tags Up to 8 short labels.
    /// @param stake MOR to lock, returned at deregistration.
    /// @return modelId The model's id, the name's for good.
    function registerModel(string calldata name, bytes32 contentId, bytes32[] calldata tags, uint256 stake)
        external
        returns (uint32 modelId);

    /// @notice Replaces a model's content id and tags; its name never changes.
    /// @dev Requirements: the caller owns the active model; at most 8 tags.
    /// @param modelId The model.
    /// @param contentId New content id.
    /// @param tags New tags.
    function updateModel(uint32 modelId, bytes32 contentId, bytes32[] calldata tags) external;

    /// @notice Deregisters a model and returns its stake to the owner in the same transaction,
    /// whatever bids others have on it: its bids stop opening sessions and stop counting
    /// against their providers' deregistration; open sessions on them run and close as usual.
    /// The name is free again, and keeps the model's id: see `registerModel`.
    /// @dev Requirements: the caller owns the active model. O(1) whatever the number of bids.
    /// @param modelId The model.
    function deregisterModel(uint32 modelId) external;

    /// @notice Sets the stake a new model must lock. Governance only.
    /// @param minimum The new minimum, in MOR wei, 0..100,000 MOR (`ParameterOutOfBounds` outside).
    function setMinModelStake(uint256 minimum) external;

    /// @notice Stops new model registrations for at most 7 days (it lifts itself), and only 7
    /// days after the previous pause ended. Governance, or at once its guardian.
    function pause() external;

    /// @notice Lifts the pause before it expires. Governance only.
    function unpause() external;

    /// @notice Whether model `modelId` exists and is registered.
    /// @param modelId The model.
    /// @return True when active.
    function isActive(uint32 modelId) external view returns (bool);

    /// @notice The active model registered under `name`, in any case.
    /// @dev Reverts with the grammar's errors for a malformed name. Only the registered spelling
    /// finds the model: a look-alike (same skeleton, other canonical form) gives 0.
    /// @param name The name, in any case.
    /// @return The model id, or 0 when no active model has that canonical name.
    function modelIdByName(string calldata name) external view returns (uint32);

    /// @notice A model's record (inactive models keep their metadata).
    /// @param modelId The model.
    /// @return The model.
    function model(uint32 modelId) external view returns (Model memory);

    /// @notice Models by id, paginated: ids `offset + 1 .. offset + min(limit, MAX_PAGE)`,
    /// deregistered ones skipped when `activeOnly` (a page may then hold fewer).
    /// @param offset Number of ids to skip (page on with `offset + limit` until `total`).
    /// @param limit Largest number of ids to read (at most 100).
    /// @param activeOnly Whether to leave out deregistered models.
    /// @return page The models of the page, by ascending id.
    /// @return total Number of models ever registered (`modelCount`).
    function models(uint256 offset, uint256 limit, bool activeOnly)
        external
        view
        returns (Model[] memory page, uint256 total);

    /// @notice Number of models ever registered, each under a name of its own skeleton (a name
    /// registered again keeps its id); ids are 1..modelCount().
    /// @return The count.
    function modelCount() external view returns (uint256);

    /// @notice Sum of the stakes of active models.
    /// @return MOR wei; equals the registry's MOR balance (conservation).
    function totalStake() external view returns (uint256);

    /// @notice Stake a new model must lock, in MOR wei.
    /// @return The minimum.
    function minModelStake() external view returns (uint256);
}
