#!/usr/bin/python3
"""A smoke run of `nfcs bench` at tiny sizes: the table, the JSON, bench/compare."""
import json
import os
import subprocess

from nfcs_testlib import SOURCE_DIR, Checker, run, tmpdir

c = Checker()
d = tmpdir()
js = os.path.join(d, "b.json")
p = run(["bench", "--grid", "16,32", "--scheme", "strang,etdrk4", "--oscillators", "10,200", "--coupling", "mean_field,sparse",
         "--min-time", "0.02", "--no-targets", "--json", js], check=0)
c.check("ratio" in p.stdout and "ns/osc" in p.stdout, "tables printed")
with open(js) as f:
    data = json.load(f)
cases = {x["case"]: x for x in data["cases"]}
c.check(len(cases) == 8, f"{len(cases)} cases: {sorted(cases)}")
for k, x in cases.items():
    c.check(x["step_ms"] > 0, f"{k}: step time {x['step_ms']}")
    if x["module"] == "cgl":
        c.check(x["fft_pair_ms"] > 0 and x["ratio_to_fft_pair"] > 0.1, f"{k}: ratio {x['ratio_to_fft_pair']}")
# bench/compare against a second file: one case's figure 2.5 times as bad, one case gone, the rest unchanged
slow = sorted(k for k in cases if cases[k]["module"] == "cgl")[0]
gone = sorted(cases)[-1]
data2 = {**data, "cases": [dict(x, step_ms=2 * x["step_ms"], ratio_to_fft_pair=2.5 * x["ratio_to_fft_pair"]) if x["case"] == slow else x
                           for x in data["cases"] if x["case"] != gone]}
js2 = os.path.join(d, "b2.json")
with open(js2, "w") as f:
    json.dump(data2, f)
compare = ["/usr/bin/python3", os.path.join(SOURCE_DIR, "bench", "compare"), js, js2]
q = subprocess.run(compare, capture_output=True, text=True)


def numbers(tokens):
    out = []
    for t in tokens:
        try:
            out.append(float(t))
        except ValueError:
            pass
    return out


rows = {ln.split()[0]: ln for ln in q.stdout.splitlines() if ln.split() and ln.split()[0] in cases}
c.check(q.returncode == 0 and len(rows) == len(cases), f"bench/compare: one row a case:\n{q.stdout} {q.stderr}")
c.check(numbers(rows.get(slow, "").split())[2:3] == [2.5] and "REGRESSION" in rows.get(slow, ""),
        f"bench/compare: {slow} new/old 2.500, flagged:\n{q.stdout}")
c.check(all(numbers(rows[k].split())[2] == 1.0 and "REGRESSION" not in rows[k] for k in cases if k not in (slow, gone) and k in rows
            and numbers(rows[k].split())), f"bench/compare: unchanged cases 1.000:\n{q.stdout}")
c.check(rows.get(gone, "").split()[1:] == ["only", "in", "old"], f"bench/compare: {gone} only in old:\n{q.stdout}")
c.check(f"warning: performance regression beyond 50%: {slow}" in q.stdout, f"bench/compare warns of the regression:\n{q.stdout}")
c.check(subprocess.run(compare + ["--strict"], capture_output=True).returncode == 1, "bench/compare --strict fails on it")
c.check(subprocess.run(compare + ["--threshold", "2"], capture_output=True, text=True).stdout.count("REGRESSION") == 0,
        "a threshold above the change flags nothing")
c.check(run(["bench", "--grid", "x"]).returncode == 64, "bad argument: 64")
c.done()
