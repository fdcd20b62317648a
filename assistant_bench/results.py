"""From per-turn records to the figures: end-to-end latency, per-stage time, tokens/s.

A turn's `latency_ms` (see `TurnTimings.latency_ms`) holds the end-of-speech detection
delay plus times measured from the moment the listener decided the user had finished;
`stage_times` turns them into the time each stage added, in pipeline order, so the
stages of one turn add up to its end-of-speech-to-first-audio latency.
"""

from __future__ import annotations

from typing import Any

from assistant_bench.stats import summarize

#: (key, label) of each stage, in the order the time is spent.
STAGES = (
    ("eos", "end-of-speech detection"),
    ("transcript", "final transcript"),
    ("intent", "intent"),
    ("first_token", "first token"),
    ("first_synth", "first synthesis"),
    ("first_audio", "first audio"),
)
#: The `latency_ms` key at the end of each stage after the first (times since decided).
_MARKS = (("transcript", "stt"), ("intent", "intent"), ("first_token", "first_token"),
          ("first_synth", "first_synth"), ("first_audio", "first_audio"))
ROUTES = ("skill", "llm")


def stage_times(latency: dict[str, float | None]) -> dict[str, float] | None:
    """Milliseconds each stage added; None when the turn produced no audio. A stage the
    turn did not have (a skill writes no tokens) adds nothing."""
    if latency.get("end_of_speech_to_first_audio") is None:
        return None
    out = {"eos": float(latency.get("eos_delay") or 0.0)}
    previous = 0.0
    for stage, key in _MARKS:
        value = latency.get(key)
        mark = previous if value is None else max(previous, float(value))
        out[stage] = round(mark - previous, 1)
        previous = mark
    return out


def latency_figures(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians and 90th percentiles per route (the route the turn actually took)."""
    e2e: dict[str, Any] = {}
    audible: dict[str, Any] = {}
    stages: dict[str, Any] = {}
    cumulative: dict[str, Any] = {}
    for route in ROUTES:
        mine = [r for r in records if r["route"] == route]
        e2e[route] = summarize(r["latency_ms"].get("end_of_speech_to_first_audio") for r in mine)
        audible[route] = summarize(r["latency_ms"].get("audible_end_to_first_audio")
                                   for r in mine)
        split = [s for s in (stage_times(r["latency_ms"]) for r in mine) if s is not None]
        stages[route] = {key: summarize(s[key] for s in split) for key, _ in STAGES}
        keys = ("eos_delay", "stt", "intent", "first_token", "first_synth", "first_audio")
        cumulative[route] = {key: summarize(r["latency_ms"].get(key) for r in mine)
                             for key in keys}
    failed = [{"rep": r["rep"], "said": r["said"], "heard": r["heard"], "route": r["route"],
               "intent": r["intent"], "wake_detected": r["wake_detected"]}
              for r in records if not r["ok"]]
    return {
        "end_of_speech_to_first_audio_ms": e2e,
        "audible_end_to_first_audio_ms": audible,
        "vad_lag_ms": summarize(r["latency_ms"].get("vad_lag") for r in records),
        "stages_ms": stages,
        "since_decided_ms": cumulative,
        "tokens_per_s": summarize(r.get("tokens_per_s") for r in records if r["route"] == "llm"),
        "reply_tokens": summarize((r.get("tokens") for r in records if r["route"] == "llm"),
                                  digits=0),
        "turns": {"total": len(records), "as_expected": len(records) - len(failed),
                  "wake_detected": sum(1 for r in records if r["wake_detected"]),
                  "not_as_expected": failed},
    }


def synthesis_figures(records: list[dict[str, Any]]) -> dict[str, Any]:
    audio = sum(r["audio_s"] for r in records)
    compute = sum(r["compute_s"] for r in records)
    return {"texts": len(records), "audio_s": round(audio, 1),
            "rtf_overall": round(compute / audio, 3) if audio else None,
            "rtf": summarize((r["rtf"] for r in records), digits=3),
            "first_sentence_ms": summarize(r["first_sentence_ms"] for r in records)}


def wer_table(asr: dict[str, Any], default_label: str | None) -> dict[str, Any]:
    """The `wer` key: the default recognizer's WER per set and overall, and every
    recognizer's under `by_engine`."""
    engines = asr.get("engines", {})

    def per_set(entry: dict[str, Any]) -> dict[str, Any]:
        table: dict[str, Any] = {name: s["wer"] for name, s in entry["sets"].items()}
        table["overall"] = entry["wer_overall"]
        return table

    chosen = engines.get(default_label) if default_label else None
    return {"recognizer": default_label if chosen else None,
            **(per_set(chosen) if chosen else {}),
            "by_engine": {label: per_set(entry) for label, entry in engines.items()}}
