"""The consumer client: rank a model's bids with the consumer's weights, fetch an approval from
the chosen provider's registered endpoint, open the session (one transaction with a permit), chat
through the provider's node with every request signed, measure time-to-first-token and
tokens-per-second itself, fetch the provider's receipt and close with it, or close without it (a
dispute) when the provider's numbers are far better than what the consumer measured or the
provider stopped answering; if someone else (the provider's node, a keeper) closed the session
first, give the same verdict late (`rateSessionWithReceipt` / `rateSession`). `ape run consumer
chat` is its command line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from mor_market import operations as ops
from mor_market.deploy import Protocol
from mor_market.ids import session_id
from mor_market.node import auth
from mor_market.node.config import endpoint_url
from mor_market.node.measure import StreamMeter, Summary, observe, sse_data, summarize
from mor_market.ranking import BALANCED, Weights

log = logging.getLogger("mor_market.client")
CHAT_PATH = auth.CHAT_PATH


class ProviderError(RuntimeError):
    """The provider's node refused (`status` is its HTTP status) or did not answer (`status` 0)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status or 'no answer'}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Measured:
    """One completion as the consumer saw it."""

    text: str
    ttft_ms: float
    tokens: int
    generation_seconds: float

    @property
    def tokens_per_second(self) -> float | None:
        return (self.tokens - 1) / self.generation_seconds if self.tokens > 1 and self.generation_seconds > 0 else None

    def row(self) -> tuple[float, int, float]:
        return (self.ttft_ms, self.tokens, self.generation_seconds)


@dataclass(frozen=True)
class Tolerance:
    """How much better than the consumer's own measurement a receipt may claim before the
    consumer disputes. The consumer's time to first token includes the network and the node, so
    the provider's is expected lower; "far better" is beyond both a factor and a slack."""

    ttft_factor: float = 2.0
    ttft_slack_ms: float = 250.0
    tps_factor: float = 2.0
    tps_slack: float = 5.0

    def lies(self, receipt: dict[str, Any], own: Summary) -> str | None:
        """Why the receipt is far better than `own`, or None if it is believable."""
        claimed_ttft, claimed_tps = int(receipt["ttftMs"]), int(receipt["tokensPerSecond"])
        if claimed_ttft * self.ttft_factor + self.ttft_slack_ms < own.ttft_ms:
            return f"the receipt claims {claimed_ttft} ms to first token, the consumer measured {own.ttft_ms} ms"
        if claimed_tps > own.tokens_per_second * self.tps_factor + self.tps_slack:
            return f"the receipt claims {claimed_tps} tokens/s, the consumer measured {own.tokens_per_second}"
        return None


# ------------------------------------------------------------------ HTTP (async)


def _timeout(seconds: float) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=seconds, sock_connect=min(seconds, 10))


async def _refusal(response: aiohttp.ClientResponse) -> ProviderError:
    text = await response.text()
    try:
        message = json.loads(text)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = text[:300]
    return ProviderError(response.status, message)


@contextlib.asynccontextmanager
async def _post(
    http: aiohttp.ClientSession, endpoint: str, path: str, timeout: float, **kwargs: Any
) -> AsyncIterator[aiohttp.ClientResponse]:
    """A POST to a provider's node that answered 200; a refusal or a node that does not answer
    (also while its answer is read) becomes a ProviderError."""
    try:
        async with http.post(endpoint_url(endpoint) + path, timeout=_timeout(timeout), **kwargs) as r:
            if r.status != 200:
                raise await _refusal(r)
            yield r
    except (aiohttp.ClientError, TimeoutError) as err:
        raise ProviderError(0, f"{endpoint}: {err or type(err).__name__}") from None


def approval_request(
    account: Any, router: str, chain_id: int, bid: int, nonce: int, consumer: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of a request for the approval of session consumer|nonce on `bid`, signed
    by `account` (None: unsigned) like a chat request, for the session consumer|nonce will open
    and with the approval nonce as the request nonce. `consumer` defaults to the signer."""
    consumer = consumer or str(account.address)
    body = json.dumps({"bidId": f"0x{bid:064x}", "consumer": consumer, "nonce": str(nonce)}).encode()
    headers = {"Content-Type": "application/json"}
    if account is not None:
        session = session_id(consumer, nonce)
        headers.update(auth.request_headers(account, router, chain_id, session, nonce, auth.APPROVAL_PATH, body))
    return body, headers


async def send_approval_request(
    http: aiohttp.ClientSession, endpoint: str, body: bytes, headers: dict[str, str], timeout: float = 30
) -> dict[str, Any]:
    """Sends an approval request as approval_request made it; the node's approval JSON."""
    async with _post(http, endpoint, auth.APPROVAL_PATH, timeout, data=body, headers=headers) as r:
        return await r.json()


async def request_approval(
    http: aiohttp.ClientSession,
    endpoint: str,
    bid: int,
    account: Any,
    nonce: int,
    router: str,
    chain_id: int,
    timeout: float = 30,
) -> dict[str, Any]:
    """The provider node's signed approval for session consumer|nonce on `bid`, asked for with a
    request signed by the consumer `account` (an Ape account or an eth-account LocalAccount)."""
    body, headers = approval_request(account, router, chain_id, bid, nonce)
    return await send_approval_request(http, endpoint, body, headers, timeout)


@dataclass(frozen=True)
class Link:
    """A consumer's session with a provider's node: where the node is and who signs the requests
    (an Ape account or an eth-account LocalAccount) for which deployment."""

    endpoint: str
    account: Any
    router: str
    chain_id: int
    session: int
    timeout: float = 300

    def headers(self, nonce: int, path: str, body: bytes) -> dict[str, str]:
        return auth.request_headers(self.account, self.router, self.chain_id, self.session, nonce, path, body)


async def chat(http: aiohttp.ClientSession, link: Link, nonce: int, request: dict[str, Any]) -> Measured:
    """One chat completion through the provider's node, signed by the consumer and timed from the
    moment it is sent: streamed when `request` asks for it (then the first token's arrival is
    seen), else timed whole."""
    body = json.dumps(request).encode()
    headers = {**link.headers(nonce, CHAT_PATH, body), "Content-Type": "application/json"}
    meter = StreamMeter()
    parts: list[str] = []
    async with _post(http, link.endpoint, CHAT_PATH, link.timeout, data=body, headers=headers) as r:
        if request.get("stream"):
            async for line in r.content:
                chunk = sse_data(line)
                if chunk is not None:
                    parts.append(observe(meter, chunk))
        else:
            whole = await r.json()
            meter.content()
            parts.append(str(whole["choices"][0]["message"]["content"]))
            meter.usage(int(whole.get("usage", {}).get("completion_tokens", 1)))
    if meter.ttft_ms is None:
        raise ProviderError(200, "the completion had no token")
    return Measured("".join(parts), meter.ttft_ms, meter.tokens, meter.generation_seconds)


async def fetch_receipt(http: aiohttp.ClientSession, link: Link, nonce: int) -> dict[str, Any]:
    """The node's signed receipt of the session, with its measurements."""
    path = f"/v1/sessions/0x{link.session:064x}/receipt"
    async with _post(http, link.endpoint, path, link.timeout, data=b"", headers=link.headers(nonce, path, b"")) as r:
        return await r.json()


# ------------------------------------------------------------------ the consumer (sync, on Ape)


@dataclass
class OpenSession:
    session: int
    bid: int
    provider: str
    endpoint: str
    model: str
    measured: list[Measured] = field(default_factory=list)


class Consumer:
    """A consumer operating through Ape (its account signs transactions and requests) and the
    providers' nodes over HTTP."""

    def __init__(
        self,
        protocol: Protocol,
        account: Any,
        weights: Weights = BALANCED,
        tolerance: Tolerance | None = None,
        timeout: float = 60,
    ) -> None:
        from ape import chain

        self.p = protocol
        self.account = account
        self.weights = weights
        self.tolerance = tolerance or Tolerance()
        self.timeout = timeout
        self.chain_id = int(chain.chain_id)
        self.router = str(protocol.router.address)
        self._nonce = time.time_ns()

    def _next_nonce(self) -> int:
        self._nonce += 1
        return self._nonce

    def _run(self, coroutine_factory: Any) -> Any:
        async def go() -> Any:
            async with aiohttp.ClientSession() as http:
                return await coroutine_factory(http)

        return asyncio.run(go())

    def rank(self, model_id: int, limit: int | None = 20) -> list[ops.RankedBid]:
        return ops.ranked_bids(self.p, model_id, self.weights, limit)

    def approval(self, endpoint: str, bid: int, nonce: int | None = None) -> dict[str, Any]:
        nonce = nonce or secrets.randbits(95) + 1
        approval = self._run(
            lambda http: request_approval(
                http, endpoint, bid, self.account, nonce, self.router, self.chain_id, self.timeout
            )
        )
        if int(approval["chainId"]) != self.chain_id or str(approval["router"]) != self.router:
            raise ProviderError(200, f"the approval is for chain {approval['chainId']} router {approval['router']}")
        return approval

    def open(
        self, model_id: int, model: str, stake: int, candidates: Iterable[ops.RankedBid] | None = None
    ) -> OpenSession:
        """Opens a session on the best-ranked bid whose provider approves (refusals, such as a
        provider at capacity, move on to the next), in one transaction with a permit."""
        refusals = []
        for bid in self.rank(model_id) if candidates is None else candidates:
            try:
                approval = self.approval(bid.endpoint, bid.bid_id)
            except ProviderError as err:
                log.info("bid 0x%064x at %s: %s", bid.bid_id, bid.endpoint, err)
                refusals.append(f"{bid.endpoint}: {err}")
                continue
            session, _tx = ops.open_session(self.p, self.account, approval, stake, ops.STIPEND, permit=True)
            return OpenSession(session, bid.bid_id, bid.provider, bid.endpoint, model)
        raise ProviderError(0, "no provider approved a session: " + "; ".join(refusals or ["no bid"]))

    def chat(self, s: OpenSession, messages: list[dict[str, Any]], stream: bool = True, **extra: Any) -> Measured:
        request = {"model": s.model, "messages": messages, "stream": stream, **extra}
        measured = self._run(lambda http: chat(http, self.link(s), self._next_nonce(), request))
        if stream:
            s.measured.append(measured)
        return measured

    def receipt(self, s: OpenSession) -> dict[str, Any]:
        return self._run(lambda http: fetch_receipt(http, self.link(s), self._next_nonce()))

    def link(self, s: OpenSession) -> Link:
        return Link(s.endpoint, self.account, self.router, self.chain_id, s.session, self.timeout)

    def verdict(self, s: OpenSession) -> tuple[dict[str, Any] | None, str | None, Summary | None]:
        """(the provider's receipt or None, why to dispute or None, the consumer's own summary):
        dispute when the node does not answer or its numbers are far better than the consumer's."""
        own = summarize([m.row() for m in s.measured])
        try:
            receipt = self.receipt(s)
        except ProviderError as err:
            return None, f"no receipt: {err}", own
        return receipt, None if own is None else self.tolerance.lies(receipt, own), own

    def finish(self, s: OpenSession) -> dict[str, Any]:
        """Fetches the receipt and gives the consumer's verdict: completed with it, or disputed
        (without it) when the provider does not answer or its numbers are far better than the
        consumer's own. Normally by closing the session; if someone else closed it first (the
        provider's node closes its expired sessions, a keeper anyone's), late (`late`: True), with
        `rateSessionWithReceipt` or `rateSession` within the verdict window: a close by anyone but
        the consumer leaves the verdict to it (PROTOCOL.md §5, v3). `verdict` is what the chain
        recorded: None, with the reason in `unrated`, for a session that rates nothing (fewer than
        MIN_RATED_SECONDS provided: closed and paid all the same) or can no longer be rated
        (rated already, or its verdict window closed); `reason` says why the consumer disputed."""
        from ape.exceptions import ContractLogicError

        receipt, reason, own = self.verdict(s)
        if reason is not None:
            log.warning("disputing session 0x%064x: %s", s.session, reason)
        chosen = None if reason else receipt
        result = {
            "sessionId": f"0x{s.session:064x}",
            "provider": s.provider,
            "endpoint": s.endpoint,
            "verdict": "disputed" if reason else "completed",
            "reason": reason,
            "measured": None if own is None else {"ttftMs": own.ttft_ms, "tokensPerSecond": own.tokens_per_second},
            "receipt": None
            if receipt is None
            else {k: receipt[k] for k in ("ttftMs", "tokensPerSecond", "deadline", "requests") if k in receipt},
            "requests": len(s.measured),
            "late": False,
            "unrated": None,
        }
        record = self.p.router.session(s.session)
        if not int(record.closedAt):
            try:
                tx = ops.close_session(self.p, self.account, s.session, chosen)
            except ContractLogicError as err:
                # Closed by someone else (the node, at its end) since it was read: rate it late.
                if type(err).__name__ != "SessionAlreadyClosed":
                    raise
            else:
                closed = tx.decode_logs(self.p.router.SessionClosed)[0]
                recorded = tx.decode_logs(self.p.router.ReceiptRecorded)
                # A session shorter than MIN_RATED_SECONDS is closed and paid, and rates nothing.
                unrated = ops.why_unrated(int(record.stake), int(closed.secondsProvided), bool(record.selfDealt))
                return {
                    **result,
                    "verdict": None if unrated else result["verdict"],
                    "unrated": unrated,
                    "recorded": None
                    if not recorded
                    else {"ttftMs": int(recorded[0].ttftMs), "tokensPerSecond": int(recorded[0].tokensPerSecond)},
                    "secondsProvided": int(closed.secondsProvided),
                    "paid": int(closed.paid),
                    "disputed": bool(closed.disputed),
                    "transaction": str(tx.txn_hash),
                }
        return self._rate_late(s, chosen, result)

    def _rate_late(self, s: OpenSession, receipt: dict[str, Any] | None, result: dict[str, Any]) -> dict[str, Any]:
        """The verdict on a session someone else closed: `rate_session` if the router would take
        it, else nothing sent and the reason in `unrated`."""
        details = self.p.router.sessionDetails(s.session)
        done = {
            **result,
            "late": True,
            "secondsProvided": int(details.secondsProvided),
            "paid": int(details.pay),
            "recorded": None,
            "transaction": None,
        }
        refusal = ops.late_verdict_refusal(self.p, s.session)
        if refusal is not None:
            log.warning("session 0x%064x was closed by someone else and cannot be rated: %s", s.session, refusal)
            return {**done, "verdict": None, "unrated": refusal, "disputed": False}
        log.info("session 0x%064x was closed by someone else: rating it late, %s", s.session, result["verdict"])
        tx = ops.rate_session(self.p, self.account, s.session, receipt)
        rated = tx.decode_logs(self.p.router.SessionRated)[0]
        verdict = ops.VERDICTS[int(rated.verdict)]
        return {
            **done,
            # A late completion's measurements are in its SessionRated (no ReceiptRecorded follows).
            "recorded": {"ttftMs": int(rated.ttftMs), "tokensPerSecond": int(rated.tokensPerSecond)}
            if verdict == "completed"
            else None,
            "verdict": verdict,
            "disputed": verdict == "disputed",
            "transaction": str(tx.txn_hash),
        }
