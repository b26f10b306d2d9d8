"""The node's HTTP service (aiohttp): approvals, the OpenAI-compatible chat endpoint, receipts,
health and metrics, and the background housekeeping (close expired sessions, claim).

Statuses: 400 malformed request, 401 missing or bad request signature, 402 the consumer's MOR
cannot open a session on the bid (approvals), 403 not this node's bid or session or not signed by
the (session's) consumer, 404 unknown session or model, 409 replayed nonce, used approval nonce or
another unused approval of the consumer on the model, 410 bid inactive or session closed or
expired (for a receipt: the session rated, or its verdict window closed), 429 capacity full, 502
backend failed, 503 node misconfigured (its key does not sign for the provider)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from mor_market.ids import bid_parts, session_consumer, session_id
from mor_market.node import auth
from mor_market.node.chain import WORKERS, Chain, ChainError, OnChainSession
from mor_market.node.config import ConfigError, ModelConfig, NodeConfig, endpoint_port
from mor_market.node.measure import StreamMeter, observe, sse_data, summarize
from mor_market.node.store import ApprovalRow, SessionRow, Store
from mor_market.ranking import VERDICT_WINDOW
from mor_market.units import parse_address, parse_id

log = logging.getLogger("mor_market.node")


class Refused(Exception):
    """A refusal: its status and one line saying why (sent as an OpenAI-style JSON error)."""

    def __init__(self, status: int, message: str, **headers: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


@web.middleware
async def refusals(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except Refused as refused:
        log.info("%s %s -> %d %s", request.method, request.path, refused.status, refused.message)
        body = {"error": {"message": refused.message, "type": "mor_market", "code": refused.status}}
        return web.json_response(body, status=refused.status, headers=refused.headers or None)


@dataclass(frozen=True)
class Served:
    """A model this node serves: its configuration and its on-chain id."""

    config: ModelConfig
    model_id: int


class Node:
    def __init__(self, config: NodeConfig, chain: Chain, store: Store) -> None:
        self.config = config
        self.chain = chain
        self.store = store
        self.provider = config.provider
        self.served: dict[int, Served] = {}
        self.endpoint = ""
        self.http: aiohttp.ClientSession | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._background: asyncio.Task | None = None
        self.housekeeping_runs = 0
        self._checked: dict[int, float] = {}  # session -> when it was last read on-chain (monotonic)
        self._clock: tuple[int, float] | None = None  # (chain time, when it was read)

    # ------------------------------------------------------------ start and stop

    def check(self) -> None:
        """What the node needs from the chain before it listens: its key signs for the provider,
        the provider's registered endpoint, every configured model's id."""
        signer = self.chain.signer_of(self.provider)
        if signer != self.chain.signer:
            raise ConfigError(
                f"the node's key is {self.chain.signer}, but provider {self.provider} signs with {signer} "
                "(`ape run provider set-signer` names the signing key)"
            )
        self.endpoint = self.chain.endpoint(self.provider)
        for m in self.config.models:
            model_id = self.chain.model_id(m.name)
            self.served[model_id] = Served(m, model_id)

    @property
    def port(self) -> int:
        """The registered endpoint's port, or the configured one behind a reverse proxy."""
        return self.config.port if self.config.port is not None else endpoint_port(self.endpoint)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024, middlewares=[refusals])
        app.add_routes(
            [
                web.get("/health", self.health),
                web.get("/metrics", self.metrics),
                web.get("/v1/models", self.models),
                web.post("/v1/approvals", self.approve),
                web.post("/v1/chat/completions", self.chat),
                web.post("/v1/sessions/{session}/receipt", self.receipt),
            ]
        )
        app.on_startup.append(self._on_startup)
        app.on_cleanup.append(self._on_cleanup)
        return app

    async def _on_startup(self, _app: web.Application) -> None:
        # Chain reads block a worker thread each: enough workers for every concurrent request.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(WORKERS, thread_name_prefix="node-chain"))
        timeout = aiohttp.ClientTimeout(total=self.config.backend_timeout, sock_connect=10)
        self.http = aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0))
        if self.config.housekeeping_interval > 0:
            self._background = asyncio.create_task(self._housekeeping_loop())

    async def _on_cleanup(self, _app: web.Application) -> None:
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._background
        if self.http is not None:
            await self.http.close()
        self.store.close()

    # ------------------------------------------------------------ approvals

    async def approve(self, request: web.Request) -> web.Response:
        """POST {"bidId", "consumer", "nonce"}, signed by the consumer (auth.py; the session is the
        one consumer|nonce will open, the request nonce is the approval nonce): the EIP-712
        approval to open session consumer|nonce on the bid, if the bid is this provider's, active,
        for a model the node serves, the consumer has no other unused approval on the model, the
        consumer's MOR can open a session on the bid now, and the model has capacity left.
        Idempotent: the same consumer|nonce|bid returns the same approval while it is valid."""
        body = await request.read()
        data = _json_of(body)
        try:
            bid = parse_id(str(data["bidId"]), "bidId")
            consumer = parse_address(str(data["consumer"]), "consumer")
            nonce = parse_id(str(data["nonce"]), "nonce", bits=96)
        except KeyError as err:
            raise Refused(400, f"missing field {err.args[0]} (give bidId, consumer, nonce)") from None
        except ValueError as err:
            raise Refused(400, str(err)) from None
        if nonce == 0:
            raise Refused(400, "nonce must be 1 or more")
        session = session_id(consumer, nonce)
        signed = self._recover(request, body, auth.MAX_APPROVAL_NONCE)
        if signed.session != session or signed.nonce != nonce:
            raise Refused(
                401,
                f"an approval request must be signed for session 0x{session:064x} and nonce {nonce} (consumer|nonce)",
            )
        if signed.signer != consumer:
            raise Refused(403, f"signed by {signed.signer}, not by the consumer {consumer}")
        owner = bid_parts(bid)[0]
        if owner != self.provider:
            raise Refused(403, f"bid 0x{bid:064x} belongs to provider {owner}, not to this node's {self.provider}")
        active = await asyncio.to_thread(self.chain.active_bid, bid)
        if active is None:
            raise Refused(410, f"bid 0x{bid:064x} is not active (deleted, replaced, model gone or provider suspended)")
        served = self.served.get(active.model_id)
        if served is None:
            raise Refused(404, f"this node does not serve model {active.model_id}")
        if active.signer != self.chain.signer:
            raise Refused(503, f"this node's key is not the provider's signer ({active.signer})")
        name = served.config.name
        async with self._locks.setdefault(name, asyncio.Lock()):
            if await asyncio.to_thread(self.chain.session, session) is not None:
                raise Refused(409, f"nonce {nonce} of {consumer} already opened a session: use another")
            # Counting forgets expired unused approvals, so an expired one is signed anew below.
            live, now = await asyncio.to_thread(self._live_count, served)
            existing = self.store.approval(session)
            if existing is not None:
                if existing.bid_id == bid:
                    return web.json_response(self._approval_json(existing))
                raise Refused(409, f"nonce {nonce} of {consumer} is already approved for another bid: use another")
            live -= self._one_pending_per_consumer(consumer, bid, name)
            if live >= served.config.capacity:
                raise Refused(
                    429,
                    f"model {name} is at capacity ({live} of {served.config.capacity} sessions): try later",
                    **{"Retry-After": "30"},
                )
            funding = await asyncio.to_thread(self.chain.funding, bid, consumer)
            if not funding.opens:
                raise Refused(
                    402,
                    f"{consumer} cannot open a session on bid 0x{bid:064x} with the {funding.spendable} MOR wei it can "
                    f"spend (balance plus released hold): stipend mode fails with {funding.reasons[0]}, "
                    f"direct mode with {funding.reasons[1]}",
                )
            deadline = now + self.config.approval_ttl
            signature = await asyncio.to_thread(self.chain.sign_approval, bid, consumer, nonce, deadline)
            row = ApprovalRow(session, bid, name, consumer, nonce, deadline, "0x" + signature.hex())
            self.store.add_approval(row)
        log.info(
            "approved session 0x%064x on bid 0x%064x (%s, %d of %d)",
            session,
            bid,
            name,
            live + 1,
            served.config.capacity,
        )
        return web.json_response(self._approval_json(row))

    def _one_pending_per_consumer(self, consumer: str, bid: int, model: str) -> int:
        """A consumer holds at most one unused approval per model: 409 naming the pending one (ask
        for it again, same nonce, to get it back). A pending approval on another bid of this
        provider for the model (a bid since replaced: it can never open) is forgotten instead;
        returns how many were, to take off the live count."""
        dropped = 0
        for a in self.store.pending_approvals(model):
            if a.consumer != consumer:
                continue
            if a.bid_id != bid:
                self.store.drop_approval(a.session_id)
                dropped += 1
                continue
            raise Refused(
                409,
                f"{consumer} already holds an unused approval on model {model}: nonce {a.nonce} "
                f"(session 0x{a.session_id:064x}), valid until {a.deadline}; open it or ask for it again",
            )
        return dropped

    def _approval_json(self, a: ApprovalRow) -> dict[str, Any]:
        """As mor_market.operations.sign_approval writes it (what `consumer open` reads)."""
        return {
            "router": self.chain.router_address,
            "chainId": self.chain.chain_id,
            "bidId": f"0x{a.bid_id:064x}",
            "consumer": a.consumer,
            "nonce": a.nonce,
            "deadline": a.deadline,
            "signature": a.signature,
            "sessionId": f"0x{a.session_id:064x}",
            "model": a.model,
        }

    def _live_count(self, served: Served) -> tuple[int, int]:
        """(sessions of the model that hold capacity now, the chain's time): approvals not yet
        used and still valid, and open sessions not yet ended. Reads the chain for each (at most
        capacity + a few), so a session opened or closed elsewhere is seen."""
        now = self.chain.now()
        name = served.config.name
        pending = self._pending(now, name)
        running = [r for r in self.store.sessions(open_only=True, model=name) if r.ends_at > now]
        return pending + len(self._still_open(running)), now

    def _pending(self, now: int, model: str | None = None) -> int:
        """How many approvals of `model` (or of every model) are unused and still valid; those
        whose session opened become the node's sessions, those expired unused are forgotten."""
        pending = 0
        for a in self.store.pending_approvals(model):
            onchain = self.chain.session(a.session_id)
            served = self.served.get(onchain.model_id) if onchain is not None else None
            if onchain is not None and served is not None:
                self._remember(onchain, served)
            elif a.deadline < now:
                self.store.drop_approval(a.session_id)
            else:
                pending += 1
        return pending

    def _still_open(self, rows: list[SessionRow]) -> list[SessionRow]:
        """The sessions of `rows` that are still open on-chain; a close by the consumer (or
        anyone) is recorded. One read per session: at most the node's capacity."""
        still = []
        for row in rows:
            onchain = self.chain.session(row.session_id)
            if onchain is not None and onchain.closed_at:
                self.store.mark_closed(row.session_id, onchain.closed_at)
            else:
                still.append(row)
        return still

    def _remember(self, s: OnChainSession, served: Served) -> SessionRow:
        row = SessionRow(
            s.session_id,
            session_consumer(s.session_id),
            served.config.name,
            served.model_id,
            s.stake,
            s.opened_at,
            s.ends_at,
            s.closed_at,
            False,
        )
        self.store.add_session(row)
        return self.store.session(s.session_id) or row

    # ------------------------------------------------------------ sessions

    def _session_sync(self, session: int) -> tuple[SessionRow, int]:
        """The node's record of a session of its own and the chain's time. The session is read
        on-chain the first time (who its consumer and provider are, its model and end never change)
        and then again only when the last read is older than `chain_cache_seconds`, to see a close
        by someone else; so a request costs no chain read while a session is busy."""
        row = self.store.session(session)
        checked = self._checked.get(session)
        if row is None or checked is None or time.monotonic() - checked >= self.config.chain_cache_seconds:
            onchain = self.chain.session(session)
            if onchain is None:
                raise Refused(404, f"no session 0x{session:064x} on-chain: open one first")
            if onchain.provider != self.provider:
                raise Refused(403, f"session 0x{session:064x} is with provider {onchain.provider}, not this node's")
            served = self.served.get(onchain.model_id)
            if served is None:
                raise Refused(
                    403, f"session 0x{session:064x} is for model {onchain.model_id}, which this node does not serve"
                )
            row = self.store.session(session) or self._remember(onchain, served)
            if onchain.closed_at and not row.closed_at:
                self.store.mark_closed(session, onchain.closed_at)
                row = self.store.session(session) or row
            self._checked[session] = time.monotonic()
        return row, self._chain_now()

    def _chain_now(self) -> int:
        """The chain's time: the latest block's timestamp, read at most every `chain_cache_seconds`
        and advanced by the wall clock in between."""
        fetched = self._clock
        elapsed = 0.0 if fetched is None else time.monotonic() - fetched[1]
        if fetched is None or elapsed >= self.config.chain_cache_seconds:
            self._clock = fetched = (self.chain.now(), time.monotonic())
            elapsed = 0.0
        return fetched[0] + int(elapsed)

    async def _session(self, session: int) -> tuple[SessionRow, int]:
        """`_session_sync`, without leaving the event loop when nothing needs reading on-chain."""
        checked = self._checked.get(session)
        if checked is not None and self._clock is not None:
            oldest = min(checked, self._clock[1])
            row = self.store.session(session)
            if row is not None and time.monotonic() - oldest < self.config.chain_cache_seconds:
                return row, self._chain_now()
        return await asyncio.to_thread(self._session_sync, session)

    async def _signed(self, request: web.Request) -> tuple[auth.SignedRequest, bytes]:
        body = await request.read()
        return self._recover(request, body), body

    def _recover(self, request: web.Request, body: bytes, max_nonce: int = auth.MAX_NONCE) -> auth.SignedRequest:
        try:
            return auth.recover(
                request.headers, self.chain.router_address, self.chain.chain_id, request.path, body, max_nonce
            )
        except ValueError as err:
            raise Refused(401, f"unsigned or badly signed request: {err}") from None

    def _require_consumer(self, signed: auth.SignedRequest, row: SessionRow) -> None:
        if signed.signer != row.consumer:
            raise Refused(403, f"signed by {signed.signer}, not by the session's consumer {row.consumer}")

    def _require_fresh(self, signed: auth.SignedRequest) -> None:
        if not self.store.use_nonce(signed.session, signed.nonce):
            raise Refused(409, f"nonce {signed.nonce} was already used in this session (a replay): sign anew")

    # ------------------------------------------------------------ chat

    async def chat(self, request: web.Request) -> web.StreamResponse:
        """An OpenAI chat completion (streamed or not) for the consumer of an open, unexpired
        session on this node's bid for the requested model; measured on the way through."""
        signed, body = await self._signed(request)
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict) or not isinstance(payload.get("messages"), list):
                raise ValueError
        except ValueError:
            raise Refused(400, "the body must be a chat completion request (JSON with messages)") from None
        row, now = await self._session(signed.session)
        self._require_consumer(signed, row)
        if row.closed_at:
            raise Refused(410, f"session 0x{row.session_id:064x} was closed at {row.closed_at}")
        if now >= row.ends_at:
            raise Refused(410, f"session 0x{row.session_id:064x} expired at {row.ends_at} (chain time {now})")
        served = self.served[row.model_id]
        requested = str(payload.get("model") or served.config.name)
        if requested.lower() != served.config.name.lower():
            raise Refused(403, f"session 0x{row.session_id:064x} is for model {served.config.name}, not {requested}")
        self._require_fresh(signed)
        return await self._proxy(request, payload, row, served.config)

    async def _proxy(
        self, request: web.Request, payload: dict[str, Any], row: SessionRow, model: ModelConfig
    ) -> web.StreamResponse:
        """Forwards the request to the backend, always streamed (so the node sees every token
        arrive), and answers streamed or whole as the consumer asked."""
        assert self.http is not None
        stream = bool(payload.get("stream"))
        forward = dict(payload, model=model.backend_model, stream=True, stream_options={"include_usage": True})
        meter = StreamMeter()
        parts: list[str] = []
        last: dict[str, Any] = {}
        response: web.StreamResponse | None = None
        try:
            async with self.http.post(f"{model.backend}/chat/completions", json=forward) as backend:
                if backend.status != 200:
                    text = (await backend.text())[:300]
                    raise Refused(502, f"the model server answered {backend.status}: {text}")
                if stream:
                    response = web.StreamResponse(
                        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
                    )
                    await response.prepare(request)
                async for line in backend.content:
                    chunk = sse_data(line)
                    if chunk is not None:
                        parts.append(observe(meter, chunk))
                        last = chunk
                    if response is not None:
                        await response.write(line)
        except aiohttp.ClientError as err:
            if response is None:
                raise Refused(502, f"the model server failed: {err}") from None
            log.warning("session 0x%064x: the model server failed mid-stream: %s", row.session_id, err)
        except ConnectionResetError:
            log.info("session 0x%064x: the consumer went away mid-stream", row.session_id)
            return response or web.Response(status=499)
        finally:
            if meter.ttft_ms is not None:
                self.store.add_measurement(row.session_id, meter.ttft_ms, meter.tokens, meter.generation_seconds)
        if response is not None:
            await response.write_eof()
            return response
        return web.json_response(_completion(payload, last, "".join(parts), meter))

    # ------------------------------------------------------------ receipts

    async def receipt(self, request: web.Request) -> web.Response:
        """The EIP-712 receipt of a session this node served, with its own measurements: the
        median time to first token and the tokens per second over every request. Also after a
        close by someone else (this node's housekeeping included) for the consumer's late verdict,
        until it is rated or its verdict window closes."""
        signed, _body = await self._signed(request)
        try:
            session = parse_id(request.match_info["session"], "session")
        except ValueError as err:
            raise Refused(400, str(err)) from None
        if session != signed.session:
            raise Refused(400, "the signed session is not the session in the path")
        row, now = await self._session(session)
        self._require_consumer(signed, row)
        if row.closed_at:
            await asyncio.to_thread(self._require_unrated, row, now)
        self._require_fresh(signed)
        summary = summarize(self.store.measurements(session))
        if summary is None:
            raise Refused(409, f"session 0x{session:064x} has no request served: nothing to measure")
        deadline = now + self.config.receipt_ttl
        signature = (
            "0x"
            + (
                await asyncio.to_thread(
                    self.chain.sign_receipt, session, summary.ttft_ms, summary.tokens_per_second, deadline
                )
            ).hex()
        )
        self.store.add_receipt(session, summary.ttft_ms, summary.tokens_per_second, deadline, signature)
        log.info(
            "receipt for 0x%064x: %d requests, %d ms to first token, %d tokens/s",
            session,
            summary.requests,
            summary.ttft_ms,
            summary.tokens_per_second,
        )
        return web.json_response(
            {
                "sessionId": f"0x{session:064x}",
                "ttftMs": summary.ttft_ms,
                "tokensPerSecond": summary.tokens_per_second,
                "deadline": deadline,
                "signature": signature,
                "requests": summary.requests,
            }
        )

    def _require_unrated(self, row: SessionRow, now: int) -> None:
        """A closed session's receipt is of use only for the consumer's late verdict
        (`rateSessionWithReceipt`): while the session has none and within VERDICT_WINDOW of the
        close (so a node that closed an expired session does not leave its consumer unable to
        complete it)."""
        onchain = self.chain.session(row.session_id)
        if onchain is not None and onchain.verdict:
            raise Refused(
                410, f"session 0x{row.session_id:064x} was closed at {row.closed_at} and rated: a receipt is of no use"
            )
        if now > row.closed_at + VERDICT_WINDOW:
            raise Refused(
                410,
                f"session 0x{row.session_id:064x} was closed at {row.closed_at}: its verdict window closed at"
                f" {row.closed_at + VERDICT_WINDOW}, a receipt is of no use",
            )

    # ------------------------------------------------------------ housekeeping

    async def _housekeeping_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.housekeeping_interval)
            try:
                await asyncio.to_thread(self.housekeeping)
            except (ChainError, OSError, ValueError) as err:
                log.warning("housekeeping failed, will retry: %s", err)

    def housekeeping(self) -> dict[str, Any]:
        """Closes this node's sessions whose end time has passed (anyone may; the pay does not
        depend on who closes, and the consumer's rating is not pre-empted: a close by the provider
        rates nothing, and its consumer may still give its verdict, with this node's receipt,
        within the verdict window), forgets expired approvals, and claims what the pool owes the
        provider when today's budget has something left (checked first, so the claim does not
        revert)."""
        now = self.chain.now()
        done: dict[str, Any] = {"closed": [], "claimed": 0}
        self._pending(now)
        for row in self._still_open(self.store.sessions(open_only=True)):
            if row.ends_at > now:
                continue
            tx = self.chain.close(row.session_id)
            closed = self.chain.session(row.session_id)
            self.store.mark_closed(row.session_id, closed.closed_at if closed else now, by_node=True)
            done["closed"].append(f"0x{row.session_id:064x}")
            log.info("closed expired session 0x%064x (tx %s)", row.session_id, tx)
        owed = self.chain.owed(self.provider)
        if owed and self.chain.budget_left():
            amount, tx = self.chain.claim(self.provider)
            self.store.add_claim(amount, tx)
            done["claimed"] = amount
            log.info("claimed %d wei of %d owed (tx %s)", amount, owed, tx)
        self.housekeeping_runs += 1
        return done

    # ------------------------------------------------------------ health and metrics

    async def models(self, _request: web.Request) -> web.Response:
        data = [{"id": s.config.name, "object": "model", "owned_by": self.provider} for s in self.served.values()]
        return web.json_response({"object": "list", "data": data})

    async def health(self, _request: web.Request) -> web.Response:
        checks: dict[str, Any] = {}
        try:
            checks["chain"] = {"ok": True, "time": await asyncio.to_thread(self.chain.now)}
        except Exception as err:  # any RPC failure makes the node unhealthy, whatever its type
            checks["chain"] = {"ok": False, "error": str(err)}
        backends = {}
        assert self.http is not None
        for s in self.served.values():
            try:
                async with self.http.get(f"{s.config.backend}/models", timeout=aiohttp.ClientTimeout(total=5)) as r:
                    backends[s.config.name] = {"ok": r.status == 200, "status": r.status}
            except (aiohttp.ClientError, TimeoutError) as err:
                backends[s.config.name] = {"ok": False, "error": str(err) or type(err).__name__}
        checks["backends"] = backends
        ok = checks["chain"]["ok"] and all(b["ok"] for b in backends.values())
        return web.json_response({"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503)

    async def metrics(self, _request: web.Request) -> web.Response:
        return web.json_response(await asyncio.to_thread(self.metrics_now))

    def metrics_now(self) -> dict[str, Any]:
        now = self.chain.now()
        models = []
        for s in self.served.values():
            pending = self._pending(now, s.config.name)
            rows = self._still_open(self.store.sessions(open_only=True, model=s.config.name))
            models.append(
                {
                    "model": s.config.name,
                    "modelId": s.model_id,
                    "capacity": s.config.capacity,
                    "sessionsOpen": sum(1 for r in rows if r.live(now)),
                    "approvalsPending": pending,
                }
            )
        every = self.store.sessions()
        return {
            "provider": self.provider,
            "signer": self.chain.signer,
            "endpoint": self.endpoint,
            "chainTime": now,
            "sessionsOpen": sum(m["sessionsOpen"] for m in models),
            "capacity": sum(m["capacity"] for m in models),
            "models": models,
            "sessionsServed": len(every),
            "sessionsClosedByNode": sum(1 for r in every if r.closed_by_node),
            "requestsServed": self.store.request_count(),
            "owed": str(self.chain.owed(self.provider)),
            "claimed": str(self.chain.claimed(self.provider)),
            "claimedByNode": str(self.store.claimed_by_node()),
            "housekeepingRuns": self.housekeeping_runs,
            "at": time.time(),
        }


def _json_of(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise Refused(400, "the body must be JSON") from None
    if not isinstance(data, dict):
        raise Refused(400, "the body must be a JSON object")
    return data


def _completion(request: dict[str, Any], last: dict[str, Any], text: str, meter: StreamMeter) -> dict[str, Any]:
    """A whole chat.completion from the streamed chunks."""
    usage = last.get("usage") if isinstance(last.get("usage"), dict) else {}
    return {
        "id": last.get("id", "chatcmpl-node"),
        "object": "chat.completion",
        "created": int(last.get("created", time.time())),
        "model": request.get("model"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": int(usage.get("prompt_tokens", 0)),
            "completion_tokens": meter.tokens,
            "total_tokens": int(usage.get("prompt_tokens", 0)) + meter.tokens,
        },
    }


def build(config: NodeConfig, key: bytes) -> Node:
    """A node ready to serve: chain checked (its key signs for the provider, the endpoint is
    registered, every model is on-chain), its store opened."""
    chain = Chain(config.rpc_url, config.deployment, key)
    node = Node(config, chain, Store(config.database))
    try:
        node.check()
    except Exception:
        node.store.close()
        raise
    return node
