#!/usr/bin/python3
"""The public API (include/nfcs/) is enough for a program of one's own: docs/examples/csv_metrics.c,
built against `nfcs` only (no private header), runs a coupled config with a sink of its own, and its
CSV holds exactly the metric series of `nfcs run` with the same config (same names, same times,
the same doubles to the last bit).  It refuses a bad config as nfcs does (78, the key named)."""
import csv
import io
import os
import subprocess

import h5py
import numpy as np

from nfcs_testlib import Checker, run, tmpdir, write

EXAMPLE = os.environ["NFCS_EXAMPLE"]
c = Checker()
d = tmpdir()
cfg = write(os.path.join(d, "coupled.yaml"), """
cgl:
  grid_size: [24, 24]
  spatial_extent: [20.0, 20.0]
  time_step: 0.02
  initial_condition: {type: random_noise, amplitude: 0.5, seed: 7}
kuramoto:
  oscillators: 16
  base_coupling_strength: 1.5
  normalization: mean
  frequency_distribution: {type: gaussian, center: 1.0, width: 0.5, sampling: random, seed: 7}
  initial_phases: {type: random, seed: 8}
  time_step: 0.01
regulator: {type: proportional}
run: {t_end: 0.6}
output: {snapshot_interval: 0.3, metrics_interval: 0.1}
backend: {threads: 2, fft_planner: estimate, fft_wisdom: ""}
""")
out = os.path.join(d, "run.h5")
run(["run", cfg, "-o", out, "--quiet"], check=0)

p = subprocess.run([EXAMPLE, cfg], capture_output=True, text=True, timeout=300)
c.check(p.returncode == 0, f"the example runs (exit {p.returncode}: {p.stderr})")
rows = list(csv.reader(io.StringIO(p.stdout)))
header, data = (rows[0], rows[1:]) if rows else ([], [])
with h5py.File(out, "r") as f:
    t = f["/metrics/t"][...]
    series = {k: f["/metrics"][k][...] for k in f["/metrics"] if k != "t" and f["/metrics"][k].ndim == 1}
c.check(len(data) == len(t) and len(t) >= 6, f"one CSV row per metrics sample ({len(data)} rows, {len(t)} samples)")
c.check(header[:1] == ["t"] and set(header[1:]) == set(series),
        f"the CSV's columns are the file's series: only in CSV {sorted(set(header[1:]) - set(series))}, "
        f"only in the file {sorted(set(series) - set(header[1:]))}")
if len(data) == len(t) and header:
    vals = np.array([[float(x) for x in r] for r in data])
    c.check(np.array_equal(vals[:, 0], t), "the same sample times")
    differ = [k for i, k in enumerate(header[1:], 1) if k in series
              and not np.array_equal(vals[:, i], series[k], equal_nan=True)]
    c.check(not differ, f"every series bit-identical to nfcs run's file (differ: {differ})")
    c.check({"R_global", "control_energy", "systemic_risk"} <= set(header),
            "the coupled run's series include the engine's own (R_global, control_energy, systemic_risk)")

bad = write(os.path.join(d, "bad.yaml"), "cgl:\n  grid_size: [24, 24]\n  time_step: -1\n")
p = subprocess.run([EXAMPLE, bad], capture_output=True, text=True, timeout=60)
c.check(p.returncode == 78 and "cgl.time_step" in p.stderr and "bad.yaml:3" in p.stderr,
        f"a bad config is refused with 78 at its key and line (exit {p.returncode}: {p.stderr.strip()})")
c.done()
