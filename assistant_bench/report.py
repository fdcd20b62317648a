"""The outputs: results.json (every figure), table.md (readable) and chart.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.atomic import write_atomic
from assistant_bench.everyday import everyday_table
from assistant_bench.qa_score import qa_table
from assistant_bench.results import ROUTES, STAGES

#: Keys every results file has (the issue's contract): None when that part was skipped.
REQUIRED_KEYS = ("end_of_speech_to_first_audio_ms", "peak_rss_mb", "cold_start_s", "wer",
                 "machine", "load_average", "mode", "options", "skipped")


def missing_keys(results: dict[str, Any]) -> list[str]:
    """Required keys absent from `results`, as dotted paths (empty when complete)."""
    missing = [key for key in REQUIRED_KEYS if key not in results]
    e2e = results.get("end_of_speech_to_first_audio_ms")
    if e2e is not None:
        missing += [f"end_of_speech_to_first_audio_ms.{route}.{q}" for route in ROUTES
                    for q in ("p50", "p90") if q not in (e2e.get(route) or {})]
    wer = results.get("wer")
    if wer is not None and "overall" not in wer:
        missing.append("wer.overall")
    return missing


def write_json(path: Path, results: dict[str, Any]) -> None:
    """Atomically; readable by all (a result to share, not a secret)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n"
    write_atomic(path, text.encode("utf-8"), mode=0o644)


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:.0f}"


def _num(value: Any, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _pct(value: Any) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows] + [""]


def table_markdown(results: dict[str, Any]) -> str:
    """Every headline figure as Markdown tables, one section per part that ran."""
    out: list[str] = []
    for section in (_header, _latency, _live, _synthesis, _chat, qa_table, everyday_table, _asr,
                    _confidence, _wake, _startup, _notes, _skipped, _unexpected):
        out += section(results)
    return "\n".join(out)


def _header(results: dict[str, Any]) -> list[str]:
    m = results.get("machine", {})
    git = m.get("git") or {}
    load = results.get("load_average", {})
    return [f"# Benchmark: {m.get('label', '?')}", "",
            f"{m.get('cpu', '?')}; {m.get('cores_used')} of {m.get('logical_cores')} cores "
            f"used{' (pinned: --cpus)' if m.get('pinned_cpus') else ''}; {m.get('ram_gb')} GB "
            f"RAM; {m.get('os', '?')}; Python {m.get('python', '?')}; commit "
            f"{(git.get('commit') or '?')[:10]}"
            f"{' + local changes' if git.get('modified_files') else ''}.", "",
            f"Mode: {results.get('mode')}; {results.get('options', {}).get('reps')} "
            f"repetitions; load average before {load.get('before')}, after {load.get('after')}"
            f"; {results.get('duration_s', 0):.0f} s.", ""]


def _latency(results: dict[str, Any]) -> list[str]:
    e2e = results.get("end_of_speech_to_first_audio_ms")
    if not e2e:
        return []
    lat = results["latency"]
    audible = lat.get("audible_end_to_first_audio_ms") or {}
    lag = lat.get("vad_lag_ms") or {}
    out = ["## End of speech to first audio (ms)", ""]
    out += _table(["route", "turns", "p50", "p90", "from the last sound p50",
                   "from the last sound p90"],
                  [[r, str(e2e[r]["n"]), _ms(e2e[r]["p50"]), _ms(e2e[r]["p90"]),
                    _ms(audible.get(r, {}).get("p50")), _ms(audible.get(r, {}).get("p90"))]
                   for r in ROUTES])
    note = ("End of speech is where the voice activity detector heard it: the end of the "
            "last 32 ms frame it scored as speech.")
    if lag.get("n"):
        note += (f" That is {_ms(lag.get('p50'))} ms p50 ({_ms(lag.get('p90'))} p90) "
                 "after the spoken input's last sound (its last 10 ms within 40 dB of "
                 "its peak), so a listener waits the figures measured from the last sound.")
    out += [note, ""]
    stages = lat["stages_ms"]
    out += ["Time each stage adds (ms):", ""]
    out += _table(["stage", "skill p50", "skill p90", "llm p50", "llm p90"],
                  [[label] + [_ms(stages[r][key][q]) for r in ROUTES for q in ("p50", "p90")]
                   for key, label in STAGES])
    out += ["Stages are times added one after the other (each median on its own, so they "
            "add up to about the median total). For a question, first synthesis includes "
            "the chat model writing the rest of its first sentence.", ""]
    turns = lat["turns"]
    return out + [f"Chat model in the session: {_num(lat['tokens_per_s']['p50'], 1)} tokens/s "
                  f"p50 ({_num(lat['tokens_per_s']['p90'], 1)} p90), replies of "
                  f"{_ms(lat['reply_tokens']['p50'])} tokens p50. Turns as expected: "
                  f"{turns['as_expected']}/{turns['total']}; wake word heard in "
                  f"{turns['wake_detected']}/{turns['total']}.", ""]


def _live(results: dict[str, Any]) -> list[str]:
    live = (results.get("live") or {}).get("figures")
    if not live:
        return []
    out = ["## Outside in: through real audio devices (ms)", ""]
    out += _table(["route", "turns", "outside-in p50", "outside-in p90", "in-process p50",
                   "in-process p90"],
                  [[r, str(live[r]["outside_in_ms"]["n"]),
                    _ms(live[r]["outside_in_ms"]["p50"]), _ms(live[r]["outside_in_ms"]["p90"]),
                    _ms(live[r]["in_process_ms"]["p50"]), _ms(live[r]["in_process_ms"]["p90"])]
                   for r in ROUTES])
    return out + ["`assistant run` in the audio lab's room (a private PulseAudio daemon): "
                  "the request played into the room, the room recorded, latency from the "
                  "request's last sound to the reply's first sound on that one recording. "
                  f"Turns as expected: {live['turns_ok']}/{live['turns']}.", ""]


def _synthesis(results: dict[str, Any]) -> list[str]:
    synth = results.get("synthesis")
    if not synth:
        return []
    return [f"Synthesis ({synth['texts']} replies, {synth['audio_s']} s of speech): real-time"
            f" factor {_num(synth['rtf']['p50'], 3)} p50, {_num(synth['rtf']['p90'], 3)} "
            f"p90; first sentence {_ms(synth['first_sentence_ms']['p50'])} ms p50.", ""]


def _chat(results: dict[str, Any]) -> list[str]:
    chat = results.get("chat_models", {}).get("models", {})
    if not chat:
        return []
    out = ["## Chat models side by side (model alone)", ""]
    return out + _table(["model", "load s", "first token ms p50", "tokens/s p50",
                         "tokens/s p90"],
                        [[name, _num(c["load_s"]), _ms(c["first_token_ms"]["p50"]),
                          _num(c["tokens_per_s"]["p50"], 1), _num(c["tokens_per_s"]["p90"], 1)]
                         for name, c in chat.items()])


def _asr(results: dict[str, Any]) -> list[str]:
    asr = results.get("asr", {}).get("engines", {})
    if not asr:
        return []
    rows = []
    for label, entry in asr.items():
        for name, s in entry["sets"].items():
            cer = f" (CER {_pct(s['cer'])})" if "cer" in s else ""
            rows.append([label, name, str(s["clips"]), _num(s["audio_s"], 1),
                         _pct(s["wer"]) + cer, _num(s["rtf"], 3)])
        rows.append([label, "**overall**", "", "", _pct(entry["wer_overall"]), ""])
    out = ["## Speech recognition (WER; real-time factor = compute / audio)", ""]
    return out + _table(["recognizer", "set", "clips", "audio s", "WER", "RTF"], rows)


def _confidence(results: dict[str, Any]) -> list[str]:
    engines = results.get("asr", {}).get("engines", {})
    rows = []
    for label, entry in engines.items():
        calibration = entry.get("confidence")
        if calibration:
            at = calibration["at"]
            rows.append([label, _num(at["threshold"]), _pct(at["false_reject"]),
                         _pct(at["catch"]), f"{calibration['clean_clips']} / "
                         f"{calibration['noise_clips']}"])
    if not rows:
        return []
    out = ["## Not heard clearly (stt.min_confidence): clean speech asked again vs noise "
           "and mumbling caught", ""]
    return out + _table(["recognizer", "threshold", "false reject", "catch",
                         "clean / noise clips"], rows)


def _wake(results: dict[str, Any]) -> list[str]:
    wake = results.get("wake")
    if not wake:
        return []
    d, fa = wake["detection"], wake["false_accepts"]
    out = [f"## Wake word ({wake['phrase']})", ""]
    rows = [["overall", f"{d['overall']['detected']}/{d['overall']['samples']}",
             _pct(d["overall"]["rate"])]]
    for key in ("voice", "level", "background"):
        rows += [[f"{key}: {name}", f"{r['detected']}/{r['samples']}", _pct(r["rate"])]
                 for name, r in d[key].items()]
    out += _table(["samples", "detected", "rate"], rows)
    return out + [f"False accepts: {fa['false_accepts']} in {fa['audio_hours'] * 60:.1f} min "
                  f"of non-wake speech = {_num(fa['per_hour'], 1)} per hour (one accept = "
                  f"{_num(fa['resolution_per_hour'], 1)}/h).", ""]


def _startup(results: dict[str, Any]) -> list[str]:
    out = []
    cold = results.get("cold_start")
    if cold:
        out += ["## Start-up and memory", "",
                f"Cold start (process start to `listening`): {_num(cold['p50'])} s p50 over "
                f"{cold['n']} runs (loading engines {_num(cold['load_engines_s']['p50'])} s).",
                ""]
    if results.get("peak_rss_mb") is not None:
        out += [f"Peak RSS with every default model loaded and "
                f"{results['memory']['turns']} turns answered: {results['peak_rss_mb']:.0f} MB.",
                ""]
    return out


def _notes(results: dict[str, Any]) -> list[str]:
    notes = results.get("notes") or []
    return ["## Notes", ""] + [f"- {n}" for n in notes] + [""] if notes else []


def _skipped(results: dict[str, Any]) -> list[str]:
    skipped = results.get("skipped") or []
    return ["## Skipped", ""] + [f"- {s}" for s in skipped] + [""] if skipped else []


def _unexpected(results: dict[str, Any]) -> list[str]:
    failed = (results.get("latency") or {}).get("turns", {}).get("not_as_expected") or []
    if not failed:
        return []
    out = ["## Turns not answered as expected", ""]
    out += [f"- rep {f['rep']}: said {f['said']!r}, heard {f['heard']!r} -> "
            f"{f['route']}{':' + f['intent'] if f['intent'] else ''}" for f in failed]
    return out + [""]


def write_chart(path: Path, stages: dict[str, Any], totals: dict[str, Any], *,
                title: str) -> None:
    """Stacked horizontal bars: the median time of each stage, skill vs llm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = ("#8c8c8c", "#4c72b0", "#55a868", "#c44e52", "#dd8452", "#8172b3")
    fig, ax = plt.subplots(figsize=(10, 3.2))
    for y, route in enumerate(ROUTES):
        left = 0.0
        for (key, label), color in zip(STAGES, colors, strict=True):
            width = stages.get(route, {}).get(key, {}).get("p50") or 0.0
            ax.barh(y, width, left=left, color=color, edgecolor="white",
                    label=label if y == 0 else None)
            if width >= 60:
                ax.text(left + width / 2, y, f"{width:.0f}", ha="center", va="center",
                        color="white", fontsize=8)
            left += width
        total = (totals.get(route) or {}).get("p50")
        if total is not None:
            ax.text(left + 15, y, f"{total:.0f} ms (p50 end to end)", va="center", fontsize=9)
    ax.set_yticks(range(len(ROUTES)))
    ax.set_yticklabels(["skill command", "LLM question"])
    ax.invert_yaxis()
    ax.set_xlabel("milliseconds after the user stopped speaking (median of each stage)")
    ax.set_title(title, fontsize=10)
    right = max((t or {}).get("p50") or 0.0 for t in totals.values()) if totals else 0.0
    ax.set_xlim(0, max(right * 1.35, 100.0))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=len(STAGES), fontsize=8,
              frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
