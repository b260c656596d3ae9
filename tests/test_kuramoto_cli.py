#!/usr/bin/python3
"""Kuramoto runs from the command line: the file layout, and bad input — N = 0, a K file of the
wrong shape, non-finite values, edges out of range, missing files — each a clear error with the
documented exit code."""
import os
import re

import h5py
import numpy as np

from nfcs_testlib import Checker, run, tmpdir, write

c = Checker()
d = tmpdir()
cfg = os.path.join(d, "c.yaml")


def expect(yaml, code, pattern):
    write(cfg, yaml)
    p = run(["run", cfg, "-o", os.path.join(d, "o.h5"), "--quiet"])
    c.check(p.returncode == code, f"exit {p.returncode} != {code} for:\n{yaml}\n{p.stderr}")
    c.check(re.search(pattern, p.stderr) is not None, f"stderr does not match {pattern!r}:\n{p.stderr}")


N = 6
with h5py.File(os.path.join(d, "k.h5"), "w") as f:
    f["K"] = np.ones((N, N))
    f["K_wrong"] = np.ones((N, N + 1))
    f["K_nan"] = np.where(np.eye(N) > 0, np.nan, 1.0)
    f["src"] = np.array([0, 1, 2, 9])
    f["dst"] = np.array([1, 2, 3, 0])
    f["w3"] = np.ones(3)
    f["fsrc"] = np.array([0.0, 1.0])
base = f"kuramoto:\n  oscillators: {N}\n  frequency_distribution: {{type: gaussian, width: 0.3}}\n"
expect("kuramoto:\n  base_coupling_strength: 1\n", 78, r"kuramoto\.oscillators: expected N >= 1")
expect(base.replace(f"oscillators: {N}", "oscillators: -3"), 78, r"kuramoto\.oscillators: expected an integer in \[0")
expect(base + "  coupling: matrix\n  matrix: {source: file, path: k.h5, dataset: /K_wrong}\n", 65,
       r"k\.h5:/K_wrong: expected shape \[6, 6\], got \[6, 7\]")
expect(base + "  coupling: matrix\n  matrix: {source: file, path: k.h5, dataset: /K_nan}\n", 65, r"/K_nan: value 0 is not finite")
expect(base + "  coupling: matrix\n  matrix: {source: file, path: nothere.h5}\n", 66, r"kuramoto\.matrix\.path: cannot open")
expect(base + "  coupling: matrix\n  matrix: {source: file}\n", 78, r"kuramoto\.matrix\.path: expected the HDF5 file")
expect(base + "  coupling: sparse\n  sparse: {path: k.h5, weight: ''}\n", 65, r"edge 3 \(9 -> 0\) is out of range \[0, 6\)")
expect(base + "  coupling: sparse\n  sparse: {path: k.h5, weight: /w3, src: /src}\n", 65, r"same length")
expect(base + "  coupling: sparse\n  sparse: {path: k.h5, src: /fsrc, dst: /fsrc, weight: ''}\n", 65, r"expected integers")
expect(base + "  initial_phases: {type: file, path: k.h5, dataset: /src}\n", 65, r"expected shape \[6\], got \[4\]")
expect(base + "  noise: 0.1\n", 78, r"kuramoto\.integrator: expected euler_maruyama or heun")

# a good run: layout, wrapped phases, metrics of an oscillator-only run
write(cfg, base + "  coupling: matrix\n  matrix: {source: file, path: k.h5}\n  normalization: mean\n"
      "  base_coupling_strength: 2.0\nrun: {t_end: 2.0}\noutput: {snapshot_interval: 0.5, metrics_interval: 0.25}\n")
out = os.path.join(d, "ok.h5")
p = run(["run", cfg, "-o", out, "--quiet"], check=0)
with h5py.File(out) as f:
    th = f["kuramoto/theta"][:]
    c.check(th.shape == (5, N), f"/kuramoto/theta shape {th.shape}")
    c.check(np.all(th >= -np.pi) and np.all(th < np.pi), "phases wrapped to [-pi, pi)")
    c.check(f["kuramoto/omega"].shape == (N,), "/kuramoto/omega")
    c.check("fields" not in f, "no field group without a cgl section")
    keys = set(f["metrics"].keys())
    c.check({"t", "R", "psi", "R_modular", "systemic_risk", "J"} <= keys, f"metrics {keys}")
    c.check("R_global" not in keys and "defect_count" not in keys, "field metrics of an absent module are not written")
    c.check(f["metrics/t"].shape == (9,), f"/metrics/t {f['metrics/t'][:]}")
c.done()
