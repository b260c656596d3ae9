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
q = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE_DIR, "bench", "compare"), js, js], capture_output=True, text=True)
c.check(q.returncode == 0 and "1.000" in q.stdout, f"bench/compare: {q.stdout} {q.stderr}")
c.check(run(["bench", "--grid", "x"]).returncode == 64, "bad argument: 64")
c.done()
