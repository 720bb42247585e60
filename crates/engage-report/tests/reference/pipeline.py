"""Expected figures for tests/pipeline.rs, computed from tests/data/tiny.csv with pandas/SciPy/
statsmodels, independently of engage. Versions: see engage-stats/tests/reference/requirements.txt.

Definitions (docs/statistics.md): item figures over valid answers (missing codes 9/無回答 and
わからない excluded); reverse items flipped as 6 - x; a respondent's dimension score is the mean of
answered items when at least ceil(k/2) are answered; SD with ddof=1; t intervals; Wilson intervals;
favourable = share of 4-5 pooled over the dimension's item answers; multi-select base = respondents
with a non-blank answer; ranks = rankdata(-count, method="min").
"""
import math
import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

df = pd.read_csv("../data/tiny.csv", dtype=str, encoding="utf-8")
def num(c):
    return pd.to_numeric(df[c].where(~df[c].isin(["9", "無回答", "わからない"])), errors="coerce")
items = {c: num(c) for c in ["Q1", "Q2", "Q3", "Q4", "Q5", "K"]}
items["Q3"] = 6 - items["Q3"]

def mean_fig(x, name):
    x = x.dropna()
    m, sd = x.mean(), x.std(ddof=1)
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=m, scale=stats.sem(x))
    print(f"{name}: n={len(x)} mean={m!r} sd={sd!r} ci=({lo!r}, {hi!r})")

def score(cols, rows=slice(None)):
    m = pd.DataFrame({c: items[c] for c in cols})[rows]
    need = math.ceil(len(cols) / 2)
    return m.mean(axis=1).where(m.notna().sum(axis=1) >= need)

def fav(cols, rows=slice(None)):
    v = pd.concat([items[c][rows] for c in cols]).dropna()
    print(f"  pooled fav={(v >= 4).mean()!r} neutral={(v == 3).mean()!r} unfav={(v <= 2).mean()!r} over {len(v)}")

mean_fig(score(["Q1", "Q2", "Q3"]), "d1"); fav(["Q1", "Q2", "Q3"])
mean_fig(score(["Q4", "Q5"]), "d2"); fav(["Q4", "Q5"])
mean_fig(items["Q3"], "q3 (flipped)")
print("  q3 raw counts 1..5:", [int((num("Q3") == v).sum()) for v in range(1, 6)])
mean_fig(items["K"], "kpi satisfaction")
q4 = items["Q4"].dropna()
c = int((q4 >= 4).sum())
print(f"q4_share: {c}/{len(q4)} = {c/len(q4)!r} wilson={proportion_confint(c, len(q4), method='wilson')}")

m = df["M"].dropna()
base = len(m)
counts = [int(m.str.split(";").apply(lambda s: str(o) in s).sum()) for o in range(1, 5)]
print("multi base", base, "counts", counts, "ranks", stats.rankdata([-x for x in counts], method="min").tolist())
for o, cnt in enumerate(counts):
    print(f"  option {o+1}: share={cnt/base!r} wilson={proportion_confint(cnt, base, method='wilson')}")

a = df["部署"] == "A"
mean_fig(score(["Q1", "Q2", "Q3"], a), "dept A d1")
mean_fig(items["K"][a], "dept A kpi")

# Reliability (docs/statistics.md#reliability), pingouin 0.5.5 / numpy / scipy, Q3 flipped.
import pingouin as pg
for name, cols in [("d1", ["Q1", "Q2", "Q3"]), ("d2", ["Q4", "Q5"])]:
    m = pd.DataFrame({c: items[c] for c in cols})
    lw = m.dropna()
    n, k = lw.shape
    alpha = pg.cronbach_alpha(m, nan_policy="listwise")[0]
    r = np.corrcoef(lw.values.T)[np.triu_indices(k, 1)].mean()
    lo = 1 - (1 - alpha) * stats.f.isf(0.025, n - 1, (n - 1) * (k - 1))
    hi = 1 - (1 - alpha) * stats.f.isf(0.975, n - 1, (n - 1) * (k - 1))
    print(f"{name} reliability: complete={n} alpha={alpha!r} std={k * r / (1 + (k - 1) * r)!r} feldt=({lo!r}, {hi!r})")
    for c in cols:
        rest = lw.drop(columns=c).sum(axis=1)
        dropped = pg.cronbach_alpha(lw.drop(columns=c))[0] if k > 2 else None
        print(f"  {c}: item-rest={np.corrcoef(lw[c], rest)[0, 1]!r} alpha-if-deleted={dropped!r}")
    print(f"  pairwise alpha={pg.cronbach_alpha(m, nan_policy='pairwise')[0]!r}")

# Key drivers (docs/statistics.md#key-drivers): dimension scores d1, d2 against each KPI.
import statsmodels.api as sm
scores = pd.DataFrame({"d1": score(["Q1", "Q2", "Q3"]), "d2": score(["Q4", "Q5"])})
kpis = {"satisfaction": items["K"], "q4_share": (items["Q4"] >= 4).astype(float).where(items["Q4"].notna())}
fav_d = {}
for d, cols in [("d1", ["Q1", "Q2", "Q3"]), ("d2", ["Q4", "Q5"])]:
    v = pd.concat([items[c] for c in cols]).dropna()
    fav_d[d] = (v >= 4).mean()
for kname, kpi in kpis.items():
    both = pd.concat([scores, kpi.rename("y")], axis=1)
    lw = both.dropna()
    print(f"drivers {kname}: complete={len(lw)}")
    for d in ["d1", "d2"]:
        pair = both[[d, "y"]].dropna()
        res = stats.pearsonr(pair[d], pair["y"])
        ci = res.confidence_interval(0.95)
        print(f"  {d}: r={res.statistic!r} n={len(pair)} ci=({ci.low!r}, {ci.high!r})")
    R = np.corrcoef(lw.values.T)
    rxx, rxy = R[:2, :2], R[:2, 2]
    evals, evecs = np.linalg.eigh(rxx)
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    beta = np.linalg.solve(lam, rxy)
    raw = (lam ** 2) @ (beta ** 2)
    r2 = sm.OLS(lw["y"], sm.add_constant(lw[["d1", "d2"]])).fit().rsquared
    shares = raw / raw.sum()
    mean_fav = np.mean(list(fav_d.values()))
    quads = []
    for j, d in enumerate(["d1", "d2"]):
        imp, perf = shares[j] >= 0.5, fav_d[d] >= mean_fav
        quads.append({(True, False): "priority", (True, True): "strength", (False, True): "maintain", (False, False): "monitor"}[(imp, perf)])
    print(f"  raw={raw.tolist()!r} ols r2={r2!r} shares={shares.tolist()!r} favourable={[fav_d['d1'], fav_d['d2']]!r} quadrants={quads}")

# Target tracking (docs/statistics.md#kpis): wave 2023.
from statsmodels.stats.proportion import proportions_ztest
k = items["K"].dropna()
t = stats.ttest_1samp(k, 3.0)
print(f"tracking satisfaction: trajectory={3.0 + (4.0 - 3.0) * (2023 - 2021) / (2027 - 2021)!r} "
      f"needed/yr={(4.0 - k.mean()) / (2027 - 2023)!r} ttest_1samp(K, 3.0): t={t.statistic!r} df={t.df!r} p={t.pvalue!r}")
# q4_share with baseline {2022, 0.5} and target {2027, 0.8} set by the test.
z, p = proportions_ztest(8, 13, value=0.5, prop_var=0.5)
print(f"tracking q4_share: trajectory={0.5 + 0.3 * (2023 - 2022) / 5!r} needed/yr={(0.8 - 8 / 13) / 4!r} "
      f"proportions_ztest(8, 13, 0.5, prop_var=0.5): z={z!r} p={p!r}")

# Wave comparison: tiny.csv (A) against tiny-b.csv (B), same definition. Differences B - A.
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest
dfa = df
dfb = pd.read_csv("../data/tiny-b.csv", dtype=str, encoding="utf-8")
def wave_items(d):
    def n(c):
        return pd.to_numeric(d[c].where(~d[c].isin(["9", "無回答", "わからない"])), errors="coerce")
    it = {c: n(c) for c in ["Q1", "Q2", "Q3", "Q4", "Q5", "K"]}
    it["Q3"] = 6 - it["Q3"]
    return it
def wave_score(it, cols):
    m = pd.DataFrame({c: it[c] for c in cols})
    return m.mean(axis=1).where(m.notna().sum(axis=1) >= math.ceil(len(cols) / 2))
ia, ib = wave_items(dfa), wave_items(dfb)
ps = []
for name, (xa, xb) in {"d1": (wave_score(ia, ["Q1", "Q2", "Q3"]), wave_score(ib, ["Q1", "Q2", "Q3"])),
                       "d2": (wave_score(ia, ["Q4", "Q5"]), wave_score(ib, ["Q4", "Q5"]))}.items():
    xa, xb = xa.dropna(), xb.dropna()
    w = stats.ttest_ind(xb, xa, equal_var=False)
    ci = w.confidence_interval(0.95)
    d = pg.compute_effsize(xb, xa, eftype="cohen")
    g = pg.compute_effsize(xb, xa, eftype="hedges")
    ps.append(w.pvalue)
    print(f"compare {name}: diff={xb.mean() - xa.mean()!r} t={w.statistic!r} df={w.df!r} p={w.pvalue!r} ci=({ci.low!r}, {ci.high!r}) d={d!r} g={g!r}")
print(f"compare dimensions bh={multipletests(ps, method='fdr_bh')[1].tolist()!r}")
qa, qb = ia["Q4"].dropna(), ib["Q4"].dropna()
z, p = proportions_ztest([int((qb >= 4).sum()), int((qa >= 4).sum())], [len(qb), len(qa)])
print(f"compare q4_share: {int((qa >= 4).sum())}/{len(qa)} -> {int((qb >= 4).sum())}/{len(qb)} z={z!r} p={p!r}")

# Multi-select depth (min_group_size 3 in the test, so departments A, B, C are all published).
ans = df[df["M"].notna() & (df["M"] != "")]
picks = {o: ans["M"].str.split(";").apply(lambda s: str(o) in s) for o in range(1, 5)}
dept = ans["部署"]
lift_p = []
for o in range(1, 5):
    tab = np.array([[int(picks[o][dept == g].sum()), int((~picks[o][dept == g]).sum())] for g in ["A", "B", "C"]])
    keep = tab[tab.sum(axis=1) > 0]
    keep = keep[:, keep.sum(axis=0) > 0]
    if keep.shape[0] >= 2 and keep.shape[1] >= 2:
        res = stats.chi2_contingency(keep, correction=False)
        print(f"multi option {o}: chi2={res.statistic!r} df={res.dof!r} p={res.pvalue!r} min_expected={res.expected_freq.min()!r}")
    else:
        print(f"multi option {o}: no chi-square")
    for g in ["A", "B", "C"]:
        c, n = int(picks[o][dept == g].sum()), int((dept == g).sum())
        rc, rn = int(picks[o][dept != g].sum()), int((dept != g).sum())
        if (c + rc) in (0, n + rn):
            print(f"  {g}: {c}/{n} vs rest {rc}/{rn}: no test")
            continue
        z, p = proportions_ztest([c, rc], [n, rn])
        lift_p.append(p)
        print(f"  {g}: {c}/{n} vs rest {rc}/{rn} lift={(c / n) / (rc / rn) if rc else None!r} z={z!r} p={p!r}")
print(f"multi lift bh={multipletests(lift_p, method='fdr_bh')[1].tolist()!r}")
k_ans = items["K"][ans.index]
for o in range(1, 5):
    a_, b_ = k_ans[~picks[o]].dropna(), k_ans[picks[o]].dropna()
    if len(a_) >= 3 and len(b_) >= 3:
        w = stats.ttest_ind(b_, a_, equal_var=False)
        print(f"gap option {o} satisfaction: picked {b_.mean()!r} (n={len(b_)}) vs not {a_.mean()!r} (n={len(a_)}) t={w.statistic!r} df={w.df!r} p={w.pvalue!r}")
    else:
        print(f"gap option {o} satisfaction: withheld ({len(b_)} vs {len(a_)})")

# Paired comparison: respondents linked by id (1..14 in both files; id 15 only in B).
# Differences B - A per person; scipy.stats.ttest_rel / wilcoxon, statsmodels mcnemar.
from statsmodels.stats.contingency_tables import mcnemar, Table
la = dfa.set_index("id"); lb = dfb.set_index("id")
ja, jb = wave_items(la), wave_items(lb)
linked = la.index.intersection(lb.index)
print(f"paired linked={len(linked)} only_a={len(la.index.difference(lb.index))} only_b={len(lb.index.difference(la.index))}")
sa = {"d1": wave_score(ja, ["Q1", "Q2", "Q3"]), "d2": wave_score(ja, ["Q4", "Q5"]), "satisfaction": ja["K"]}
sb = {"d1": wave_score(jb, ["Q1", "Q2", "Q3"]), "d2": wave_score(jb, ["Q4", "Q5"]), "satisfaction": jb["K"]}
pt, pw = [], []
for name in ["d1", "d2"]:
    pair = pd.DataFrame({"a": sa[name][linked], "b": sb[name][linked]}).dropna()
    r = stats.ttest_rel(pair["b"], pair["a"])
    ci = r.confidence_interval(0.95)
    d = pair["b"] - pair["a"]
    nz = d[d != 0]
    ties = nz.abs().duplicated().any()
    method = "approx" if ties or len(nz) > 50 else "exact"
    w = stats.wilcoxon(pair["b"], pair["a"], zero_method="wilcox", correction=False, method=method)
    rbc = pg.wilcoxon(pair["b"], pair["a"])["RBC"].iloc[0]
    pt.append(r.pvalue); pw.append(w.pvalue)
    print(f"paired {name}: n={len(pair)} mean_a={pair['a'].mean()!r} mean_b={pair['b'].mean()!r} t={r.statistic!r} df={r.df!r} p={r.pvalue!r} ci=({ci.low!r}, {ci.high!r}) d_z={d.mean() / d.std(ddof=1)!r} wilcoxon[{method}] W={w.statistic!r} p={w.pvalue!r} rbc={rbc!r}")
print(f"paired dimensions bh t={multipletests(pt, method='fdr_bh')[1].tolist()!r} wilcoxon={multipletests(pw, method='fdr_bh')[1].tolist()!r}")
qa_, qb_ = ja["Q4"][linked], jb["Q4"][linked]
both = pd.DataFrame({"a": qa_, "b": qb_}).dropna()
ya, yb = both["a"] >= 4, both["b"] >= 4
tab = np.array([[int((ya & yb).sum()), int((ya & ~yb).sum())], [int((~ya & yb).sum()), int((~ya & ~yb).sum())]])
mc = mcnemar(tab, exact=False, correction=False)
print(f"paired q4_share: n={len(both)} table={tab.tolist()} mcnemar chi2={mc.statistic!r} p={mc.pvalue!r}")

# Crosswalk: wave A's departments A and C both became wave B's department A (B's C and the
# unchanged B are left as they are). Welch on A's rows of A or C against B's rows of A.
for name, cols in {"d1": ["Q1", "Q2", "Q3"], "d2": ["Q4", "Q5"]}.items():
    xa = wave_score(ia, cols)[dfa["部署"].isin(["A", "C"])].dropna()
    xb = wave_score(ib, cols)[dfb["部署"] == "A"].dropna()
    w = stats.ttest_ind(xb, xa, equal_var=False)
    print(f"crosswalk A+C -> A {name}: n_a={len(xa)} n_b={len(xb)} diff={xb.mean() - xa.mean()!r} t={w.statistic!r} df={w.df!r} p={w.pvalue!r}")

# Tracking over waves: tiny.csv as 2021, tiny-b.csv as 2022, tiny-c.csv as this wave (2023).
# satisfaction: baseline {2021, 3.0}, target {2027, 4.0}; q4_share: baseline {2022, 0.5},
# target {2027, 0.8} (set by the test).
dfc = pd.read_csv("../data/tiny-c.csv", dtype=str, encoding="utf-8")
ic = wave_items(dfc)
ks = {2021: ia["K"].dropna(), 2022: ib["K"].dropna(), 2023: ic["K"].dropna()}
w = stats.ttest_ind(ks[2023], ks[2021], equal_var=False)
print(f"history satisfaction baseline: welch(2023, 2021) diff={ks[2023].mean() - ks[2021].mean()!r} t={w.statistic!r} df={w.df!r} p={w.pvalue!r}")
yv = np.concatenate([v.to_numpy() for v in ks.values()])
xv = np.concatenate([np.full(len(v), y, dtype=float) for y, v in ks.items()])
fit = sm.OLS(yv, sm.add_constant(xv)).fit()
cis = fit.conf_int(0.05)
pred = fit.get_prediction(np.array([[1.0, 2027.0]])).summary_frame(alpha=0.05)
print(f"history satisfaction trend: slope={fit.params[1]!r} ci=({cis[1][0]!r}, {cis[1][1]!r}) t={fit.tvalues[1]!r} df={fit.df_resid!r} p={fit.pvalues[1]!r} at 2027={pred['mean'].iloc[0]!r} ({pred['mean_ci_lower'].iloc[0]!r}, {pred['mean_ci_upper'].iloc[0]!r})")
qs = {2021: ia["Q4"].dropna(), 2022: ib["Q4"].dropna(), 2023: ic["Q4"].dropna()}
cnt = {y: int((q >= 4).sum()) for y, q in qs.items()}
nn = {y: len(q) for y, q in qs.items()}
z, p = proportions_ztest([cnt[2023], cnt[2022]], [nn[2023], nn[2022]])
print(f"history q4_share baseline: {cnt[2022]}/{nn[2022]} -> {cnt[2023]}/{nn[2023]} z={z!r} p={p!r}")
years = np.array([2021.0, 2022.0, 2023.0]); counts = np.array([cnt[y] for y in (2021, 2022, 2023)], dtype=float); ns = np.array([nn[y] for y in (2021, 2022, 2023)], dtype=float)
tab = Table(np.column_stack([counts, ns - counts]))
oa = tab.test_ordinal_association(row_scores=years, col_scores=np.array([1.0, 0.0]))
N = ns.sum(); pbar = counts.sum() / N; tbar = (ns * years).sum() / N
slope = (counts * (years - tbar)).sum() / (ns * (years - tbar) ** 2).sum()
zca = oa.zscore * np.sqrt(N / (N - 1))
print(f"history q4_share trend: cochran-armitage z={zca!r} p={2 * stats.norm.sf(abs(zca))!r} slope={slope!r} at 2027={pbar + slope * (2027 - tbar)!r}")

# Population (tiny-headcounts.csv: total 30; dept A 10, B 8, C 12), wave tiny.csv, minimum 3.
# Weights raked to dept alone are N_g / n_g; weighted mean, Kish n_eff, t interval on n_eff - 1;
# fpc = sqrt((N - n)/(N - 1)) shrinks the t interval's half-width; shares use Wilson on n/fpc^2.
N = 30; n = len(df)
fpc = math.sqrt((N - n) / (N - 1))
print(f"population: response_rate={n / N!r} fpc={fpc!r}")
for g, H in {"A": 10, "B": 8, "C": 12}.items():
    ng = int((df["部署"] == g).sum())
    print(f"  dept {g}: rate={ng / H!r} fpc={math.sqrt((H - ng) / (H - 1))!r}")
k = items["K"].dropna()
lo, hi = stats.t.interval(0.95, len(k) - 1, loc=k.mean(), scale=stats.sem(k))
print(f"  satisfaction ci_fpc=({k.mean() - (k.mean() - lo) * fpc!r}, {k.mean() + (hi - k.mean()) * fpc!r})")
q4 = items["Q4"].dropna(); c4 = int((q4 >= 4).sum())
lo, hi = proportion_confint(c4 / len(q4) * (len(q4) / fpc ** 2), len(q4) / fpc ** 2, method="wilson")
print(f"  q4_share ci_fpc=({lo!r}, {hi!r})")
wmap = {g: H / int((df["部署"] == g).sum()) for g, H in {"A": 10, "B": 8, "C": 12}.items()}
wt = df["部署"].map(wmap)
def wmean(x):
    ok = x.notna()
    xv, wv = x[ok].to_numpy(), wt[ok].to_numpy()
    neff = wv.sum() ** 2 / (wv ** 2).sum()
    m = (wv * xv).sum() / wv.sum()
    var = (wv * (xv - m) ** 2).sum() / wv.sum() * neff / (neff - 1)
    se = math.sqrt(var / neff)
    tq = stats.t.ppf(0.975, neff - 1)
    return m, se, (m - tq * se, m + tq * se), neff
print(f"  weighted satisfaction={wmean(items['K'])!r}")
print(f"  weighted d1={wmean(score(['Q1', 'Q2', 'Q3']))!r}")
ok = items["Q4"].notna()
hits = (items["Q4"][ok] >= 4).to_numpy(); wv = wt[ok].to_numpy()
neff = wv.sum() ** 2 / (wv ** 2).sum(); ps = (wv * hits).sum() / wv.sum()
print(f"  weighted q4_share={ps!r} n_eff={neff!r} wilson={proportion_confint(ps * neff, neff, method='wilson')!r}")
allw = wt.to_numpy()
print(f"  kish n_eff (all rows)={allw.sum() ** 2 / (allw ** 2).sum()!r} weights min={allw.min()!r} max={allw.max()!r}")
