"""What both baselines share: the survey definition as columns, and the figures from the sums.

The engines (duckdb_report.py, polars_report.py) compute, per cut (whole organisation, each
segment, nested sections, each cross) and in one pass over the file:

- the respondents;
- per item the answers per scale point as ticked, the blanks and the not-applicable answers;
- per dimension the respondents with a score, the mean and the SD (n - 1) of the scores
  (a score: the mean of the answered items of the dimension, flipped where reverse-keyed, when at
  least `min_answered` were answered, by default half the items rounded up);
- per multi-select question the base (respondents who answered it) and the pickers per option.

From those, `derive` gives what report.json shows (docs/report-json.md, docs/statistics.md):
item n, mean and SD in the scored direction, the favourable / neutral / unfavourable shares
(scored direction), the counts as ticked; the pooled shares of a dimension (over its item
answers); the KPIs of one item (mean, or the share of `points`). Item means and SDs come from
the five counts exactly: integer sums, one division (a Likert item's counts are its sufficient
statistics), which is what either engine's own avg()/std() would give within rounding.
"""

import math
import re
import tomllib
from pathlib import Path


class Definition:
    def __init__(self, path: Path):
        d = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        self.path = Path(path)
        self.raw = d
        self.data_file = self.path.parent / d["data"]["file"]
        self.lo, self.hi = d["scale"]["min"], d["scale"]["max"]
        self.points = list(range(self.lo, self.hi + 1))
        self.favourable = set(d["scale"]["favourable"])
        self.unfavourable = set(d["scale"]["unfavourable"])
        miss = d.get("missing", {})
        # Codes that can appear in an integer column: the numeric ones.
        self.na_codes = [int(c) for c in miss.get("not_applicable", []) if re.fullmatch(r"-?\d+", str(c))]
        self.missing_codes = [int(c) for c in miss.get("codes", []) if re.fullmatch(r"-?\d+", str(c))]
        self.items = [
            {"id": it["id"], "column": it["column"], "reverse": bool(it.get("reverse", False)), "dimension": it.get("dimension")}
            for it in d["items"]
        ]
        self.item_by_id = {it["id"]: it for it in self.items}
        self.dimensions = []
        for dim in d.get("dimensions", []):
            members = [it for it in self.items if it["dimension"] == dim["id"]]
            need = dim.get("min_answered", (len(members) + 1) // 2)
            self.dimensions.append({"id": dim["id"], "items": members, "min_answered": need})
        self.kpis = []
        for k in d.get("kpis", []):
            if "item" not in k:
                raise SystemExit(f"KPI {k['id']}: only KPIs of one item are computed here")
            self.kpis.append({"id": k["id"], "kind": k["kind"], "item": k["item"], "points": set(k.get("points", []))})
        # Plain segments, nested segments (parent) and crosses, as report.json lists them.
        self.segments = []
        by_id = {}
        for s in d.get("segments", []):
            chain = (by_id[s["parent"]]["columns"] if s.get("parent") else []) + [s["column"]]
            seg = {"id": s["id"], "column": s["column"], "parent": s.get("parent"), "columns": chain, "kind": "nested" if s.get("parent") else "plain"}
            if s.get("values_file") or str(s.get("column", "")).startswith("@"):
                raise SystemExit(f"segment {s['id']}: @file segments are not handled here")
            by_id[s["id"]] = seg
            self.segments.append(seg)
        for x in d.get("crosses", []):
            a, b = x["segments"]
            sid = x.get("id", f"{a}_x_{b}")
            self.segments.append({"id": sid, "parent": a, "across": b, "columns": by_id[a]["columns"] + by_id[b]["columns"], "kind": "cross", "a": by_id[a], "b": by_id[b]})
        self.segment_columns = list(dict.fromkeys(s["column"] for s in self.segments if "column" in s))
        self.multi = []
        for m in d.get("multi_select", []):
            storage = m.get("storage", "columns")
            if storage == "columns" and m.get("skipped_when", "all_blank") != "all_blank":
                raise SystemExit(f"{m['id']}: only skipped_when = 'all_blank' is handled here")
            self.multi.append({
                "id": m["id"], "storage": storage, "column": m.get("column"), "separator": m.get("separator", ";"),
                "options": [{"id": o["id"], "column": o.get("column"), "code": o.get("code")} for o in m["options"]],
            })
        self.option_columns = [o["column"] for m in self.multi if m["storage"] == "columns" for o in m["options"]]
        self.delimited_columns = [m["column"] for m in self.multi if m["storage"] == "delimited"]
        self.id_column = d["data"].get("respondent_id")

    def grouping_sets(self) -> list:
        """[(column indexes into segment_columns, [segments])]: one per distinct column set."""
        sets = []
        for s in self.segments:
            cols = tuple(self.segment_columns.index(c) for c in s["columns"])
            if cols not in [x for x, _ in sets]:
                sets.append((cols, []))
            next(v for x, v in sets if x == cols).append(s)
        return sets

    def families(self, max_cells: int = 10_000) -> list:
        """Grouping sets gathered into families that roll up from one table of cells.

        [(cell columns, [(set columns, [segments])])]. Sets sharing a column are one family
        (bureau, bureau / section, age, bureau x age: cells bureau x section x age); families
        whose columns all declare `values` are merged while the product of their values
        (plus the blank) stays under max_cells (grade, employment, gender, service: 6*4*4*6).
        The first family also gives the whole organisation. Aggregating the rows once per family
        and rolling the cells up is what an analyst does with GROUPING SETS over many cuts:
        each row is aggregated into 2 hash tables instead of one per cut.
        """
        raw = {s["column"]: s for s in self.raw.get("segments", [])}
        fams = []
        for cols, segs in self.grouping_sets():
            hit = [f for f in fams if set(f[0]) & set(cols)]
            merged = (set(cols).union(*[set(f[0]) for f in hit]), [x for f in hit for x in f[1]] + [(cols, segs)])
            fams = [f for f in fams if f not in hit] + [merged]

        def size(columns):
            n = 1
            for c in columns:
                values = raw[self.segment_columns[c]].get("values")
                if not values:
                    return None
                n *= len(values) + 1
            return n

        out = []
        for f in fams:
            for g in out:
                both = g[0] | f[0]
                if size(both) is not None and size(both) <= max_cells:
                    g[0].update(f[0])
                    g[1].extend(f[1])
                    break
            else:
                out.append((set(f[0]), list(f[1])))
        return [(tuple(sorted(c)), sets) for c, sets in out]

    def used_columns(self) -> list[str]:
        return list(dict.fromkeys([it["column"] for it in self.items] + self.segment_columns + self.option_columns + self.delimited_columns))

    def scored(self, item: dict, v: int) -> int:
        return self.lo + self.hi - v if item["reverse"] else v

    def key(self, seg: dict, values: list[str]) -> str:
        """The group key report.json uses, from the segment's column values ("" for blank)."""
        if seg["kind"] == "plain":
            return values[0]
        if seg["kind"] == "nested":
            # "bureau / section"; where the parent is blank the key is the section alone.
            parent, v = values[:-1], values[-1]
            pk = self.key(next(s for s in self.segments if s["id"] == seg["parent"]), parent)
            return f"{pk} / {v}" if pk != "" else v
        na = len(seg["a"]["columns"])
        return f"{self.key(seg['a'], values[:na])} × {self.key(seg['b'], values[na:])}"


def item_figures(df: Definition, item: dict, counts: dict, missing: int, na: int) -> dict:
    n = sum(counts.values())
    s1 = sum(df.scored(item, v) * c for v, c in counts.items())
    s2 = sum(df.scored(item, v) ** 2 * c for v, c in counts.items())
    fav = sum(c for v, c in counts.items() if df.scored(item, v) in df.favourable)
    unf = sum(c for v, c in counts.items() if df.scored(item, v) in df.unfavourable)
    return {
        "n": n,
        "mean": s1 / n if n else None,
        "sd": math.sqrt((n * s2 - s1 * s1) / (n * (n - 1))) if n >= 2 else None,
        "favourable": fav / n if n else None,
        "neutral": (n - fav - unf) / n if n else None,
        "unfavourable": unf / n if n else None,
        "counts": {str(v): counts.get(v, 0) for v in df.points},
        "missing": missing,
        "not_applicable": na,
        "_fav": fav,
        "_unf": unf,
    }


def moments(row: dict, j: int) -> None:
    """Dimension score mean and SD (n - 1) from count, sum and sum of squares (rolled-up cells)."""
    n, s, ss = row[f"d{j}_n"] or 0, row[f"d{j}_sum"], row[f"d{j}_sumsq"]
    row[f"d{j}_mean"] = s / n if n else None
    row[f"d{j}_sd"] = math.sqrt(max(ss - s * s / n, 0.0) / (n - 1)) if n >= 2 else None


def derive(df: Definition, row: dict) -> dict:
    """One cut's figures from one row of sums (names as `sum_names` gives them)."""
    items = {}
    for i, it in enumerate(df.items):
        counts = {v: int(row[f"i{i}_c{v}"] or 0) for v in df.points}
        items[it["id"]] = item_figures(df, it, counts, int(row[f"i{i}_miss"] or 0), int(row[f"i{i}_na"] or 0))
    dims = {}
    for j, d in enumerate(df.dimensions):
        n = sum(items[it["id"]]["n"] for it in d["items"])
        fav = sum(items[it["id"]]["_fav"] for it in d["items"])
        unf = sum(items[it["id"]]["_unf"] for it in d["items"])
        sn = int(row[f"d{j}_n"] or 0)
        dims[d["id"]] = {
            "n": sn,
            "mean": row[f"d{j}_mean"] if sn else None,
            "sd": row[f"d{j}_sd"] if sn >= 2 else None,
            "favourable": fav / n if n else None,
            "neutral": (n - fav - unf) / n if n else None,
            "unfavourable": unf / n if n else None,
        }
    kpis = {}
    for k in df.kpis:
        f = items[k["item"]]
        it = df.item_by_id[k["item"]]
        if k["kind"] == "mean":
            kpis[k["id"]] = {"n": f["n"], "value": f["mean"]}
        else:
            hit = sum(f["counts"][str(v)] for v in df.points if df.scored(it, v) in k["points"])
            kpis[k["id"]] = {"n": f["n"], "value": hit / f["n"] if f["n"] else None}
    multi = {}
    for q, m in enumerate(df.multi):
        multi[m["id"]] = {"base": int(row[f"m{q}_base"] or 0), "options": {o["id"]: int(row[f"m{q}_o{k}"] or 0) for k, o in enumerate(m["options"])}}
    for f in items.values():
        del f["_fav"], f["_unf"]
    return {"respondents": int(row["respondents"]), "items": items, "dimensions": dims, "kpis": kpis, "multi_select": multi}


def assemble(df: Definition, whole: dict, groups: dict) -> dict:
    """groups: {segment id: {key: figures}} -> the JSON both baselines write."""
    out = {"whole": derive(df, whole), "segments": {}}
    for sid, by_key in groups.items():
        out["segments"][sid] = {k: derive(df, r) for k, r in sorted(by_key.items())}
    return out
