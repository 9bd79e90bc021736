"""radpo audit's statistics against scipy, scikit-learn and statsmodels (npm run test:interop)."""
import json
import math
import sys
import warnings

import numpy as np
from scipy import stats
from sklearn.metrics import accuracy_score, cohen_kappa_score
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

# A winner layout with ties, groups and a half-swapped rerun (the definitions in docs/AUDIT.md).
w = manifest["winner"]
rows = [json.loads(line) for line in open(w["path"])]
again = {(r["prompt"], frozenset((r["response_a"], r["response_b"]))): r for r in map(json.loads, open(w["rerun"]))}
label = np.array([{"model_a": 1, "model_b": -1, "tie": 0}[r["winner"]] for r in rows])  # +1: A
judge = np.sign([r["score_a"] - r["score_b"] for r in rows])  # +1: A scored higher
R = w["radpo"]
# Three-way (FastChat "with tie"): the judge's verdict {A, B, tie} equals the label's.
same("three-way agreement", R["label_agreement"]["three_way"]["value"], accuracy_score(label, judge))
# kappa on {chosen, tie, rejected}, each pair as read and turned round: label +1 = chosen wins.
oriented = np.where(label == -1, -judge, judge)  # the judge's verdict on chosen - rejected
lab = np.where(label == 0, 0, 1)
same("kappa folded over the A/B order", R["label_agreement"]["cohen_kappa"],
     cohen_kappa_score(np.concatenate([lab, -lab]), np.concatenate([oriented, -oriented])))
sided = (label != 0) & (judge != 0)
same("position: pairs", R["position_bias"]["pairs"], int(sided.sum()))
same("position: judge prefers A", R["position_bias"]["judge_prefers_a"], float(np.mean(judge[sided] > 0)))
same("position: label prefers A", R["position_bias"]["label_prefers_a"], float(np.mean(label[sided] > 0)))
same("position: difference", R["position_bias"]["difference"]["value"],
     float(np.mean(judge[sided] > 0) - np.mean(label[sided] > 0)))
# Reversals and tie changes: the rerun's verdict on the same two responses, in either order.
first, second, kept_slot, n_swapped = [], [], [], 0
for r, l in zip(rows, label):
    a = again[(r["prompt"], frozenset((r["response_a"], r["response_b"])))]
    same_order = a["response_a"] == r["response_a"]
    d1 = np.sign(r["score_a"] - r["score_b"])
    d2 = np.sign(a["score_a"] - a["score_b"]) * (1 if same_order else -1)  # on the first run's A minus B
    first.append(d1)
    second.append(d2)
    if not same_order:
        kept_slot.append(d1 == d2)
first, second = np.array(first), np.array(second)
same("retest: reversal rate", R["retest"]["reversal_rate"], float(np.mean(first * second < 0)))
same("retest: tie change rate", R["retest"]["tie_change_rate"],
     float(np.mean((first * second >= 0) & (first != second))))
same("position: swap consistency", R["position_bias"]["swap_consistency"]["value"], float(np.mean(kept_slot)))
# Groups: agreement (ties dropped) and its clustered Wilson interval (n shrunk by the design effect, prompts as
# clusters), through statsmodels' Wilson interval on the effective counts.
for g in R["groups"]:
    members = [i for i, r in enumerate(rows) if r["task"] == g["group"]]
    decisive = [i for i in members if label[i] != 0 and judge[i] != 0]
    agree = {i: judge[i] == label[i] for i in decisive}
    k, n = sum(agree.values()), len(decisive)
    same(f"group {g['group']}: agreement", g["label_agreement"]["value"], k / n)
    p = k / n
    clusters = {}
    for i in decisive:
        c = clusters.setdefault(rows[i]["prompt"], [0, 0])
        c[0] += agree[i]
        c[1] += 1
    robust = sum((kc - p * nc) ** 2 for kc, nc in clusters.values()) / n**2
    effect = max(1.0, robust / (p * (1 - p) / n)) if len(clusters) > 1 and 0 < p < 1 and robust > 0 else 1.0
    lo, hi = proportion_confint(p * n / effect, n / effect, alpha=0.05, method="wilson")
    same(f"group {g['group']}: clustered Wilson low", g["label_agreement"]["ci"][0], lo)
    same(f"group {g['group']}: clustered Wilson high", g["label_agreement"]["ci"][1], hi)

if failures:
    print(f"audit statistics: {len(failures)} of {checked} comparisons differ")
    for f in failures:
        print("  " + f)
    sys.exit(1)
print(f"audit statistics: {checked} comparisons with scipy / scikit-learn / statsmodels agree (to 1e-6)")
