"""A small OpenAI-compatible model server that streams made-up tokens at a set pace: the first
token `first_token_delay` seconds after the request, then one every `inter_token_delay` seconds.
It stands in for vLLM, llama.cpp's server or Ollama in the tests, the node benchmark and the main
job; what it says is meaningless, how fast it says it is exact."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass
class Pace:
    first_token_delay: float = 0.2
    inter_token_delay: float = 0.02
    tokens: int = 20

    @property
    def tokens_per_second(self) -> float:
        return 1 / self.inter_token_delay


def _chunk(cid: str, model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


REQUESTS = web.AppKey("requests", list)


def app(pace: Pace, model: str = "fake-model") -> web.Application:
    """The server; `app[REQUESTS]` lists the request bodies it served."""
    application = web.Application()
    application[REQUESTS] = []

    async def models(_request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": model, "object": "model"}]})

    async def completions(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        application[REQUESTS].append(body)
        cid = f"chatcmpl-{len(application[REQUESTS])}"
        words = [f"t{i} " for i in range(pace.tokens)]
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        # Paced from the request's arrival: token i is due at first + i * inter, however long
        # the writes take, so the pace holds under load.
        start = time.perf_counter()

        async def due(i: int) -> None:
            delay = start + pace.first_token_delay + i * pace.inter_token_delay - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)

        if not body.get("stream"):
            await due(len(words) - 1)
            return web.json_response(
                {
                    "id": cid,
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "".join(words)},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": len(words),
                        "total_tokens": prompt_tokens + len(words),
                    },
                }
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        await response.write(_chunk(cid, model, {"role": "assistant"}))
        for i, word in enumerate(words):
            await due(i)
            await response.write(_chunk(cid, model, {"content": word}))
        await response.write(_chunk(cid, model, {}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(words),
                "total_tokens": prompt_tokens + len(words),
            }
            chunk = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [],
                "usage": usage,
            }
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    application.add_routes([web.get("/v1/models", models), web.post("/v1/chat/completions", completions)])
    return application


def main(argv: list[str] | None = None) -> None:
    """`python -m mor_market.node.fake_backend --port 8000`: try the node without a GPU."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m mor_market.node.fake_backend", description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--first-token-ms", type=float, default=200)
    parser.add_argument("--tokens-per-second", type=float, default=50)
    parser.add_argument("--tokens", type=int, default=20)
    args = parser.parse_args(argv)
    pace = Pace(args.first_token_ms / 1000, 1 / args.tokens_per_second, args.tokens)
    web.run_app(app(pace), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
