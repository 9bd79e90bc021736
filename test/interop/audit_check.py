"""radpo audit's statistics against scipy, scikit-learn and statsmodels (npm run test:interop)."""
import json
import math
import sys
import warnings

import numpy as np
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.proportion import proportion_confint

TOL = 1e-6
warnings.simplefilter("ignore")  # constant columns are cases here, not mistakes
failures = []
checked = 0


def same(name, radpo, reference):
    global checked
    checked += 1
    undefined = reference is None or (isinstance(reference, float) and math.isnan(reference))
    if undefined:
        if radpo is not None:
            failures.append(f"{name}: radpo {radpo}, reference undefined")
        return
    if radpo is None or abs(radpo - reference) > TOL:
        failures.append(f"{name}: radpo {radpo}, reference {reference}")


def quiet(f, *args, **kwargs):
    with np.errstate(all="ignore"):
        try:
            return float(f(*args, **kwargs))
        except (ValueError, ZeroDivisionError):
            return float("nan")


def kappa(x, y, **kwargs):
    """cohen_kappa_score on category codes: scikit-learn refuses half points (6.5) as "continuous"; the
    codes keep the values' order, so its index-based weights are the same."""
    order = {v: i for i, v in enumerate(sorted(set(x) | set(y)))}
    return cohen_kappa_score([order[v] for v in x], [order[v] for v in y], **kwargs)


def icc21(runs):
    """ICC(2,1) (Shrout & Fleiss 1979) from a two-way ANOVA table, targets x raters."""
    m = np.array(runs, dtype=float).T
    n, k = m.shape
    grand = m.mean()
    msr = k * ((m.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    msc = n * ((m.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    resid = m - m.mean(axis=1, keepdims=True) - m.mean(axis=0, keepdims=True) + grand
    mse = (resid**2).sum() / ((n - 1) * (k - 1))
    return (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)


manifest = json.load(open(sys.argv[1]))
for case in manifest["pairs"]:
    x, y, r, name = case["x"], case["y"], case["radpo"], case["name"]
    same(f"{name}: pearson", r["pearson"], quiet(lambda: stats.pearsonr(x, y)[0]))
    same(f"{name}: spearman", r["spearman"], quiet(lambda: stats.spearmanr(x, y)[0]))
    same(f"{name}: kendall tau-b", r["kendall"], quiet(lambda: stats.kendalltau(x, y, variant="b")[0]))
    same(f"{name}: quadratic kappa", r["qwk"], quiet(kappa, x, y, weights="quadratic"))
    same(f"{name}: kappa", r["kappa"], quiet(kappa, x, y))
for case in manifest["iccs"]:
    same(f"{case['name']}: ICC(2,1)", case["radpo"], icc21(case["runs"]))
for case in manifest["wilsons"]:
    lo, hi = proportion_confint(case["k"], case["n"], alpha=0.05, method="wilson")
    for got, want, end in ((case["radpo"][0], lo, "low"), (case["radpo"][1], hi, "high")):
        checked_name = f"wilson({case['k']}, {case['n']}) {end}"
        if abs(got - want) > TOL:
            failures.append(f"{checked_name}: radpo {got}, statsmodels {want}")
        checked += 1

# Reference scores with missing values: complete cases, each response once per prompt.
ref = manifest["reference"]
mine, theirs, seen = [], [], set()
for line in open(ref["path"]):
    row = json.loads(line)
    if "ref_c" not in row:
        continue
    for text, score, other in (
        (row["chosen"], row["metadata"]["score_chosen"], row["ref_c"]),
        (row["rejected"], row["metadata"]["score_rejected"], row["ref_r"]),
    ):
        if (row["prompt"], text) in seen:
            continue
        seen.add((row["prompt"], text))
        mine.append(score)
        theirs.append(other)
r = ref["radpo"]
same("reference with missing rows: responses", r["responses"], len(mine))
same("reference with missing rows: pearson", r["pearson"], stats.pearsonr(mine, theirs)[0])
same("reference with missing rows: spearman", r["spearman"], stats.spearmanr(mine, theirs)[0])
same("reference with missing rows: kendall", r["kendall_tau_b"], stats.kendalltau(mine, theirs)[0])
same("reference with missing rows: qwk", r["quadratic_kappa"], kappa(mine, theirs, weights="quadratic"))

if failures:
    print(f"audit statistics: {len(failures)} of {checked} comparisons differ")
    for f in failures:
        print("  " + f)
    sys.exit(1)
print(f"audit statistics: {checked} comparisons with scipy / scikit-learn / statsmodels agree (to 1e-6)")
