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
# bench/compare against a second file: one case twice as slow, one case gone, the rest unchanged
slow = sorted(cases)[0]
gone = sorted(cases)[1]
data2 = {**data, "cases": [dict(x, step_ms=2 * x["step_ms"]) if x["case"] == slow else x for x in data["cases"] if x["case"] != gone]}
js2 = os.path.join(d, "b2.json")
with open(js2, "w") as f:
    json.dump(data2, f)
q = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE_DIR, "bench", "compare"), js, js2], capture_output=True, text=True)
rows = {ln.split()[0]: ln.split() for ln in q.stdout.splitlines()[1:] if ln.strip()}
c.check(q.returncode == 0 and len(rows) == len(cases), f"bench/compare: one row a case:\n{q.stdout} {q.stderr}")
c.check(rows.get(slow, [""] * 4)[3] == "2.000", f"bench/compare: {slow} new/old 2.000:\n{q.stdout}")
c.check(all(rows[k][3] == "1.000" for k in cases if k not in (slow, gone) and k in rows), f"bench/compare: unchanged cases 1.000:\n{q.stdout}")
c.check(" ".join(rows.get(gone, [])[1:]) == "only in old", f"bench/compare: {gone} only in old:\n{q.stdout}")
c.check(run(["bench", "--grid", "x"]).returncode == 64, "bad argument: 64")
c.done()
