"""The reference figures for core/stats.ts from scipy, scikit-learn, statsmodels and numpy (npm run test:interop).

Reads the cases (inputs only) from argv[1] and writes them back with each library's figure to argv[2]:
test/core/stats.reference.json, which `npm test` checks radpo against (test/core/stats.test.ts) with no
Python. A figure the library leaves undefined (NaN, an error on a constant column) is written as null.
"""
import json
import math
import sys
import warnings

import numpy as np
import scipy
import sklearn
import statsmodels
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.proportion import proportion_confint

warnings.simplefilter("ignore")  # constant columns are cases here, not mistakes


def defined(f, *args, **kwargs):
    with np.errstate(all="ignore"):
        try:
            value = float(f(*args, **kwargs))
        except (ValueError, ZeroDivisionError):
            return None
    return None if math.isnan(value) else value


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


cases = json.load(open(sys.argv[1]))
for case in cases["pairs"]:
    x, y = case["x"], case["y"]
    case["reference"] = {
        "pearson": defined(lambda: stats.pearsonr(x, y)[0]),
        "spearman": defined(lambda: stats.spearmanr(x, y)[0]),
        "kendallTauB": defined(lambda: stats.kendalltau(x, y, variant="b")[0]),
        "cohenKappaQuadratic": defined(kappa, x, y, weights="quadratic"),
        "cohenKappa": defined(kappa, x, y),
        "averageRanksX": stats.rankdata(x, method="average").tolist(),
    }
for case in cases["iccs"]:
    case["reference"] = defined(icc21, case["runs"])
for case in cases["wilsons"]:
    lo, hi = proportion_confint(case["k"], case["n"], alpha=0.05, method="wilson")
    case["reference"] = [float(lo), float(hi)]
for case in cases["quantiles"]:
    case["reference"] = [float(v) for v in np.quantile(np.array(case["values"], dtype=float), case["q"])]
for case in cases["entropies"]:
    counts = case["counts"]
    case["reference"] = defined(lambda: stats.entropy(counts) / math.log(case["categories"]))
cases["versions"] = {
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "scikit-learn": sklearn.__version__,
    "statsmodels": statsmodels.__version__,
}
with open(sys.argv[2], "w") as out:
    json.dump(cases, out, indent=1)
    out.write("\n")
