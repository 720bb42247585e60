"""Proves a real spreadsheet program opens report.xlsx: LibreOffice (headless) converts it to
xlsx again and to PDF; the re-saved workbook, read with openpyxl, still holds report.json's
numbers and every native chart, and the PDF has pages.

    python3 roundtrip.py OUT_DIR [--lang ja|en] [--soffice soffice]

Exits non-zero naming each failed check. Run by .ci/run after the README's main command.
"""

import argparse
import json
import re
import pathlib
import subprocess
import sys
import tempfile
import zipfile

import openpyxl

SHEETS = {
    "ja": {"kpis": "検証指標", "dimensions": "領域別", "mean": "平均", "value": "値"},
    "en": {"kpis": "KPIs", "dimensions": "Dimensions", "mean": "Mean", "value": "Value"},
}


def convert(soffice: str, src: pathlib.Path, fmt: str, outdir: pathlib.Path, profile: str):
    subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile}",
         "--convert-to", fmt, "--outdir", str(outdir), str(src)],
        check=True, capture_output=True, timeout=300,
    )
    out = outdir / (src.stem + "." + fmt)
    if not out.exists():
        raise SystemExit(f"LibreOffice wrote no {out}")
    return out


def charts_in(path: pathlib.Path) -> int:
    with zipfile.ZipFile(path) as z:
        return sum(1 for n in z.namelist() if n.startswith("xl/charts/chart") and n.endswith(".xml"))


def column(ws, header: str):
    rows = list(ws.iter_rows(values_only=True))
    j = list(rows[0]).index(header)
    return [r[j] for r in rows[1:]]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--lang", default="ja", choices=["ja", "en"])
    ap.add_argument("--soffice", default="soffice")
    args = ap.parse_args()
    names = SHEETS[args.lang]
    report = json.loads((args.out / "report.json").read_text(encoding="utf-8"))
    original = args.out / "report.xlsx"
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        profile = (tmp / "profile").as_uri()
        resaved = convert(args.soffice, original, "xlsx", tmp / "xlsx", profile)
        pdf = convert(args.soffice, original, "pdf", tmp / "pdf", profile)

        before, after = charts_in(original), charts_in(resaved)
        if before == 0 or after != before:
            failures.append(f"native charts: {before} written, {after} after LibreOffice")

        wb = openpyxl.load_workbook(resaved, data_only=True)
        means = column(wb[names["dimensions"]], names["mean"])
        want = [d.get("mean") for d in report["dimensions"]]
        for got, exp in zip(means, want, strict=True):
            if exp is None or not isinstance(got, (int, float)) or abs(got - exp) > 1e-9:
                failures.append(f"dimension mean {got!r} after LibreOffice, report.json {exp!r}")
        values = column(wb[names["kpis"]], names["value"])
        for got, k in zip(values, report["kpis"], strict=True):
            exp = None if k["withheld"] else k["value"]
            if exp is not None and (not isinstance(got, (int, float)) or abs(got - exp) > 1e-9):
                failures.append(f"KPI {k['id']} {got!r} after LibreOffice, report.json {exp!r}")

        data = pdf.read_bytes()
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
        if not data.startswith(b"%PDF") or pages < 1:
            failures.append(f"the PDF LibreOffice printed has {pages} pages")
        print(f"LibreOffice re-saved {after} of {before} charts, {len(means)} dimension means "
              f"and {len(values)} KPI values equal report.json; printed {pages} PDF pages")
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
