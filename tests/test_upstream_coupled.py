#!/usr/bin/python3
"""The Python NFCS's config with scheme: upstream — field, oscillators and the proportional
regulator together — against an independent numpy implementation of the prototype's loop, from
the same initial state: agreement to round-off (VALIDATION.md, Runs)."""
import os

import h5py
import numpy as np

from nfcs_testlib import SOURCE_DIR, Checker, run, tmpdir, write

c = Checker()
d = tmpdir()
nx, ny, L, dt, steps, every = 32, 24, 10.0, 0.01, 100, 10
gf, go, lim = 0.37, 0.61, 0.05  # regulator gains and limit other than the defaults (0.1, 0.2, 1): the limit acts
c1, c3 = 0.8, 1.5
names = ["constitution", "boundary", "memory", "meta_reflection", "coherence", "esc", "freedom", "symbolic_ai"]
omega = np.array([2.0, 3.5, 4.0, 6.0, 8.0, 10.0, 12.0, 15.0])

rng = np.random.default_rng(3)
phi0 = 0.5 * (rng.standard_normal((ny, nx)) + 1j * rng.standard_normal((ny, nx)))
theta0 = rng.uniform(-np.pi, np.pi, len(omega))
with h5py.File(os.path.join(d, "init.h5"), "w") as f:
    f["phi"] = phi0
    f["theta"] = theta0

# the Python NFCS's own config file, unchanged, plus the overrides of this run
upstream = open(os.path.join(SOURCE_DIR, "configs", "upstream.yaml")).read()
cfg = write(os.path.join(d, "c.yaml"), upstream)
sets = ["cgl.scheme=upstream", f"cgl.grid_size=[{nx},{ny}]", "cgl.initial_condition.type=file",
        "cgl.initial_condition.path=init.h5", "kuramoto.initial_phases.type=file", "kuramoto.initial_phases.path=init.h5",
        "kuramoto.integrator=upstream", f"run.t_end={steps * dt}", f"coordinator.sim_time_per_tick={dt}",
        f"regulator.field_gain={gf}", f"regulator.oscillator_gain={go}", f"regulator.limit={lim}",
        f"output.snapshot_interval={every * dt}", f"output.metrics_interval={every * dt}"]
out = os.path.join(d, "o.h5")
run(["run", cfg, "-o", out, "--quiet"] + [a for s in sets for a in ("--set", s)], check=0)

# ---- the prototype's loop in numpy
kx = 2 * np.pi * np.fft.fftfreq(nx, L / nx)
ky = 2 * np.pi * np.fft.fftfreq(ny, L / ny)
k2 = kx[None, :] ** 2 + ky[:, None] ** 2
lin = np.exp(0.5 * dt * (1 - (1 + 1j * c1) * k2))


def cgl_step(phi, u):
    phi = np.fft.ifft2(np.fft.fft2(phi) * lin)
    phi = phi + dt * (-(1 + 1j * c3) * np.abs(phi) ** 2 * phi + u)
    return np.fft.ifft2(np.fft.fft2(phi) * lin)


def rhs(th, u):
    return omega + 1.0 * np.sum(np.sin(th[None, :] - th[:, None]), axis=1) + u


def kuramoto_step(th, u):
    k1 = rhs(th, u)
    k2_ = rhs(th + 0.5 * dt * k1, u)
    k3 = rhs(th + 0.5 * dt * k2_, u)
    k4 = rhs(th + dt * k3, u)
    th = th + dt / 6 * (k1 + 2 * k2_ + 2 * k3 + k4)
    return np.mod(th + np.pi, 2 * np.pi) - np.pi


phi, th, uf, ui, clipped, unclipped = phi0.copy(), theta0.copy(), 0.0, 0.0, 0, 0
snaps_phi, snaps_th, ctrl_energy, Rg, Rm = [phi.copy()], [th.copy()], [0.0], [np.abs(phi).mean()], [np.abs(np.exp(1j * th).mean()) ** 2]
for n in range(1, steps + 1):
    phi = cgl_step(phi, uf)
    th = kuramoto_step(th, ui)
    R_global = np.abs(phi).mean()
    R_modular = np.abs(np.exp(1j * th).mean()) ** 2
    if n % every == 0:
        snaps_phi.append(phi.copy())
        snaps_th.append(th.copy())
        ctrl_energy.append(uf * uf * L * L)
        Rg.append(R_global)
        Rm.append(R_modular)
    uf = float(np.clip(gf * (0.7 - R_global), -lim, lim))
    ui = float(np.clip(go * (0.7 - R_modular), -lim, lim))
    clipped += abs(gf * (0.7 - R_global)) > lim
    unclipped += abs(go * (0.7 - R_modular)) < lim

c.check(clipped > 0 and unclipped > 0, f"the run exercises both the limit ({clipped} steps) and the gains ({unclipped})")
with h5py.File(out) as f:
    P, TH = f["fields/phi"][:], f["kuramoto/theta"][:]
    c.check(P.shape[0] == len(snaps_phi) and TH.shape == (len(snaps_th), len(omega)), f"shapes {P.shape} {TH.shape}")
    c.check(np.array_equal(f["kuramoto/omega"][:], omega), "omega = the upstream natural frequencies in file order")
    c.check([n.decode() for n in f["kuramoto/names"][:]] == names, "module names")
    ephi = max(np.abs(P[k] - snaps_phi[k]).max() / np.abs(snaps_phi[k]).max() for k in range(len(snaps_phi)))
    eth = max(np.abs(np.angle(np.exp(1j * (TH[k] - snaps_th[k])))).max() for k in range(len(snaps_th)))
    print(f"  field: worst relative difference {ephi:.2e}; phases: worst difference {eth:.2e}")
    c.check(ephi < 1e-11, f"field differs from the numpy prototype by {ephi:.3e}")
    c.check(eth < 1e-11, f"phases differ from the numpy prototype by {eth:.3e}")
    m = f["metrics"]
    c.check(np.allclose(m["R_global"][:], Rg, rtol=1e-11, atol=0), f"R_global {m['R_global'][:3]} vs {Rg[:3]}")
    c.check(np.allclose(m["R_modular"][:], Rm, rtol=1e-10, atol=1e-14), "R_modular")
    c.check(np.allclose(m["R"][:] ** 2, m["R_modular"][:], rtol=1e-14), "R_modular = R^2")
    c.check(np.allclose(m["control_energy"][:], ctrl_energy, rtol=1e-10, atol=1e-15), f"control energy {m['control_energy'][:]} vs {ctrl_energy}")
c.done()
