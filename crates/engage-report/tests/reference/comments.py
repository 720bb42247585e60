"""Writes tests/data/comments.csv and the reference values tests/comments.rs checks.

The comments are split by hand (the dictionary-free fallback cuts at script changes, so
"残業が多い" is 残業 + 多): each comment's terms are listed below, not derived by engage.
Keyness is scipy's chi2_contingency(lambda_="log-likelihood", correction=False) on the 2x2
table of comments with / without the term in the group and in the rest; BH is statsmodels'
multipletests(method="fdr_bh"); Wilson is statsmodels' proportion_confint(method="wilson").

Run from the crate folder: python3 tests/reference/comments.py > tests/reference/comments-output.txt
"""
import csv
import math

from scipy.stats import chi2_contingency
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

TERMS = {"残業が多い": ["残業", "多"], "研修を増やして": ["研修", "増"], "会議が長い": ["会議", "長"]}
# (bureau, comment, KPI answer) per row.
rows = []
rows += [("A", "残業が多い", 2)] * 8 + [("A", "研修を増やして", 4)] * 4 + [("A", "", 4)] * 5
rows += [("B", "残業が多い", 4)] * 3 + [("B", "研修を増やして", 4)] * 12
rows += [("C", "会議が長い", 4)] * 3
rows += [("D", "残業が多い", 1)] * 5 + [("D", "会議が長い", 4)] * 15 + [("D", "特になし", 4)] * 2

with open("tests/data/comments.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["id", "B", "Q", "C"])
    for i, (b, c, q) in enumerate(rows):
        w.writerow([f"r{i + 1}", b, q, c])

comments = [(b, TERMS[c], q) for b, c, q in rows if c in TERMS]
N = len(comments)
vocab = sorted({t for _, ts, _ in comments for t in ts})


def keyness(member):
    n1 = sum(1 for r in comments if member(r))
    n2 = N - n1
    out = {}
    for t in vocab:
        a = sum(1 for r in comments if member(r) and t in r[1])
        b = sum(1 for r in comments if not member(r) and t in r[1])
        g2, p, _, _ = chi2_contingency([[a, n1 - a], [b, n2 - b]], lambda_="log-likelihood", correction=False)
        out[t] = (a, b, g2, p)
    adj = multipletests([out[t][3] for t in vocab], method="fdr_bh")[1]
    for t, q in zip(vocab, adj):
        a, b, g2, p = out[t]
        print(f"  {t}: in_group={a} in_rest={b} g2={g2:.12f} p={p:.12e} p_bh={q:.12e}")


print("N comments", N)
for g in "BD":
    print("keyness", g)
    keyness(lambda r, g=g: r[0] == g)

# Low KPI: answers 1-2 against the other commenters (all have an answer here).
print("keyness low KPI")
keyness(lambda r: r[2] <= 2)


def wilson(k, n):
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    print(f"  {k}/{n}: share={k / n:.12f} lower={lo:.12f} upper={hi:.12f}")


print("overtime (残業) overall, B, D")
for member in (lambda r: True, lambda r: r[0] == "B", lambda r: r[0] == "D"):
    sub = [r for r in comments if member(r)]
    wilson(sum(1 for r in sub if "残業" in r[1]), len(sub))
