"""The node's state in SQLite: the approvals it signed, the sessions it serves (what it read
on-chain about them), the request nonces it accepted, every request's measurements, the receipts
it signed and its own closes and claims. Each write commits at once, so a restart loses nothing."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
    session_id TEXT PRIMARY KEY, bid_id TEXT NOT NULL, model TEXT NOT NULL, consumer TEXT NOT NULL,
    nonce TEXT NOT NULL, deadline INTEGER NOT NULL, signature TEXT NOT NULL, signed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY, consumer TEXT NOT NULL, model TEXT NOT NULL, model_id INTEGER NOT NULL,
    stake TEXT NOT NULL, opened_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, closed_at INTEGER NOT NULL DEFAULT 0,
    closed_by_node INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS nonces (
    session_id TEXT NOT NULL, nonce TEXT NOT NULL, used_at REAL NOT NULL, PRIMARY KEY (session_id, nonce));
CREATE TABLE IF NOT EXISTS measurements (
    id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, at REAL NOT NULL, ttft_ms REAL NOT NULL,
    tokens INTEGER NOT NULL, generation_seconds REAL NOT NULL);
CREATE TABLE IF NOT EXISTS receipts (
    session_id TEXT PRIMARY KEY, ttft_ms INTEGER NOT NULL, tokens_per_second INTEGER NOT NULL,
    deadline INTEGER NOT NULL, signature TEXT NOT NULL, signed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, amount TEXT NOT NULL, tx TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS measurements_by_session ON measurements (session_id);
"""


def _key(value: int) -> str:
    return f"0x{int(value):064x}"


@dataclass(frozen=True)
class SessionRow:
    session_id: int
    consumer: str
    model: str
    model_id: int
    stake: int
    opened_at: int
    ends_at: int
    closed_at: int
    closed_by_node: bool

    def live(self, now: int) -> bool:
        return self.closed_at == 0 and now < self.ends_at


@dataclass(frozen=True)
class ApprovalRow:
    session_id: int
    bid_id: int
    model: str
    consumer: str
    nonce: int
    deadline: int
    signature: str


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        # One connection shared by the event loop and its worker threads: one statement at a time.
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def _all(self, sql: str, *args: Any) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _exec(self, sql: str, args: tuple) -> None:
        with self._lock:
            self._db.execute(sql, args)

    # ------------------------------------------------------------ approvals

    def add_approval(self, a: ApprovalRow) -> None:
        self._exec(
            "INSERT INTO approvals VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                _key(a.session_id),
                _key(a.bid_id),
                a.model,
                a.consumer,
                str(a.nonce),
                a.deadline,
                a.signature,
                time.time(),
            ),
        )

    def approval(self, session: int) -> ApprovalRow | None:
        rows = self._all("SELECT * FROM approvals WHERE session_id = ?", _key(session))
        return _approval(rows[0]) if rows else None

    def pending_approvals(self, model: str | None = None) -> list[ApprovalRow]:
        """Approvals whose session is not (known to be) open yet."""
        sql = "SELECT * FROM approvals WHERE session_id NOT IN (SELECT session_id FROM sessions)"
        rows = self._all(sql + (" AND model = ?" if model else ""), *([model] if model else []))
        return [_approval(r) for r in rows]

    def drop_approval(self, session: int) -> None:
        self._exec("DELETE FROM approvals WHERE session_id = ?", (_key(session),))

    # ------------------------------------------------------------ sessions

    def add_session(self, s: SessionRow) -> None:
        self._exec(
            "INSERT OR IGNORE INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                _key(s.session_id),
                s.consumer,
                s.model,
                s.model_id,
                str(s.stake),
                s.opened_at,
                s.ends_at,
                s.closed_at,
                int(s.closed_by_node),
            ),
        )

    def session(self, session: int) -> SessionRow | None:
        rows = self._all("SELECT * FROM sessions WHERE session_id = ?", _key(session))
        return _session(rows[0]) if rows else None

    def sessions(self, open_only: bool = False, model: str | None = None) -> list[SessionRow]:
        sql, args = "SELECT * FROM sessions WHERE 1 = 1", []
        if open_only:
            sql += " AND closed_at = 0"
        if model:
            sql, args = sql + " AND model = ?", [model]
        return [_session(r) for r in self._all(sql + " ORDER BY opened_at", *args)]

    def mark_closed(self, session: int, closed_at: int, by_node: bool = False) -> None:
        self._exec(
            "UPDATE sessions SET closed_at = ?, closed_by_node = ? WHERE session_id = ?",
            (int(closed_at), int(by_node), _key(session)),
        )

    # ------------------------------------------------------------ requests

    def use_nonce(self, session: int, nonce: int) -> bool:
        """Records the nonce; False if the session already used it (a replay)."""
        try:
            self._exec("INSERT INTO nonces VALUES (?, ?, ?)", (_key(session), str(nonce), time.time()))
        except sqlite3.IntegrityError:
            return False
        return True

    def add_measurement(self, session: int, ttft_ms: float, tokens: int, generation_seconds: float) -> None:
        self._exec(
            "INSERT INTO measurements (session_id, at, ttft_ms, tokens, generation_seconds) VALUES (?, ?, ?, ?, ?)",
            (_key(session), time.time(), float(ttft_ms), int(tokens), float(generation_seconds)),
        )

    def measurements(self, session: int) -> list[tuple[float, int, float]]:
        sql = "SELECT ttft_ms, tokens, generation_seconds FROM measurements WHERE session_id = ? ORDER BY id"
        return [(float(a), int(b), float(c)) for a, b, c in self._all(sql, _key(session))]

    def request_count(self) -> int:
        return int(self._all("SELECT COUNT(*) FROM measurements")[0][0])

    # ------------------------------------------------------------ receipts and claims

    def add_receipt(self, session: int, ttft_ms: int, tps: int, deadline: int, signature: str) -> None:
        self._exec(
            "INSERT OR REPLACE INTO receipts VALUES (?, ?, ?, ?, ?, ?)",
            (_key(session), ttft_ms, tps, deadline, signature, time.time()),
        )

    def receipt(self, session: int) -> dict[str, Any] | None:
        rows = self._all(
            "SELECT ttft_ms, tokens_per_second, deadline, signature FROM receipts WHERE session_id = ?", _key(session)
        )
        if not rows:
            return None
        ttft, tps, deadline, signature = rows[0]
        return {"ttftMs": int(ttft), "tokensPerSecond": int(tps), "deadline": int(deadline), "signature": signature}

    def add_claim(self, amount: int, tx: str) -> None:
        self._exec("INSERT INTO claims (at, amount, tx) VALUES (?, ?, ?)", (time.time(), str(amount), tx))

    def claimed_by_node(self) -> int:
        return sum(int(a) for (a,) in self._all("SELECT amount FROM claims"))


def _approval(row: tuple) -> ApprovalRow:
    sid, bid, model, consumer, nonce, deadline, signature, _at = row
    return ApprovalRow(int(sid, 16), int(bid, 16), model, consumer, int(nonce), int(deadline), signature)


def _session(row: tuple) -> SessionRow:
    sid, consumer, model, model_id, stake, opened, ends, closed, by_node = row
    return SessionRow(
        int(sid, 16), consumer, model, int(model_id), int(stake), int(opened), int(ends), int(closed), bool(by_node)
    )
