#!/usr/bin/python3
"""The XDMF sidecar in ParaView (SPEC.md 3): Debian's ParaView (pvbatch under xvfb-run) opens it with
each of its XDMF readers -- "XDMF Reader" (XDMF 2) and "Xdmf3ReaderS"/"Xdmf3ReaderT" (XDMF 3) -- and
every one shows the time series with both arrays, |phi| and arg phi, whose values are those of the
file: the snapshot times, the point count, the range of |phi| at the last snapshot (to 1e-12, 1e-6
for float32 snapshots).  2D, 1D (a 1 x nx mesh) and 3D grids, a file continued by a restart, and
one written by two processes.  Skipped where ParaView is not installed
(scripts/install-deps.sh --with-paraview installs it)."""
import json
import os
import shutil
import subprocess

import h5py
import numpy as np

from nfcs_testlib import Checker, _die_with_parent, mpi_available, mpirun, run, tmpdir, write

c = Checker()
PVBATCH, XVFB = shutil.which("pvbatch"), shutil.which("xvfb-run")
if not PVBATCH or not XVFB:
    c.skip("ParaView's pvbatch or xvfb-run is not installed (scripts/install-deps.sh --with-paraview)")

d = tmpdir()
PROBE = write(os.path.join(d, "probe.py"), """
import json, sys
from paraview.simple import XDMFReader, Xdmf3ReaderS, Xdmf3ReaderT, servermanager
f, out = sys.argv[1], {}
for name, make in (("XDMFReader", lambda: XDMFReader(FileNames=[f])), ("Xdmf3ReaderS", lambda: Xdmf3ReaderS(FileName=[f])),
                   ("Xdmf3ReaderT", lambda: Xdmf3ReaderT(FileName=[f]))):
    try:
        r = make()
        ts = [float(t) for t in r.TimestepValues]
        r.UpdatePipeline(ts[-1])
        data = servermanager.Fetch(r)
        arrays = {a: list(r.PointData[a].GetRange()) for a in r.PointData.keys()}
        out[name] = {"times": ts, "points": data.GetNumberOfPoints(), "arrays": arrays}
    except Exception as e:
        out[name] = {"error": str(e)}
print("PROBE" + json.dumps(out))
""")


def probe(xmf):
    p = subprocess.run([XVFB, "-a", PVBATCH, PROBE, os.path.abspath(xmf)], capture_output=True, text=True, timeout=300,
                       preexec_fn=_die_with_parent)
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("PROBE")]
    if not c.check(line, f"pvbatch ran on {xmf}: exit {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"):
        return {}
    return json.loads(line[0][5:])


def check(what, h5, xmf, tol):
    with h5py.File(h5) as f:
        times = f["time/t"][:]
        last = np.abs(f["fields/phi"][-1])
    for reader, r in probe(xmf).items():
        if not c.check("error" not in r, f"{what}: {reader} opens the sidecar: {r.get('error')}"):
            continue
        c.check(np.allclose(r["times"], times, rtol=0, atol=1e-12), f"{what}: {reader} shows the {len(times)} snapshot times: {r['times']}")
        c.check(r["points"] == last.size, f"{what}: {reader}: {r['points']} points, the grid has {last.size}")
        c.check(set(r["arrays"]) == {"abs_phi", "arg_phi"}, f"{what}: {reader} shows |phi| and arg phi: {sorted(r['arrays'])}")
        lo, hi = r["arrays"].get("abs_phi", [np.nan, np.nan])
        c.check(abs(lo - last.min()) <= tol * last.max() and abs(hi - last.max()) <= tol * last.max(),
                f"{what}: {reader}: |phi| at the last snapshot spans [{lo}, {hi}], the file [{last.min()}, {last.max()}]")
        a_lo, a_hi = r["arrays"].get("arg_phi", [np.nan, np.nan])
        with h5py.File(h5) as f:
            arg = np.angle(f["fields/phi"][-1])
        c.check(abs(a_lo - arg.min()) <= 1e-6 and abs(a_hi - arg.max()) <= 1e-6,
                f"{what}: {reader}: arg phi spans [{a_lo}, {a_hi}], the file [{arg.min()}, {arg.max()}]")


BASE = """
cgl:
  grid_size: {grid}
  spatial_extent: {extent}
run:
  t_end: {t_end}
output:
  path: {out}
  snapshot_interval: 0.1
  xdmf: true
  precision: {precision}
cache:
  enabled: false
"""


def case(name, grid, extent, precision="float64", t_end=0.3, extra=()):
    out = os.path.join(d, name + ".h5")
    cfg = write(os.path.join(d, name + ".yaml"), BASE.format(grid=grid, extent=extent, t_end=t_end, out=out, precision=precision))
    run(["run", cfg, "-q", *extra], check=0)
    return cfg, out, out[:-3] + ".xmf"


_, h, x = case("plane", "[32, 24]", "[10.0, 8.0]")
check("2D", h, x, 1e-12)
_, h, x = case("line", "[64]", "[10.0]")
check("1D", h, x, 1e-12)
_, h, x = case("box", "[8, 12, 16]", "[5.0, 6.0, 8.0]", precision="float32")
check("3D float32", h, x, 1e-6)
# a restart continues the file and the sidecar: every snapshot, old and new
cfg, h, x = case("cont", "[32, 32]", "[10.0, 10.0]", t_end=0.2)
run(["run", cfg, "-q", "--restart", h[:-3] + ".ckpt.h5", "--set", "run.t_end=0.5"], check=0)
with h5py.File(h) as f:
    c.check(f["time/t"].shape[0] == 6, f"the continued file has 6 snapshots: {f['time/t'][:]}")
check("continued by a restart", h, x, 1e-12)
# written by two processes (parallel HDF5 where the build has it, else gathered)
if mpi_available():
    out = os.path.join(d, "two.h5")
    cfg = write(os.path.join(d, "two.yaml"), BASE.format(grid="[32, 24]", extent="[10.0, 8.0]", t_end=0.3, out=out, precision="float64"))
    p = mpirun(2, ["run", cfg, "-q", "--threads", "1"])
    if c.check(p.returncode == 0, f"mpirun -n 2 with the sidecar: exit {p.returncode}\n{p.stderr[-1000:]}"):
        check("two processes", out, out[:-3] + ".xmf", 1e-12)
c.done()
