"""Opens report.html in a real headless Chromium (Debian's, driven by Playwright) and checks
what a reader would see: the page loads from the file alone (no request leaves it), without
console errors or page errors; every chart in charts/ is inlined and drawn with a size; the
Japanese title is laid out; and a screenshot is not blank.

    python3 check_html.py OUT_DIR [--chromium /usr/bin/chromium] [--screenshot FILE]

Exits non-zero naming each failed check. Run by .ci/run after the README's main command.
"""

import argparse
import io
import json
import pathlib
import sys

from PIL import Image
from playwright.sync_api import sync_playwright

# As the workplace's Chromium probe: no background networking on a closed network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--screenshot", type=pathlib.Path)
    args = ap.parse_args()
    html = (args.out / "report.html").resolve()
    report = json.loads((args.out / "report.json").read_text(encoding="utf-8"))
    svgs = sorted(p.stem for p in (args.out / "charts").glob("*.svg"))
    failures = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        console_errors, page_errors, requests = [], [], []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html.as_uri(), wait_until="load")

        if console_errors:
            failures.append(f"console errors: {console_errors[:5]}")
        if page_errors:
            failures.append(f"page errors: {page_errors[:5]}")
        outside = [u for u in requests if not u.startswith("file://")]
        if outside:
            failures.append(f"the page fetched something besides its own file: {outside[:5]}")
        if page.locator("script").count() != 0:
            failures.append("the page has a <script>")

        drawn = page.eval_on_selector_all(
            "figure.chart",
            """figs => figs.map(f => {
                const s = f.querySelector('svg');
                const b = s ? s.getBoundingClientRect() : {width: 0, height: 0};
                return {id: f.id, width: b.width, height: b.height,
                        texts: s ? s.querySelectorAll('text').length : 0};
            })""",
        )
        ids = sorted(d["id"].removeprefix("chart-") for d in drawn)
        if ids != svgs:
            failures.append(f"charts inlined {ids} differ from charts/*.svg {svgs}")
        for d in drawn:
            if d["width"] < 100 or d["height"] < 100 or d["texts"] == 0:
                failures.append(f"chart {d['id']} is not drawn: {d}")

        title = report["survey"]["title"]["ja"]
        h1 = page.locator("h1")
        if h1.inner_text().strip() != title:
            failures.append(f"<h1> is {h1.inner_text()!r}, not the survey title {title!r}")
        elif h1.bounding_box()["width"] < 10 * len(title):
            failures.append("the Japanese title has no width: no glyphs were laid out")

        # Every KPI's value as report.json has it, in the summary table.
        summary = page.locator("#summary ~ table").first.inner_text()
        for k in report["kpis"]:
            if k["withheld"]:
                continue
            shown = f"{k['value'] * 100:.1f}%" if k["kind"] == "share" else f"{k['value']:.2f}"
            if shown not in summary:
                failures.append(f"KPI {k['id']} value {shown} is not in the summary")

        shot = page.screenshot(full_page=False)
        if args.screenshot:
            args.screenshot.write_bytes(shot)
        img = Image.open(io.BytesIO(shot)).convert("L")
        dark = sum(1 for p in img.tobytes() if p < 200)
        share = dark / (img.width * img.height)
        if share < 0.01:
            failures.append(f"the screenshot is blank: {share:.2%} of pixels are not white")
        print(f"{len(drawn)} charts drawn; screenshot {share:.1%} inked; {len(requests)} request(s), none outside the file")
        browser.close()

    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
