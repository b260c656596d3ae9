#!/usr/bin/python3
"""The disk fills up during a run: exit 74 with a message, and the file keeps every snapshot
written before.  Needs a small tmpfs (mount, as root): where that is not allowed the test says
so and exits with CTest's skip code."""
import os
import subprocess

import h5py
import numpy as np

from nfcs_testlib import Checker, run, tmpdir, write

c = Checker()
d = tmpdir()
cfg = write(os.path.join(d, "c.yaml"), """
cgl:
  grid_size: [48, 40]
  spatial_extent: [40.0, 30.0]
  time_step: 0.03
  initial_condition: {type: random_noise, amplitude: 0.2, seed: 3}
kuramoto: {oscillators: 50}
run: {t_end: 400.0}
output: {snapshot_interval: 0.1, metrics_interval: 0.1}
""")
tiny = os.path.join(d, "tiny")
os.makedirs(tiny)
m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", tiny], capture_output=True, text=True)
if m.returncode != 0:
    c.skip(f"cannot mount a small tmpfs here ({m.stderr.strip() or m.returncode})")
try:
    full = os.path.join(tiny, "x.h5")
    p = run(["run", cfg, "-o", full, "--quiet", "--set", "output.checkpoint_path=" + os.path.join(d, "tiny.ckpt.h5")])
    c.check(p.returncode == 74 and "is full" in p.stderr, f"disk full: {p.returncode} {p.stderr}")
    with h5py.File(full) as f:
        n = f["time/t"].shape[0]
        c.check(n > 1 and f["fields/phi"].shape[0] >= n and np.all(np.isfinite(f["fields/phi"][:n])),
                f"disk full: {n} snapshots readable")
        c.check(np.allclose(f["time/t"][:n], 0.1 * np.arange(n), rtol=0, atol=1e-12), "disk full: the snapshots are the first n")
finally:
    subprocess.run(["umount", tiny])
c.done()
