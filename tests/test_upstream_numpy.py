#!/usr/bin/python3
"""scheme: upstream against an independent numpy implementation of the Python NFCS's step, from
the same initial state: agreement to round-off (VALIDATION.md, Runs)."""
import os

import h5py
import numpy as np

from nfcs_testlib import Checker, run, tmpdir, write

c = Checker()
d = tmpdir()


def upstream_step(phi, dt, c1, c3, k2):
    """The Python NFCS: half linear step in Fourier space, Euler nonlinear, half linear step."""
    lin = np.exp(0.5 * dt * (1 - (1 + 1j * c1) * k2))
    phi = np.fft.ifftn(np.fft.fftn(phi) * lin)
    phi = phi + dt * (-(1 + 1j * c3) * np.abs(phi) ** 2 * phi)
    return np.fft.ifftn(np.fft.fftn(phi) * lin)


def case(shape_xyz, L_xyz, c1, c3, dt, steps, every):
    shape = tuple(reversed(shape_xyz))  # C order: [.., y, x]
    L = tuple(reversed(L_xyz))
    ks = np.meshgrid(*[2 * np.pi * np.fft.fftfreq(n, l / n) for n, l in zip(shape, L)], indexing="ij")
    k2 = sum(k * k for k in ks)
    rng = np.random.default_rng(11)
    phi0 = 0.4 * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))
    with h5py.File(os.path.join(d, "ic.h5"), "w") as f:
        f["phi"] = phi0
    lists = lambda v: "[" + ", ".join(map(str, v)) + "]"
    cfg = write(os.path.join(d, "c.yaml"), f"""
cgl:
  c1: {c1}
  c3: {c3}
  grid_size: {lists(shape_xyz)}
  spatial_extent: {lists(L_xyz)}
  time_step: {dt}
  scheme: upstream
  initial_condition: {{type: file, path: ic.h5}}
run: {{t_end: {steps * dt}}}
output: {{snapshot_interval: {every * dt}}}
coordinator: {{sim_time_per_tick: {every * dt}}}
regulator: {{type: none}}
""")
    out = os.path.join(d, "o.h5")
    run(["run", cfg, "-o", out, "--quiet"], check=0)
    with h5py.File(out) as f:
        snaps = f["fields/phi"][:]
        single = f.attrs["engine_precision"] == "single"
        t = f["time/t"][:]
    phi = phi0.copy()
    worst = 0.0
    for n in range(steps + 1):
        if n % every == 0:
            k = n // every
            c.check(abs(t[k] - n * dt) < 1e-12, f"snapshot time {t[k]} != {n * dt}")
            err = np.abs(snaps[k] - phi).max() / np.abs(phi).max()
            worst = max(worst, err)
        if n < steps:
            phi = upstream_step(phi, dt, c1, c3, k2)
    print(f"  {len(shape_xyz)}D {shape_xyz}: worst relative difference to numpy over {steps} steps: {worst:.3e}")
    tol = 1e-4 if single else 1e-12  # round-off of the engine's precision, accumulated over the steps
    c.check(worst < tol, f"{shape_xyz}: nfcs upstream differs from numpy by {worst:.3e}")


case([48, 32], [10.0, 7.0], 0.8, 1.5, 0.01, 200, 20)
case([64], [12.0], -0.4, 0.9, 0.02, 100, 25)
case([12, 10, 8], [5.0, 4.0, 3.0], 0.3, 0.6, 0.01, 50, 10)
c.done()
