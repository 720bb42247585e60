"""Produces the expected values hard-coded in engage-stats' tests.

Run: pip install -r requirements.txt && python reference.py
Each printed line names the call that produced it; the Rust tests quote the same call.
"""
import numpy as np
import pandas as pd
import pingouin as pg
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

print("scipy", scipy.__version__, "statsmodels", statsmodels.__version__, "pingouin", pg.__version__)

# 1. Mean, SD (ddof=1) and Student's t 95% CI of a small Likert sample.
x = np.array([1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5], dtype=float)
m, sd = x.mean(), x.std(ddof=1)
lo, hi = stats.t.interval(0.95, len(x) - 1, loc=m, scale=stats.sem(x))
print(f"likert12 mean={m!r} sd={sd!r} t.interval=({lo!r}, {hi!r})")

# 2. Respondent scores that are fractions (dimension scores: means of answered items).
s = np.array([5 / 2, 3.0, 11 / 3, 4.0, 13 / 4, 2.0, 7 / 3])
m, sd = s.mean(), s.std(ddof=1)
lo, hi = stats.t.interval(0.95, len(s) - 1, loc=m, scale=stats.sem(s))
print(f"scores7 mean={m!r} sd={sd!r} t.interval=({lo!r}, {hi!r})")

# 3. Critical values.
print(f"t.ppf(0.975, 9)={stats.t.ppf(0.975, 9)!r}")
print(f"t.ppf(0.975, 3689)={stats.t.ppf(0.975, 3689)!r}")
print(f"norm.ppf(0.975)={stats.norm.ppf(0.975)!r}")

# 4. Wilson intervals (no continuity correction).
for c, n in [(907, 3690), (0, 10), (10, 10), (1, 7), (2990, 3690)]:
    lo, hi = proportion_confint(c, n, alpha=0.05, method="wilson")
    print(f"wilson({c}, {n})=({lo!r}, {hi!r})")

# 5. Competition ranks, largest first: ties share the smallest rank.
v = [907, 889, 889, 693, 162, 907]
print("rankdata(-v, method='min')=", stats.rankdata([-a for a in v], method="min").tolist())

# 6. Pearson r.
a = [1, 2, 3, 4, 5, 3, 2]
b = [2, 2, 4, 5, 4, 3, 1]
print(f"pearsonr={stats.pearsonr(a, b).statistic!r}")

# 7. Cronbach's alpha, listwise.
df = pd.DataFrame({
    "q1": [4, 5, 3, 2, 4, 5, 3, np.nan, 4, 2],
    "q2": [4, 4, 3, 2, 5, 5, 2, 3, 4, 1],
    "q3": [3, 5, 2, 1, 4, 4, 3, 3, np.nan, 2],
    "q4": [5, 4, 3, 2, 4, 5, 2, 4, 4, 2],
})
alpha, ci = pg.cronbach_alpha(df, nan_policy="listwise")
print(f"cronbach_alpha listwise={alpha!r}")
