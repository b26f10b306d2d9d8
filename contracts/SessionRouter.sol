// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ExpiringPause} from "./governance/ExpiringPause.sol";
import {SurplusSweep} from "./governance/SurplusSweep.sol";
import {IComputePool} from "./interfaces/IComputePool.sol";
import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {ISessionRouter} from "./interfaces/ISessionRouter.sol";
import {CompletedStats} from "./libraries/CompletedStats.sol";
import {Days} from "./libraries/Days.sol";
import {SessionIds} from "./libraries/SessionIds.sol";
import {SessionMath} from "./libraries/SessionMath.sol";

/// @title SessionRouter
/// @notice Opens and closes sessions (PROTOCOL.md §5), holds consumers' stakes, credits the
/// compute pool for stipend-mode sessions, and records the statistics reputation reads.
/// @dev MOR the router holds = stakes of open sessions + held stakes (released or not). Every
/// path that moves it pays the session's consumer or, in direct mode, the session's provider.
contract SessionRouter is ISessionRouter, ExpiringPause, SurplusSweep, EIP712 {
    using SafeERC20 for IERC20;

    /// @notice Shortest `minSessionDuration`: a minute. A shorter session cannot be served (the
    /// approval round trip and a model's first token take seconds) and only farms statistics.
    uint256 public constant MIN_DURATION_FLOOR = 60;
    /// @notice Longest `minSessionDuration`: an hour. No consumer needs to be refused a session
    /// shorter than that, and a longer minimum is how in-bound values could shut stipend sessions:
    /// with the price bounds and the reference-supply pin at their ceilings, an hour at the
    /// highest minimum price still opens with 1% of the MOR circulating outside the pool once 1M
    /// MOR circulate (`Marketplace.MIN_PRICE_CEILING`, README "No in-bound values shut stipends").
    uint256 public constant MIN_DURATION_CEILING = 1 hours;
    /// @notice Longest `maxSessionDuration`: 7 days, the longest a consumer's stake stays locked
    /// by one session (as long as the longest pause).
    uint256 public constant MAX_DURATION_CEILING = 7 days;
    /// @notice Highest pinned reference supply: MOR's maximum supply, 42,000,000 MOR.
    uint256 public constant MAX_REFERENCE_SUPPLY = 42_000_000 ether;
    /// @notice Receipt bounds: time to first token 1 ms .. 10 minutes (a first token later than
    /// that is no service), tokens per second 1 .. 100,000 (beyond any model served today).
    uint256 public constant MIN_TTFT_MS = 1;
    uint256 public constant MAX_TTFT_MS = 600_000;
    uint256 public constant MIN_TOKENS_PER_SECOND = 1;
    uint256 public constant MAX_TOKENS_PER_SECOND = 100_000;
    /// @notice The stake unit of a statistic's weight: weights are `floor(stake / 1e15) *
    /// seconds`, milli-MOR-seconds (capped at `MAX_SESSION_WEIGHT`).
    uint256 public constant WEIGHT_UNIT = 1e15;
    /// @notice A session's pay counts towards `earnings` at most `weight * WEIGHT_UNIT / 1 day`
    /// (its capped MOR-seconds per day, at most 10 MOR): a provider cannot show more earnings
    /// than the MOR-seconds behind them, whatever its price.
    uint256 public constant EARNINGS_PERIOD = 1 days;
    /// @notice A session rates (moves any input of any score) only if it provided at least 10
    /// minutes: a score moves with time, and time cannot be skipped by renting a large stake for
    /// seconds. A shorter session is paid as usual and records nothing.
    uint256 public constant MIN_RATED_SECONDS = 10 minutes;
    /// @notice Most weight one session carries: 10 MOR-days in milli-MOR-seconds (the prior's
    /// weight), what 1,440 MOR give in 10 minutes or 10 MOR in a day. One session can then move a
    /// newcomer's rates from 0.5 to at most 0.75 or 0.25, and moving a history of weight H takes
    /// at least H / 10 MOR-days sessions of 10 minutes each (README, "What moving a score costs").
    uint256 public constant MAX_SESSION_WEIGHT = 10 * 1000 * 1 days;
    /// @notice After a close by anyone but its consumer, the consumer may still give its verdict
    /// for 24 hours: nobody can pre-empt it by closing first.
    uint256 public constant VERDICT_WINDOW = 1 days;

    /// @notice EIP-712 type of a provider's approval to open a session.
    bytes32 public constant APPROVAL_TYPEHASH =
        keccak256("Approval(uint256 bidId,address consumer,uint96 nonce,uint256 deadline)");
    /// @notice EIP-712 type of a provider's close receipt.
    bytes32 public constant RECEIPT_TYPEHASH =
        keccak256("Receipt(uint256 sessionId,uint32 ttftMs,uint32 tokensPerSecond,uint256 deadline)");

    /// @notice The MOR token.
    IERC20 public immutable mor;
    /// @notice The marketplace of providers and bids.
    IMarketplace public immutable marketplace;
    /// @notice The compute pool that pays stipend-mode sessions.
    IComputePool public immutable pool;

    /// @dev A consumer's held stake, one slot: [held 96 | day 32]. The stake was held on `day`
    /// and is released from the start of `day + 1`. Holds of one day add up; a hold of an
    /// earlier day is always released before a new one is written, so one bucket suffices.
    struct Hold {
        uint96 amount;
        uint32 day;
    }

    /// @dev One slot, read by every open: [minDuration 32 | maxDuration 32 | pinnedSupply 96 |
    /// totalLocked 96]. `totalLocked` is the running sum of open sessions' stakes and held
    /// stakes: the MOR the router owes its consumers (and, in direct mode, providers).
    struct Params {
        uint32 minDuration;
        uint32 maxDuration;
        uint96 pinnedSupply;
        uint96 totalLocked;
    }

    /// @dev A pair's statistics in storage (`stats` shows them as `Stats`): three slots, each
    /// written by one kind of event, so that a close or a verdict touches as few as it can.
    /// [weight 64 | secondsProvided 64 | earnings 96]: every close of a session that rates.
    /// [disputedWeight 64 | closedEarlyWeight 64 | disputed 32]: disputes, sessions cut short.
    /// `completed`: completed verdicts, packed by `CompletedStats` into one word.
    /// Wide enough for any reachable history: a session weighs less than 2^30 and counts at most
    /// 10 MOR (< 2^64 wei) of earnings, and a pair would need over 2^32 sessions, each a
    /// transaction, to fill any field (weight sums < 2^62 per 2^32 sessions, earnings < 2^96).
    struct StatsRecord {
        uint64 weight;
        uint64 secondsProvided;
        uint96 earnings;
        uint64 disputedWeight;
        uint64 closedEarlyWeight;
        uint32 disputed;
        uint256 completed;
    }

    mapping(uint256 sessionId => Session) private _sessions;
    mapping(address consumer => Hold) private _holds;
    // slither-disable-next-line uninitialized-state -- written through storage pointers in _recordClose and _rate
    mapping(address provider => mapping(uint32 modelId => StatsRecord)) private _stats;
    Params private _params;

    constructor(IERC20 mor_, IMarketplace marketplace_, IComputePool pool_, address owner_)
        Ownable(owner_)
        EIP712("MOR Compute SessionRouter", "1")
    {
        mor = mor_;
        marketplace = marketplace_;
        pool = pool_;
        _params = Params({minDuration: 60, maxDuration: 1 days, pinnedSupply: 0, totalLocked: 0});
        emit ParameterChanged("minSessionDuration", 60);
        emit ParameterChanged("maxSessionDuration", 1 days);
    }

    // ---------------------------------------------------------------- sessions

    /// @inheritdoc ISessionRouter
    function openSession(uint256 bidId, uint96 nonce, uint256 deadline, uint256 stake, uint8 mode, bytes calldata approval)
        external
        whenNotPaused
        nonReentrant
        returns (uint256 sessionId)
    {
        return _open(bidId, nonce, deadline, stake, mode, approval);
    }

    /// @inheritdoc ISessionRouter
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
    ) external whenNotPaused nonReentrant returns (uint256 sessionId) {
        // A failed permit (front-run, or an allowance already given) must not block the open:
        // the transferFrom below fails with the token's own error if the allowance is missing.
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(address(mor)).permit(msg.sender, address(this), stake, permitDeadline, v, r, s) {} catch {}
        return _open(bidId, nonce, deadline, stake, mode, approval);
    }

    /// @inheritdoc ISessionRouter
    function closeSession(uint256 sessionId) external nonReentrant {
        _close(sessionId, false, 0, 0);
    }

    /// @inheritdoc ISessionRouter
    function closeSessionWithReceipt(
        uint256 sessionId,
        uint32 ttftMs,
        uint32 tokensPerSecond,
        uint256 deadline,
        bytes calldata receipt
    ) external nonReentrant {
        _checkReceipt(sessionId, ttftMs, tokensPerSecond, deadline, receipt);
        _close(sessionId, true, ttftMs, tokensPerSecond);
    }

    /// @inheritdoc ISessionRouter
    function rateSession(uint256 sessionId) external {
        _rate(sessionId, Verdict.Disputed, 0, 0);
    }

    /// @inheritdoc ISessionRouter
    function rateSessionWithReceipt(
        uint256 sessionId,
        uint32 ttftMs,
        uint32 tokensPerSecond,
        uint256 deadline,
        bytes calldata receipt
    ) external {
        _checkReceipt(sessionId, ttftMs, tokensPerSecond, deadline, receipt);
        _rate(sessionId, Verdict.Completed, ttftMs, tokensPerSecond);
    }

    /// @inheritdoc ISessionRouter
    function withdrawHeld() external nonReentrant {
        uint256 released = _releaseHold(msg.sender);
        if (released == 0) revert NothingToWithdraw(_holds[msg.sender].amount);
        _params.totalLocked -= uint96(released);
        mor.safeTransfer(msg.sender, released);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ISessionRouter
    function setDurationBounds(uint256 minimum, uint256 maximum) external onlyOwner {
        _checkBounds("minSessionDuration", minimum, MIN_DURATION_FLOOR, MIN_DURATION_CEILING);
        _checkBounds("maxSessionDuration", maximum, minimum, MAX_DURATION_CEILING);
        _params.minDuration = uint32(minimum);
        _params.maxDuration = uint32(maximum);
        emit ParameterChanged("minSessionDuration", minimum);
        emit ParameterChanged("maxSessionDuration", maximum);
    }

    /// @inheritdoc ISessionRouter
    function setReferenceSupply(uint256 supply) external onlyOwner {
        _checkBounds("referenceSupply", supply, 0, MAX_REFERENCE_SUPPLY);
        _params.pinnedSupply = uint96(supply);
        emit ParameterChanged("referenceSupply", supply);
    }

    /// @inheritdoc ISessionRouter
    /// @dev Governance or the guardian (`NotPauser` otherwise).
    function pause() external {
        _pause();
    }

    /// @inheritdoc ISessionRouter
    function unpause() external onlyOwner {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISessionRouter
    function session(uint256 sessionId) external view returns (Session memory) {
        return _sessions[sessionId];
    }

    /// @inheritdoc ISessionRouter
    function sessionDetails(uint256 sessionId) external view returns (SessionDetails memory details) {
        Session memory m = _sessions[sessionId];
        if (m.openedAt == 0) revert UnknownSession(sessionId);
        details.session = m;
        details.consumer = SessionIds.consumer(sessionId);
        details.signer = marketplace.signerOf(m.provider);
        details.open = m.closedAt == 0;
        // Counted as `_close` counts them: up to now while open, up to the close once closed.
        details.secondsProvided =
            SessionMath.secondsProvided(m.openedAt, m.endsAt, details.open ? block.timestamp : m.closedAt);
        details.pay = m.pricePerSecond * details.secondsProvided;
        details.closableByAnyone = details.open && block.timestamp >= m.endsAt;
        (details.consumerHeld, details.consumerWithdrawable) = _holdOf(details.consumer);
    }

    /// @inheritdoc ISessionRouter
    function quote(uint256 bidId, address consumer, uint256 stake, uint8 mode)
        external
        view
        returns (Quote memory q)
    {
        // The checks of `_open` in its order (but the approval's): the first that fails is the reason.
        bytes4 reason = bytes4(0);
        if (paused()) reason = EnforcedPause.selector;
        else if (stake == 0) reason = ZeroStake.selector;
        else if (mode > uint8(type(Mode).max)) reason = InvalidMode.selector;
        bool bidRead = false;
        try marketplace.activeBid(bidId) returns (address provider, uint32 modelId, uint256 price, address signer) {
            (q.provider, q.modelId, q.pricePerSecond, q.signer, bidRead) = (provider, modelId, price, signer, true);
        } catch (bytes memory bidError) {
            // Whatever the marketplace refuses the bid with, as the open would bubble it up.
            if (reason == 0) reason = bytes4(bidError);
        }
        if (bidRead && mode <= uint8(type(Mode).max)) reason = _quoteTerms(q, consumer, stake, Mode(mode), reason);
        q.reason = reason;
    }

    /// @inheritdoc ISessionRouter
    function holdOf(address consumer) external view returns (uint256 held, uint256 withdrawable) {
        return _holdOf(consumer);
    }

    /// @inheritdoc ISessionRouter
    function stats(address provider, uint32 modelId) external view returns (Stats memory) {
        return _statsOf(_stats[provider][modelId]);
    }

    /// @inheritdoc ISessionRouter
    function statsOf(address[] calldata providers, uint32 modelId) external view returns (Stats[] memory result) {
        result = new Stats[](providers.length);
        for (uint256 i = 0; i < providers.length; ++i) {
            result[i] = _statsOf(_stats[providers[i]][modelId]);
        }
    }

    /// @inheritdoc ISessionRouter
    function approvalDigest(uint256 bidId, address consumer, uint96 nonce, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _approvalDigest(bidId, consumer, nonce, deadline);
    }

    /// @inheritdoc ISessionRouter
    function receiptDigest(uint256 sessionId, uint32 ttftMs, uint32 tokensPerSecond, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _receiptDigest(sessionId, ttftMs, tokensPerSecond, deadline);
    }

    /// @inheritdoc ISessionRouter
    function stipendDuration(uint256 stake, uint256 pricePerSecond) external view returns (uint256 duration) {
        bytes4 fault;
        (duration, fault) = _duration(stake, Mode.Stipend, pricePerSecond, false);
        if (fault == ZeroReferenceSupply.selector) revert ZeroReferenceSupply();
    }

    /// @inheritdoc ISessionRouter
    function referenceSupply() external view returns (uint256 supply) {
        // slither-disable-next-line unused-return -- only the balance enters the reference supply
        (,, uint256 poolBalance) = pool.today();
        supply = SessionMath.referenceSupply(_params.pinnedSupply, mor.totalSupply(), poolBalance);
        if (supply == 0) revert ZeroReferenceSupply();
    }

    /// @inheritdoc ISessionRouter
    function totalLocked() external view returns (uint256) {
        return _params.totalLocked;
    }

    /// @inheritdoc ISessionRouter
    function durationBounds() external view returns (uint256 minimum, uint256 maximum) {
        return (_params.minDuration, _params.maxDuration);
    }

    // ---------------------------------------------------------------- internal

    function _open(uint256 bidId, uint96 nonce, uint256 deadline, uint256 stake, uint8 modeValue, bytes calldata approval)
        private
        returns (uint256 sessionId)
    {
        // --- Checks
        if (stake == 0) revert ZeroStake();
        if (modeValue > uint8(type(Mode).max)) revert InvalidMode(modeValue);
        Mode mode = Mode(modeValue);
        sessionId = SessionIds.encode(msg.sender, nonce);
        if (_sessions[sessionId].openedAt != 0) revert ApprovalAlreadyUsed(sessionId);
        Session memory opened;
        {
            (address provider, uint32 modelId, uint256 price, address signer) =
                _approvedBid(bidId, nonce, deadline, approval);
            // Self-dealing: the pay would go back to the consumer's own side.
            bool selfDealt = msg.sender == provider || msg.sender == signer;
            if (selfDealt && mode == Mode.Stipend) revert SelfDealtStipend(bidId, msg.sender);
            (uint256 duration,) = _duration(stake, mode, price, true); // strict: reverts with the fault
            opened = Session({
                provider: provider,
                pricePerSecond: uint64(price), // bid prices are bounded by type(uint64).max
                modelId: modelId,
                stake: SafeCast.toUint96(stake),
                openedAt: SafeCast.toUint40(block.timestamp),
                endsAt: SafeCast.toUint40(block.timestamp + duration),
                closedAt: 0,
                mode: mode,
                selfDealt: selfDealt,
                verdict: Verdict.None
            });
        }

        // --- Effects
        uint256 released = _releaseHold(msg.sender);
        _params.totalLocked = SafeCast.toUint96(_params.totalLocked + stake - released);
        _sessions[sessionId] = opened;
        emit SessionOpened(
            sessionId, msg.sender, opened.provider, bidId, stake, mode, opened.pricePerSecond, opened.endsAt
        );

        // --- Interactions: released stake counts towards the new stake.
        if (stake > released) {
            mor.safeTransferFrom(msg.sender, address(this), stake - released);
        } else if (released > stake) {
            mor.safeTransfer(msg.sender, released - stake);
        }
    }

    /// @dev The bid behind a valid, unexpired approval of the caller's session.
    function _approvedBid(uint256 bidId, uint96 nonce, uint256 deadline, bytes calldata approval)
        private
        view
        returns (address provider, uint32 modelId, uint256 price, address signer)
    {
        if (block.timestamp > deadline) revert ApprovalExpired(deadline);
        (provider, modelId, price, signer) = marketplace.activeBid(bidId);
        if (!SignatureChecker.isValidSignatureNow(signer, _approvalDigest(bidId, msg.sender, nonce, deadline), approval)) {
            revert InvalidApprovalSignature(signer);
        }
    }

    /// @dev The one computation of a session's duration, shared by `_open`, `quote` and
    /// `stipendDuration`: the seconds `stake` buys at `price` in `mode` now, and the selector of
    /// the error an open fails with because of them (0: none), `ZeroReferenceSupply` (then
    /// `duration` is 0) or `SessionTooShort`. `strict` (the open) reverts with that error instead
    /// of returning it; otherwise this never reverts for a price above zero.
    function _duration(uint256 stake, Mode mode, uint256 price, bool strict)
        private
        view
        returns (uint256 duration, bytes4 fault)
    {
        Params memory params = _params;
        if (mode == Mode.Stipend) {
            // slither-disable-next-line unused-return -- what was paid today does not enter the stipend
            (uint256 budget,, uint256 poolBalance) = pool.today();
            // max(pinned, MOR circulating outside the pool): a pin can only lower stipends.
            uint256 supply = SessionMath.referenceSupply(params.pinnedSupply, mor.totalSupply(), poolBalance);
            if (supply == 0) {
                if (strict) revert ZeroReferenceSupply();
                return (0, ZeroReferenceSupply.selector);
            }
            // A stipend of 2^256 wei or more (a stake far beyond MOR's supply, with nearly all MOR
            // in the pool) would overflow mulDiv: it buys the longest session at any bid price, and
            // such a stake fails the open at its 96-bit cast instead.
            // slither-disable-next-line unused-return -- only the high word tells an overflow
            (uint256 high,) = Math.mul512(stake, budget);
            duration = high < supply
                ? SessionMath.stipendDuration(stake, budget, supply, price, params.maxDuration)
                : params.maxDuration;
        } else {
            duration = SessionMath.directDuration(stake, price, params.maxDuration);
        }
        if (duration < params.minDuration) {
            if (strict) revert SessionTooShort(duration, params.minDuration);
            fault = SessionTooShort.selector;
        }
    }

    function _close(uint256 sessionId, bool hasReceipt, uint32 ttftMs, uint32 tokensPerSecond) private {
        // --- Checks
        Session memory m = _sessions[sessionId];
        if (m.openedAt == 0) revert UnknownSession(sessionId);
        if (m.closedAt != 0) revert SessionAlreadyClosed(sessionId);
        address consumer = SessionIds.consumer(sessionId);
        if (
            block.timestamp < m.endsAt && msg.sender != consumer && msg.sender != m.provider
                && msg.sender != marketplace.signerOf(m.provider)
        ) revert NotAllowedToClose(sessionId, msg.sender);

        // --- Effects (the close's facts go into `m`, which saves stack)
        uint256 secondsProvided = SessionMath.secondsProvided(m.openedAt, m.endsAt, block.timestamp);
        uint256 pay = m.pricePerSecond * secondsProvided;
        m.closedAt = SafeCast.toUint40(block.timestamp);
        // Only the consumer's close is a verdict; anyone else's leaves it to the consumer.
        m.verdict = msg.sender != consumer ? Verdict.None : hasReceipt ? Verdict.Completed : Verdict.Disputed;
        uint256 weight = _recordClose(m, secondsProvided, pay, ttftMs, tokensPerSecond);
        _sessions[sessionId].closedAt = m.closedAt;
        _sessions[sessionId].verdict = m.verdict;
        uint256 payout = _settle(sessionId, m, consumer, secondsProvided, pay, weight);
        if (m.verdict == Verdict.Completed) emit ReceiptRecorded(sessionId, ttftMs, tokensPerSecond);

        // --- Interactions
        if (pay > 0) {
            if (m.mode == Mode.Stipend) pool.credit(m.provider, pay);
            else mor.safeTransfer(m.provider, pay);
        }
        if (payout > 0) mor.safeTransfer(consumer, payout);
    }

    /// @dev The close's accounting: releases the consumer's earlier hold, splits the stake into
    /// what goes back now and what is held, and emits `SessionClosed`. Returns what the consumer
    /// is paid now (its stake's returned part plus the released hold).
    function _settle(
        uint256 sessionId,
        Session memory m,
        address consumer,
        uint256 secondsProvided,
        uint256 pay,
        uint256 weight
    ) private returns (uint256 payout) {
        uint256 released = _releaseHold(consumer);
        (uint256 returned, uint256 held) = _stakeBack(m, consumer, pay);
        // The stake leaves the router but for the held part; a released hold leaves too.
        _params.totalLocked -= uint96(m.stake - held + released);
        _emitClosed(sessionId, m, secondsProvided, pay, returned, held, weight);
        return returned + released;
    }

    /// @dev `SessionClosed` for a closed session `m` (its own function: the event's nine fields
    /// do not fit the stack of `_settle`).
    function _emitClosed(
        uint256 sessionId,
        Session memory m,
        uint256 secondsProvided,
        uint256 pay,
        uint256 returned,
        uint256 held,
        uint256 weight
    ) private {
        bool closedEarly = m.verdict != Verdict.None && m.closedAt < m.endsAt;
        emit SessionClosed(
            sessionId, msg.sender, secondsProvided, pay, returned, held, weight, m.verdict == Verdict.Disputed, closedEarly
        );
    }

    /// @dev The consumer's late verdict on a session someone else closed. Moves no MOR and calls
    /// nothing: the checks, then two storage writes.
    function _rate(uint256 sessionId, Verdict verdict, uint32 ttftMs, uint32 tokensPerSecond) private {
        Session memory m = _sessions[sessionId];
        if (m.openedAt == 0) revert UnknownSession(sessionId);
        if (msg.sender != SessionIds.consumer(sessionId)) revert NotSessionConsumer(sessionId, msg.sender);
        if (m.closedAt == 0) revert SessionStillOpen(sessionId);
        if (m.verdict != Verdict.None) revert SessionAlreadyRated(sessionId, m.verdict);
        uint256 secondsProvided = SessionMath.secondsProvided(m.openedAt, m.endsAt, m.closedAt);
        uint256 weight = _weightOf(m, secondsProvided);
        if (weight == 0) revert SessionNotRatable(sessionId, secondsProvided, MIN_RATED_SECONDS);
        uint256 windowEnd = m.closedAt + VERDICT_WINDOW;
        if (block.timestamp > windowEnd) revert VerdictWindowClosed(sessionId, windowEnd);

        _sessions[sessionId].verdict = verdict;
        // Cut short: closed before its end, which only the provider's side could do here.
        bool closedEarly = m.closedAt < m.endsAt;
        _recordVerdict(_stats[m.provider][m.modelId], weight, verdict, closedEarly, ttftMs, tokensPerSecond);
        emit SessionRated(sessionId, verdict, weight, closedEarly, ttftMs, tokensPerSecond);
    }

    /// @dev A receipt's checks, shared by the close and the late verdict: unexpired, physical,
    /// of a known session, signed by the provider's signer now.
    function _checkReceipt(
        uint256 sessionId,
        uint32 ttftMs,
        uint32 tokensPerSecond,
        uint256 deadline,
        bytes calldata receipt
    ) private view {
        if (block.timestamp > deadline) revert ReceiptExpired(deadline);
        if (
            ttftMs < MIN_TTFT_MS || ttftMs > MAX_TTFT_MS || tokensPerSecond < MIN_TOKENS_PER_SECOND
                || tokensPerSecond > MAX_TOKENS_PER_SECOND
        ) revert ReceiptOutOfBounds(ttftMs, tokensPerSecond);
        address provider = _sessions[sessionId].provider;
        // An unknown session has no provider: name the real fault, not the zero signer's.
        if (provider == address(0)) revert UnknownSession(sessionId);
        address signer = marketplace.signerOf(provider);
        bytes32 digest = _receiptDigest(sessionId, ttftMs, tokensPerSecond, deadline);
        if (!SignatureChecker.isValidSignatureNow(signer, digest, receipt)) revert InvalidReceiptSignature(signer);
    }

    /// @dev Splits the stake of a closing session into what goes back now and what is held.
    /// Stipend mode: the share of the stake that backed today's compute is held until tomorrow.
    /// Direct mode: the provider's pay comes out of the stake and nothing is held.
    function _stakeBack(Session memory m, address consumer, uint256 pay) private returns (uint256 returned, uint256 held) {
        if (m.mode == Mode.Direct) {
            // pay = price * seconds <= price * duration <= stake (directDuration rounds down).
            return (m.stake - pay, 0);
        }
        uint256 today = Days.today();
        uint256 secondsToday = SessionMath.secondsOnDay(m.openedAt, m.endsAt, block.timestamp, today);
        held = SessionMath.heldPart(m.stake, secondsToday, m.endsAt - m.openedAt);
        returned = m.stake - held;
        if (held > 0) {
            // The caller released any earlier day's hold first, so the bucket holds only today's.
            _holds[consumer] = Hold({amount: SafeCast.toUint96(_holds[consumer].amount + held), day: uint32(today)});
        }
    }

    /// @dev A session's weight in its pair's statistics: its milli-MOR at stake times the seconds
    /// it provided, capped at `MAX_SESSION_WEIGHT`; 0 (it rates nothing) when self-dealt, shorter
    /// than `MIN_RATED_SECONDS` or staking less than 0.001 MOR.
    function _weightOf(Session memory m, uint256 secondsProvided) private pure returns (uint256) {
        if (m.selfDealt || secondsProvided < MIN_RATED_SECONDS) return 0;
        // slither-disable-next-line divide-before-multiply -- on purpose: the stake is counted in whole milli-MOR
        return Math.min((m.stake / WEIGHT_UNIT) * secondsProvided, MAX_SESSION_WEIGHT);
    }

    /// @dev Records a closing session `m` (its `closedAt` and `verdict` set) in its pair's
    /// statistics: what it served, and the consumer's verdict unless None. Returns its weight; a
    /// session of weight 0 rates nothing: nothing is recorded and its verdict becomes None.
    function _recordClose(
        Session memory m,
        uint256 secondsProvided,
        uint256 pay,
        uint32 ttftMs,
        uint32 tokensPerSecond
    ) private returns (uint256 weight) {
        weight = _weightOf(m, secondsProvided);
        if (weight == 0) {
            m.verdict = Verdict.None;
            return 0;
        }
        StatsRecord storage st = _stats[m.provider][m.modelId];
        _recordServed(st, weight, secondsProvided, pay);
        if (m.verdict != Verdict.None) {
            _recordVerdict(st, weight, m.verdict, m.closedAt < m.endsAt, ttftMs, tokensPerSecond);
        }
    }

    /// @dev What every session that rates adds at its close, whoever closes it: its weight, its
    /// seconds and its pay, counted at most as the (capped) MOR-seconds behind it per day. One
    /// slot, written once.
    function _recordServed(StatsRecord storage st, uint256 weight, uint256 secondsProvided, uint256 pay) private {
        // weight <= MAX_SESSION_WEIGHT < 2^30, so the product cannot overflow.
        uint256 counted = Math.min(pay, (weight * WEIGHT_UNIT) / EARNINGS_PERIOD);
        // Cannot overflow for any reachable history (see StatsRecord); seconds grow by at most
        // 7 days per transaction.
        unchecked {
            (st.weight, st.secondsProvided, st.earnings) = (
                st.weight + uint64(weight),
                st.secondsProvided + uint64(secondsProvided),
                st.earnings + uint96(counted)
            );
        }
    }

    /// @dev The consumer's verdict on a session of `weight` (> 0): completed (its measurements
    /// count) or disputed; and cut short if it was closed before its end. A completed verdict
    /// writes one slot (two if cut short), a dispute one.
    function _recordVerdict(
        StatsRecord storage st,
        uint256 weight,
        Verdict verdict,
        bool closedEarly,
        uint32 ttftMs,
        uint32 tokensPerSecond
    ) private {
        // Cannot overflow for any reachable history (see StatsRecord and CompletedStats); the
        // receipt's bounds were checked before.
        unchecked {
            if (verdict == Verdict.Completed) {
                st.completed = CompletedStats.add(st.completed, weight, ttftMs, tokensPerSecond);
                if (closedEarly) st.closedEarlyWeight += uint64(weight);
            } else {
                (st.disputedWeight, st.closedEarlyWeight, st.disputed) = (
                    st.disputedWeight + uint64(weight),
                    closedEarly ? st.closedEarlyWeight + uint64(weight) : st.closedEarlyWeight,
                    st.disputed + 1
                );
            }
        }
    }

    /// @dev A pair's statistics as `stats` shows them.
    function _statsOf(StatsRecord storage st) private view returns (Stats memory view_) {
        (uint256 completedWeight, uint256 ttftWeighted, uint256 tpsWeighted, uint256 completed) =
            CompletedStats.unpack(st.completed);
        // Every field fits its wider `Stats` type (see StatsRecord and CompletedStats).
        view_ = Stats({
            weight: st.weight,
            completedWeight: uint72(completedWeight),
            disputedWeight: st.disputedWeight,
            disputed: st.disputed,
            closedEarlyWeight: st.closedEarlyWeight,
            secondsProvided: st.secondsProvided,
            earnings: st.earnings,
            ttftWeighted: uint112(ttftWeighted),
            tpsWeighted: uint112(tpsWeighted),
            completed: uint32(completed)
        });
    }

    /// @dev The rest of `quote` once the bid is read and the mode valid: self-dealing, the
    /// duration (by `_duration`, as the open computes it) and the casts, checked after the
    /// earlier `reason` (0: none so far), in `_open`'s order. Fills the terms and `opens`.
    function _quoteTerms(Quote memory q, address consumer, uint256 stake, Mode mode, bytes4 reason)
        private
        view
        returns (bytes4)
    {
        bool selfDealt = consumer == q.provider || consumer == q.signer;
        if (reason == 0 && selfDealt && mode == Mode.Stipend) reason = SelfDealtStipend.selector;
        (uint256 duration, bytes4 fault) = _duration(stake, mode, q.pricePerSecond, false);
        if (reason == 0) reason = fault;
        if (fault != ZeroReferenceSupply.selector) {
            q.duration = duration;
            q.endsAt = block.timestamp + duration;
            q.stipend = q.pricePerSecond * duration;
        }
        if (reason == 0 && _overflows(consumer, stake, q.endsAt)) {
            reason = SafeCast.SafeCastOverflowedUintDowncast.selector;
        }
        q.opens = reason == 0;
        return reason;
    }

    /// @dev A consumer's hold: still held (made today), or released (made on an earlier day).
    function _holdOf(address consumer) private view returns (uint256 held, uint256 withdrawable) {
        Hold memory hold = _holds[consumer];
        if (Days.today() > hold.day) return (0, hold.amount);
        return (hold.amount, 0);
    }

    /// @dev Whether an open by `consumer` of `stake` ending at `endsAt` now would fail one of
    /// `_open`'s casts: the stake or the times, or the locked total once the consumer's released
    /// hold counts towards the stake.
    function _overflows(address consumer, uint256 stake, uint256 endsAt) private view returns (bool) {
        if (stake > type(uint96).max || endsAt > type(uint40).max) return true;
        (, uint256 released) = _holdOf(consumer);
        return _params.totalLocked + stake - released > type(uint96).max;
    }

    /// @dev Releases the consumer's hold if it was made on an earlier day; returns the amount.
    function _releaseHold(address consumer) private returns (uint256 released) {
        Hold memory hold = _holds[consumer];
        if (hold.amount == 0 || Days.today() <= hold.day) return 0;
        released = hold.amount;
        // Only the amount is cleared: the day keeps the slot non-zero, so the consumer's next
        // hold costs a warm-value write instead of a fresh one.
        _holds[consumer].amount = 0;
        emit HeldReleased(consumer, released);
    }

    /// @dev Open sessions' stakes and held stakes: everything else the router holds is surplus.
    function _owedMor() internal view override returns (uint256) {
        return _params.totalLocked;
    }

    function _sweepRoute() internal view override returns (IERC20, IComputePool) {
        return (mor, pool);
    }

    function _approvalDigest(uint256 bidId, address consumer, uint96 nonce, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(APPROVAL_TYPEHASH, bidId, consumer, nonce, deadline)));
    }

    function _receiptDigest(uint256 sessionId, uint32 ttftMs, uint32 tokensPerSecond, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(RECEIPT_TYPEHASH, sessionId, ttftMs, tokensPerSecond, deadline)));
    }
}
