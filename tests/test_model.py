#!/usr/bin/python3
"""The model hash (SPEC.md 3, 4): the root attribute model_hash is the SHA-256 of every key that
changes the trajectory, and of the contents of the input files.  The same model gives the same hash
whatever the outputs, threads, planner, t_end or metric weights; any key that changes the trajectory
(and only such a key) or a byte of an input file changes it.  A restart from a checkpoint of another
model is refused (65) naming the first difference, and so is continuing an output file of another
model, which is left untouched."""
import hashlib
import os
import re
import shutil

import h5py
import numpy as np

from nfcs_testlib import Checker, run, tmpdir, write

c = Checker()
d = tmpdir()
N = 12
with h5py.File(os.path.join(d, "ic.h5"), "w") as f:
    rng = np.random.default_rng(4)
    f["phi"] = 0.3 * (rng.standard_normal((16, 24)) + 1j * rng.standard_normal((16, 24)))
with h5py.File(os.path.join(d, "edges.h5"), "w") as f:
    f["src"] = np.arange(N)
    f["dst"] = (np.arange(N) + 1) % N
    f["weight"] = np.linspace(0.5, 1.5, N)
cfg = write(os.path.join(d, "c.yaml"), f"""
cgl:
  grid_size: [24, 16]
  spatial_extent: [12.0, 8.0]
  initial_condition: {{type: file, path: ic.h5, dataset: /phi}}
kuramoto:
  oscillators: {N}
  coupling: sparse
  sparse: {{path: edges.h5}}
run: {{t_end: 0.5}}
""")


def model_hash(path):
    with h5py.File(path) as f:
        return f.attrs["model_hash"]


def run_hash(*sets, name="o", config=None):
    out = os.path.join(d, f"{name}.h5")
    args = [a for s in sets for a in ("--set", s)]
    run(["run", config or cfg, "-o", out, "--quiet"] + args, check=0)
    return model_hash(out)


h0 = run_hash()
c.check(re.fullmatch(r"[0-9a-f]{64}", h0) is not None, f"model_hash is hex SHA-256: {h0!r}")
c.check(model_hash(os.path.join(d, "o.ckpt.h5")) == h0, "the checkpoint records the same model_hash")
# the model's text is in the checkpoint, and hashes to model_hash
with h5py.File(os.path.join(d, "o.ckpt.h5")) as f:
    text = f["config/model"][()]
    text = text if isinstance(text, bytes) else text.encode()
c.check(hashlib.sha256(text).hexdigest() == h0, "model_hash = SHA-256 of /config/model")
for key, name in (("cgl.initial_condition.path", "ic.h5"), ("kuramoto.sparse.path", "edges.h5")):
    digest = hashlib.sha256(open(os.path.join(d, name), "rb").read()).hexdigest()
    c.check(f"{key}: sha256 {digest}".encode() in text, f"the model holds the SHA-256 of the contents of {name}")

# the same model: outputs, threads, planner, t_end, pacing, metric weights, unused keys
same = [("run.t_end=0.7",), ("backend.threads=1",), ("backend.fft_planner=estimate",), ("output.snapshot_interval=0.1",
        "output.precision=float32"), ("cost_functional.w_field_energy=3.0", "system.emergency_threshold_ha=0.1"),
        ("coordinator.rate_hz=50",), ("cgl.initial_condition.seed=99", "cgl.initial_condition.amplitude=7"),
        ("kuramoto.matrix.dataset=/other", "kuramoto.initial_phases.value=1.0", "kuramoto.noise_seed=8"),
        ("kuramoto.matrix.kernel=blas",)]
for k, sets in enumerate(same):
    c.check(run_hash(*sets, name=f"same{k}") == h0, f"{sets}: the same model, the same hash")
# the input file under another name (the same contents): the same model
shutil.copy(os.path.join(d, "ic.h5"), os.path.join(d, "ic_copy.h5"))
shutil.copy(os.path.join(d, "edges.h5"), os.path.join(d, "edges_copy.h5"))
c.check(run_hash("cgl.initial_condition.path=ic_copy.h5", "kuramoto.sparse.path=edges_copy.h5", name="copy") == h0,
        "input files under another path, same contents: the same hash")

# another model: every key that changes the trajectory
other = ["cgl.c1=0.81", "cgl.time_step=0.005", "cgl.scheme=etdrk4", "cgl.dealias=half", "cgl.noise=0.01",
         "cgl.initial_condition.path=ic_copy.h5", "kuramoto.base_coupling_strength=1.1", "kuramoto.sparse.symmetric=true",
         "kuramoto.sparse.weight=", "kuramoto.ensemble=2", "kuramoto.noise=0.1", "kuramoto.integrator=heun",
         "regulator.field_gain=0.2", "system.coherence_target=0.5", "coordinator.sim_time_per_tick=0.05",
         "kuramoto.frequency_distribution.width=0.6"]
with h5py.File(os.path.join(d, "ic_copy.h5"), "a") as f:
    f["phi2"] = f["phi"][:]
seen = {h0}
for k, s in enumerate(other):
    extra = ["kuramoto.integrator=heun"] if s == "kuramoto.noise=0.1" else []
    h = run_hash(s, *extra, name=f"other{k}")
    c.check(h not in seen, f"{s}: another model, another hash")
    seen.add(h)
# one byte of an input file
h_before = run_hash(name="before")
with h5py.File(os.path.join(d, "edges.h5"), "a") as f:
    f["weight"][3] = 1.25
c.check(run_hash(name="after") != h_before, "an input file's contents changed: another hash")

# restart refused for another model, naming the first difference (the ensemble keys and the input
# files' contents were not part of the old hand-written list)
ck = os.path.join(d, "after.ckpt.h5")
p = run(["run", cfg, "-o", os.path.join(d, "r.h5"), "--quiet", "--restart", ck, "--set", "kuramoto.ensemble=3"])
c.check(p.returncode == 65 and "kuramoto.ensemble is 1 in the checkpoint, 3 here" in p.stderr, f"restart, ensemble: {p.returncode} {p.stderr}")
with h5py.File(os.path.join(d, "edges.h5"), "a") as f:
    f["weight"][3] = 1.5
p = run(["run", cfg, "-o", os.path.join(d, "r.h5"), "--quiet", "--restart", ck])
c.check(p.returncode == 65 and re.search(r"kuramoto\.sparse\.path is sha256 [0-9a-f]{64} in the checkpoint, sha256 [0-9a-f]{64} here",
                                         p.stderr) is not None, f"restart, input file changed: {p.returncode} {p.stderr}")
c.check(not os.path.exists(os.path.join(d, "r.h5")), "a refused restart writes nothing")

# continuing an output file of another model: refused, and the file is not touched
x, y = os.path.join(d, "x.h5"), os.path.join(d, "y.h5")
run(["run", cfg, "-o", x, "--quiet"], check=0)
run(["run", cfg, "-o", y, "--quiet", "--set", "cgl.c3=0.2"], check=0)
before = open(y, "rb").read()
p = run(["run", cfg, "-o", y, "--quiet", "--restart", os.path.join(d, "x.ckpt.h5"), "--set", "run.t_end=1.0"])
c.check(p.returncode == 65 and "belongs to another model" in p.stderr, f"continuing another model's file: {p.returncode} {p.stderr}")
c.check(open(y, "rb").read() == before, "the other model's file is untouched")
# and nfcs info shows it
p = run(["info", x], check=0)
c.check(re.search(r"model hash +" + model_hash(x), p.stdout) is not None, f"nfcs info shows the model hash:\n{p.stdout}")
c.done()
