#!/usr/bin/python3
"""The output file read back with h5py: layout of SPEC.md §3, shapes, dtypes, attributes, and
complex values equal to what was written."""
import os

import h5py
import numpy as np

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
        c.check(np.all(np.isfinite(phi[-1])) and np.abs(phi[-1]).max() > 0, "final state finite and non-zero")

# the values written equal the values computed: float32 snapshots are the float64 ones rounded
with h5py.File(os.path.join(d, "o_float64.h5")) as f64, h5py.File(os.path.join(d, "o_float32.h5")) as f32:
    c.check(np.array_equal(f64["fields/phi"][-1].astype(np.complex64), f32["fields/phi"][-1]), "float32 = rounded float64")

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
