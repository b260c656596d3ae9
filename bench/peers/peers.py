#!/usr/bin/python3
"""The peers side by side: one CGL case in XMDS2 (RK4IP and ARK45IP), in numpy (the Python NFCS's
step) and in nfcs (strang, etdrk4, upstream), each timed per unit of model time and measured against
a converged reference -- speed at equal accuracy.

The case: dphi/dt = phi + (1 + i c1) lap phi - (1 + i c3)|phi|^2 phi, c1 = 1.5, c3 = -1.2, on the
periodic box [-32, 32)^2 at 256^2 and 512^2 points, dt = 0.01, from t = 0 to 1, starting from a
band-limited analytic field that every code evaluates itself (nfcs reads it from a file written
here).  The reference is nfcs's etdrk4 at 512^2 with dt = 1e-3, cross-checked against XMDS2's
ARK45IP at tolerance 1e-10 on the same grid; the 256^2 runs are compared with it at the points
the two grids share.

Time per unit model time is the difference of a run to t = 2 and one to t = 1 (set-up, planning,
compilation and output left out), the best of --repeat; every code on --threads threads.

    bench/peers/peers.py [--nfcs build/nfcs] [--grid 256,512] [--threads 2] [--repeat 3] [--out bench/results/peers]

Needs Debian's xmds2 for the XMDS2 rows (skipped with a note where it is absent)."""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

C1, C3, L, DT = 1.5, -1.2, 64.0, 0.01


def initial(n):
    """the band-limited start, on x_j = -L/2 + j L/n (C order: [y, x])"""
    x = -L / 2 + np.arange(n) * L / n
    X, Y = np.meshgrid(x, x, indexing="xy")
    k = 2 * np.pi / L
    return 0.6 * (np.cos(k * X) + 1j * np.sin(2 * k * Y)) + 0.3 * np.sin(3 * k * (X + Y)) + 0.2j * np.cos(k * (X - 2 * Y))


XMDS_INIT = "phi = 0.6 * (cos(k * x) + i * sin(2.0 * k * y)) + 0.3 * sin(3.0 * k * (x + y)) + i * 0.2 * cos(k * (x - 2.0 * y));"


def xmds_script(name, n, algorithm, interval, threads, steps=None, tolerance=None):
    how = f'steps="{steps}"' if steps else f'tolerance="{tolerance}"'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<simulation xmds-version="2">
  <name>{name}</name>
  <features>
    <auto_vectorise />
    <fftw plan="measure" threads="{threads}" />
    <openmp threads="{threads}" />
    <globals><![CDATA[ const double c1 = {C1}, c3 = {C3}, L = {L}; ]]></globals>
  </features>
  <geometry>
    <propagation_dimension> t </propagation_dimension>
    <transverse_dimensions>
      <dimension name="x" lattice="{n}" domain="({-L / 2}, {L / 2})" />
      <dimension name="y" lattice="{n}" domain="({-L / 2}, {L / 2})" />
    </transverse_dimensions>
  </geometry>
  <vector name="field" type="complex" dimensions="x y">
    <components> phi </components>
    <initialisation><![CDATA[ const double k = 2.0 * M_PI / L; {XMDS_INIT} ]]></initialisation>
  </vector>
  <sequence>
    <integrate algorithm="{algorithm}" interval="{interval}" {how}>
      <samples>1</samples>
      <operators>
        <operator kind="ip" type="complex">
          <operator_names>Lin</operator_names>
          <![CDATA[ Lin = 1.0 - (1.0 + i * c1) * (kx * kx + ky * ky); ]]>
        </operator>
        <integration_vectors>field</integration_vectors>
        <![CDATA[ dphi_dt = Lin[phi] - (1.0 + i * c3) * mod2(phi) * phi; ]]>
      </operators>
    </integrate>
  </sequence>
  <output format="hdf5" filename="{name}.xsil">
    <sampling_group basis="x y" initial_sample="no">
      <moments> pr pim </moments>
      <dependencies> field </dependencies>
      <![CDATA[ pr = phi.Re(); pim = phi.Im(); ]]>
    </sampling_group>
  </output>
</simulation>
"""


class Peers:
    def __init__(self, a):
        self.a = a
        self.dir = tempfile.mkdtemp(prefix="nfcs-peers-")
        self.rows = []

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---------------------------------------------------------------- nfcs
    def nfcs(self, n, scheme, t_end, dt=DT):
        ic = os.path.join(self.dir, f"ic{n}.h5")
        if not os.path.exists(ic):
            z = initial(n)
            comp = np.zeros(z.shape, dtype=[("r", "<f8"), ("i", "<f8")])
            comp["r"], comp["i"] = z.real, z.imag
            with h5py.File(ic, "w") as f:
                f["phi"] = comp
        out = os.path.join(self.dir, f"nfcs_{scheme}_{n}_{t_end}_{dt}.h5")
        cfg = os.path.join(self.dir, f"nfcs_{scheme}_{n}.yaml")
        with open(cfg, "w") as f:
            f.write(f"""cgl:
  c1: {C1}
  c3: {C3}
  grid_size: [{n}, {n}]
  spatial_extent: [{L}, {L}]
  time_step: {dt}
  scheme: {scheme}
  initial_condition: {{type: file, path: {ic}, dataset: /phi}}
regulator: {{type: none}}
run: {{t_end: {t_end}}}
coordinator: {{sim_time_per_tick: {t_end}}}
output: {{snapshot_interval: 0, metrics_interval: 0}}
""")
        p = subprocess.run([self.a.nfcs, "run", cfg, "-o", out, "-q", "--no-cache", "--threads", str(self.a.threads)],
                           capture_output=True, text=True, check=True)
        m = re.search(r"reached in ([0-9.]+) s \(setup ([0-9.]+) s\)", p.stdout)
        wall = float(m.group(1)) - float(m.group(2))
        with h5py.File(out) as f:
            z = f["fields/phi"][-1]
            if z.dtype.names:  # h5py reads the {r, i} compound as complex; an older one as a record
                z = z["r"] + 1j * z["i"]
        os.remove(out)
        return wall, z

    # ---------------------------------------------------------------- numpy
    def numpy(self, n, t_end):
        k = 2 * np.pi * np.fft.fftfreq(n, L / n)
        k2 = k[None, :] ** 2 + k[:, None] ** 2
        lin = np.exp(0.5 * DT * (1 - (1 + 1j * C1) * k2))
        phi = initial(n)
        a = time.perf_counter()
        for _ in range(int(round(t_end / DT))):
            phi = np.fft.ifft2(np.fft.fft2(phi) * lin)
            phi = phi + DT * (-(1 + 1j * C3) * np.abs(phi) ** 2 * phi)
            phi = np.fft.ifft2(np.fft.fft2(phi) * lin)
        return time.perf_counter() - a, phi

    # ---------------------------------------------------------------- XMDS2
    def xmds(self, n, algorithm, t_end, steps=None, tolerance=None):
        name = f"x{algorithm.lower()}{n}t{int(t_end)}" + (f"s{steps}" if steps else f"e{abs(int(np.log10(tolerance)))}")
        src = os.path.join(self.dir, name + ".xmds")
        with open(src, "w") as f:
            f.write(xmds_script(name, n, algorithm, t_end, self.a.threads, steps=steps, tolerance=tolerance))
        subprocess.run(["xmds2", src], cwd=self.dir, capture_output=True, text=True, check=True)
        walls = []
        for _ in range(self.a.repeat if not tolerance else 1):  # an adaptive run is long: once
            a = time.perf_counter()
            subprocess.run([os.path.join(self.dir, name)], cwd=self.dir, capture_output=True, text=True, check=True,
                           timeout=self.a.xmds_timeout)
            walls.append(time.perf_counter() - a)
        with h5py.File(os.path.join(self.dir, name + ".h5")) as f:
            z = (f["1/pr"][()] + 1j * f["1/pim"][()]).T  # XMDS2 writes [x][y]; C order [y][x] here
            x = f["1/x"][()]
        assert abs(x[0] + L / 2) < 1e-12 and abs(x[1] - x[0] - L / n) < 1e-12, f"XMDS2's grid {x[:3]}"
        return min(walls), z

    # ---------------------------------------------------------------- the table
    def add(self, code, method, n, run, ref, dt=DT):
        walls, z = {}, None
        try:
            for t_end in (1.0, 2.0):
                best = None
                for _ in range(self.a.repeat if code != "xmds2" else 1):
                    w, zz = run(t_end)
                    best = w if best is None or w < best else best
                    if t_end == 1.0:
                        z = zz
                walls[t_end] = best
        except subprocess.TimeoutExpired:
            row = {"code": code, "method": method, "grid": n, "dt": None, "s_per_model_time": None,
                   "note": f"did not reach t = {len(walls) + 1} within {self.a.xmds_timeout} s"}
            self.rows.append(row)
            print(f"{code:7} {method:20} {n:5}^2  did not reach t = {len(walls) + 1} within {self.a.xmds_timeout:.0f} s "
                  f"(t = 1 took {walls.get(1.0, float('nan')):.1f} s)", flush=True)
            return
        per_unit = walls[2.0] - walls[1.0]
        r = ref[:: ref.shape[0] // n, :: ref.shape[1] // n]
        err = float(np.max(np.abs(z - r)) / np.max(np.abs(r)))
        row = {"code": code, "method": method, "grid": n, "dt": None if method.startswith("ARK45") else dt,
               "s_per_model_time": per_unit, "wall_t1_s": walls[1.0], "error_vs_reference": err}
        self.rows.append(row)
        print(f"{code:7} {method:20} {n:5}^2  {per_unit:9.4f} s per unit model time   error {err:9.2e}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nfcs", default="build/nfcs")
    ap.add_argument("--grid", default="256,512")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default="")
    ap.add_argument("--xmds-timeout", type=float, default=120.0, help="seconds an XMDS2 run may take (adaptive runs at 512^2 are long)")
    a = ap.parse_args()
    grids = [int(g) for g in a.grid.split(",")]
    P = Peers(a)
    try:
        nref = max(grids)
        print(f"reference: nfcs etdrk4 {nref}^2, dt = 1e-3", flush=True)
        _, ref = P.nfcs(nref, "etdrk4", 1.0, dt=1e-3)
        have_xmds = shutil.which("xmds2") is not None
        check = None
        if have_xmds:
            _, xref = P.xmds(nref, "ARK45", 1.0, tolerance=1e-10)
            check = float(np.max(np.abs(xref - ref)) / np.max(np.abs(ref)))
            print(f"reference vs XMDS2 ARK45IP tol 1e-10: {check:.2e}", flush=True)
        for n in grids:
            for scheme in ("strang", "etdrk4", "upstream"):
                P.add("nfcs", scheme, n, lambda t, n=n, s=scheme: P.nfcs(n, s, t), ref)
            # equal accuracy: the step each scheme needs to meet the others' errors
            for scheme, dt in (("etdrk4", 0.02), ("etdrk4", 0.04), ("strang", 0.0025)):
                P.add("nfcs", f"{scheme} dt {dt}", n, lambda t, n=n, s=scheme, dt=dt: P.nfcs(n, s, t, dt=dt), ref, dt=dt)
            P.add("numpy", "Python NFCS step", n, lambda t, n=n: P.numpy(n, t), ref)
            if have_xmds:
                P.add("xmds2", "RK4IP dt 0.01", n, lambda t, n=n: P.xmds(n, "RK4", t, steps=int(round(t / DT))), ref)
                for tol in (1e-6, 1e-9):
                    P.add("xmds2", f"ARK45IP tol {tol:.0e}".replace("e-0", "e-"), n, lambda t, n=n, tol=tol: P.xmds(n, "ARK45", t, tolerance=tol), ref)
        info = {"machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores", "cpu": cpu_model(),
                "threads": a.threads, "case": {"c1": C1, "c3": C3, "box": [-L / 2, L / 2], "dt": DT, "t": 1.0},
                "reference": f"nfcs etdrk4 {nref}^2 dt 1e-3", "reference_vs_xmds2_ark45_1e-10": check,
                "xmds2": xmds_version() if have_xmds else None, "numpy": np.__version__,
                "nfcs": subprocess.run([a.nfcs, "--version"], capture_output=True, text=True).stdout.strip(), "rows": P.rows}
        if not have_xmds:
            print("(xmds2 is not installed: apt-get install xmds2 adds its rows)")
        if a.out:
            with open(a.out + ".json", "w") as f:
                json.dump(info, f, indent=1)
            print(f"wrote {a.out}.json")
    finally:
        P.close()
    return 0


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def xmds_version():
    p = subprocess.run(["xmds2", "--version"], capture_output=True, text=True)
    return (p.stdout + p.stderr).strip().splitlines()[0] if (p.stdout + p.stderr).strip() else "?"


if __name__ == "__main__":
    sys.exit(main())
