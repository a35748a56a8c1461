"""The load test's summary for people: the same figures as its JSON, one line each."""

from __future__ import annotations

from typing import Any


def summary(r: dict[str, Any]) -> str:
    """The report in lines, ending PASS or FAIL with the reasons."""
    lat, out, mem = r["scan_to_feedback"], r["outbox"], r["edge_memory"]
    roles = ", ".join(f"{n} {k}" for k, n in r["terminals"].items())
    lines = [
        f"load test of {r['edge']}: {sum(r['terminals'].values())} terminals ({roles}) for "
        f"{r['duration_s']} s" + (" (interrupted)" if r["interrupted"] else ""),
        f"  scans            {r['scans']} ({r['scans_per_s']}/s)",
        f"  scan-to-feedback p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms, p99 {lat['p99_ms']} ms,"
        f" max {lat['max_ms']} ms",
        f"  work done        {r['units_picked']} units picked, {r['parcels_packed']} parcels "
        f"packed, {r['returns_closed']} returns received",
        f"  errors           {r['errors']}" + (f" {r['errors_by_code']}" if r["errors"] else ""),
        *(f"                   {sample}" for sample in r["error_samples"]),
        *_dry(r),
        f"  outbox           {out['depth_at_end']} at the end" + _drain(out),
        "  edge memory      "
        + (f"{mem['rss_mb']} MB (peak {mem['rss_peak_mb']} MB)" if mem["rss_mb"] else "unknown")
        + ("" if mem["rss_mb"] else " (the edge is not a process of this machine and user)"),
        *_orders(r),
        f"  oversells        {r['oversells']}",
        "PASS" if r["ok"] else f"FAIL: {'; '.join(r['failed_because'])}",
    ]
    return "\n".join(lines)


def _dry(r: dict[str, Any]) -> list[str]:
    if not r["ran_dry"]:
        return []
    return [f"  no list          {r['ran_dry']} times a picker found no order left to pick"]


def _drain(out: dict[str, Any]) -> str:
    if out["mode"] != "synced":
        return " (standalone edge: nothing sends it)"
    if out["drained"]:
        return f", drained in {out['drain_s']} s"
    return f", NOT drained after {out['drain_s']} s ({out['left']} left)"


def _orders(r: dict[str, Any]) -> list[str]:
    """The buyers' part, when central was flooded."""
    if "orders" not in r:
        return []
    o, c, reached = r["orders"], r["central_oversold"], r["orders"]["reached_edge"]
    return [
        f"  buyers           {o['buyers']}: {o['taken']} orders taken in {o['flood_s']} s "
        f"({o['orders_per_s']}/s), "
        f"{o['released']} released against a stock of {sum(o['stock_at_start'].values())}",
        f"  reached the edge {reached['at_edge']} of the {o['released']} released "
        f"(in {reached['wait_s']} s)",
        f"  at central       below zero: {c['below_zero'] or 'nowhere'}; released beyond stock: "
        f"{c['released_beyond_stock'] or 'none'}",
    ]
