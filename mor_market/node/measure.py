"""Measuring a streamed completion (time to first token, tokens per second) and folding a
session's measurements into the receipt's two numbers, within the contract's physical bounds."""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

# SessionRouter's physical bounds of a receipt (ReceiptOutOfBounds outside them, both ends included).
TTFT_MS_BOUNDS = (1, 600_000)
TPS_BOUNDS = (1, 100_000)


@dataclass
class StreamMeter:
    """Times one completion from the moment it was sent: the first content token, the last one,
    and the number of tokens (the backend's usage count when it sends one, else content chunks)."""

    started: float = field(default_factory=time.perf_counter)
    first: float | None = None
    last: float | None = None
    chunks: int = 0
    usage_tokens: int | None = None

    def content(self, now: float | None = None) -> None:
        now = time.perf_counter() if now is None else now
        if self.first is None:
            self.first = now
        self.last = now
        self.chunks += 1

    def usage(self, completion_tokens: int) -> None:
        self.usage_tokens = int(completion_tokens)

    @property
    def tokens(self) -> int:
        return self.usage_tokens if self.usage_tokens is not None else self.chunks

    @property
    def ttft_ms(self) -> float | None:
        return None if self.first is None else (self.first - self.started) * 1_000

    @property
    def generation_seconds(self) -> float:
        """From the first token to the last: the time the tokens after the first took."""
        return 0.0 if self.first is None or self.last is None else self.last - self.first

    @property
    def tokens_per_second(self) -> float | None:
        if self.tokens < 2 or self.generation_seconds <= 0:
            return None
        return (self.tokens - 1) / self.generation_seconds


def sse_data(line: bytes) -> Any | None:
    """The JSON of one `data: {...}` server-sent-event line; None for other lines and [DONE]."""
    text = line.decode("utf-8", "replace").strip()
    if not text.startswith("data:"):
        return None
    payload = text[5:].strip()
    if not payload or payload == "[DONE]":
        return None
    try:
        return json.loads(payload)
    except json.JSONDecodeError:
        return None


def chunk_text(chunk: Any) -> str:
    """The content a chat.completion.chunk adds (empty for role-only and usage-only chunks)."""
    try:
        return "".join(str(c.get("delta", {}).get("content") or "") for c in chunk.get("choices") or [])
    except AttributeError:
        return ""


def observe(meter: StreamMeter, chunk: Any, now: float | None = None) -> str:
    """Feeds a parsed chunk to `meter`; returns its content."""
    text = chunk_text(chunk)
    if text:
        meter.content(now)
    usage = chunk.get("usage") if isinstance(chunk, dict) else None
    if isinstance(usage, dict) and usage.get("completion_tokens") is not None:
        meter.usage(int(usage["completion_tokens"]))
    return text


@dataclass(frozen=True)
class Summary:
    """A session's measurements as a receipt carries them."""

    requests: int
    ttft_ms: int  # median time to first token, rounded up to the ms
    tokens_per_second: int  # tokens after the first over the time they took, summed over requests; rounded down


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], value))


def summarize(rows: list[tuple[float, int, float]]) -> Summary | None:
    """From (ttft ms, tokens, generation seconds) per request. Rounding favours the consumer's
    view: time to first token up, tokens per second down."""
    if not rows:
        return None
    ttft = math.ceil(statistics.median(r[0] for r in rows))
    seconds = sum(r[2] for r in rows if r[1] > 1)
    after_first = sum(r[1] - 1 for r in rows if r[1] > 1)
    tps = math.floor(after_first / seconds) if seconds > 0 else TPS_BOUNDS[0]
    return Summary(len(rows), _clamp(ttft, TTFT_MS_BOUNDS), _clamp(tps, TPS_BOUNDS))
