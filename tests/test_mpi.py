#!/usr/bin/python3
"""The distributed run (mpirun -n 2 and -n 3) against the serial one: the field on FFTW-MPI slabs
for every scheme in 2D (a non-square grid, with control and noise) and 3D, every metric, the
networks, the probes, a checkpoint written by 2 processes continued on 3, reproducibility, a grid
the processes cannot share (78, never a hang) and a signal (130, the file and checkpoint valid).
Tolerance: 1e-12 relative (the FFTs of FFTW-MPI round differently from the serial ones; the
reductions add in another order)."""
import os
import signal
import subprocess
import time

import h5py
import numpy as np

from nfcs_testlib import MPI_ENV, MPIRUN, NFCS, SOURCE_DIR, Checker, _children, _die_with_parent, run, tmpdir, write
from nfcs_testlib import mpirun as lib_mpirun

c = Checker()
if not MPIRUN:
    c.skip("no mpirun on this machine")
if "built without MPI" in run(["info"], check=0).stdout:
    c.skip("nfcs was built without MPI (NFCS_MPI=OFF or no OpenMPI/FFTW-MPI)")

ENV = MPI_ENV  # the parallel-HDF5 path; NFCS_MPI_GATHER=1 below for the gathering one
TOL = 1e-12


def mpirun(P, args, check=0, timeout=120):
    return lib_mpirun(P, args, check=check, timeout=timeout, env=ENV)


def rel(a, b):
    scale = max(float(np.max(np.abs(a))) if a.size else 0.0, 1e-300)
    return float(np.max(np.abs(a - b))) / scale if a.size else 0.0


def compare(what, serial, dist, P):
    """every floating dataset of the serial file against the distributed one (timings aside)"""
    with h5py.File(serial) as a, h5py.File(dist) as b:
        c.check(int(b.attrs["mpi_ranks"]) == P, f"{what}: /mpi_ranks = {b.attrs['mpi_ranks']}, expected {P}")
        worst, where, n = 0.0, "", 0

        def visit(name, obj):
            nonlocal worst, where, n
            # (arg z of the XDMF sidecar's data left out: a phase at the branch cut may flip by 2 pi)
            if not isinstance(obj, h5py.Dataset) or name.startswith(("coordinator", "fields/arg_")) or obj.dtype.kind not in "fciu":
                return
            if name not in b or b[name].shape != obj.shape:
                c.check(False, f"{what}: {name} {obj.shape} missing or of another shape in the distributed file")
                return
            n += 1
            d = rel(np.asarray(obj[...], dtype=complex if obj.dtype.kind == "V" or obj.dtype.kind == "c" else float),
                    np.asarray(b[name][...], dtype=complex if obj.dtype.kind == "V" or obj.dtype.kind == "c" else float))
            if d > worst:
                worst, where = d, name

        a.visititems(visit)
        print(f"  {what:44s} P={P}: {n} datasets, worst {worst:.2e} ({where})")
        c.check(n > 0 and worst <= TOL, f"{what}: P={P} differs from the serial run by {worst:.3e} in {where} (> {TOL})")


d = tmpdir()
base = """cgl:
  c1: 1.5
  c3: -1.2
  grid_size: [48, 40]
  spatial_extent: [30.0, 25.0]
  time_step: 0.01
  scheme: strang
  noise: 0.001
  noise_seed: 3
  initial_condition: {type: random_noise, amplitude: 0.3, seed: 2}
run: {t_end: 1.0}
regulator: {type: proportional, field_gain: 0.3}
output: {snapshot_interval: 0.25, metrics_interval: 0.1}
"""
cfg2 = write(os.path.join(d, "c2.yaml"), base)
cfg3 = write(os.path.join(d, "c3.yaml"), base.replace("[48, 40]", "[16, 12, 10]").replace("[30.0, 25.0]", "[10.0, 8.0, 7.0]"))


def fname(name):
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def case(name, cfg, sets, procs=(2, 3)):
    args = [a for s in sets for a in ("--set", s)] + ["--threads", "1", "--quiet"]
    serial = os.path.join(d, f"{fname(name)}_1.h5")
    run(["run", cfg, "-o", serial] + args, check=0)
    for P in procs:
        out = os.path.join(d, f"{fname(name)}_{P}.h5")
        mpirun(P, ["run", cfg, "-o", out] + args)
        compare(name, serial, out, P)


# ---- the field: every scheme in 2D (non-square, control, noise where the scheme has it), 3D
case("strang 2D, noise, control", cfg2, [])
case("etdrk4 2D, noise, control, 2/3 dealiasing", cfg2, ["cgl.scheme=etdrk4", "cgl.dealias=two_thirds"])
case("upstream 2D, control", cfg2, ["cgl.scheme=upstream", "cgl.noise=0"])
case("strang 3D, noise, control", cfg3, [])
case("etdrk4 3D, noise, control", cfg3, ["cgl.scheme=etdrk4"])
case("upstream 3D, control", cfg3, ["cgl.scheme=upstream", "cgl.noise=0"])
# a line stays whole on every process (each computes the same field)
case("1D field, whole on each process", os.path.join(SOURCE_DIR, "configs", "cgl_1d.yaml"),
     ["run.t_end=2", "output.snapshot_interval=0.5", "output.metrics_interval=0.1"])
# initial conditions from files: each process reads its own slab of the field (and every phase)
rng0 = np.random.default_rng(11)
with h5py.File(os.path.join(d, "init.h5"), "w") as f:
    f["phi"] = 0.4 * (rng0.standard_normal((40, 48)) + 1j * rng0.standard_normal((40, 48)))
    f["phi3"] = 0.4 * (rng0.standard_normal((10, 12, 16)) + 1j * rng0.standard_normal((10, 12, 16)))
case("field from a file (2D, etdrk4)", cfg2, ["cgl.initial_condition.type=file", "cgl.initial_condition.path=init.h5",
                                              "cgl.initial_condition.dataset=/phi", "cgl.scheme=etdrk4"])
case("field from a file (3D, strang)", cfg3, ["cgl.initial_condition.type=file", "cgl.initial_condition.path=init.h5",
                                              "cgl.initial_condition.dataset=/phi3"])
# the defects: a field with vortices (a spiral of charge 2), counted across the slabs' edges
case("spiral: defect count across slab edges", cfg2, ["cgl.initial_condition.type=spiral", "cgl.initial_condition.charge=2",
                                                      "cgl.noise=0", "run.t_end=0.2"])
with h5py.File(os.path.join(d, fname("spiral: defect count across slab edges") + "_2.h5")) as f:
    c.check(f["metrics/defect_count"][0] >= 2, f"spiral: {f['metrics/defect_count'][0]} defects at t = 0, expected at least 2")

# ---- networks: one network by rows (mean field: the order parameter summed; dense, with lags, the
# BLAS kernel, sparse CSR: one allgather of cos, sin per right-hand side; K read by rows), noise
# keyed by global index, the per-oscillator feedback; ensembles by whole members
rng = np.random.default_rng(5)
n = 37
with h5py.File(os.path.join(d, "k.h5"), "w") as f:
    f["K"] = rng.uniform(-1, 1, (n, n))
    f["lag"] = rng.uniform(-0.5, 0.5, (n, n))
    f["src"] = rng.integers(0, n, 150)
    f["dst"] = rng.integers(0, n, 150)
    f["weight"] = rng.uniform(0, 1, 150)
cfgk = write(os.path.join(d, "k.yaml"), f"""kuramoto:
  oscillators: {n}
  base_coupling_strength: 1.5
  coupling: mean_field
  time_step: 0.01
  frequency_distribution: {{type: lorentzian, center: 0.0, width: 0.5, seed: 7}}
  initial_phases: {{type: random, seed: 4}}
  matrix: {{source: file, path: k.h5, dataset: /K}}
  sparse: {{path: k.h5, symmetric: true}}
regulator: {{type: phase_feedback, feedback_gain: 0.2}}
run: {{t_end: 1.0}}
output: {{snapshot_interval: 0.25, metrics_interval: 0.1}}
""")
case("network: mean field, phase feedback", cfgk, [])
case("network: dense K from a file", cfgk, ["kuramoto.coupling=matrix"])
case("network: dense K with lags", cfgk, ["kuramoto.coupling=matrix", "kuramoto.matrix.lag_dataset=/lag"])
case("network: dense K, BLAS kernel", cfgk, ["kuramoto.coupling=matrix", "kuramoto.matrix.kernel=blas"])
case("network: sparse CSR, symmetric", cfgk, ["kuramoto.coupling=sparse"])
case("network: Euler-Maruyama noise", cfgk, ["kuramoto.integrator=euler_maruyama", "kuramoto.noise=0.1"])
case("network: dense, Heun noise", cfgk, ["kuramoto.coupling=matrix", "kuramoto.integrator=heun", "kuramoto.noise=0.1"])
case("ensemble of 5 by members, dense", cfgk, ["kuramoto.coupling=matrix", "kuramoto.ensemble=5", "regulator.type=proportional"])
case("ensemble of 4, frequencies vary, noise", cfgk, ["kuramoto.ensemble=4", "kuramoto.ensemble_vary=frequencies",
                                                     "regulator.type=none", "kuramoto.integrator=heun", "kuramoto.noise=0.1"])
# a network's checkpoint by rows on 2 processes continued on 3
full = os.path.join(d, "net_full.h5")
run(["run", cfgk, "-o", full, "--threads", "1", "--quiet", "--set", "kuramoto.coupling=matrix"], check=0)
part = os.path.join(d, "net_part.h5")
mpirun(2, ["run", cfgk, "-o", part, "--threads", "1", "--quiet", "--set", "kuramoto.coupling=matrix", "--set", "run.t_end=0.5"])
mpirun(3, ["run", cfgk, "-o", part, "--threads", "1", "--quiet", "--set", "kuramoto.coupling=matrix", "--restart",
           part.replace(".h5", ".ckpt.h5")])
with h5py.File(full) as a, h5py.File(part) as b:
    dth = rel(a["kuramoto/theta"][...], b["kuramoto/theta"][...]) if a["kuramoto/theta"].shape == b["kuramoto/theta"].shape else 1.0
    print(f"  network: checkpoint of 2 processes continued on 3: theta within {dth:.2e}")
    c.check(dth <= TOL, f"network restart 2 -> 3 differs by {dth:.3e}")

# ---- the field with a network and the probes
coupled = os.path.join(SOURCE_DIR, "configs", "coupled.yaml")
case("coupled field and network", coupled, ["run.t_end=1", "output.snapshot_interval=0.5"], procs=(2,))
cfgp = write(os.path.join(d, "cp.yaml"), base + "probe:\n  points: {a: [0.1, -3.0], b: [-14.9, 12.4], c: [7.0, 0.05]}\n"
                                                "  interpolation: linear\n")
case("probes across slabs", cfgp, [], procs=(3,))

# ---- the other way to the one file: the first process writes alone, the blocks gathered to it
# (the path of a build whose HDF5 is not parallel; NFCS_MPI_GATHER=1 takes it in any build)
ENV_PAR = ENV
ENV = dict(ENV_PAR, NFCS_MPI_GATHER="1")
case("gathered to the first process: etdrk4 2D", cfg2, ["cgl.scheme=etdrk4", "output.xdmf=true"])
case("gathered to the first process: ensemble", cfgk, ["kuramoto.coupling=matrix", "kuramoto.ensemble=5", "regulator.type=proportional"])
ENV = ENV_PAR
case("XDMF sidecar beside the file", cfg2, ["output.xdmf=true"], procs=(2,))
c.check(os.path.exists(os.path.join(d, fname("XDMF sidecar beside the file") + "_2.xmf")), "mpirun -n 2 with output.xdmf: no sidecar")

# ---- a checkpoint written by 2 processes continues on 3 (and on 1) to the uninterrupted result
for scheme in ("strang", "etdrk4"):
    args = ["--set", f"cgl.scheme={scheme}", "--threads", "1", "--quiet"]
    full = os.path.join(d, f"full_{scheme}.h5")
    run(["run", cfg2, "-o", full] + args, check=0)
    for later in (3, 1):
        part = os.path.join(d, f"part_{scheme}_{later}.h5")
        mpirun(2, ["run", cfg2, "-o", part, "--set", "run.t_end=0.5"] + args)
        ck = part.replace(".h5", ".ckpt.h5")
        if later == 1:
            run(["run", cfg2, "-o", part, "--restart", ck] + args, check=0)
        else:
            mpirun(later, ["run", cfg2, "-o", part, "--restart", ck] + args)
        with h5py.File(full) as a, h5py.File(part) as b:
            same_t = np.array_equal(a["time/t"][...], b["time/t"][...])
            c.check(same_t, f"{scheme}: restart 2 -> {later}: /time/t {b['time/t'][...]} differs")
            dphi = rel(a["fields/phi"][...], b["fields/phi"][...]) if same_t else 1.0
            print(f"  {scheme}: checkpoint of 2 processes continued on {later}: phi within {dphi:.2e}")
            c.check(dphi <= TOL, f"{scheme}: restart 2 -> {later} differs from the uninterrupted run by {dphi:.3e}")

# ---- reproducible: the same P twice, and a restart on the same P, bit for bit
a2, b2 = os.path.join(d, "rep_a.h5"), os.path.join(d, "rep_b.h5")
mpirun(2, ["run", cfg2, "-o", a2, "--threads", "1", "--quiet"])
mpirun(2, ["run", cfg2, "-o", b2, "--threads", "1", "--quiet", "--set", "run.t_end=0.5"])
mpirun(2, ["run", cfg2, "-o", b2, "--threads", "1", "--quiet", "--restart", b2.replace(".h5", ".ckpt.h5")])
r2 = os.path.join(d, "rep_c.h5")
mpirun(2, ["run", cfg2, "-o", r2, "--threads", "1", "--quiet"])
with h5py.File(a2) as x, h5py.File(b2) as y, h5py.File(r2) as z:
    c.check(np.array_equal(x["fields/phi"][...], z["fields/phi"][...]) and np.array_equal(x["metrics/R_global"][...], z["metrics/R_global"][...]),
            "two runs on 2 processes differ")
    c.check(np.array_equal(x["fields/phi"][...], y["fields/phi"][...]), "a restart on 2 processes is not bit-identical to the run")

# ---- a grid the processes cannot share: refused by all of them (78), no hang
p = mpirun(3, ["run", cfg2, "-o", os.path.join(d, "no.h5"), "--set", "cgl.grid_size=[48,4]", "--set", "cgl.spatial_extent=[30,3]"],
           check=None, timeout=60)
c.check(p.returncode == 78 and "cannot share this grid" in p.stderr, f"3 processes on 4 rows: exit {p.returncode}: {p.stderr[-300:]}")
c.check(p.stderr.count("cannot share this grid") == 1, "the refusal is reported once, by the first process")
c.check(not os.path.exists(os.path.join(d, "no.h5")), "a refused run leaves no file")

# ---- the first process's output fails (the disk fills up): every process stops with 74, no hang,
# and the file keeps what was written (a small tmpfs, where mounting one is allowed)
tiny = os.path.join(d, "tiny")
os.makedirs(tiny)
if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", tiny], capture_output=True).returncode == 0:
    try:
        full_out = os.path.join(tiny, "full.h5")
        p = mpirun(2, ["run", cfg2, "-o", full_out, "--threads", "1", "--quiet", "--set", "run.t_end=400",
                       "--set", "output.snapshot_interval=0.1"], check=None, timeout=120)
        c.check(p.returncode == 74, f"disk full under mpirun -n 2: exit {p.returncode}, expected 74: {p.stderr[-300:]}")
        with h5py.File(full_out) as f:
            n_t = f["time/t"].shape[0]
            c.check(n_t > 1 and f["fields/phi"].shape[0] == n_t, f"disk full: the file keeps {n_t} snapshots")
        print(f"  disk full on 2 processes: exit {p.returncode}, {n_t} snapshots kept")
    finally:
        subprocess.run(["umount", tiny], capture_output=True)
else:
    print("  (no tmpfs can be mounted here: the disk-full case is left out)")

# ---- nfcs info says it runs distributed
p = mpirun(2, ["info"], check=0)
headers = sum(1 for line in p.stdout.splitlines() if line.startswith("nfcs "))
c.check("MPI" in p.stdout and "2 processes" in p.stdout and headers == 1, f"nfcs info under mpirun (printed {headers} times): {p.stdout[:300]}")

# ---- a signal: mpirun forwards it; every process stops at the same tick, checkpoints, exits 130
sig = os.path.join(d, "sig.h5")
proc = subprocess.Popen([MPIRUN, "--oversubscribe", "-n", "2", NFCS, "run", cfg2, "-o", sig, "--threads", "1", "--set", "run.t_end=1000",
                         "--set", "coordinator.realtime=true"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                        preexec_fn=_die_with_parent)
_children.append(proc)
deadline = time.time() + 60
while time.time() < deadline and not os.path.exists(sig):
    time.sleep(0.1)
time.sleep(1.5)
proc.send_signal(signal.SIGINT)
try:
    out, err = proc.communicate(timeout=60)
    stopped = True
except subprocess.TimeoutExpired:
    proc.kill()
    out, err = proc.communicate()
    stopped = False
c.check(stopped, "mpirun -n 2 did not end after SIGINT")
with h5py.File(sig) as f:
    c.check(int(f.attrs["exit_status"]) == 130, f"exit_status {f.attrs['exit_status']} after SIGINT, expected 130")
    t_stop = float(f["time/t"][-1])
c.check("stopped by a signal" in err and err.count("stopped by a signal") == 1, f"the stop is reported once: {err[-400:]}")
ck = sig.replace(".h5", ".ckpt.h5")
p = mpirun(3, ["run", cfg2, "-o", sig, "--threads", "1", "--quiet", "--set", f"run.t_end={t_stop + 0.2:.6f}", "--restart", ck])
with h5py.File(sig) as f:
    c.check(abs(float(f["time/t"][-1]) - (t_stop + 0.2)) < 1e-9, "the stopped run continues on 3 processes")

c.done()
