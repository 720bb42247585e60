#!/usr/bin/env python3
"""Hold the baselines' figures to engage's report.json, number by number.

    python3 benches/compare/check_figures.py OUT/report.json duckdb.json polars.json

Compared, for the whole organisation and every published group of every segment, nested
segment and cross: respondents; per item n, mean, SD, favourable / neutral / unfavourable
shares, counts per scale point (as ticked), missing, not applicable; per dimension n, mean, SD
and the pooled shares; per KPI n and value; per multi-select question the base, each option's
count and share, and (`by_segment`) each published group's base, count and share. Counts must be
equal, every other number within 1e-9 relative (|a - b| <= 1e-9 * max(|a|, |b|)); a number
one side gives and the other leaves null is a disagreement. Withheld groups and figures
(`suppressed`, `withheld`: null in report.json) are skipped and counted.

The baselines do not validate rows, so the report must have rejected none (checked).
Prints how many numbers were compared and the largest difference; exit 1 on any disagreement.
"""

import argparse
import json
import sys
import unicodedata
from pathlib import Path

REL = 1e-9


def nfkc(key: str) -> str:
    """engage reads every cell NFKC-normalised and trimmed (docs/data-formats.md), so its group
    keys are that form of the value in the file (10～19年 -> 10~19年); the baselines keep the
    values as stored. Keys are matched in engage's form."""
    return " / ".join(" × ".join(unicodedata.normalize("NFKC", p).strip() for p in part.split(" × ")) for part in key.split(" / "))


def normalise_keys(base: dict) -> int:
    """Re-key the baseline's groups in engage's form; returns how many keys changed."""
    changed = 0
    for sid, groups in base["segments"].items():
        new = {}
        for k, v in groups.items():
            n = nfkc(k)
            changed += n != k
            if n in new:
                raise SystemExit(f"segment {sid}: {k!r} and another value are one group after NFKC: merge them first")
            new[n] = v
        base["segments"][sid] = new
    return changed


class Checker:
    def __init__(self, name: str):
        self.name = name
        self.ints = 0
        self.floats = 0
        self.largest = (0.0, "")
        self.bad = []
        self.skipped_groups = 0
        self.skipped_figures = 0

    def num(self, where: str, engage, other, integer: bool):
        if engage is None or other is None:
            if engage is not None or other is not None:
                self.bad.append(f"{where}: engage {engage!r}, {self.name} {other!r}")
            return
        if integer:
            self.ints += 1
            if int(engage) != int(other) or engage != other:
                self.bad.append(f"{where}: engage {engage}, {self.name} {other}")
            return
        self.floats += 1
        diff = abs(engage - other)
        scale = max(abs(engage), abs(other))
        rel = diff / scale if scale else 0.0
        if rel > self.largest[0]:
            self.largest = (rel, f"{where}: engage {engage!r}, {self.name} {other!r}")
        if diff > REL * scale:
            self.bad.append(f"{where}: engage {engage!r}, {self.name} {other!r} (relative {rel:.2e})")

    def item(self, where, e, o):
        for f in ("n", "missing", "not_applicable"):
            self.num(f"{where}.{f}", e.get(f), o[f], True)
        for f in ("mean", "sd", "favourable", "neutral", "unfavourable"):
            self.num(f"{where}.{f}", e.get(f), o[f], False)
        counts = {str(c["value"]): c["count"] for c in e.get("counts", [])}
        if set(counts) != set(o["counts"]):
            self.bad.append(f"{where}.counts: scale points {sorted(counts)} against {sorted(o['counts'])}")
        for v in counts:
            self.num(f"{where}.counts[{v}]", counts[v], o["counts"].get(v), True)

    def dimension(self, where, e, o, pooled_withheld: bool):
        self.num(f"{where}.n", e.get("n"), o["n"], True)
        for f in ("mean", "sd", "favourable", "neutral", "unfavourable"):
            if pooled_withheld and f in ("favourable", "neutral", "unfavourable") and e.get(f) is None:
                # docs/report-json.md: in a group, null where one of the dimension's items is withheld
                self.skipped_figures += 1
                continue
            self.num(f"{where}.{f}", e.get(f), o[f], False)

    def kpi(self, where, e, o):
        self.num(f"{where}.n", e.get("n"), o["n"], True)
        self.num(f"{where}.value", e.get("value"), o["value"], False)

    def cut(self, where, e_items, e_dims, e_kpis, o):
        for e in e_items:
            if e.get("withheld"):
                self.skipped_figures += 1
                continue
            self.item(f"{where}.items.{e['id']}", e, o["items"][e["id"]])
        withheld_items = {e["id"] for e in e_items if e.get("withheld")}
        for e in e_dims:
            if e.get("withheld"):
                self.skipped_figures += 1
                continue
            pooled_withheld = bool(withheld_items & set(self.dim_items[e["id"]]))
            self.dimension(f"{where}.dimensions.{e['id']}", e, o["dimensions"][e["id"]], pooled_withheld)
        for e in e_kpis:
            if e.get("withheld"):
                self.skipped_figures += 1
                continue
            self.kpi(f"{where}.kpis.{e['id']}", e, o["kpis"][e["id"]])
        if len(e_items) != len(o["items"]) or len(e_dims) != len(o["dimensions"]) or len(e_kpis) != len(o["kpis"]):
            self.bad.append(f"{where}: engage has {len(e_items)} items, {len(e_dims)} dimensions, {len(e_kpis)} KPIs; {self.name} {len(o['items'])}, {len(o['dimensions'])}, {len(o['kpis'])}")

    def run(self, rep: dict, base: dict):
        self.dim_items = {d["id"]: d["items"] for d in rep["dimensions"]}
        w = base["whole"]
        self.num("respondents", rep["responses"]["accepted"], w["respondents"], True)
        self.cut("whole", rep["items"], rep["dimensions"], rep["kpis"], w)
        for m in rep["multi_select"]:
            o = w["multi_select"][m["id"]]
            if m.get("withheld"):
                self.skipped_figures += 1
            else:
                self.num(f"multi_select.{m['id']}.base", m.get("base"), o["base"], True)
                for opt in m["options"]:
                    c = o["options"][opt["id"]]
                    self.num(f"multi_select.{m['id']}.{opt['id']}.count", opt.get("count"), c, True)
                    self.num(f"multi_select.{m['id']}.{opt['id']}.share", opt.get("share"), c / o["base"] if o["base"] else None, False)
            for bs in m.get("by_segment", []):
                groups = base["segments"][bs["segment"]]
                k = [x["id"] for x in m["options"]].index(bs["option"])
                for g in bs["groups"]:
                    where = f"multi_select.{m['id']}.by_segment.{bs['segment']}[{g['group']}].{bs['option']}"
                    if g["group"] not in groups:
                        self.bad.append(f"{where}: group not in {self.name}")
                        continue
                    og = groups[g["group"]]["multi_select"][m["id"]]
                    c = og["options"][m["options"][k]["id"]]
                    self.num(f"{where}.base", g.get("base"), og["base"], True)
                    self.num(f"{where}.count", g.get("count"), c, True)
                    self.num(f"{where}.share", g.get("share"), c / og["base"] if og["base"] else None, False)
        for s in rep["segments"]:
            mine = base["segments"].get(s["id"])
            if mine is None:
                self.bad.append(f"segment {s['id']}: not in {self.name}")
                continue
            keys = {g["key"] for g in s["groups"]}
            if keys != set(mine):
                self.bad.append(f"segment {s['id']}: groups differ: only in engage {sorted(keys - set(mine))[:5]}, only in {self.name} {sorted(set(mine) - keys)[:5]}")
            for g in s["groups"]:
                if g["suppressed"]:
                    self.skipped_groups += 1
                    continue
                o = mine.get(g["key"])
                if o is None:
                    continue
                where = f"segments.{s['id']}[{g['key']}]"
                self.num(f"{where}.respondents", g["respondents"], o["respondents"], True)
                self.cut(where, g["items"], g["dimensions"], g["kpis"], o)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", type=Path, help="engage's report.json")
    ap.add_argument("baselines", type=Path, nargs="+", help="JSON written by duckdb_report.py / polars_report.py")
    ap.add_argument("--show", type=int, default=10, help="disagreements shown per baseline")
    args = ap.parse_args()
    rep = json.loads(args.report.read_text(encoding="utf-8"))
    failed = False
    r = rep["responses"]
    if r["rejected"]:
        print(f"report rejected {r['rejected']} rows; the baselines read every row, so the figures cannot agree")
        failed = True
    for path in args.baselines:
        base = json.loads(path.read_text(encoding="utf-8"))
        renamed = normalise_keys(base)
        c = Checker(base.get("engine", path.stem))
        c.run(rep, base)
        print(
            f"{path.name} ({c.name}): {c.ints + c.floats:,} numbers compared ({c.ints:,} counts equal or not, "
            f"{c.floats:,} means / SDs / shares), {len(c.bad):,} disagreements; "
            f"skipped {c.skipped_groups} withheld groups and {c.skipped_figures} withheld figures"
        )
        if renamed:
            print(f"  {renamed} group keys matched in NFKC form (the value as stored differs from engage's key)")
        print(f"  largest relative difference {c.largest[0]:.3e}" + (f" at {c.largest[1]}" if c.largest[1] else ""))
        for b in c.bad[: args.show]:
            print("  DISAGREE " + b)
        failed |= bool(c.bad) or c.ints + c.floats == 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
