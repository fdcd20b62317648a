"""Test-mode results: one JSON object per turn, expectations, and a summary table."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from assistant.atomic import write_atomic
from assistant.testmode.script import Turn


def check_expectations(expect: dict[str, Any], row: dict[str, Any]) -> list[str]:
    """What in `row` contradicts `expect`; empty when everything holds."""
    failures = []

    def contains(field: str, wanted: str | list[str], key: str) -> None:
        text = (row.get(field) or "").lower()
        for needle in [wanted] if isinstance(wanted, str) else wanted:
            if needle.lower() not in text:
                failures.append(f"{key}: {needle!r} not in {field} {row.get(field)!r}")

    for key, wanted in expect.items():
        if key == "transcript_contains":
            contains("transcript", wanted, key)
        elif key == "reply_contains":
            contains("reply", wanted, key)
        elif key == "announcement_contains":
            row_copy = " ".join(row.get("announcements") or [])
            for needle in [wanted] if isinstance(wanted, str) else wanted:
                if needle.lower() not in row_copy.lower():
                    failures.append(f"{key}: {needle!r} not in announcements {row_copy!r}")
        elif key == "reply_matches":
            if not re.search(wanted, row.get("reply") or "", flags=re.IGNORECASE):
                failures.append(f"{key}: {wanted!r} does not match reply {row.get('reply')!r}")
        elif key == "route":
            actual = row.get("route") or "none"
            if actual != wanted:
                failures.append(f"route: expected {wanted}, got {actual}")
        elif key == "slots":
            slots = row.get("slots") or {}
            for name, value in wanted.items():
                if str(slots.get(name)).lower() != str(value).lower():
                    failures.append(f"slots.{name}: expected {value!r}, got {slots.get(name)!r}")
        elif key in ("intent", "wake_detected", "interrupted", "language") and (
                row.get(key) != wanted):
                failures.append(f"{key}: expected {wanted!r}, got {row.get(key)!r}")
    return failures


def turn_row(turn: Turn, *, transcript: str, wake_detected: bool, route: str | None,
             intent: str | None, slots: dict[str, Any], reply: str, reply_audio: str | None,
             announcements: list[str], interrupted: bool,
             latency_ms: dict[str, float | None], language: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {
        "turn": turn.index,
        "input": {"kind": turn.kind, "value": turn.value, "voice": turn.voice,
                  "wake": turn.wake},
        "transcript": transcript,
        "wake_detected": wake_detected,
        "route": route,
        "language": language,
        "intent": intent,
        "slots": slots,
        "reply": reply,
        "reply_audio": reply_audio,
        "announcements": announcements,
        "interrupted": interrupted,
        "latency_ms": latency_ms,
    }
    row["failures"] = check_expectations(turn.expect, row)
    row["ok"] = not row["failures"]
    return row


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write the report atomically (nothing half-written if the run is interrupted)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in rows)
    write_atomic(path, lines.encode("utf-8"))


def summary_table(rows: list[dict[str, Any]]) -> str:
    header = f"{'#':>2}  {'heard':<34} {'route':<18} {'reply':<38} {'eos->audio':>10}  ok"
    lines = [header, "-" * len(header)]
    for row in rows:
        route = row["route"] or "-"
        if row.get("intent"):
            route = f"{route}:{row['intent']}"
        if row.get("interrupted"):
            route += " (cut)"
        latency = row["latency_ms"].get("end_of_speech_to_first_audio")
        ms = f"{latency:.0f} ms" if latency is not None else "-"
        lines.append(f"{row['turn']:>2}  {_clip(row['transcript'] or '-', 34):<34} "
                     f"{_clip(route, 18):<18} {_clip(row['reply'] or '-', 38):<38} "
                     f"{ms:>10}  {'yes' if row['ok'] else 'NO'}")
        lines += [f"      ! {failure}" for failure in row["failures"]]
    passed = sum(1 for row in rows if row["ok"])
    lines.append(f"{passed}/{len(rows)} turns passed")
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"
