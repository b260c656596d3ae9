#!/usr/bin/python3
"""The Python NFCS's CGL step in numpy (Debian's numpy, /usr/bin/python3) against nfcs's
`upstream` and `strang` steps on the same grids, on this machine.

    bench/peers/numpy_cgl.py [--nfcs build/nfcs] [--grid 128,256,512]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def numpy_step_ms(n, reps_time=1.0):
    L, dt, c1, c3 = 0.78 * n, 0.05, 2.0, -0.7
    k = 2 * np.pi * np.fft.fftfreq(n, L / n)
    k2 = k[None, :] ** 2 + k[:, None] ** 2
    lin = np.exp(0.5 * dt * (1 - (1 + 1j * c1) * k2))
    rng = np.random.default_rng(0)
    phi = 0.5 * (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n)))

    def step(phi):
        phi = np.fft.ifft2(np.fft.fft2(phi) * lin)
        phi = phi + dt * (-(1 + 1j * c3) * np.abs(phi) ** 2 * phi)
        return np.fft.ifft2(np.fft.fft2(phi) * lin)

    for _ in range(3):
        phi = step(phi)
    times = []
    t_end = time.perf_counter() + reps_time
    while time.perf_counter() < t_end or len(times) < 5:
        a = time.perf_counter()
        phi = step(phi)
        times.append(time.perf_counter() - a)
    return 1e3 * float(np.median(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nfcs", default=os.path.join(os.path.dirname(__file__), "..", "..", "build", "nfcs"))
    ap.add_argument("--grid", default="128,256,512")
    a = ap.parse_args()
    grids = [int(g) for g in a.grid.split(",")]
    js = os.path.join(tempfile.mkdtemp(), "b.json")
    subprocess.run([a.nfcs, "bench", "--grid", a.grid, "--scheme", "upstream,strang", "--no-kuramoto", "--no-targets",
                    "--min-time", "1", "--json", js], check=True, capture_output=True)
    cases = {c["case"]: c for c in json.load(open(js))["cases"]}
    print(f"numpy {np.__version__} (the Python NFCS's step) vs nfcs, 2D, double, medians")
    print(f"{'grid':>8} {'numpy ms':>10} {'nfcs upstream ms':>17} {'speed-up':>9} {'nfcs strang ms':>15} {'speed-up':>9}")
    for n in grids:
        npy = numpy_step_ms(n)
        thr = [c for c in cases.values() if c["n"] == n]
        up = min(c["step_ms"] for c in thr if c["scheme"] == "upstream")
        st = min(c["step_ms"] for c in thr if c["scheme"] == "strang")
        print(f"{n:>7}² {npy:10.3f} {up:17.4f} {npy / up:8.1f}× {st:15.4f} {npy / st:8.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
