// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IExpiringPause} from "./IExpiringPause.sol";
import {ISurplusSweep} from "./ISurplusSweep.sol";

/// @title ISessionRouter
/// @notice Sessions (PROTOCOL.md §5): a consumer locks MOR on a bid with the provider's EIP-712
/// approval, uses the provider's endpoint off-chain, and gets the MOR back at close; the
/// provider is paid price × seconds provided, from the compute pool (stipend mode) or from the
/// stake (direct mode). Every close updates the (provider, model) statistics that reputation
/// reads.
interface ISessionRouter is IExpiringPause, ISurplusSweep {
    /// @notice How a session pays its provider.
    enum Mode {
        Stipend,
        Direct
    }

    /// @notice The consumer's verdict on a session: none yet (or never: a session that does not
    /// rate), completed (with the provider's receipt) or disputed (without one).
    enum Verdict {
        None,
        Completed,
        Disputed
    }

    /// @notice A session. Slot layout: [provider 160 | price 64 | modelId 32],
    /// [stake 96 | openedAt 40 | endsAt 40 | closedAt 40 | mode 8 | selfDealt 8 | verdict 8].
    /// `selfDealt`: the consumer was the bid's provider or its signer when the session opened
    /// (only possible in direct mode); such a session writes no statistic. `verdict`: the
    /// consumer's, given at its own close or, after a close by anyone else, within
    /// `VERDICT_WINDOW` of that close; at most once.
    struct Session {
        address provider;
        uint64 pricePerSecond;
        uint32 modelId;
        uint96 stake;
        uint40 openedAt;
        uint40 endsAt;
        uint40 closedAt;
        Mode mode;
        bool selfDealt;
        Verdict verdict;
    }

    /// @notice Statistics of a (provider, model) pair (PROTOCOL.md §6), weighted by MOR-seconds
    /// at stake: a session's weight is `min(floor(stake / 1e15) * secondsProvided,
    /// MAX_SESSION_WEIGHT)`, in milli-MOR-seconds. Self-dealt sessions, sessions that provided
    /// fewer than `MIN_RATED_SECONDS` and sessions of weight 0 (a stake below 0.001 MOR) record
    /// nothing. Every other session adds to `weight`, `secondsProvided` and `earnings` at its
    /// close, whoever closes it; only its consumer's verdict (at its own close, or later within
    /// the verdict window) rates it: with the provider's receipt it is completed (its
    /// measurements count), without one disputed. A session never rated is in no rate and no
    /// mean. `closedEarlyWeight`: rated sessions closed before their end (by the consumer, the
    /// provider or its signer: cut short).
    /// The router stores them packed in three slots (SessionRouter.StatsRecord); this is the view.
    struct Stats {
        uint72 weight; // every recorded session
        uint72 completedWeight; // rated completed by the consumer (its close or its late verdict)
        uint72 disputedWeight; // rated disputed by the consumer (its close or its late verdict)
        uint32 disputed; // number of disputed sessions
        uint72 closedEarlyWeight; // rated, and closed before the end
        uint64 secondsProvided; // seconds provided, unweighted
        uint112 earnings; // pay counted at most `weight * 1e15 / 1 day` per session, MOR wei
        uint112 ttftWeighted; // sum of weight x time to first token (ms) of completed sessions
        uint112 tpsWeighted; // sum of weight x tokens per second of completed sessions
        uint32 completed; // number of completed sessions
    }

    /// @notice What a stake buys on a bid if `openSession` were called in the same block (see
    /// `quote`).
    /// `provider`, `modelId`, `pricePerSecond`, `signer`: the bid, whenever it could be read (all
    /// zero if the marketplace refused it). `duration`: the seconds the session would last, as
    /// the open would set them; `endsAt = block.timestamp + duration`; `stipend = pricePerSecond
    /// * duration`, the MOR the pool would pay for the full duration in stipend mode, the most the
    /// consumer would pay from its stake in direct mode. These three are filled whenever they
    /// can be computed (the bid read, a valid mode and, in stipend mode, a reference supply above
    /// zero), also when the open would fail. `opens`: the open would succeed; otherwise `reason`
    /// is the selector of the error it would revert with.
    struct Quote {
        address provider;
        uint32 modelId;
        uint256 pricePerSecond;
        address signer;
        uint256 duration;
        uint256 endsAt;
        uint256 stipend;
        bool opens;
        bytes4 reason;
    }

    /// @notice A session with everything a consumer or an indexer reads about it, in one call
    /// (see `sessionDetails`).
    /// `session`: the record. `consumer`: the session's consumer (from its id). `signer`: the
    /// provider's signer now. `secondsProvided` and `pay` (price x seconds): so far, as the close
    /// counts them (up to now while open, up to `closedAt` once closed). `open`: opened and not
    /// closed. `closableByAnyone`: open and its end time has come (before that only the
    /// consumer, the provider or the provider's signer may close it). `consumerHeld` and
    /// `consumerWithdrawable`: the consumer's hold, as `holdOf` reports it.
    struct SessionDetails {
        Session session;
        address consumer;
        address signer;
        uint256 secondsProvided;
        uint256 pay;
        bool open;
        bool closableByAnyone;
        uint256 consumerHeld;
        uint256 consumerWithdrawable;
    }

    /// @notice The stake is zero.
    error ZeroStake();
    /// @notice `mode` is neither 0 (Stipend) nor 1 (Direct).
    error InvalidMode(uint8 mode);
    /// @notice The approval's deadline has passed.
    error ApprovalExpired(uint256 deadline);
    /// @notice The approval was already used: session `sessionId` exists.
    error ApprovalAlreadyUsed(uint256 sessionId);
    /// @notice The approval is not signed by the provider's signer `signer`.
    error InvalidApprovalSignature(address signer);
    /// @notice The reference supply is zero.
    error ZeroReferenceSupply();
    /// @notice The stake buys `duration` seconds, less than the minimum.
    error SessionTooShort(uint256 duration, uint256 minimum);
    /// @notice No session has id `sessionId`.
    error UnknownSession(uint256 sessionId);
    /// @notice The session is already closed.
    error SessionAlreadyClosed(uint256 sessionId);
    /// @notice `caller` may not close the session before its end.
    error NotAllowedToClose(uint256 sessionId, address caller);
    /// @notice The receipt's deadline has passed.
    error ReceiptExpired(uint256 deadline);
    /// @notice The receipt is not signed by the provider's signer `signer`.
    error InvalidReceiptSignature(address signer);
    /// @notice A stipend-mode session whose consumer is the bid's provider or its signer:
    /// self-dealt sessions may only pay from their own stake (direct mode).
    error SelfDealtStipend(uint256 bidId, address consumer);
    /// @notice A receipt's measurements lie outside the physical bounds (time to first token
    /// 1..600,000 ms, tokens per second 1..100,000).
    error ReceiptOutOfBounds(uint32 ttftMs, uint32 tokensPerSecond);
    /// @notice No held stake has been released yet.
    error NothingToWithdraw(uint256 held);
    /// @notice Only the session's consumer gives its verdict; `caller` is not it.
    error NotSessionConsumer(uint256 sessionId, address caller);
    /// @notice The session is still open: its consumer rates it by closing it.
    error SessionStillOpen(uint256 sessionId);
    /// @notice The session already has its consumer's verdict (`verdict`).
    error SessionAlreadyRated(uint256 sessionId, Verdict verdict);
    /// @notice The session rates nothing: self-dealt, or it provided `secondsProvided` seconds,
    /// fewer than `minimum` (`MIN_RATED_SECONDS`), or its stake was below 0.001 MOR.
    error SessionNotRatable(uint256 sessionId, uint256 secondsProvided, uint256 minimum);
    /// @notice The verdict window closed at `closedAt + VERDICT_WINDOW` = `windowEnd`.
    error VerdictWindowClosed(uint256 sessionId, uint256 windowEnd);

    /// @notice A session was opened.
    event SessionOpened(
        uint256 indexed sessionId,
        address indexed consumer,
        address indexed provider,
        uint256 bidId,
        uint256 stake,
        Mode mode,
        uint256 pricePerSecond,
        uint256 endsAt
    );
    /// @notice A session was closed by `closer`. `paid` is price × `secondsProvided`; the
    /// consumer got `returned` back now and `held` is held until the start of the next day.
    /// `weight` is what the close added to its pair's statistics (0: nothing); `disputed` and
    /// `closedEarly` say how the consumer's close rated it (never set by another closer, whose
    /// close leaves the verdict to the consumer: `SessionRated`).
    event SessionClosed(
        uint256 indexed sessionId,
        address indexed closer,
        uint256 secondsProvided,
        uint256 paid,
        uint256 returned,
        uint256 held,
        uint256 weight,
        bool disputed,
        bool closedEarly
    );
    /// @notice The consumer closed with the provider's receipt: its measurements count.
    event ReceiptRecorded(uint256 indexed sessionId, uint256 ttftMs, uint256 tokensPerSecond);
    /// @notice The consumer gave its verdict after a close by someone else (`rateSession`,
    /// `rateSessionWithReceipt`); `weight` went to the completed or disputed share, and to the
    /// closed-early share when `closedEarly`. A completed verdict's measurements are `ttftMs` and
    /// `tokensPerSecond` (both 0 for a dispute); no `ReceiptRecorded` follows.
    event SessionRated(
        uint256 indexed sessionId,
        Verdict verdict,
        uint256 weight,
        bool closedEarly,
        uint256 ttftMs,
        uint256 tokensPerSecond
    );
    /// @notice A consumer's held stake, released at the start of a later day, was returned
    /// (paid out, or counted towards a new session's stake).
    event HeldReleased(address indexed consumer, uint256 amount);
    /// @notice A governance parameter changed.
    event ParameterChanged(bytes32 indexed name, uint256 value);

    /// @notice Opens a session on `bidId`, locking `stake` MOR of the caller.
    /// @dev Requirements: not paused; `stake > 0`; the approval (bid, caller, nonce, deadline)
    /// is signed by the provider's signer (EOA or ERC-1271), unexpired and unused; the bid is
    /// active; the stake buys at least `minSessionDuration` seconds; a caller that is the
    /// bid's provider or its signer opens in direct mode only (`SelfDealtStipend`). Held stake released
    /// earlier counts towards `stake`; the rest is pulled with `transferFrom`.
    /// @param bidId The bid.
    /// @param nonce The approval's nonce; the session id is `consumer << 96 | nonce`.
    /// @param deadline Last second at which the approval is valid.
    /// @param stake MOR wei to lock.
    /// @param mode 0: Stipend (the pool pays), 1: Direct (the stake pays). A plain uint8, so an
    /// out-of-range value gets `InvalidMode` rather than the ABI decoder's empty revert.
    /// @param approval The provider's EIP-712 signature of the approval.
    /// @return sessionId The session.
    function openSession(uint256 bidId, uint96 nonce, uint256 deadline, uint256 stake, uint8 mode, bytes calldata approval)
        external
        returns (uint256 sessionId);

    /// @notice `openSession` with an EIP-2612 permit for the stake in the same transaction. A
    /// permit that fails (for example, already used by a front-runner) is ignored; the open then
    /// needs the allowance to be there.
    /// @param bidId The bid.
    /// @param nonce The approval's nonce.
    /// @param deadline The approval's deadline.
    /// @param stake MOR wei to lock.
    /// @param mode 0: Stipend, 1: Direct.
    /// @param approval The provider's signature.
    /// @param permitDeadline The permit's deadline.
    /// @param v Permit signature v.
    /// @param r Permit signature r.
    /// @param s Permit signature s.
    /// @return sessionId The session.
    function openSessionWithPermit(
        uint256 bidId,
        uint96 nonce,
        uint256 deadline,
        uint256 stake,
        uint8 mode,
        bytes calldata approval,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 sessionId);

    /// @notice Closes a session without a receipt. By the consumer this is a dispute (the
    /// provider is still paid for the seconds provided); by anyone else it records no rating,
    /// and the consumer may still rate the session (`rateSession`, `rateSessionWithReceipt`).
    /// @dev Requirements: the session is open; the caller is the consumer, the provider or its
    /// signer, or the session's end time has passed (then anyone).
    /// @param sessionId The session.
    function closeSession(uint256 sessionId) external;

    /// @notice Closes a session with the provider's EIP-712 receipt. By the consumer the session
    /// is completed and the measurements count; by anyone else it pays the same and records no
    /// rating and no measurement.
    /// @dev Requirements: as `closeSession`; the receipt is signed by the provider's signer and
    /// unexpired; 1 <= ttftMs <= 600,000 and 1 <= tokensPerSecond <= 100,000
    /// (`ReceiptOutOfBounds`).
    /// @param sessionId The session.
    /// @param ttftMs Measured time to first token, in milliseconds.
    /// @param tokensPerSecond Measured tokens per second.
    /// @param deadline Last second at which the receipt is valid.
    /// @param receipt The provider's signature.
    function closeSessionWithReceipt(
        uint256 sessionId,
        uint32 ttftMs,
        uint32 tokensPerSecond,
        uint256 deadline,
        bytes calldata receipt
    ) external;

    /// @notice The consumer's verdict without a receipt (disputed) on a session someone else
    /// closed (the provider, its signer or a keeper), so that no close can pre-empt it.
    /// @dev Requirements: the caller is the session's consumer (`NotSessionConsumer`); the
    /// session is closed (`SessionStillOpen`), has no verdict yet (`SessionAlreadyRated`: the
    /// consumer's own close is its verdict), rates (`SessionNotRatable`) and was closed at most
    /// `VERDICT_WINDOW` ago (`VerdictWindowClosed`). Moves no MOR; works while paused.
    /// @param sessionId The session.
    function rateSession(uint256 sessionId) external;

    /// @notice The consumer's verdict with the provider's receipt (completed) on a session
    /// someone else closed: the measurements count.
    /// @dev Requirements: the receipt's, as `closeSessionWithReceipt`, then `rateSession`'s.
    /// @param sessionId The session.
    /// @param ttftMs Measured time to first token, in milliseconds.
    /// @param tokensPerSecond Measured tokens per second.
    /// @param deadline Last second at which the receipt is valid.
    /// @param receipt The provider's signature.
    function rateSessionWithReceipt(
        uint256 sessionId,
        uint32 ttftMs,
        uint32 tokensPerSecond,
        uint256 deadline,
        bytes calldata receipt
    ) external;

    /// @notice Sends the caller its held stake released at the start of a later day. O(1).
    function withdrawHeld() external;

    /// @notice Sets the bounds of session duration. Governance only.
    /// @param minimum Shortest session in seconds, 60 s .. 1 hour (`ParameterOutOfBounds` outside).
    /// @param maximum Longest session in seconds, `minimum` .. 7 days.
    function setDurationBounds(uint256 minimum, uint256 maximum) external;

    /// @notice Pins the reference supply used for stipends, or unpins it with 0. Governance only.
    /// @dev Stipends divide by `max(pinned, totalSupply - pool ledger)`: a pin above the MOR
    /// circulating outside the pool (MOR circulating on other chains) lowers every stipend; a pin
    /// below it has no effect, so no pin can raise a stake's stipend above its fair share.
    /// @param supply MOR wei, 0 .. 42,000,000 MOR (MOR's maximum supply).
    function setReferenceSupply(uint256 supply) external;

    /// @notice Stops new sessions (closing and withdrawing always work) for at most 7 days (it
    /// lifts itself), and only 7 days after the previous pause ended. Governance, or at once its guardian.
    function pause() external;

    /// @notice Lifts the pause before it expires. Governance only.
    function unpause() external;

    /// @notice A session's record.
    /// @param sessionId The session.
    /// @return The record (all zero for an unknown id).
    function session(uint256 sessionId) external view returns (Session memory);

    /// @notice A session in one call: its record, its consumer and the provider's signer, the
    /// seconds provided and the pay so far, whether it is open and whether anyone may close it,
    /// and its consumer's hold.
    /// @dev Seconds and pay are counted as `closeSession` counts them,
    /// `min(t, endsAt) - openedAt` seconds at the bid's price, with `t` the block's time while
    /// the session is open and `closedAt` once it is closed: an open session's values are what a
    /// close in this block would pay. Reverts `UnknownSession` for an id no session has.
    /// @param sessionId The session.
    /// @return The session's details.
    function sessionDetails(uint256 sessionId) external view returns (SessionDetails memory);

    /// @notice What `stake` buys on `bidId` in `mode` for `consumer` if `openSession` were called
    /// in this block, and whether that open would succeed. Never reverts.
    /// @dev The duration is computed by the same code the open runs. `opens` is true iff
    /// `openSession(bidId, ..., stake, mode, ...)` sent by `consumer` in this block would
    /// succeed, leaving out what only the transaction brings: the approval (its signature, nonce
    /// and deadline are assumed valid and unused) and the token (the consumer's balance and
    /// allowance are assumed enough). Otherwise `reason` is the selector of the error the open
    /// would revert with, the first in the open's order: `EnforcedPause`, `ZeroStake`,
    /// `InvalidMode`, whatever `IMarketplace.activeBid` reverts with (`BidNotActive`,
    /// `NotWhitelisted`, ...), `SelfDealtStipend`, `ZeroReferenceSupply`, `SessionTooShort`, and
    /// SafeCast's `SafeCastOverflowedUintDowncast` for a stake or a locked total beyond 96 bits.
    /// `reason` is 0 when the open succeeds (or the marketplace reverted without data).
    /// @param bidId The bid (any id).
    /// @param consumer The account that would open the session.
    /// @param stake MOR wei to lock (any amount).
    /// @param mode 0: Stipend, 1: Direct (any other value: `InvalidMode`).
    /// @return The quote.
    function quote(uint256 bidId, address consumer, uint256 stake, uint8 mode) external view returns (Quote memory);

    /// @notice A consumer's held stake: still held, and released (withdrawable now).
    /// @param consumer The consumer.
    /// @return held Held until the start of the next day.
    /// @return withdrawable Released and withdrawable.
    function holdOf(address consumer) external view returns (uint256 held, uint256 withdrawable);

    /// @notice Statistics of a (provider, model) pair.
    /// @param provider The provider.
    /// @param modelId The model.
    /// @return The statistics.
    function stats(address provider, uint32 modelId) external view returns (Stats memory);

    /// @notice Statistics of several providers for one model, in one call (for ranking).
    /// @param providers The providers.
    /// @param modelId The model.
    /// @return The statistics, in the order of `providers`.
    function statsOf(address[] calldata providers, uint32 modelId) external view returns (Stats[] memory);

    /// @notice The EIP-712 digest a provider signs to approve a session.
    /// @param bidId The bid.
    /// @param consumer The consumer.
    /// @param nonce The nonce.
    /// @param deadline The deadline.
    /// @return The digest.
    function approvalDigest(uint256 bidId, address consumer, uint96 nonce, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice The EIP-712 digest a provider signs as a close receipt.
    /// @param sessionId The session.
    /// @param ttftMs Time to first token, milliseconds.
    /// @param tokensPerSecond Tokens per second.
    /// @param deadline The deadline.
    /// @return The digest.
    function receiptDigest(uint256 sessionId, uint32 ttftMs, uint32 tokensPerSecond, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice Seconds a stipend-mode stake would buy on a bid's price now.
    /// @param stake MOR wei.
    /// @param pricePerSecond Price.
    /// @return Seconds, before the minimum-duration check.
    function stipendDuration(uint256 stake, uint256 pricePerSecond) external view returns (uint256);

    /// @notice The reference supply for stipends now: `max(pinned, totalSupply - pool ledger)`.
    /// @return MOR wei.
    function referenceSupply() external view returns (uint256);

    /// @notice MOR the router owes: stakes of open sessions plus held stakes, released or not.
    /// @return MOR wei; equals the router's MOR balance (conservation).
    function totalLocked() external view returns (uint256);

    /// @notice Duration bounds.
    /// @return minimum Shortest session, seconds.
    /// @return maximum Longest session, seconds.
    function durationBounds() external view returns (uint256 minimum, uint256 maximum);
}
