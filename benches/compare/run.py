#!/usr/bin/env python3
"""Interleaved timing of engage, DuckDB and polars on the files of make_data.py.

    python3 benches/compare/run.py --rows 1000000 --rounds 3 --engage /tmp/engage-bench-bin \\
        --md results-1m.md

Per rows x file type: every engine runs once untimed (warm-up: the file in the page cache,
the outputs checked with check_figures.py), then --rounds rounds in which every engine runs
once, each in a fresh process, the order rotated by one each round so that no engine always
runs first or after the same neighbour. Wall time is taken around the child process
(fork to wait), peak RSS from the child's rusage (os.wait4). Reported: median, min and max wall
time and the largest peak RSS of the timed runs, each median over engage report's, and the
median 1-minute load average just before the runs (every engine uses every core, so on 2
cores the benchmark alone holds it near 2; well above that, something else was running and the
numbers are slower for everyone, and noisier).

Engines (--engines, default all that apply):

    report           engage report SURVEY --out DIR (every output: JSON, CSV, Parquet/Arrow
                     tables, workbook, HTML, charts; key-driver bootstrap included)
    report-json-csv  engage report --formats json,csv, when the binary has --formats
    aggregate        engage aggregate SURVEY --partial FILE: reading + the one pass into partials
    duckdb           duckdb_report.py (rows -> cells -> GROUPING SETS, one scan)
    duckdb-direct    duckdb_report.py --plan direct (every grouping set from the rows)
    polars           polars_report.py (streaming engine, rows -> cells -> cuts, collect_all)
    polars-direct    polars_report.py --plan direct (one group_by per cut from the rows)
    polars-read      polars_report.py --read-only: the used columns into memory, nothing else

--engage may be given several times as LABEL=PATH to time two builds side by side. A run that
fails is reported as failed with its exit code; timings never stop the script.
"""

import argparse
import datetime
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ENGINES = ["report", "report-json-csv", "aggregate", "duckdb", "duckdb-direct", "polars", "polars-direct", "polars-read"]
VARIANTS = ["int8", "int64", "dict", "large_string", "string_view", "csv"]


def machine(engages: dict, commit: str | None) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = next(int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")) / 2**20
    except Exception:
        mem = float("nan")
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
    except Exception:
        head, dirty = "unknown", ""
    bins = {}
    for label, path in engages.items():
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
            mtime = datetime.datetime.fromtimestamp(Path(path).stat().st_mtime, datetime.timezone.utc).isoformat(timespec="seconds")
            version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout.strip()
        except Exception as e:  # noqa: BLE001
            digest, mtime, version = f"unavailable ({e})", "", ""
        bins[label] = {"path": str(path), "sha256": digest, "mtime": mtime, "version": version}

    def v(p):
        try:
            return importlib.metadata.version(p)
        except Exception:  # noqa: BLE001
            return "absent"

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem, 1),
        "load_average_start": os.getloadavg(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "duckdb": v("duckdb"),
        "polars": v("polars"),
        "pyarrow": v("pyarrow"),
        "repository_head": head + (" (working tree has uncommitted changes)" if dirty else ""),
        "engage_commit": commit or f"not given; repository HEAD is {head}",
        "engage_binaries": bins,
    }


def has_formats(engage: str) -> bool:
    try:
        return "--formats" in subprocess.run([engage, "report", "--help"], capture_output=True, text=True, timeout=30).stdout
    except Exception:  # noqa: BLE001
        return False


def commands(engine: str, survey: Path, work: Path, engages: dict) -> list:
    """[(name, argv, outputs to remove before a run)] for one engine key."""
    py = sys.executable
    out = []
    if engine in ("report", "report-json-csv", "aggregate"):
        for label, path in engages.items():
            tag = f"engage {label} " if len(engages) > 1 else "engage "
            d = work / f"{label}-{engine}"
            if engine == "report":
                out.append((f"{tag}report", [path, "-q", "report", str(survey), "--out", str(d)], [d, Path(str(d) + "-private")]))
            elif engine == "report-json-csv" and has_formats(path):
                out.append((f"{tag}report --formats json,csv", [path, "-q", "report", str(survey), "--out", str(d), "--formats", "json,csv"], [d, Path(str(d) + "-private")]))
            elif engine == "aggregate":
                p = work / f"{label}-partials.arrow"
                out.append((f"{tag}aggregate", [path, "-q", "aggregate", str(survey), "--partial", str(p)], [p, Path(str(p).replace(".arrow", ".rejects.csv"))]))
    elif engine == "duckdb":
        out.append(("DuckDB", [py, str(HERE / "duckdb_report.py"), str(survey), "--out", str(work / "duckdb.json")], []))
    elif engine == "duckdb-direct":
        out.append(("DuckDB direct", [py, str(HERE / "duckdb_report.py"), str(survey), "--plan", "direct", "--out", str(work / "duckdb-direct.json")], []))
    elif engine == "polars":
        out.append(("polars", [py, str(HERE / "polars_report.py"), str(survey), "--out", str(work / "polars.json")], []))
    elif engine == "polars-direct":
        out.append(("polars direct", [py, str(HERE / "polars_report.py"), str(survey), "--plan", "direct", "--out", str(work / "polars-direct.json")], []))
    elif engine == "polars-read":
        out.append(("polars read columns", [py, str(HERE / "polars_report.py"), str(survey), "--read-only"], []))
    return out


def run_once(argv: list, clean: list, log: Path) -> dict:
    """One fresh process: wall seconds, peak RSS (MiB) and exit code. Never raises."""
    for p in clean:
        try:
            shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
        except OSError:
            pass
    load = os.getloadavg()[0]
    try:
        with open(log, "ab") as err:
            t = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t
            proc.returncode = os.waitstatus_to_exitcode(status)
        return {"wall": wall, "rss_mib": usage.ru_maxrss / 1024, "exit": proc.returncode, "load": load}
    except Exception as e:  # noqa: BLE001
        return {"wall": None, "rss_mib": None, "exit": f"could not run: {e}", "load": load}


def check(work: Path, first_label: str) -> str:
    rep = work / f"{first_label}-report" / "report.json"
    bases = [work / n for n in ("duckdb.json", "duckdb-direct.json", "polars.json", "polars-direct.json") if (work / n).exists()]
    if not rep.exists() or not bases:
        return "figures not checked (report.json or baseline output missing)"
    try:
        r = subprocess.run([sys.executable, str(HERE / "check_figures.py"), str(rep), *map(str, bases)], capture_output=True, text=True, timeout=600)
        return ("AGREE" if r.returncode == 0 else "DISAGREE") + "\n" + r.stdout.strip() + ("\n" + r.stderr.strip() if r.stderr.strip() else "")
    except Exception as e:  # noqa: BLE001
        return f"check failed to run: {e}"


def fmt(x, spec=".3f"):
    return "–" if x is None else format(x, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/engage-compare"), help="where make_data.py wrote the files")
    ap.add_argument("--variants", nargs="+", default=VARIANTS, choices=VARIANTS)
    ap.add_argument("--engines", nargs="+", default=ENGINES, choices=ENGINES)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--engage", action="append", default=None, help="PATH or LABEL=PATH (repeatable); default /tmp/engage-bench-bin")
    ap.add_argument("--engage-commit", help="the commit the engage binary was built from, for the record")
    ap.add_argument("--no-check", action="store_true", help="skip check_figures.py on the warm-up outputs")
    ap.add_argument("--md", type=Path, help="also write the Markdown here")
    ap.add_argument("--json", type=Path, help="every run's numbers as JSON")
    args = ap.parse_args()
    engages = {}
    for e in args.engage or ["/tmp/engage-bench-bin"]:
        label, _, path = e.rpartition("=")
        engages[label or "engage"] = path
    first_label = next(iter(engages))
    info = machine(engages, args.engage_commit)
    work_root = Path(tempfile.mkdtemp(prefix="engage-compare-run-"))
    results, checks, sizes = [], {}, {}
    for rows in args.rows:
        for variant in args.variants:
            folder = args.dir / f"rows{rows}" / variant
            survey = folder / "survey.toml"
            if not survey.exists():
                print(f"skip {folder}: no survey.toml (run make_data.py --rows {rows})", file=sys.stderr)
                continue
            data = next((p for p in folder.iterdir() if p.name.startswith("responses.")), None)
            sizes[(rows, variant)] = data.stat().st_size / 2**20 if data else None
            work = work_root / f"rows{rows}-{variant}"
            work.mkdir(parents=True)
            log = work / "stderr.log"
            cmds = [c for e in args.engines for c in commands(e, survey, work, engages)]
            print(f"rows {rows:,} {variant}: warm-up of {len(cmds)} engines", file=sys.stderr, flush=True)
            warm = {name: run_once(argv, clean, log) for name, argv, clean in cmds}
            if not args.no_check:
                checks[(rows, variant)] = check(work, first_label)
                print(checks[(rows, variant)].splitlines()[0], file=sys.stderr, flush=True)
            runs = {name: [] for name, _, _ in cmds}
            for r in range(args.rounds):
                k = r % len(cmds)
                order = cmds[k:] + cmds[:k]
                for name, argv, clean in order:
                    runs[name].append(run_once(argv, clean, log))
                print(f"  round {r + 1}/{args.rounds}: " + ", ".join(f"{n} {fmt(runs[n][-1]['wall'], '.2f')}" for n, _, _ in cmds), file=sys.stderr, flush=True)
            for name, _, _ in cmds:
                ok = [x for x in runs[name] if x["exit"] == 0 and x["wall"] is not None]
                failed = [x["exit"] for x in runs[name] if x["exit"] != 0] + ([f"warm-up {warm[name]['exit']}"] if warm[name]["exit"] != 0 else [])
                walls = [x["wall"] for x in ok]
                results.append({
                    "rows": rows, "variant": variant, "engine": name, "runs": len(ok), "failed": failed,
                    "median": statistics.median(walls) if walls else None, "min": min(walls) if walls else None,
                    "max": max(walls) if walls else None, "rss_mib": max(x["rss_mib"] for x in ok) if ok else None,
                    "walls": walls, "load": statistics.median(x["load"] for x in runs[name]) if runs[name] else None,
                })
    info["load_average_end"] = os.getloadavg()

    lines = [
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB; kernel {info['kernel']}; "
        f"load average at start {', '.join(f'{x:.2f}' for x in info['load_average_start'])}, at end {', '.join(f'{x:.2f}' for x in info['load_average_end'])}; {info['date']}.",
        f"engage commit: {info['engage_commit']}; repository HEAD {info['repository_head']}.",
    ]
    for label, b in info["engage_binaries"].items():
        lines.append(f"engage binary `{label}`: {b['path']}, {b['version']}, sha256 {b['sha256']}…, modified {b['mtime']}.")
    lines.append(f"Python {info['python']}, DuckDB {info['duckdb']}, polars {info['polars']}, pyarrow {info['pyarrow']}. "
                 f"Each figure: {args.rounds} timed runs per engine, fresh process each, order rotated per round, after one untimed warm-up.")
    lines.append("")
    lines.append("| rows | file | MiB | engine | median s | min s | max s | peak RSS MiB | runs | median / engage report | load before runs |")
    lines.append("|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for res in results:
        ref = next((x["median"] for x in results if x["rows"] == res["rows"] and x["variant"] == res["variant"] and x["engine"].endswith("report") and x["engine"].startswith(f"engage {first_label}" if len(engages) > 1 else "engage")), None)
        ratio = f"{res['median'] / ref:.2f}x" if res["median"] and ref else "–"
        runs = f"{res['runs']}" + (f" (failed: {', '.join(map(str, res['failed']))})" if res["failed"] else "")
        lines.append(
            f"| {res['rows']:,} | {res['variant']} | {fmt(sizes.get((res['rows'], res['variant'])), '.1f')} | {res['engine']} | {fmt(res['median'])} | {fmt(res['min'])} | {fmt(res['max'])} "
            f"| {fmt(res['rss_mib'], '.0f')} | {runs} | {ratio} | {fmt(res['load'], '.2f')} |"
        )
    if checks:
        lines.append("")
        lines.append("Figures (check_figures.py on the warm-up outputs):")
        lines.append("")
        for (rows, variant), text in checks.items():
            lines.append(f"- {rows:,} {variant}: " + text.replace("\n", "\n  "))
    md = "\n".join(lines)
    print(md)
    if args.md:
        args.md.write_text(md + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results, "checks": {f"{r} {v}": t for (r, v), t in checks.items()}}, ensure_ascii=False, indent=1), encoding="utf-8")
    shutil.rmtree(work_root, ignore_errors=True)


if __name__ == "__main__":
    main()
