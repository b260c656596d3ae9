#!/usr/bin/python3
"""The probe module: /probe/phi holds, at every metrics sample, the field at the configured points —
exactly the grid value for `nearest`, the multilinear interpolation of the field's snapshot at the
same time (periodic across the box's edge) for `linear`, in 1D, 2D and 3D.  Probes change no
trajectory and no model hash; a continued file keeps its probe series in step with /metrics/t.
Bad probe configs are refused (78) with the key."""
import os

import h5py
import numpy as np

from nfcs_testlib import Checker, run, tmpdir, write

c = Checker()
d = tmpdir()
COMMON = ["--quiet", "--threads", "2", "--set", "backend.fft_planner=estimate", "--set", "backend.fft_wisdom="]


def config(name, grid, extent, points, interp="linear", extra=""):
    pts = ", ".join(f"{k}: [{', '.join(repr(float(v)) for v in x)}]" for k, x in points.items())
    return write(os.path.join(d, name + ".yaml"), f"""
cgl:
  grid_size: {list(grid)}
  spatial_extent: {list(extent)}
  time_step: 0.01
  initial_condition: {{type: random_noise, amplitude: 0.5, seed: 3}}
probe:
  points: {{{pts}}}
  interpolation: {interp}
run: {{t_end: 0.3}}
output: {{snapshot_interval: 0.1, metrics_interval: 0.1}}
{extra}""")


def axes(n, L):
    return -L / 2 + np.arange(n) * (L / n)


def interpolate(field, grid, extent, x, nearest):
    """The field (C order: [..., y, x]) at point x (x first), periodic."""
    dim = len(grid)
    i0, w = [], []
    for a in range(dim):
        f = (x[a] + extent[a] / 2) / (extent[a] / grid[a])
        fl = np.floor(f)
        i = int(fl) + (1 if nearest and f - fl >= 0.5 else 0)
        i0.append(i % grid[a])
        w.append(0.0 if nearest else f - fl)
    total = 0j
    for corner in range(1 if nearest else 1 << dim):
        idx, wc = [], 1.0
        for a in range(dim):
            hi = (corner >> a) & 1
            idx.append((i0[a] + hi) % grid[a])
            wc *= w[a] if hi else 1 - w[a]
        total += wc * field[tuple(reversed(idx))]
    return total


for grid, extent, points in [
    ((48,), (12.0,), {"a": [0.3], "edge": [5.99], "left": [-6.0]}),
    ((32, 24), (10.0, 8.0), {"centre": [0.0, 0.0], "p": [1.234, -2.71], "corner": [4.95, 3.96]}),
    ((12, 10, 8), (6.0, 5.0, 4.0), {"q": [0.11, -1.3, 1.7], "r": [-2.9, 2.4, -1.95]}),
]:
    dim = len(grid)
    for interp in ("linear", "nearest"):
        name = f"p{dim}{interp}"
        out = os.path.join(d, name + ".h5")
        run(["run", config(name, grid, extent, points, interp), "-o", out] + COMMON, check=0)
        with h5py.File(out) as f:
            phi, t, mt = f["fields/phi"][()], f["time/t"][()], f["metrics/t"][()]
            probe = f["probe/phi"][()]
            c.check(probe.shape == (len(mt), len(points)), f"{name}: /probe/phi is [samples, points], got {probe.shape}")
            c.check([n.decode() if isinstance(n, bytes) else n for n in f["probe/name"][()]] == list(points),
                    f"{name}: /probe/name lists the points in order")
            c.check(np.array_equal(f["probe/position"][()], np.array(list(points.values()))), f"{name}: /probe/position")
            c.check(f["probe/phi"].attrs["interpolation"] == interp, f"{name}: the interpolation is recorded")
            c.check([s.name for s in f["probe/phi"].dims[0].values()] == ["/metrics/t"], f"{name}: the probe series is on /metrics/t")
            worst = 0.0
            for k, tk in enumerate(t):
                m = int(np.argmin(abs(mt - tk)))
                c.check(abs(mt[m] - tk) < 1e-12, f"{name}: a metrics sample at every snapshot time")
                for j, x in enumerate(points.values()):
                    want = interpolate(phi[k], grid, extent, x, interp == "nearest")
                    worst = max(worst, abs(probe[m, j] - want) / max(abs(want), 1e-300))
            # nearest: the grid value itself; linear: the same arithmetic up to rounding (of the
            # engine's precision, in which the corners are weighted)
            eps = 1e-6 if f.attrs["engine_precision"] == "single" else 1e-14
            c.check(worst <= (0 if interp == "nearest" else eps), f"{name}: probe vs the snapshot's field, worst relative {worst:.2e}")

# probes observe only: the field and the model hash are those of the run without them
plain = write(os.path.join(d, "plain.yaml"), open(os.path.join(d, "p2linear.yaml")).read().split("probe:")[0] +
              "run: {t_end: 0.3}\noutput: {snapshot_interval: 0.1, metrics_interval: 0.1}\n")
run(["run", plain, "-o", os.path.join(d, "plain.h5")] + COMMON, check=0)
with h5py.File(os.path.join(d, "plain.h5")) as a, h5py.File(os.path.join(d, "p2linear.h5")) as b:
    c.check(np.array_equal(a["fields/phi"][()], b["fields/phi"][()]), "the field with probes is the field without")
    c.check(a.attrs["model_hash"] == b.attrs["model_hash"], "probes are no part of the model hash")
    c.check("probe" not in a, "no /probe without probes")

# restart: a continued file gets the probe series in step with /metrics/t (NaN where the probes
# were not configured yet)
short = os.path.join(d, "cont.h5")
run(["run", plain, "-o", short, "--set", "run.t_end=0.2"] + COMMON, check=0)
run(["run", os.path.join(d, "p2linear.yaml"), "-o", short, "--restart", short.replace(".h5", ".ckpt.h5")] + COMMON, check=0)
with h5py.File(short) as f, h5py.File(os.path.join(d, "p2linear.h5")) as g:
    pr, mt = f["probe/phi"][()], f["metrics/t"][()]
    c.check(pr.shape[0] == len(mt), f"continued: /probe/phi has one entry per metrics sample ({pr.shape[0]} vs {len(mt)})")
    before = mt <= 0.2 + 1e-12
    c.check(np.isnan(pr[before].real).all(), "continued: the samples before the probes were added are NaN")
    c.check(np.array_equal(pr[~before], g["probe/phi"][()][~before]), "continued: later samples equal the uninterrupted run's")

# --set adds a point; the effective config shows them
p = run(["validate", os.path.join(d, "p2linear.yaml"), "--set", "probe.points.extra=[1, 1]"], check=0)
c.check("extra: [1.0, 1.0]" in p.stdout and "centre: [0.0, 0.0]" in p.stdout, "validate: the points in the effective YAML")

# refusals, with the key
for what, text, key in [
    ("outside the box", "cgl: {grid_size: [16, 16], spatial_extent: [4.0, 4.0]}\nprobe:\n  points: {far: [3.0, 0.0]}\n",
     "probe.points.far: expected x in"),
    ("wrong dimension", "cgl: {grid_size: [16, 16], spatial_extent: [4.0, 4.0]}\nprobe:\n  points: {a: [0.0]}\n",
     "probe.points.a: expected 2 coordinates"),
    ("no field", "kuramoto: {oscillators: 4}\nprobe:\n  points: {a: [0.0]}\n", "expected a cgl: section"),
    ("no points", "cgl: {grid_size: [16, 16], spatial_extent: [4.0, 4.0]}\nprobe:\n  interpolation: nearest\n",
     "expected at least one point"),
    ("no samples", "cgl: {grid_size: [16, 16], spatial_extent: [4.0, 4.0]}\nprobe:\n  points: {a: [0.0, 0.0]}\n"
     "output: {metrics_interval: 0}\n", "output.metrics_interval is 0"),
    ("not a list", "cgl: {grid_size: [16, 16], spatial_extent: [4.0, 4.0]}\nprobe:\n  points: {a: 1.0}\n",
     "probe.points.a: expected a list"),
]:
    p = run(["validate", write(os.path.join(d, "bad.yaml"), text)])
    c.check(p.returncode == 78 and key in p.stderr, f"{what}: exit {p.returncode}, {p.stderr.strip()!r}")

c.done()
