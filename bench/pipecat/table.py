"""Markdown tables from agentline-streams-load --json outputs: python table.py RUN.json..."""

import json
import sys


def fmt(x, digits=0):
    return "–" if x is None else f"{x:.{digits}f}"


def main(paths):
    runs = sorted((json.load(open(p)) for p in paths), key=lambda r: r["scenario"]["calls"])
    print(
        "| N | turns | answered | no reply before next speech | full 2.0 s reply "
        "| latency p50 / p95 / p99 / max ms | reply audio mean / min s "
        "| gap p50 / p99 / max ms | late-by p99 / max ms | underruns (ms) "
        "| server cores (steady) | server RSS steady / peak MiB "
        "| load gen cores / late ticks / worst ms | other cores |"
    )
    print("|" + "---|" * 14)
    for r in runs:
        t, lat, audio = r["turns"], r["latency_ms"], r["reply_audio_s"]
        gap, late, srv = r["gap_ms"], r["late_by_ms"], r["server"]
        lg = r["load_generator"]
        steady = srv["steady"] or {}
        mem = srv["memory_steady"] or {}
        peaks = [m["hwm_mib"] for m in (srv["memory_steady"], srv["memory_end"]) if m]
        lg_cores = (lg["usage"]["steady"] or {}).get("cores")
        print(
            f"| {r['scenario']['calls']} | {t['total']} | {t['answered']} "
            f"| {t['no_reply_before_next_speech']} | {t['full_reply']} "
            f"| {fmt(lat['p50'])} / {fmt(lat['p95'])} / {fmt(lat['p99'])} / {fmt(lat['max'])} "
            f"| {fmt(audio['mean'], 3)} / {fmt(audio['min'], 3)} "
            f"| {fmt(gap['p50'], 1)} / {fmt(gap['p99'], 1)} / {fmt(gap['max'], 1)} "
            f"| {fmt(late['p99'], 1)} / {fmt(late['max'], 1)} "
            f"| {r['playback']['underruns']} ({r['playback']['underrun_ms']}) "
            f"| {fmt(steady.get('cores'), 3)} "
            f"| {fmt(mem.get('rss_mib'), 1)} / {fmt(max(peaks) if peaks else None, 1)} "
            f"| {fmt(lg_cores, 3)} / {lg['late_ticks']} / {fmt(lg['max_tick_lag_ms'], 1)} "
            f"| {fmt(r['machine']['other_cores_steady'], 3)} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
