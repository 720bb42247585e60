#!/usr/bin/env python3
"""Benchmark files as pandas / polars users' files look, from `engage generate`'s data.

`engage generate --format parquet` writes the narrowest types engage itself would pick (uint8
items and 0/1 option columns, a text id). Files from survey tools, pandas and polars look
different, so this rewrites the same respondents as:

    int8/       items int8 with nulls, option columns bool, segments plain strings, id int32,
                zstd, 131,072-row groups (the reference file of every comparison)
    int64/      the same with items int64 (pandas' default integer type)
    dict/       the same with segments (and the delimited answer) dictionary-encoded (pandas
                categoricals, polars Categorical)
    large_string/  every text column large_string (polars' own string layout)
    string_view/   every text column string_view (Arrow's newer view layout)
    csv/        the same rows as CSV (header, empty cells for nulls, true/false), as
                `write_csv` / `to_csv(index=False)` write it

Every variant holds exactly the same rows in the same order (checked here: the int8 table is
re-read from each file and compared), with its own survey.toml (the generated one, `[data] file`
pointing at its file) and headcounts.csv, and is checked with `engage validate`.

Rows are shuffled once with a fixed seed (`--keep-order` to keep the generator's order, which is
sorted by bureau): a survey export is in order of submission, not grouped by bureau, and a
sorted file favours every engine's group-by and compression in a way real files do not.
With `--na-share` (default 0.01) that fraction of the answered item cells become 99, the
definition's "not applicable" code, so that the not-applicable path is exercised (the generator
writes none); `--na-share 0` keeps the generator's answers.

    python3 benches/compare/make_data.py --rows 1000000 --dir /tmp/engage-compare
"""

import argparse
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

VARIANTS = ["int8", "int64", "dict", "large_string", "string_view", "csv"]
ROW_GROUP = 131_072


def columns(definition: dict) -> dict:
    """Which column plays which part, from the survey definition."""
    return {
        "id": definition["data"].get("respondent_id"),
        "items": [it["column"] for it in definition["items"]],
        "segments": [s["column"] for s in definition["segments"]],
        "options": [o["column"] for m in definition.get("multi_select", []) if m.get("storage", "columns") == "columns" for o in m["options"]],
        "delimited": [m["column"] for m in definition.get("multi_select", []) if m.get("storage", "columns") == "delimited"],
    }


def base_table(raw: pa.Table, cols: dict, shuffle: bool, na_share: float, seed: int) -> pa.Table:
    """The int8 reference table: the users' types, the rows shuffled once."""
    n = raw.num_rows
    out = {}
    for name in raw.column_names:
        c = raw.column(name).combine_chunks()
        if name == cols["id"]:
            digits = pc.extract_regex(c, r"(?P<d>\d+)$").field("d")
            c = pc.cast(digits, pa.int32())
        elif name in cols["items"]:
            c = pc.cast(c, pa.int8())
        elif name in cols["options"]:
            c = pc.cast(c, pa.bool_())  # 0/1/null -> false/true/null
        elif name in cols["segments"] or name in cols["delimited"]:
            c = pc.cast(c, pa.string())
        out[name] = c
    t = pa.table(out)
    rng = np.random.default_rng(seed)
    if na_share > 0:
        for name in cols["items"]:
            c = t.column(name).combine_chunks()
            hit = pa.array(rng.random(n) < na_share)
            c = pc.if_else(pc.and_(hit, pc.is_valid(c)), pa.scalar(99, pa.int8()), c)
            t = t.set_column(t.column_names.index(name), name, c)
    if shuffle:
        t = t.take(pa.array(rng.permutation(n)))
    return t.combine_chunks()


def variant(t: pa.Table, kind: str, cols: dict) -> pa.Table:
    text = cols["segments"] + cols["delimited"]
    if kind in ("int8", "csv"):
        return t
    if kind == "int64":
        return retype(t, cols["items"], pa.int64())
    if kind == "dict":
        return t.from_arrays(
            [pc.dictionary_encode(t.column(c)) if c in text else t.column(c) for c in t.column_names],
            names=t.column_names,
        )
    if kind == "large_string":
        return retype(t, text, pa.large_string())
    if kind == "string_view":
        return retype(t, text, pa.string_view())
    raise ValueError(kind)


def retype(t: pa.Table, names: list, to: pa.DataType) -> pa.Table:
    return t.from_arrays([pc.cast(t.column(c), to) if c in names else t.column(c) for c in t.column_names], names=t.column_names)


def normalised(t: pa.Table, cols: dict) -> pa.Table:
    """Back to the int8 reference types, for the identity check."""
    text = cols["segments"] + cols["delimited"]
    arrays = []
    for c in t.column_names:
        a = t.column(c)
        if pa.types.is_dictionary(a.type):
            a = pc.cast(a, a.type.value_type)
        if c in text:
            a = pc.cast(a, pa.string())
        elif c in cols["items"]:
            a = pc.cast(a, pa.int8())
        elif c == cols["id"]:
            a = pc.cast(a, pa.int32())
        elif c in cols["options"]:
            a = pc.cast(a, pa.bool_())
        arrays.append(a)
    return pa.table(arrays, names=t.column_names).combine_chunks()


def write(t: pa.Table, kind: str, folder: Path, toml_text: str, headcounts: Path, cols: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        path = folder / "responses.csv"
        pacsv.write_csv(t, path)
        # Read back as a user of the file would see it, with the column types fixed.
        text = cols["segments"] + cols["delimited"]
        types = {c: (pa.string() if c in text else t.schema.field(c).type) for c in t.column_names}
        back = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False))
    else:
        path = folder / "responses.parquet"
        pq.write_table(t, path, compression="zstd", row_group_size=ROW_GROUP)
        back = pq.read_table(path)
    toml = re.sub(r'(?m)^file = "[^"]*"', f'file = "{path.name}"', toml_text, count=1)
    (folder / "survey.toml").write_text(toml, encoding="utf-8")
    shutil.copy(headcounts, folder / "headcounts.csv")
    return path, back


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/engage-compare"))
    ap.add_argument("--engage", type=Path, default=Path("/tmp/engage-bench-bin"))
    ap.add_argument("--variants", nargs="+", default=VARIANTS, choices=VARIANTS)
    ap.add_argument("--keep-order", action="store_true")
    ap.add_argument("--na-share", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=20261208)
    args = ap.parse_args()
    root = args.dir / f"rows{args.rows}"
    gen = root / "generated"
    if not (gen / "responses.parquet").exists():
        subprocess.run([str(args.engage), "-q", "generate", "--rows", str(args.rows), "--format", "parquet", "--out", str(gen)], check=True)
    toml_text = (gen / "survey.toml").read_text(encoding="utf-8")
    cols = columns(tomllib.loads(toml_text))
    raw = pq.read_table(gen / "responses.parquet")
    base = base_table(raw, cols, not args.keep_order, args.na_share, args.seed)
    del raw
    failed = False
    for kind in args.variants:
        t = variant(base, kind, cols)
        path, back = write(t, kind, root / kind, toml_text, gen / "headcounts.csv", cols)
        same = normalised(back, cols).equals(base)
        types = sorted({str(f.type) for f in pq.read_schema(path)} if kind != "csv" else {"csv"})
        v = subprocess.run([str(args.engage), "validate", str(root / kind / "survey.toml")], capture_output=True, text=True)
        ok = v.returncode == 0 and same
        failed |= not ok
        mib = path.stat().st_size / 2**20
        print(f"{kind:13} {path} {mib:7.1f} MiB, rows identical: {same}, types {types}, engage validate exit {v.returncode}: {(v.stdout + v.stderr).strip().splitlines()[-1] if (v.stdout + v.stderr).strip() else ''}", flush=True)
        if v.returncode != 0:
            print(v.stdout + v.stderr, file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
