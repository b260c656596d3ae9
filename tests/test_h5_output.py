#!/usr/bin/python3
"""The output file read back with h5py: layout of SPEC.md §3, shapes, dtypes, attributes, and
complex values equal to what was written."""
import os

import h5py
import numpy as np
import yaml

from nfcs_testlib import Checker, run, tmpdir, write

c = Checker()
d = tmpdir()
nx, ny, Lx, Ly = 32, 16, 8.0, 5.0
x = -Lx / 2 + np.arange(nx) * Lx / nx
y = -Ly / 2 + np.arange(ny) * Ly / ny
rng = np.random.default_rng(5)
ic = (rng.standard_normal((ny, nx)) + 1j * rng.standard_normal((ny, nx))) * 0.3
with h5py.File(os.path.join(d, "ic.h5"), "w") as f:
    f["init/field"] = ic

cfg = write(os.path.join(d, "c.yaml"), f"""
cgl:
  c1: 0.5
  c3: -0.2
  grid_size: [{nx}, {ny}]
  spatial_extent: [{Lx}, {Ly}]
  time_step: 0.01
  initial_condition: {{type: file, path: ic.h5, dataset: /init/field}}
run:
  t_end: 1.05
output:
  snapshot_interval: 0.25
""")
for prec, dtype in (("float64", np.complex128), ("float32", np.complex64)):
    out = os.path.join(d, f"o_{prec}.h5")
    p = run(["run", cfg, "-o", out, "--quiet", "--set", f"output.precision={prec}"], check=0)
    with h5py.File(out, "r") as f:
        a = f.attrs
        c.check(a["software"] == "nfcs", "software attribute")
        for key in ("software_version", "created", "command_line", "backend", "precision", "threads"):
            c.check(key in a, f"root attribute {key}")
        c.check(a["precision"] == prec and a["backend"] == "cpu", f"precision/backend attributes {dict(a)}")
        c.check(a["threads"] >= 1, "threads attribute")
        phi = f["fields/phi"]
        c.check(phi.shape == (6, ny, nx), f"/fields/phi shape {phi.shape}")
        c.check(phi.dtype == dtype, f"/fields/phi dtype {phi.dtype}")
        t = f["time/t"][:]
        c.check(np.array_equal(t, [0, 0.25, 0.5, 0.75, 1.0, 1.05]), f"/time/t = {t}")
        c.check(np.array_equal(f["time/step"][:], [0, 25, 50, 75, 100, 105]), f"/time/step = {f['time/step'][:]}")
        c.check(np.array_equal(f["grid/x"][:], x) and np.array_equal(f["grid/y"][:], y), "grid coordinates")
        c.check("grid/z" not in f, "2D file has no /grid/z")
        y0 = f["config/effective_yaml"][()]
        y0 = y0.decode() if isinstance(y0, bytes) else y0
        c.check(f"grid_size: [{nx}, {ny}]" in y0 and f"precision: {prec}" in y0, "effective config stored")
        first = phi[0]
        if a["engine_precision"] == "single":
            c.check(np.array_equal(first, ic.astype(np.complex64)), "single engine: snapshot 0 is the rounded initial field")
        elif prec == "float64":
            c.check(np.array_equal(first, ic), "snapshot 0 holds the initial field bit for bit")
        else:
            c.check(np.array_equal(first, ic.astype(np.complex64)), "float32 snapshot 0 is the rounded initial field")
        c.check(np.all(np.isfinite(phi[:])) and np.abs(phi[-1]).max() > 0, "snapshots finite, the final one non-zero")
        # the effective config loads back to the same values, and validate gives it back unchanged
        ey = write(os.path.join(d, "eff.yaml"), y0)
        v = run(["validate", ey])
        c.check(v.returncode == 0 and yaml.safe_load(v.stdout) == yaml.safe_load(y0), f"stored effective config round trip: {v.stderr}")
        c.check(yaml.safe_load(y0)["cgl"]["spatial_extent"] == [Lx, Ly] and yaml.safe_load(y0)["output"]["precision"] == prec,
                "stored effective config values")
        # /coordinator: one tick_ms per tick, and attributes that summarise them (SPEC.md 3)
        tick = f["coordinator/tick_ms"][:].astype(np.float64)
        at = f["coordinator"].attrs
        srt = np.sort(tick)
        q = lambda p: srt[max(int(np.ceil(p * len(srt))) - 1, 0)]
        c.check(len(tick) == 11 and np.all(tick > 0) and np.all(np.isfinite(tick)), f"tick_ms: {tick}")
        c.check(at["rate_hz"] == 10.0 and at["overruns"] == 0, f"/coordinator rate_hz, overruns: {dict(at)}")
        c.check(at["tick_ms_max"] == srt[-1] and at["tick_ms_p50"] == q(0.5) and at["tick_ms_p95"] == q(0.95)
                and at["tick_ms_p99"] == q(0.99), f"/coordinator quantiles {dict(at)} vs tick_ms {srt}")
        c.check(np.isfinite(at["achieved_rate_hz"]) and at["achieved_rate_hz"] > 0, "achieved_rate_hz")

# the values written equal the values computed: float32 snapshots are the float64 ones rounded
with h5py.File(os.path.join(d, "o_float64.h5")) as f64, h5py.File(os.path.join(d, "o_float32.h5")) as f32:
    c.check(np.array_equal(f64["fields/phi"][:].astype(np.complex64), f32["fields/phi"][:]), "float32 = rounded float64")
    # a snapshot holds the state at its own time: the one at t = 0.25 and 0.75 (between ticks of
    # 0.1) is the final state of runs that end there, bit for bit
    for k, tk in ((1, 0.25), (3, 0.75)):
        out = os.path.join(d, f"to_{k}.h5")
        run(["run", cfg, "-o", out, "--quiet", "--set", f"run.t_end={tk}"], check=0)
        with h5py.File(out) as fe:
            c.check(fe["time/t"][-1] == tk and np.array_equal(fe["fields/phi"][-1], f64["fields/phi"][k]),
                    f"the snapshot at t = {tk} is the state at t = {tk}")
    # the metrics at the snapshot times are those of the snapshots (R_global = mean |phi|)
    mt, rg = f64["metrics/t"][:], f64["metrics/R_global"][:]
    common = 0
    for k, tk in enumerate(f64["time/t"][:]):
        i = np.flatnonzero(np.abs(mt - tk) < 1e-12)
        if len(i):
            common += 1
            c.check(abs(rg[i[0]] - np.abs(f64["fields/phi"][k]).mean()) < 1e-13, f"R_global at t = {tk}")
    c.check(common == 4, f"metrics and snapshots share t = 0, 0.5, 1, 1.05 ({common} found)")

# 1D and 3D layouts
for dims, shape in (([24], (3, 24)), ([8, 6, 4], (3, 4, 6, 8))):
    n = ", ".join(map(str, dims))
    L = ", ".join(["4.0"] * len(dims))
    cfg = write(os.path.join(d, "c.yaml"), f"cgl:\n  grid_size: [{n}]\n  spatial_extent: [{L}]\nrun: {{t_end: 0.2}}\n"
                f"output: {{snapshot_interval: 0.1}}\n")
    out = os.path.join(d, f"o{len(dims)}.h5")
    run(["run", cfg, "-o", out, "--quiet"], check=0)
    with h5py.File(out) as f:
        c.check(f["fields/phi"].shape == shape, f"{len(dims)}D shape {f['fields/phi'].shape} != {shape}")
        for ax, name in enumerate("xyz"[: len(dims)]):
            c.check(f[f"grid/{name}"].shape == (dims[ax],), f"/grid/{name}")
c.done()
