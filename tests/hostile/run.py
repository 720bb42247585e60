#!/usr/bin/env python3
"""Damaged, hostile and oversized inputs and definitions, made here from the bundled fixture and
run through the engage binary: every case must end within 10 s and 512 MiB peak RSS, with no
panic, abort or signal, an exit status of 0, 1 or 3, an error that names what is wrong, rows
read = accepted + rejected whenever a report is written, and no input file changed.

    python3 tests/hostile/run.py target/debug/engage        # or a release binary

Standard library only. Cases are generated into a temporary folder, so nothing large is
committed; each is listed in CASES with what it must say.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "kumamoto-2023"
SECONDS = 10.0
MIB = 512


def fixture_rows(n):
    lines = (FIXTURE / "responses.csv").read_text(encoding="utf-8-sig").splitlines()
    return lines[0], lines[1 : n + 1]


def base_definition():
    return (FIXTURE / "survey.toml").read_text(encoding="utf-8")


def csv_bytes(header, rows, encoding="utf-8"):
    return ("\n".join([header] + rows) + "\n").encode(encoding)


def with_cell(rows, column, value, at=0):
    """`rows` with row `at`'s cell in `column` (0-based) set to `value`."""
    cells = rows[at].split(",")
    cells[column] = value
    return rows[:at] + [",".join(cells)] + rows[at + 1 :]


def xlsx(cells):
    """A minimal XLSX workbook with inline strings: `cells` maps 'A1'-style names to text."""
    rows = {}
    for ref, text in cells.items():
        row = int("".join(ch for ch in ref if ch.isdigit()))
        rows.setdefault(row, []).append((ref, text))
    sheet_rows = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>' for ref, text in cs
        )
        + "</row>"
        for r, cs in sorted(rows.items())
    )
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="回答" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_rows}</sheetData></worksheet>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buffer.getvalue()


def cases():
    header, rows = fixture_rows(80)
    definition = base_definition()
    segment = 1  # 局区
    cp932_then_utf8 = csv_bytes(header, rows[:60], "cp932")
    cp932_then_utf8 += ("\n".join(rows[60:]) + "\nR9999999,政策局,あ\n").encode("utf-8")
    out = [
        # (name, files, command, exit statuses allowed, words the output must hold)
        ("stray-far-xlsx-cell",
         {"responses.xlsx": xlsx({"A1": "回答者ID", "B1": "局区", "XFD1048576": "x"}),
          "survey.toml": definition.replace('file = "responses.csv"', 'file = "responses.xlsx"')},
         ["validate"], {1}, ["responses.xlsx", "XFD1048576", "over the limit"]),
        ("half-megabyte-segment-value",
         {"responses.csv": csv_bytes(header, with_cell(rows, segment, "局" * 500_000))},
         ["report"], {0, 3}, []),
        ("nul-in-segment-value",
         {"responses.csv": csv_bytes(header, with_cell(rows, segment, "政策\x00局"))},
         ["report"], {0, 3}, []),
        ("twenty-thousand-sections",
         {"responses.csv": csv_bytes(header, [
             ",".join([f"R{i:07d}", "政策局", f"課{i}"] + r.split(",")[3:])
             for i, r in enumerate((rows * 250)[:20_000])])},
         ["validate"], {1}, ["responses.csv", "segment `section`", "over the limit"]),
        ("unbounded-resamples",
         {"survey.toml": definition + "\n[drivers]\nresamples = 18446744073709551615\n"},
         ["validate"], {1}, ["drivers.resamples", "at most 100000"]),
        ("header-row-beyond-excel",
         {"survey.toml": definition.replace('respondent_id = "回答者ID"',
                                            'respondent_id = "回答者ID"\nheader_row = 18446744073709551615')},
         ["validate"], {1}, ["data.header_row", "1048576"]),
        ("megabyte-label",
         {"survey.toml": definition.replace('ja = "熊本市 職員満足度調査・市役所改革職員アンケート"',
                                            'ja = "' + "長" * 1_000_000 + '"', 1)},
         ["validate"], {1}, ["survey.ja", "at most 200"]),
        ("cp932-then-utf8",
         {"responses.csv": cp932_then_utf8},
         ["validate"], {1}, ["responses.csv", "row 62", "cp932"]),
        ("binary-noise-as-csv",
         {"responses.csv": bytes(range(256)) * 64},
         ["validate"], {1}, ["responses.csv"]),
        ("zip-noise-as-xlsx",
         {"responses.xlsx": b"PK\x03\x04" + bytes(500),
          "survey.toml": definition.replace('file = "responses.csv"', 'file = "responses.xlsx"')},
         ["validate"], {1}, ["responses.xlsx"]),
        ("empty-file",
         {"responses.csv": b""},
         ["validate"], {1}, ["responses.csv"]),
        ("hundred-thousand-columns",
         {"responses.csv": csv_bytes(header + "".join(f",x{i}" for i in range(100_000)),
                                     [r + "," * 100_000 for r in rows[:5]])},
         ["report"], {0, 3}, []),
        ("rejects-onto-the-data",
         {}, ["validate", "--rejects", "{dir}/responses.csv"], {1}, ["responses.csv"]),
        ("partials-onto-the-data",
         {}, ["aggregate", "--partial", "{dir}/responses.csv"], {1}, ["responses.csv"]),
        ("rejects-onto-the-definition",
         {}, ["report", "--rejects", "{dir}/survey.toml"], {1}, ["survey.toml"]),
        ("bureau-named-dot-dot",
         {"responses.csv": csv_bytes(header, [
             ",".join([c if i != segment else ".." for i, c in enumerate(r.split(","))])
             for r in rows[:10]] + rows[10:])},
         ["batch"], {0, 3}, []),
        ("formula-cells",
         {"responses.csv": csv_bytes(header, with_cell(rows, segment, '"=HYPERLINK(""http://x"",""y"")"'))},
         ["report"], {0, 3}, []),
    ]
    return out


def snapshot(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_case(binary, work, name, files, command, allowed, words):
    folder = work / name
    folder.mkdir()
    for f in ("survey.toml", "responses.csv", "headcounts.csv"):
        shutil.copy(FIXTURE / f, folder / f)
    header, rows = fixture_rows(80)
    (folder / "responses.csv").write_bytes(csv_bytes(header, rows))
    # 80 rows meet few bureaus: no raking to the headcounts, which would (rightly) refuse.
    text = (folder / "survey.toml").read_text(encoding="utf-8")
    start = text.index("[population]")
    end = text.index("\n[", start + 1)
    (folder / "survey.toml").write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    (folder / "batch.toml").write_text(
        f'[[job]]\nname = "{name}"\nreport = "survey.toml"\nout = "../{name}-out"\npacks = "bureau"\n',
        encoding="utf-8",
    )
    for rel, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / rel).write_bytes(data)
    out = work / f"{name}-out"
    before = snapshot(folder)
    args = [a.replace("{dir}", str(folder)) for a in command]
    if args[0] == "batch":
        argv = [str(binary), "-q", "batch", str(folder / "batch.toml")]
    else:
        argv = [str(binary), "-q", args[0], str(folder / "survey.toml")] + args[1:]
    if args[0] == "report":
        argv += ["--out", str(out)]
    start = time.monotonic()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stdout, stderr = process.communicate(timeout=SECONDS * 3)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    seconds = time.monotonic() - start
    # Recorded by the wait4 hook in main(). Linux counts the memory the child had before
    # exec (a copy of this runner, about 50 MiB) in its peak, so small cases show the
    # runner's size: a floor, which keeps the 512 MiB check on the safe side.
    peak_mib = max_rss_mib.get(process.pid)
    text = (stdout + stderr).decode("utf-8", "replace")
    failures = []
    status = process.returncode
    if status is None or status < 0:
        failures.append(f"ended by signal {-status if status else '?'}")
    elif status not in allowed:
        failures.append(f"exit status {status}, expected one of {sorted(allowed)}")
    if "panicked" in text or "RUST_BACKTRACE" in text:
        failures.append("panicked")
    if seconds > SECONDS:
        failures.append(f"took {seconds:.1f} s (limit {SECONDS:.0f} s)")
    if peak_mib is None:
        failures.append("no peak RSS was recorded for the process")
        peak_mib = float("nan")
    elif peak_mib > MIB:
        failures.append(f"peak RSS {peak_mib:.0f} MiB (limit {MIB} MiB)")
    for word in words:
        if word not in text:
            failures.append(f"the output does not say `{word}`")
    after = snapshot(folder)
    if any(after.get(path) != digest for path, digest in before.items()):
        failures.append("an input file changed")
    report = out / "report.json"
    if status in (0, 3) and args[0] in ("report", "batch"):
        if not report.exists():
            failures.append("exit 0/3 but no report.json")
        else:
            inputs = json.loads(report.read_text(encoding="utf-8"))["inputs"]["data"]
            for d in inputs:
                read, accepted, rejected = d.get("rows_read"), d.get("rows_accepted"), d.get("rows_rejected")
                if None not in (read, accepted, rejected) and read != accepted + rejected:
                    failures.append(f"{d['path']}: rows read {read} != accepted {accepted} + rejected {rejected}")
        if name == "bureau-named-dot-dot":
            packs = out / "packs"
            escaped = [p for p in (packs.iterdir() if packs.exists() else []) if p.name in ("..", ".")]
            if escaped or not report.exists():
                failures.append("a pack escaped its folder")
        if name == "formula-cells":
            for csv in out.glob("*.csv"):
                for line in csv.read_text(encoding="utf-8-sig").splitlines():
                    for cell in line.split(","):
                        if cell.lstrip('"').startswith(("=", "+", "@")):
                            failures.append(f"{csv.name}: a cell starts with a formula sign: {cell[:40]}")
                            break
    last = (text.strip().splitlines() or [""])[-1][:160]
    summary = "".join(c if c.isprintable() else "\ufffd" for c in last)
    return failures, seconds, peak_mib, status, summary


max_rss_mib = {}


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = Path(sys.argv[1]).resolve()
    # Each child's own peak RSS, from wait4, recorded before Popen reaps it.
    original_wait = subprocess.Popen._try_wait

    def try_wait(self, wait_flags):
        try:
            pid, status, usage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            pid, status = self.pid, 0
            return (pid, status)
        if pid:
            max_rss_mib[pid] = usage.ru_maxrss / 1024
        return (pid, status)

    subprocess.Popen._try_wait = try_wait
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, files, command, allowed, words in cases():
            failures, seconds, peak, status, summary = run_case(binary, work, name, files, command, allowed, words)
            mark = "FAIL" if failures else "ok"
            print(f"{mark:4} {name:30} exit {status}  {seconds:5.2f} s  {peak:6.0f} MiB  {summary}")
            for f in failures:
                print(f"       {f}")
            failed += bool(failures)
    subprocess.Popen._try_wait = original_wait
    print(f"hostile corpus: {len(cases()) - failed} of {len(cases())} cases hold")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
