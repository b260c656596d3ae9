#!/usr/bin/python3
"""Outputs never overwrite inputs (SPEC.md 1): the output, its checkpoint, the config, the
checkpoint continued from and every input file must be different files — compared by device and
inode where they exist (so a symbolic or hard link to an input is caught), else by their canonical
path — or the run exits 78 before anything is written, naming the key; the folders of the output
and of the checkpoint are checked at start (73), not after the run.  `validate` reports the same
clashes.  The one pair that may agree: a run's checkpoint replaces the one it continues from."""
import hashlib
import os

import h5py
import numpy as np

from nfcs_testlib import Checker, run, tmpdir, write

c = Checker()
d = tmpdir()


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


ic = os.path.join(d, "ic.h5")
with h5py.File(ic, "w") as f:
    f["/phi"] = (np.random.default_rng(1).normal(size=(12, 16)) * 0.1).astype(complex)
cfg = write(os.path.join(d, "c.yaml"), """
cgl:
  grid_size: [16, 12]
  spatial_extent: [10.0, 8.0]
  time_step: 0.05
  initial_condition: {type: file, path: ic.h5, dataset: /phi}
run: {t_end: 0.2}
backend: {threads: 2, fft_planner: estimate, fft_wisdom: ""}
""")
os.symlink(ic, os.path.join(d, "link.h5"))
os.link(ic, os.path.join(d, "hard.h5"))
os.makedirs(os.path.join(d, "sub"))
saved = {p: digest(p) for p in (cfg, ic)}


def refused(args, code, pattern, what):
    before = sorted(os.listdir(d))
    p = run(args)
    c.check(p.returncode == code and pattern in p.stderr, f"{what}: exit {p.returncode} (expected {code}, '{pattern}'): {p.stderr.strip()}")
    c.check(sorted(os.listdir(d)) == before, f"{what}: nothing was written ({sorted(set(os.listdir(d)) - set(before))})")


refused(["run", cfg, "-o", cfg], 78, "output.path: names the config file", "-o the config")
refused(["run", cfg, "-o", ic], 78, "output.path: names the same file as cgl.initial_condition.path", "-o the initial field")
refused(["run", cfg, "-o", os.path.join(d, "link.h5")], 78, "cgl.initial_condition.path", "-o a symbolic link to the initial field")
refused(["run", cfg, "-o", os.path.join(d, "hard.h5")], 78, "cgl.initial_condition.path", "-o a hard link to the initial field")
refused(["run", cfg, "-o", os.path.join(d, "sub", "..", "ic.h5")], 78, "cgl.initial_condition.path", "-o the initial field by another path")
refused(["run", cfg, "-o", os.path.join(d, "o.h5"), "--set", f"output.checkpoint_path={ic}"], 78,
        "output.checkpoint_path: names the same file as cgl.initial_condition.path", "the checkpoint onto the initial field")
refused(["run", cfg, "-o", os.path.join(d, "o.h5"), "--set", f"output.checkpoint_path={os.path.join(d, 'o.h5')}"], 78,
        "output.checkpoint_path: names the same file as output.path", "the checkpoint onto the output")
os.symlink(ic, os.path.join(d, "side.xmf"))
refused(["run", cfg, "-o", os.path.join(d, "side.h5"), "--set", "output.xdmf=true"], 78,
        "output.xdmf: names the same file as cgl.initial_condition.path", "the XDMF sidecar onto the initial field")
refused(["run", cfg, "-o", os.path.join(d, "nodir", "o.h5")], 73, "its folder", "an output folder that does not exist")
refused(["run", cfg, "-o", os.path.join(d, "o.h5"), "--set", f"output.checkpoint_path={os.path.join(d, 'nodir', 'o.ckpt.h5')}"], 73,
        "output.checkpoint_path: cannot write", "a checkpoint folder that does not exist (found at start, not after the run)")
refused(["run", cfg, "-o", os.path.join(ic, "o.h5")], 73, "is not a folder", "an output folder that is a file")
p = run(["validate", cfg, "-o", ic])
c.check(p.returncode == 78 and "output.path" in p.stderr, f"validate reports the clash: {p.returncode} {p.stderr.strip()}")
c.check(all(digest(k) == v for k, v in saved.items()), "the config and the initial field are as they were")

# a run, then a restart from its checkpoint onto the same checkpoint path (allowed) but not onto the
# checkpoint as output (refused)
out = os.path.join(d, "o.h5")
run(["run", cfg, "-o", out, "--quiet"], check=0)
ck = os.path.join(d, "o.ckpt.h5")
refused(["run", cfg, "-o", ck, "--restart", ck, "--set", "run.t_end=0.4", "--set", f"output.checkpoint_path={os.path.join(d, 'z.h5')}"],
        78, "names --restart", "-o the checkpoint continued from")
p = run(["run", cfg, "-o", out, "--quiet", "--restart", ck, "--set", "run.t_end=0.4"])
c.check(p.returncode == 0, f"a restart writes its checkpoint over the one it continued from: {p.returncode} {p.stderr.strip()}")
with h5py.File(ck, "r") as f:
    c.check(abs(f["/state/coordinator.t"][0] - 0.4) < 1e-12, "the checkpoint was replaced by the new one")

# temporary files of a checkpoint left by a writer that was killed are removed at the next start;
# those of a writer that still runs are not
import subprocess
dead = subprocess.Popen(["true"])
dead.wait()
stale = write(os.path.join(d, f"o.ckpt.h5.tmp.{dead.pid}"), "half a checkpoint")
alive = write(os.path.join(d, f"o.ckpt.h5.tmp.{os.getpid()}"), "being written")
p = run(["run", cfg, "-o", out, "--quiet"])
c.check(p.returncode == 0 and not os.path.exists(stale), f"a dead writer's temporary checkpoint is removed: {p.returncode}")
c.check(os.path.exists(alive), "a running writer's temporary checkpoint is left alone")
os.unlink(alive)
c.done()
