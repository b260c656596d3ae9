#!/usr/bin/python3
"""Metrics of known fields against values computed independently with numpy: R_global, the
energies (gradient energy spectrally), the upstream defect density and H_a, vortex counts of a
single vortex, a vortex pair and a vortex-free curved phase, risk and J with the config's
weights, and R = 1 for identical phases."""
import os

import h5py
import numpy as np

from nfcs_testlib import Checker, run, tmpdir, write

c = Checker()
d = tmpdir()
nx, ny, Lx, Ly = 64, 48, 20.0, 15.0
dx, dy = Lx / nx, Ly / ny
x = -Lx / 2 + np.arange(nx) * dx
y = -Ly / 2 + np.arange(ny) * dy
X, Y = np.meshgrid(x, y)  # [ny, nx]
w = dict(w_field_energy=1.3, w_field_gradient=0.7, w_control_energy=0.1, w_coherence_penalty=2.5,
         w_hallucinations=1.5, w_defect_density=1.1, w_coherence_loss=2.2, w_violations=3.0)


def metrics_of(field, theta=None):
    with h5py.File(os.path.join(d, "ic.h5"), "w") as f:
        f["phi"] = field
        if theta is not None:
            f["theta"] = theta
    cost = "\n".join(f"  {k}: {v}" for k, v in w.items())
    kur = "" if theta is None else (f"kuramoto:\n  oscillators: {len(theta)}\n"
                                    "  initial_phases: {type: file, path: ic.h5}\n")
    cfg = write(os.path.join(d, "c.yaml"), f"cgl:\n  grid_size: [{nx}, {ny}]\n  spatial_extent: [{Lx}, {Ly}]\n"
                f"  initial_condition: {{type: file, path: ic.h5}}\n{kur}cost_functional:\n{cost}\n"
                "run: {t_end: 0.0}\n")
    out = os.path.join(d, "o.h5")
    run(["run", cfg, "-o", out, "--quiet"], check=0)
    with h5py.File(out) as f:
        return {k: f["metrics"][k][0] for k in f["metrics"] if k != "t"}


def upstream_rho(theta):
    """The Python NFCS's formula on an (already unwrapped) phase: numpy.gradient twice."""
    gy, gx = np.gradient(theta, dy, dx)
    d2y, _ = np.gradient(gy, dy, dx)
    _, d2x = np.gradient(gx, dy, dx)
    return np.abs(d2y - d2x) / (2 * np.pi)


# a smooth field with a curved phase and no vortex
th = 2 * np.pi * X / Lx + 0.8 * np.sin(2 * np.pi * Y / Ly) + 0.3 * np.cos(2 * np.pi * 2 * X / Lx)
amp = 1.0 + 0.2 * np.cos(2 * np.pi * Y / Ly)
phi = amp * np.exp(1j * th)
m = metrics_of(phi, theta=np.full(7, 0.4))
R_global = np.abs(phi).mean()
E = (np.abs(phi) ** 2).sum() * dx * dy
F = np.fft.fft2(phi)
k2 = (2 * np.pi * np.fft.fftfreq(nx, dx))[None, :] ** 2 + (2 * np.pi * np.fft.fftfreq(ny, dy))[:, None] ** 2
G = (k2 * np.abs(F) ** 2).sum() * dx * dy / (nx * ny)
rho = upstream_rho(th)
H = rho.sum() * dx * dy
risk = w["w_hallucinations"] * H + w["w_defect_density"] * rho.mean() + w["w_coherence_loss"] * (1 - R_global) \
    + w["w_coherence_loss"] * (1 - 1.0)
J = w["w_field_energy"] * E + w["w_field_gradient"] * G + w["w_coherence_penalty"] * (1 - 0.5 * (R_global + 1.0))


def close(name, got, want, rtol=1e-10, atol=1e-12):
    c.check(abs(got - want) <= atol + rtol * abs(want), f"{name}: {got!r} vs {want!r}")


close("R_global", m["R_global"], R_global)
close("field_energy", m["field_energy"], E)
close("gradient_energy", m["gradient_energy"], G)
close("defect_density", m["defect_density"], rho.mean())
close("hallucination_number", m["hallucination_number"], H)
close("systemic_risk", m["systemic_risk"], risk)
close("J", m["J"], J)
close("control_energy", m["control_energy"], 0.0)
close("R of identical phases", m["R"], 1.0, rtol=1e-14)
close("psi", m["psi"], 0.4, rtol=1e-14)
close("R_modular", m["R_modular"], 1.0, rtol=1e-14)
c.check(m["defect_count"] == 0 and m["defect_charge"] == 0, f"vortex-free curved phase: {m['defect_count']} vortices")

# a vortex pair: +1 at (-4, 1), -1 at (5, -2); total 0
th = np.arctan2(Y - 1, X + 4) - np.arctan2(Y + 2, X - 5)
m = metrics_of(np.exp(1j * th) * np.tanh(np.hypot(X + 4, Y - 1)) * np.tanh(np.hypot(X - 5, Y + 2)))
c.check((m["defect_positive"], m["defect_negative"], m["defect_count"], m["defect_charge"]) == (1, 1, 2, 0),
        f"vortex pair: +{m['defect_positive']} -{m['defect_negative']}")

# a single vortex: a field that is not periodic; its jump at the box edges is not counted
th = np.arctan2(Y - 0.5, X - 1.0)
m = metrics_of(np.tanh(np.hypot(X - 1, Y - 0.5)) * np.exp(1j * th))
c.check((m["defect_positive"], m["defect_negative"], m["defect_count"], m["defect_charge"]) == (1, 0, 1, 1),
        f"single vortex: +{m['defect_positive']} -{m['defect_negative']}")
c.done()
