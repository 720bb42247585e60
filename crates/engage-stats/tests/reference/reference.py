"""Produces the expected values hard-coded in engage-stats' tests.

Run: pip install -r requirements.txt && python reference.py
Each printed line names the call that produced it; the Rust tests quote the same call.
"""
import numpy as np
import pandas as pd
import pingouin as pg
import scipy
import statsmodels
import statsmodels.api as sm
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

# 8. Reliability details on the same items (listwise rows unless said).
lw = df.dropna()
n, k = lw.shape
print(f"listwise rows={n}")
# Standardised alpha (SPSS "based on standardized items"): k r / (1 + (k - 1) r), r the mean
# off-diagonal Pearson correlation, from numpy.corrcoef.
r = np.corrcoef(lw.values.T)[np.triu_indices(k, 1)].mean()
print(f"standardized alpha={k * r / (1 + (k - 1) * r)!r}")
# Feldt interval with pingouin's formula (scipy.stats.f.isf) on the n complete rows. pingouin
# itself takes n before dropping incomplete rows (10 here, giving its rounded [0.863, 0.986]);
# the complete rows are the sample the listwise alpha is computed on, so engage uses those.
lo = 1 - (1 - alpha) * stats.f.isf(0.025, n - 1, (n - 1) * (k - 1))
hi = 1 - (1 - alpha) * stats.f.isf(0.975, n - 1, (n - 1) * (k - 1))
print(f"feldt=({lo!r}, {hi!r}) pingouin rounded={ci}")
# Corrected item-total correlation: numpy.corrcoef(item, sum of the other items).
for c in lw.columns:
    rest = lw.drop(columns=c).sum(axis=1)
    print(f"item-rest {c}={np.corrcoef(lw[c], rest)[0, 1]!r}")
# Alpha if item deleted: pingouin on the remaining columns.
for c in lw.columns:
    print(f"alpha without {c}={pg.cronbach_alpha(lw.drop(columns=c))[0]!r}")
# Pairwise deletion: pandas' pairwise covariance, as pingouin's nan_policy="pairwise".
print(f"cronbach_alpha pairwise={pg.cronbach_alpha(df, nan_policy='pairwise')[0]!r}")

# 9. Key drivers. Three dimension scores and a KPI for 12 respondents.
X = np.array([
    [3.5, 4.0, 2.5], [4.0, 3.8, 3.0], [2.0, 2.4, 2.0], [4.5, 4.2, 4.0],
    [3.0, 3.6, 2.5], [5.0, 4.6, 4.5], [2.5, 2.0, 3.0], [3.8, 3.0, 3.5],
    [4.2, 4.4, 2.0], [1.5, 2.2, 1.5], [3.2, 2.8, 4.0], [4.8, 5.0, 3.5],
])
y = np.array([4, 4, 2, 5, 3, 5, 2, 4, 4, 1, 3, 5], dtype=float)
res = stats.pearsonr(X[:, 0], y)
ci = res.confidence_interval(0.95)
print(f"pearsonr(x1, y)={res.statistic!r} fisher ci=({ci.low!r}, {ci.high!r})")
# Johnson's relative weights, as in Tonidandel & LeBreton (2011) RWA-Web: eigen-decompose
# Rxx, Lambda = V sqrt(D) V', beta = Lambda^-1 rxy, raw = Lambda^2 @ beta^2 (numpy.linalg.eigh).
R = np.corrcoef(np.column_stack([X, y]).T)
rxx, rxy = R[:3, :3], R[:3, 3]
evals, evecs = np.linalg.eigh(rxx)
lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
beta = np.linalg.solve(lam, rxy)
raw = (lam ** 2) @ (beta ** 2)
print(f"relative weights raw={raw.tolist()!r} sum={raw.sum()!r}")
# R² of the OLS fit (statsmodels 0.14.4), which the raw weights must add up to.
print(f"ols r2={sm.OLS(y, sm.add_constant(X)).fit().rsquared!r}")
# numpy.percentile, default (linear) method.
v = [0.31, 0.12, 0.55, 0.40, 0.27, 0.33, 0.18]
print(f"percentile 2.5={np.percentile(v, 2.5)!r} 97.5={np.percentile(v, 97.5)!r} 50={np.percentile(v, 50)!r}")

# 10. Tests against a published baseline.
x = np.array([4, 3, 5, 4, 4, 2, 3, 4, 5, 3, 4, 4, 3, 5, 4], dtype=float)
t = stats.ttest_1samp(x, 3.56)
print(f"ttest_1samp(x, 3.56): t={t.statistic!r} df={t.df!r} p={t.pvalue!r}")
from statsmodels.stats.proportion import proportions_ztest
z, p = proportions_ztest(2990, 3690, value=0.81, prop_var=0.81)
print(f"proportions_ztest(2990, 3690, 0.81, prop_var=0.81): z={z!r} p={p!r}")

# 11. Two waves: Welch t test, Cohen's d, Hedges' g, two-proportion z test, Benjamini-Hochberg.
a = np.array([3, 4, 2, 5, 3, 3, 4, 2, 3, 4, 3, 2], dtype=float)
b = np.array([4, 4, 3, 5, 4, 3, 5, 4, 3, 4, 5, 4, 3, 4], dtype=float)
w = stats.ttest_ind(b, a, equal_var=False)
ci = w.confidence_interval(0.95)
print(f"ttest_ind(b, a, equal_var=False): t={w.statistic!r} df={w.df!r} p={w.pvalue!r} ci=({ci.low!r}, {ci.high!r})")
print(f"pingouin compute_effsize(b, a, cohen)={pg.compute_effsize(b, a, eftype='cohen')!r} hedges={pg.compute_effsize(b, a, eftype='hedges')!r}")
from statsmodels.stats.proportion import proportions_ztest
z, p = proportions_ztest([2990, 2901], [3690, 3724])
print(f"proportions_ztest([2990, 2901], [3690, 3724]): z={z!r} p={p!r}")
from statsmodels.stats.multitest import multipletests
ps = [0.01, 0.04, 0.03, 0.2, 0.001, 0.04]
print(f"multipletests fdr_bh {ps}: {multipletests(ps, method='fdr_bh')[1].tolist()!r}")

# 12. Chi-square test of independence, no Yates correction.
tab = np.array([[12, 30], [25, 41], [8, 33], [0, 0]])
res = stats.chi2_contingency(tab[:3], correction=False)
print(f"chi2_contingency(correction=False): chi2={res.statistic!r} df={res.dof!r} p={res.pvalue!r} min_expected={res.expected_freq.min()!r}")

# 20. Paired comparison: the same 12 staff before and after a programme.
before = np.array([3, 2, 4, 3, 3, 2, 4, 5, 3, 2, 3, 4], dtype=float)
after = np.array([4, 3, 4, 4, 2, 3, 5, 5, 4, 3, 4, 5], dtype=float)
r = stats.ttest_rel(after, before)
ci = r.confidence_interval(0.95)
d = after - before
print(f"ttest_rel(after, before) t={r.statistic!r} df={r.df!r} p={r.pvalue!r} ci=({ci.low!r}, {ci.high!r}) d_z={d.mean() / d.std(ddof=1)!r}")
w = stats.wilcoxon(after, before, zero_method="wilcox", correction=False, method="approx")
print(f"wilcoxon(after, before, zero_method='wilcox', correction=False, method='approx') statistic={w.statistic!r} p={w.pvalue!r}")
pw = pg.wilcoxon(after, before)
print(f"pingouin.wilcoxon(after, before) RBC={pw['RBC'].iloc[0]!r}")
# Distinct non-zero differences, no ties: the exact distribution.
d2 = np.array([0.5, -1.25, 2.0, 3.5, -0.25, 1.5, 4.0, 2.75, -3.0, 1.0])
w2 = stats.wilcoxon(d2, method="exact")
print(f"wilcoxon(d2, method='exact') statistic={w2.statistic!r} p={w2.pvalue!r}")

# 21. Trend across waves: OLS of each respondent's value on the wave's year (statsmodels).
waves = {2021: [3, 4, 2, 5, 3, 3, 4], 2022: [4, 3, 3, 4, 5, 2], 2023: [4, 5, 3, 4, 4, 5, 3, 4]}
yv = np.concatenate([np.array(v, dtype=float) for v in waves.values()])
xv = np.concatenate([np.full(len(v), y, dtype=float) for y, v in waves.items()])
fit = sm.OLS(yv, sm.add_constant(xv)).fit()
cis = fit.conf_int(0.05)
pred = fit.get_prediction(np.array([[1.0, 2027.0]])).summary_frame(alpha=0.05)
print(f"OLS(value ~ year) slope={fit.params[1]!r} se={fit.bse[1]!r} t={fit.tvalues[1]!r} p={fit.pvalues[1]!r} ci=({cis[1][0]!r}, {cis[1][1]!r}) df={fit.df_resid!r}")
print(f"OLS prediction at 2027 mean={pred['mean'].iloc[0]!r} ci=({pred['mean_ci_lower'].iloc[0]!r}, {pred['mean_ci_upper'].iloc[0]!r})")
for y, v in waves.items():
    a = np.array(v, dtype=float)
    print(f"  wave {y} n={len(a)} mean={a.mean()!r} sd={a.std(ddof=1)!r}")

# 22. Cochran-Armitage trend of a share (R's prop.trend.test formula, written out) and the same
# statistic from statsmodels' linear-by-linear test rescaled by N/(N-1).
years = np.array([2021.0, 2022.0, 2023.0])
counts = np.array([2890.0, 2950.0, 3080.0])
ns = np.array([3650.0, 3700.0, 3724.0])
N = ns.sum(); p = counts.sum() / N
tbar = (ns * years).sum() / N
T = (counts * (years - tbar)).sum()
z = T / np.sqrt(p * (1 - p) * (ns * (years - tbar) ** 2).sum())
print(f"cochran_armitage z={z!r} p={2 * stats.norm.sf(abs(z))!r} slope={T / (ns * (years - tbar) ** 2).sum()!r}")
from statsmodels.stats.contingency_tables import Table
tab = Table(np.column_stack([counts, ns - counts]))
oa = tab.test_ordinal_association(row_scores=years, col_scores=np.array([1.0, 0.0]))
print(f"statsmodels linear-by-linear z={oa.zscore!r} -> z*sqrt(N/(N-1))={oa.zscore * np.sqrt(N / (N - 1))!r}")

# 23. Raking to margins with ipfn 1.4.4 (an independent IPF), kish n, weighted mean and share.
from ipfn import ipfn as ipfn_mod
import itertools
bureau = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0, 1, 2]
age = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1]
score = np.array([3, 4, 2, 5, 3, 4, 4, 3, 2, 5, 4, 3], dtype=float)
bureau_targets = np.array([40.0, 25.0, 35.0])
age_targets = np.array([45.0, 55.0])
cells = np.zeros((3, 2))
for b, a in zip(bureau, age):
    cells[b, a] += 1
fitted = ipfn_mod.ipfn(cells.copy(), [bureau_targets, age_targets], [[0], [1]], convergence_rate=1e-15, rate_tolerance=0, max_iteration=100000).iteration()
wts = np.array([fitted[b, a] / cells[b, a] for b, a in zip(bureau, age)])
print("ipfn weights=", [repr(x) for x in wts])
neff = wts.sum() ** 2 / (wts ** 2).sum()
m = (wts * score).sum() / wts.sum()
var = (wts * (score - m) ** 2).sum() / wts.sum() * neff / (neff - 1)
se = np.sqrt(var / neff)
tq = stats.t.ppf(0.975, neff - 1)
print(f"kish n_eff={neff!r} weighted mean={m!r} sd={np.sqrt(var)!r} se={se!r} ci=({m - tq * se!r}, {m + tq * se!r})")
hits = score >= 4
ps = (wts * hits).sum() / wts.sum()
lo, hi = proportion_confint(ps * neff, neff, alpha=0.05, method="wilson")
print(f"weighted share={ps!r} wilson on n_eff=({lo!r}, {hi!r})")
print(f"fpc(n=3690, N=6400)={np.sqrt((6400 - 3690) / (6400 - 1))!r}")

# 24. McNemar's test without continuity correction (statsmodels).
from statsmodels.stats.contingency_tables import mcnemar
mc = mcnemar(np.array([[120, 14], [31, 35]]), exact=False, correction=False)
print(f"mcnemar([[120, 14], [31, 35]], exact=False, correction=False) statistic={mc.statistic!r} p={mc.pvalue!r}")

# 25. Keyness of a term in one group's comments against the rest: the
# log-likelihood G² of the 2×2 table [[term in group, other tokens in group], [term in rest,
# other tokens in rest]] (Rayson & Garside 2000), as scipy's chi2_contingency with
# lambda_="log-likelihood" and no correction; Hardie's log ratio log2((a/n1)/(c/n2)).
for table in ([[40, 1960], [60, 17940]], [[3, 497], [0, 9500]], [[5, 995], [200, 9800]]):
    res = stats.chi2_contingency(np.array(table), correction=False, lambda_="log-likelihood")
    (a, b), (c, d) = table
    lr = np.log2((a / (a + b)) / (c / (c + d))) if a and c else None
    print(f"keyness {table}: G2={res.statistic!r} p={res.pvalue!r} log_ratio={lr!r}")

# 26. Student's t critical values for large degrees of freedom, where inverting the incomplete
# beta takes minutes (t.ppf(1 - (1 - level) / 2, df)).
for level in (0.9, 0.95, 0.99, 0.999):
    for df in (1e3, 1e4, 1e5, 1e6, 1e7, 1e9):
        print(f"t.ppf({1 - (1 - level) / 2!r}, {df:.0f})={stats.t.ppf(1 - (1 - level) / 2, df)!r}")
