#!/usr/bin/env python3
"""The figures of engage's report.json for items, dimensions, KPIs, every segment and cross and
the multi-select questions, in polars: one lazy plan, collected at once.

    python3 benches/compare/polars_report.py DIR/survey.toml --out polars.json [--data FILE]
    python3 benches/compare/polars_report.py DIR/survey.toml --read-only   # the decoding floor

How (the default `--plan rollup`): `scan_parquet` (or `scan_csv` with the column types
given), one `with_columns` for the group keys (blank -> ""), the dimension scores and the
multi-select flags; one `group_by(cells).agg(aggs)` per family of cuts (bureau x section x age;
grade x employment x gender x service), and from those cells one `group_by(keys).agg(sum)` per
cut (each segment, nested section, cross) and a `select(sum)` for the whole organisation, all
handed to one `pl.collect_all(engine="streaming")`, whose common-subplan elimination computes
each family's cells once (`--explain`: one CACHE per family). The file is scanned once per
family (two scans: projection pushdown gives each family its own columns; forcing one scan
with `.cache()` would hold the projected frame in memory instead of streaming it). `aggs` are `(item == point).sum()` per item and
scale point, `is_null().sum()`, `is_in(not_applicable).sum()`, count / sum / sum of squares of
each dimension score and the multi-select bases and pickers. Means, SDs and shares of items
follow from the counts (figures.py).

`--plan direct`: one `group_by(keys).agg(aggs)` per cut straight from the rows (with
`mean()` / `std()` of the scores), about twice the time here.

`--read-only` reads just the columns the definition uses into memory and stops: the floor of
what any engine reading this file has to spend.
"""

import argparse
import json
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import Definition, assemble, moments  # noqa: E402


def scan(df: Definition, data: Path) -> pl.LazyFrame:
    if data.suffix.lower() == ".csv":
        schema = {c: pl.String for c in df.segment_columns + df.delimited_columns}
        schema.update({it["column"]: pl.Int8 for it in df.items})
        schema.update({c: pl.Boolean for c in df.option_columns})
        return pl.scan_csv(data, schema_overrides=schema)
    return pl.scan_parquet(data)


def plan(df: Definition, lf: pl.LazyFrame, how: str) -> tuple[list, list]:
    lo, hi = df.lo, df.hi
    schema = lf.collect_schema()
    seg_cols = df.segment_columns
    prep = [pl.col(c).cast(pl.String).fill_null("").alias(f"g{k}") for k, c in enumerate(seg_cols)]
    col = {it["id"]: pl.col(it["column"]) for it in df.items}
    for j, d in enumerate(df.dimensions):
        valid = [col[it["id"]].is_between(lo, hi).fill_null(False) for it in d["items"]]
        scored = [(lo + hi - col[it["id"]].cast(pl.Int16)) if it["reverse"] else col[it["id"]].cast(pl.Int16) for it in d["items"]]
        answered = pl.sum_horizontal(valid)
        total = pl.sum_horizontal([pl.when(v).then(s).otherwise(0) for v, s in zip(valid, scored)])
        prep.append(pl.when(answered >= d["min_answered"]).then(total / answered).alias(f"d{j}"))
    for q, m in enumerate(df.multi):
        if m["storage"] == "columns":
            for k, o in enumerate(m["options"]):
                c = pl.col(o["column"])
                prep.append((c if schema[o["column"]] == pl.Boolean else c == 1).alias(f"m{q}_o{k}"))
            prep.append(pl.any_horizontal([pl.col(o["column"]).is_not_null() for o in m["options"]]).alias(f"m{q}_answered"))
        else:
            c = pl.col(m["column"]).cast(pl.String)
            prep.append((c.str.strip_chars() != "").fill_null(False).alias(f"m{q}_answered"))
            picks = c.str.split(m["separator"])
            prep += [picks.list.contains(o["code"]).alias(f"m{q}_o{k}") for k, o in enumerate(m["options"])]
    lf = lf.with_columns(prep)

    aggs = [pl.len().alias("respondents")]
    for i, it in enumerate(df.items):
        c = pl.col(it["column"])
        aggs += [(c == v).sum().alias(f"i{i}_c{v}") for v in df.points]
        miss = c.is_null()
        for code in df.missing_codes:
            miss = miss | (c == code)
        aggs.append(miss.sum().alias(f"i{i}_miss"))
        aggs.append((c.is_in(df.na_codes).sum() if df.na_codes else pl.lit(0)).alias(f"i{i}_na"))
    rollup = how == "rollup"
    for j, _ in enumerate(df.dimensions):
        s = pl.col(f"d{j}")
        if rollup:
            aggs += [s.count().alias(f"d{j}_n"), s.sum().alias(f"d{j}_sum"), (s * s).sum().alias(f"d{j}_sumsq")]
        else:
            aggs += [s.count().alias(f"d{j}_n"), s.mean().alias(f"d{j}_mean"), s.std().alias(f"d{j}_sd")]
    for q, m in enumerate(df.multi):
        aggs.append(pl.col(f"m{q}_answered").sum().alias(f"m{q}_base"))
        aggs += [pl.col(f"m{q}_o{k}").sum().alias(f"m{q}_o{k}") for k, _ in enumerate(m["options"])]

    if not rollup:
        # Every cut straight from the rows.
        sets = df.grouping_sets()
        frames = [lf.select(aggs)] + [lf.group_by([f"g{k}" for k in cols]).agg(aggs) for cols, _ in sets]
        return frames, [cols for cols, _ in sets]
    # Rows -> cells of each family (figures.Definition.families), cells -> every cut.
    frames, order = [], []
    for f, (cells, sets) in enumerate(df.families()):
        c = lf.group_by([f"g{k}" for k in cells]).agg(aggs)
        sums = [pl.col(a.meta.output_name()).sum() for a in aggs]
        if f == 0:
            frames.append(c.select(sums))
            order.append(())
        for cols, _ in sets:
            frames.append(c.group_by([f"g{k}" for k in cols]).agg(sums))
            order.append(cols)
    return frames, order


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("survey", type=Path)
    ap.add_argument("--data", type=Path, help="default: the definition's file")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--engine", default="streaming", help="polars engine: streaming (default, the faster here), auto, in-memory")
    ap.add_argument("--plan", choices=["rollup", "direct"], default="rollup", help="rollup: rows -> cells -> cuts (default); direct: every cut from the rows")
    ap.add_argument("--read-only", action="store_true", help="only read the used columns (the floor)")
    ap.add_argument("--explain", action="store_true")
    args = ap.parse_args()
    df = Definition(args.survey)
    data = args.data or df.data_file
    lf = scan(df, data)
    if args.read_only:
        t = lf.select(df.used_columns()).collect(engine=args.engine)
        print(f"read {t.height} rows x {t.width} columns, {t.estimated_size() / 2**20:.1f} MiB")
        return
    frames, order = plan(df, lf, args.plan)
    if args.explain:
        print(pl.explain_all(frames))
        return
    results = pl.collect_all(frames, engine=args.engine)
    if args.plan == "direct":
        order = [()] + order
    sets = dict(df.grouping_sets())
    whole, groups = None, {s["id"]: {} for s in df.segments}
    for cols, res in zip(order, results):
        for row in res.iter_rows(named=True):
            if args.plan == "rollup":
                for j, _ in enumerate(df.dimensions):
                    moments(row, j)
            if not cols:
                whole = row
                continue
            for s in sets[cols]:
                groups[s["id"]][df.key(s, [row[f"g{k}"] for k in cols])] = row
    out = assemble(df, whole, groups)
    out["engine"] = f"polars {pl.__version__} ({args.plan}, {args.engine})"
    args.out.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
