#!/usr/bin/env python3
"""The figures of engage's report.json for items, dimensions, KPIs, every segment and cross and
the multi-select questions, in DuckDB: one SQL statement, one scan of the file.

    python3 benches/compare/duckdb_report.py DIR/survey.toml --out duckdb.json [--data FILE]

How (the default `--plan rollup`): one projection computes each respondent's group keys
(blank -> ""), the item answers as stored (int8 / int64: no casts), the dimension scores and the
split delimited answer. The rows are aggregated once per *family* of cuts into cells (bureau x
section x age: about 940 cells; grade x employment x gender x service: about 220), with
`count_if` per item and scale point, blanks and not-applicable codes, count / sum / sum of
squares of each dimension score and the multi-select bases and pickers; then
`GROUP BY GROUPING SETS ((), (bureau), (bureau, section), (age), (bureau, age))` and
`((grade), (employment), (gender), (service))` roll the cells up into every cut, joined with
`UNION ALL BY NAME`. One statement, prepared and run once; the projection is a CTE read by
both families, so the file is scanned once. Means, SDs and shares of items follow from the
counts (figures.py).

`--plan direct` is the textbook form: one `GROUP BY GROUPING SETS` of every cut straight over
the rows with `avg` / `stddev_samp` of the scores. DuckDB then runs one hash aggregate of all
~250 aggregates per grouping set over every row, about twice the time here.
"""

import argparse
import json
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import Definition, assemble, moments  # noqa: E402


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def source(df: Definition, data: Path) -> str:
    path = str(data).replace("'", "''")
    if data.suffix.lower() == ".csv":
        # Types as the user knows them: no sniffing of 200 columns.
        types = {c: "VARCHAR" for c in df.segment_columns + df.delimited_columns}
        types.update({it["column"]: "TINYINT" for it in df.items})
        types.update({c: "BOOLEAN" for c in df.option_columns})
        spec = ", ".join(f"'{k}': '{v}'" for k, v in types.items())
        return f"read_csv('{path}', header = true, types = {{{spec}}})"
    return f"read_parquet('{path}')"


def sql(df: Definition, src: str, option_types: dict, plan: str) -> str:
    lo, hi = df.lo, df.hi
    seg_cols = df.segment_columns
    proj = [f"COALESCE(CAST({q(c)} AS VARCHAR), '') AS g{k}" for k, c in enumerate(seg_cols)]
    proj += [f"{q(it['column'])} AS i{i}" for i, it in enumerate(df.items)]
    index = {it["id"]: i for i, it in enumerate(df.items)}
    for j, d in enumerate(df.dimensions):
        answered = " + ".join(f"((i{index[it['id']]} BETWEEN {lo} AND {hi}) IS TRUE)::INTEGER" for it in d["items"])
        total = " + ".join(
            f"(CASE WHEN i{index[it['id']]} BETWEEN {lo} AND {hi} THEN "
            + (f"{lo + hi} - i{index[it['id']]}" if it["reverse"] else f"i{index[it['id']]}")
            + " ELSE 0 END)"
            for it in d["items"]
        )
        proj.append(f"({answered}) AS d{j}_answered")
        proj.append(f"({total}) AS d{j}_total")
    for qn, m in enumerate(df.multi):
        if m["storage"] == "columns":
            for k, o in enumerate(m["options"]):
                c = q(o["column"])
                proj.append(f"{c} AS m{qn}_o{k}" if option_types.get(o["column"]) == "BOOLEAN" else f"({c} = 1) AS m{qn}_o{k}")
            proj.append("(" + " OR ".join(f"{q(o['column'])} IS NOT NULL" for o in m["options"]) + f") AS m{qn}_answered")
        else:
            c = q(m["column"])
            proj.append(f"(trim({c}) <> '') IS TRUE AS m{qn}_answered")
            proj.append(f"string_split({c}, '{m['separator']}') AS m{qn}_picks")
    scores = [f"CASE WHEN d{j}_answered >= {d['min_answered']} THEN d{j}_total / d{j}_answered END AS d{j}" for j, d in enumerate(df.dimensions)]

    rollup = plan == "rollup"
    aggs = ["count(*) AS respondents"]
    for i, _ in enumerate(df.items):
        aggs += [f"count_if(i{i} = {v}) AS i{i}_c{v}" for v in df.points]
        miss = " OR ".join([f"i{i} IS NULL"] + [f"i{i} = {c}" for c in df.missing_codes])
        aggs.append(f"count_if({miss}) AS i{i}_miss")
        aggs.append(f"count_if(i{i} IN ({', '.join(map(str, df.na_codes))})) AS i{i}_na" if df.na_codes else f"0 AS i{i}_na")
    for j, _ in enumerate(df.dimensions):
        if rollup:
            aggs += [f"count(d{j}) AS d{j}_n", f"sum(d{j}) AS d{j}_sum", f"sum(d{j} * d{j}) AS d{j}_sumsq"]
        else:
            aggs += [f"count(d{j}) AS d{j}_n", f"avg(d{j}) AS d{j}_mean", f"stddev_samp(d{j}) AS d{j}_sd"]
    for qn, m in enumerate(df.multi):
        aggs.append(f"count_if(m{qn}_answered) AS m{qn}_base")
        for k, o in enumerate(m["options"]):
            if m["storage"] == "columns":
                aggs.append(f"count_if(m{qn}_o{k}) AS m{qn}_o{k}")
            else:
                aggs.append(f"count_if(list_contains(m{qn}_picks, '{o['code']}')) AS m{qn}_o{k}")
    names = [a.rsplit(" AS ", 1)[1] for a in aggs]
    nseg = len(seg_cols)
    head = f"WITH p AS (SELECT {', '.join(proj)} FROM {src}), s AS (SELECT *, {', '.join(scores)} FROM p)"

    def gsets(sets, whole):
        return ", ".join((["()"] if whole else []) + ["(" + ", ".join(f"g{k}" for k in cols) + ")" for cols in sets])

    if not rollup:
        # Every cut straight from the rows: one hash aggregate per grouping set.
        sets = [cols for cols, _ in df.grouping_sets()]
        gcols = ", ".join(f"g{k}" for k in range(nseg))
        return f"{head} SELECT {gcols}, {', '.join(aggs)} FROM s GROUP BY GROUPING SETS ({gsets(sets, True)})"
    # Rows -> cells of each family (one hash aggregate per family), cells -> every cut.
    ctes, selects = [], []
    for f, (cells, sets) in enumerate(df.families()):
        keys = ", ".join(f"g{k}" for k in cells)
        ctes.append(f"c{f} AS (SELECT {keys}, {', '.join(aggs)} FROM s GROUP BY {keys})")
        sums = ", ".join(f"sum({n})::BIGINT AS {n}" if not n.startswith("d") or n.endswith("_n") else f"sum({n}) AS {n}" for n in names)
        selects.append(f"SELECT {keys}, {sums} FROM c{f} GROUP BY GROUPING SETS ({gsets([c for c, _ in sets], f == 0)})")
    return f"{head}, {', '.join(ctes)} " + " UNION ALL BY NAME ".join(selects)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("survey", type=Path)
    ap.add_argument("--data", type=Path, help="default: the definition's file")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--plan", choices=["rollup", "direct"], default="rollup", help="rollup: rows -> cells -> cuts (default); direct: every grouping set from the rows")
    ap.add_argument("--print-sql", action="store_true")
    args = ap.parse_args()
    df = Definition(args.survey)
    data = args.data or df.data_file
    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    src = source(df, data)
    if data.suffix.lower() == ".csv":
        option_types = {c: "BOOLEAN" for c in df.option_columns}
    else:
        option_types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
    text = sql(df, src, option_types, args.plan)
    if args.print_sql:
        print(text)
    cur = con.execute(text)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    nseg = len(df.segment_columns)
    sets = df.grouping_sets()
    whole, groups = None, {s["id"]: {} for s in df.segments}
    for r in rows:
        row = dict(zip(names, r))
        if args.plan == "rollup":
            for j, _ in enumerate(df.dimensions):
                moments(row, j)
        # Keys are never NULL (blank -> ""), so a NULL key column is one this cut does not group by.
        grouped = tuple(k for k in range(nseg) if row.get(f"g{k}") is not None)
        if not grouped:
            whole = row
            continue
        for cols, segs in sets:
            if sorted(cols) == list(grouped):
                for s in segs:
                    groups[s["id"]][df.key(s, [row[f"g{k}"] for k in cols])] = row
    out = assemble(df, whole, groups)
    out["engine"] = f"duckdb {duckdb.__version__} ({args.plan})"
    args.out.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
