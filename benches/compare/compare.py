#!/usr/bin/env python3
"""Side-by-side timing of the full report: DuckDB, polars (Python) and the engage binary.

Optional to run; needs `pip install -r benches/compare/requirements.txt` and, for the engage
column, a release build (`cargo build --release -p engage-cli`). Every tool computes the same
figures as benches/src/baseline.rs: per cut (whole organisation, every segment, nested
sections, bureau x age) the respondent count, per item n / mean / SD / missing / not applicable
/ count per scale point, per dimension score n / mean / SD; for the whole organisation also the
parts of listwise Cronbach's alpha and the multi-select base and option counts. Medians of --repeat runs.

engage is timed twice: `engage report` does everything a report does beyond those figures
(bootstrap intervals of the key drivers, raking, the workbook, CSV/Parquet/Arrow tables, HTML
and PNG charts); `engage aggregate` reads the file and makes the one pass into partials, the
integer sums every compared figure is derived from, written to an Arrow file.

    python3 benches/compare/compare.py --rows 1000000 10000000
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dataset(rows: int, engage: Path) -> Path:
    """The Parquet file (zstd, 131,072-row groups) from `engage generate`, made once."""
    out = ROOT / "target" / "bench-data" / f"compare-rows{rows}"
    if not (out / "responses.parquet").exists():
        subprocess.run(
            [str(engage), "generate", "--rows", str(rows), "--format", "parquet", "--out", str(out)],
            check=True,
        )
    return out


class Definition:
    def __init__(self, path: Path):
        d = tomllib.loads(path.read_text(encoding="utf-8"))
        self.scale = (d["scale"]["min"], d["scale"]["max"])
        self.na = [int(c) for c in d["missing"].get("not_applicable", []) if c.isdigit()]
        self.items = d["items"]
        self.dims = [x["id"] for x in d["dimensions"]]
        self.segments = d["segments"]
        self.crosses = d.get("crosses", [])
        self.multi = d["multi_select"]
        self.kpis = d["kpis"]


def sql_queries(df: Definition, parquet: Path) -> list[str]:
    lo, hi = df.scale
    prep = []
    for i, it in enumerate(df.items):
        c = f'"{it["column"]}"'
        prep.append(f"CASE WHEN {c} BETWEEN {lo} AND {hi} THEN {c} END AS v{i}")
        flipped = f"({lo + hi} - {c})" if it.get("reverse") else c
        prep.append(f"CASE WHEN {c} BETWEEN {lo} AND {hi} THEN {flipped}::DOUBLE END AS f{i}")
        na = " OR ".join(f"{c} = {n}" for n in df.na) or "FALSE"
        prep.append(f"COALESCE({na}, FALSE) AS na{i}, {c} IS NULL AS m{i}")
    keys = {}
    for s in df.segments:
        v = f"""COALESCE("{s['column']}", '')"""
        if s.get("parent"):
            p = keys[s["parent"]]
            keys[s["id"]] = f"CASE WHEN {p} <> '' THEN {p} || ' / ' || {v} ELSE {v} END"
        else:
            keys[s["id"]] = v
    for x in df.crosses:
        a, b = x["segments"]
        keys[x.get("id", f"{a}_x_{b}")] = f"{keys[a]} || ' × ' || {keys[b]}"
    prep += [f"{k} AS key_{n}" for n, k in enumerate(keys.values())]
    # Dimension scores: mean of answered items when at least half (rounded up) are answered.
    dim_items = {d: [i for i, it in enumerate(df.items) if it.get("dimension") == d] for d in df.dims}
    scores = []
    for d, items in dim_items.items():
        n = " + ".join(f"(v{i} IS NOT NULL)::INT" for i in items)
        s = " + ".join(f"COALESCE(f{i}, 0)" for i in items)
        need = (len(items) + 1) // 2
        scores.append(f"CASE WHEN {n} >= {need} THEN ({s}) / ({n}) END AS s_{d}")
        scores.append(" AND ".join(f"v{i} IS NOT NULL" for i in items) + f" AS c_{d}")
        scores.append(" + ".join(f"f{i}" for i in items) + f" AS t_{d}")
    aggs = ["count(*) AS respondents"]
    for i, _ in enumerate(df.items):
        aggs += [f"count(v{i})", f"avg(f{i})", f"stddev_samp(f{i})", f"sum(m{i}::INT)", f"sum(na{i}::INT)"]
        aggs += [f"count_if(v{i} = {p})" for p in range(lo, hi + 1)]
    alpha = []  # reliability: whole organisation only, as engage reports it
    for d, items in dim_items.items():
        aggs += [f"count(s_{d})", f"avg(s_{d})", f"stddev_samp(s_{d})"]
        alpha.append(f"count_if(c_{d})")
        alpha += [f"var_samp(f{i}) FILTER (WHERE c_{d})" for i in items]
        alpha.append(f"var_samp(t_{d}) FILTER (WHERE c_{d})")
    base = (
        f"WITH p AS (SELECT *, {', '.join(prep)} FROM read_parquet('{parquet}')), "
        f"q AS (SELECT *, {', '.join(scores)} FROM p)"
    )
    multi = []
    for m in df.multi:
        if m.get("storage", "columns") == "columns":
            cols = [f'"{o["column"]}"' for o in m["options"]]
            answered = "(" + " OR ".join(f"{c} IS NOT NULL" for c in cols) + ")"
            multi.append(f"count_if({answered})")
            multi += [f"count_if({c} = 1 AND {answered})" for c in cols]
        else:
            c, sep = f'"{m["column"]}"', m.get("separator", ";")
            multi.append(f"count_if({c} IS NOT NULL AND {c} <> '')")
            multi += [
                f"count_if(contains('{sep}' || {c} || '{sep}', '{sep}{o['code']}{sep}'))"
                for o in m["options"]
            ]
    queries = [f"{base} SELECT {', '.join(aggs + alpha + multi)} FROM q"]
    for n in range(len(keys)):
        queries.append(f"{base} SELECT key_{n}, {', '.join(aggs)} FROM q GROUP BY key_{n}")
    return queries


def run_duckdb(df: Definition, parquet: Path):
    import duckdb

    con = duckdb.connect()
    return [con.execute(q).fetchall() for q in sql_queries(df, parquet)]


def run_polars(df: Definition, parquet: Path):
    import polars as pl

    lo, hi = df.scale
    lf = pl.scan_parquet(parquet)
    cols = []
    for i, it in enumerate(df.items):
        raw = pl.col(it["column"]).cast(pl.Int32)
        v = pl.when(raw.is_between(lo, hi)).then(raw)
        cols += [v.alias(f"v{i}"), ((lo + hi - v) if it.get("reverse") else v).cast(pl.Float64).alias(f"f{i}")]
        cols.append(raw.is_in(df.na).fill_null(False).alias(f"na{i}"))
    keys = {}
    for s in df.segments:
        v = pl.col(s["column"]).cast(pl.String).fill_null("")
        if s.get("parent"):
            p = keys[s["parent"]]
            keys[s["id"]] = pl.when(p != "").then(pl.concat_str([p, pl.lit(" / "), v])).otherwise(v)
        else:
            keys[s["id"]] = v
    for x in df.crosses:
        a, b = x["segments"]
        keys[x.get("id", f"{a}_x_{b}")] = pl.concat_str([keys[a], pl.lit(" × "), keys[b]])
    cols += [k.alias(f"key_{n}") for n, k in enumerate(keys.values())]
    lf = lf.with_columns(cols)
    dim_items = {d: [i for i, it in enumerate(df.items) if it.get("dimension") == d] for d in df.dims}
    scores = []
    for d, items in dim_items.items():
        n = pl.sum_horizontal([pl.col(f"v{i}").is_not_null() for i in items])
        s = pl.sum_horizontal([pl.col(f"f{i}") for i in items])
        scores.append(pl.when(n >= (len(items) + 1) // 2).then(s / n).alias(f"s_{d}"))
        scores.append(pl.all_horizontal([pl.col(f"v{i}").is_not_null() for i in items]).alias(f"c_{d}"))
    lf = lf.with_columns(scores)
    aggs = [pl.len().alias("respondents")]
    for i, it in enumerate(df.items):
        v, f = pl.col(f"v{i}"), pl.col(f"f{i}")
        aggs += [v.count().alias(f"n{i}"), f.mean().alias(f"mean{i}"), f.std().alias(f"sd{i}")]
        aggs += [pl.col(it["column"]).is_null().sum().alias(f"miss{i}"), pl.col(f"na{i}").sum().alias(f"na{i}_")]
        aggs += [(v == p).sum().alias(f"c{i}_{p}") for p in range(lo, hi + 1)]
    alpha = []  # reliability: whole organisation only, as engage reports it
    for d, items in dim_items.items():
        s, c = pl.col(f"s_{d}"), pl.col(f"c_{d}")
        aggs += [s.count().alias(f"sn_{d}"), s.mean().alias(f"sm_{d}"), s.std().alias(f"ss_{d}")]
        alpha.append(c.sum().alias(f"cn_{d}"))
        alpha += [pl.col(f"f{i}").filter(c).var().alias(f"var{i}_{d}") for i in items]
        alpha.append(pl.sum_horizontal([pl.col(f"f{i}") for i in items]).filter(c).var().alias(f"vt_{d}"))
    multi = []
    for q, m in enumerate(df.multi):
        if m.get("storage", "columns") == "columns":
            cols = [pl.col(o["column"]) for o in m["options"]]
            answered = pl.any_horizontal([c.is_not_null() for c in cols])
            multi.append(answered.sum().alias(f"base{q}"))
            multi += [((c == 1) & answered).sum().alias(f"m{q}_{o}") for o, c in enumerate(cols)]
        else:
            c, sep = pl.col(m["column"]), m.get("separator", ";")
            padded = pl.concat_str([pl.lit(sep), c, pl.lit(sep)])
            multi.append((c.is_not_null() & (c != "")).sum().alias(f"base{q}"))
            multi += [
                padded.str.contains(f"{sep}{o['code']}{sep}", literal=True).sum().alias(f"m{q}_{n}")
                for n, o in enumerate(m["options"])
            ]
    plans = [lf.select(aggs + alpha + multi)]
    plans += [lf.group_by(f"key_{n}").agg(aggs) for n in range(len(keys))]
    return pl.collect_all(plans)


def run_polars_read(df: Definition, parquet: Path):
    import polars as pl

    cols = [it["column"] for it in df.items] + [s["column"] for s in df.segments]
    for m in df.multi:
        cols += [o["column"] for o in m["options"] if "column" in o] + ([m["column"]] if "column" in m else [])
    return pl.scan_parquet(parquet).select(cols).collect()


def run_engage(engage: Path, *args: str):
    """One engage command, its output discarded (it fails the script if engage fails)."""

    def go():
        subprocess.run([str(engage), *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return go


def median_seconds(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--engage", type=Path, default=ROOT / "target" / "release" / "engage")
    args = ap.parse_args()
    if not args.engage.exists():
        sys.exit(f"{args.engage} not found: cargo build --release -p engage-cli (or --engage PATH)")
    import duckdb
    import polars

    print(f"duckdb {duckdb.__version__}, polars {polars.__version__}, {os.cpu_count()} cores")
    print(
        "| rows | Parquet MiB | engage report (s) | engage aggregate (s) | DuckDB (s) | polars (s) "
        "| polars read columns (s) | DuckDB / report | polars / report | DuckDB / aggregate | polars / aggregate |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for rows in args.rows:
        out = dataset(rows, args.engage)
        parquet = out / "responses.parquet"
        df = Definition(out / "survey.toml")
        survey = str(out / "survey.toml")
        report = run_engage(args.engage, "report", survey, "--out", str(out / "report-out"))
        # Reading and the one pass into partials: the sums every compared figure is derived
        # from (and more: co-moments, driver cross-products), without statistics or files.
        aggregate = run_engage(args.engage, "aggregate", survey, "--partial", str(out / "partials.arrow"))
        t_engage = median_seconds(report, args.repeat)
        t_partial = median_seconds(aggregate, args.repeat)
        t_duck = median_seconds(lambda: run_duckdb(df, parquet), args.repeat)
        t_polars = median_seconds(lambda: run_polars(df, parquet), args.repeat)
        t_read = median_seconds(lambda: run_polars_read(df, parquet), args.repeat)
        mib = parquet.stat().st_size / 2**20
        print(
            f"| {rows:,} | {mib:.1f} | {t_engage:.3f} | {t_partial:.3f} | {t_duck:.3f} | {t_polars:.3f} "
            f"| {t_read:.3f} | {t_duck / t_engage:.1f}x | {t_polars / t_engage:.1f}x "
            f"| {t_duck / t_partial:.1f}x | {t_polars / t_partial:.1f}x |",
            flush=True,
        )


if __name__ == "__main__":
    main()
