#!/usr/bin/python3
"""The post-analysis on small runs made here: numbers against values computed independently (the
spectrum of a plane wave peaks at its k, its temporal frequency is c3 + (c1 - c3) k^2, R of
identical phases is 1), every PNG non-empty with the expected size, xarray opens the file with
named dimensions, the XDMF sidecar is well-formed and points at datasets of the file, a reader
sees the snapshot count grow while a run writes, and nfcs info summarises the file."""
import os
import signal
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import h5py
import numpy as np

from nfcs_testlib import SOURCE_DIR, Checker, run, start, tmpdir, write

sys.path.insert(0, os.path.join(SOURCE_DIR, "analysis"))
import nfcs_analysis as na  # noqa: E402

c = Checker()
d = tmpdir()
L, m = 40.0, 3
c1, c3 = 0.5, 0.3
k = 2 * np.pi * m / L
cfg = write(os.path.join(d, "pw.yaml"), f"""
cgl:
  c1: {c1}
  c3: {c3}
  grid_size: [64, 48]
  spatial_extent: [{L}, {L * 48 / 64}]
  time_step: 0.01
  scheme: etdrk4
  initial_condition: {{type: plane_wave, amplitude: {np.sqrt(1 - k * k)}, wavenumber: [{m}, 0]}}
kuramoto:
  oscillators: 30
  frequency_distribution: {{type: lorentzian, width: 0.0}}
  initial_phases: {{type: equal, value: 0.7}}
regulator: {{type: none}}
run: {{t_end: 20.0}}
output: {{snapshot_interval: 0.25, metrics_interval: 0.5, xdmf: true}}
""")
out = os.path.join(d, "pw.h5")
run(["run", cfg, "-o", out, "--quiet"], check=0)

r = na.open_run(out)
# the radially averaged spectrum of the plane wave peaks at |k| = 2 pi m / L
kk, P = na.radial_spectrum(r.phi(-1), r.extent)
c.check(abs(kk[np.argmax(P)] - k) < 0.5 * (kk[1] - kk[0]), f"spectrum peak at {kk[np.argmax(P)]:.4f}, expected {k:.4f}")
# its temporal frequency at a point
w = na.dominant_frequency(r, point=(10, 7))
expect = c3 + (c1 - c3) * k * k  # VALIDATION.md CGL 3, written here (not taken from the module under test)
c.check(abs(w - expect) < 0.01, f"dominant frequency {w:.5f}, expected c3 + (c1 - c3) k^2 = {expect:.5f}")
c.check(na.plane_wave_frequency(c1, c3, k * k) == expect, "plane_wave_frequency")
# R of identical phases is 1, and the time average with its standard error
R, psi = na.order_parameter(r.theta(-1))
c.check(abs(R - 1) < 1e-12 and abs(psi - 0.7) < 1e-9, f"R of identical phases {R}, psi {psi}")
t, Rm = r.metric("R")
mean, se = na.time_average(t, Rm, 5.0)
c.check(abs(mean - 1) < 1e-12 and se < 1e-12, f"<R> = {mean} +- {se}")
tt = np.linspace(0, 100, 1001)
x = 0.5 + 0.1 * np.sin(tt)
mean, se = na.time_average(tt, x, 10.0)
c.check(abs(mean - 0.5) < 0.02 and 0 < se < 0.05, f"time average of a known series: {mean} +- {se}")
s = na.summary(r)
c.check(s["snapshots"] == 81 and s["grid"] == [48, 64] and s["oscillators"] == 30, f"summary {s['snapshots']} {s.get('grid')}")
r.close()

# the command: summary.json and the PNGs, each non-empty with the size it was drawn at
an = os.path.join(d, "an")
p = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE_DIR, "analysis", "nfcs_analyze.py"), out, "-o", an],
                   capture_output=True, text=True)
c.check(p.returncode == 0 and "snapshots: 81" in p.stdout, f"nfcs_analyze: {p.returncode} {p.stderr[-400:]}")
expected = {"field_snapshots.png": None, "metrics.png": None, "phases_raster.png": (720, 360),
            "phases_circle.png": (405, 405), "spectrum.png": (540, 360), "tick_latency.png": (630, 315)}
for name, size in expected.items():
    path = os.path.join(an, name)
    ok = os.path.exists(path) and os.path.getsize(path) > 2000
    if ok:
        with open(path, "rb") as f:
            head = f.read(24)
        ok = head[:8] == b"\x89PNG\r\n\x1a\n"
        w_, h_ = struct.unpack(">II", head[16:24])
        if size:
            ok = ok and (w_, h_) == size
    c.check(ok, f"{name}: missing, empty or not of size {size}")
c.check(os.path.exists(os.path.join(an, "field_animation.gif")) or os.path.isdir(os.path.join(an, "frames")), "animation")
c.check(os.path.exists(os.path.join(an, "summary.json")), "summary.json")

# xarray opens the file with named dimensions and coordinates
import xarray as xr  # noqa: E402
ds = xr.open_dataset(out, engine="h5netcdf")
c.check(ds["phi"].dims == ("t", "y", "x") and "x" in ds.coords and ds.sizes["t"] == 81, f"xarray root: {ds}")
c.check(ds["theta"].dims == ("t", "oscillator"), f"xarray theta dims {ds['theta'].dims}")
dm = xr.open_dataset(out, engine="h5netcdf", group="metrics")
c.check(dm["R"].dims == ("t",) and dm.sizes["t"] == 41, f"xarray metrics: {dict(dm.sizes)}")

# the XDMF sidecar: well-formed XML whose datasets exist in the HDF5 file with the shapes it says
xmf = os.path.join(d, "pw.xmf")
tree = ET.parse(xmf)
grids = tree.getroot().findall(".//Grid[@GridType='Uniform']")
c.check(len(grids) == 81, f"XDMF: {len(grids)} time steps")
with h5py.File(out) as f:
    # every time step: |phi| and arg phi, each a dataset of its own (/xdmf/abs_phi/00000k: a virtual
    # view of slot k of /fields/abs_phi, which every XDMF reader reads) whose values are |phi| and
    # arg phi of snapshot k
    phi_all = f["fields/phi"][:]
    nref = 0
    for k, g in enumerate(grids):
        attrs = {a.get("Name"): a for a in g.findall("Attribute")}
        c.check(set(attrs) == {"abs_phi", "arg_phi"}, f"XDMF step {k}: attributes {sorted(attrs)}")
        for name, a in attrs.items():
            ref = a.find("DataItem")
            fname, dset = ref.text.strip().split(":")
            dims = tuple(int(v) for v in ref.get("Dimensions").split())
            ok = fname == "pw.h5" and dset == f"/xdmf/{name}/{k:06d}" and dset in f and f[dset].shape == dims
            want = np.abs(phi_all[k]) if name == "abs_phi" else np.angle(phi_all[k])
            ok = ok and np.allclose(f[dset][()], want, rtol=0, atol=1e-12) and np.array_equal(f[dset][()], f[f"fields/{name}"][k])
            nref += 1
            if not c.check(ok, f"XDMF step {k} {name}: {ref.text} {dims}"):
                break
    c.check(nref == 2 * len(grids) and nref > 0, f"XDMF: {nref} references checked")
    times = [float(g.find("Time").get("Value")) for g in grids]
    c.check(np.allclose(times, f["time/t"][:]), "XDMF times are the snapshot times")

# a reader follows the file while the run writes it: the run would never end by itself (paced,
# t_end far away); it is stopped once the reader has seen the snapshot count grow three times
live = write(os.path.join(d, "live.yaml"), "cgl:\n  grid_size: [32, 32]\ncoordinator: {realtime: true, rate_hz: 20}\n"
             "run: {t_end: 1000.0}\noutput: {snapshot_interval: 0.2}\n")
lo = os.path.join(d, "live.h5")
proc = start(["run", live, "-o", lo, "--quiet"])
seen = set()
t0 = time.time()
while proc.poll() is None and len(seen) < 4 and time.time() - t0 < 300:
    if os.path.exists(lo):
        try:
            rr = na.open_run(lo)
            seen.add(rr.nsnap)
            rr.close()
        except (OSError, KeyError, ValueError):
            pass
    time.sleep(0.02)
proc.send_signal(signal.SIGINT)
proc.communicate(timeout=120)
c.check(len(seen) >= 4, f"a reader saw the snapshot count grow during the run: {sorted(seen)}")
c.check(proc.returncode == 130, f"the live run stopped by SIGINT: exit {proc.returncode}")

# nfcs info summarises it
p = run(["info", out], check=0)
c.check("model hash" in p.stdout and "snapshots         81" in p.stdout and "R   " in p.stdout, f"nfcs info:\n{p.stdout}")
c.done()
