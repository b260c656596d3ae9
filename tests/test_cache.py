#!/usr/bin/python3
"""The result cache (SPEC.md 6) and the prepared data kept beside it (docs/cache.md).

A run repeated to the same file is "up to date" and leaves the file untouched (its bytes and
mtime); to another path the file is copied ("reused", the same bytes); a longer run of the same
model continues the shorter one from its final checkpoint ("continued from t = 1") and equals a
fresh run bit for bit in every dataset; a changed model, --no-cache and cache.enabled: false
compute; an entry whose file changed is dropped (found by its digest, with size and mtime kept as
they were); two runs of one model at once leave an index with both; ETDRK4 coefficients are kept
and reused (the results bit for bit those of computed ones), a damaged coefficient file is never
used; nfcs cache list and prune, least recently used first."""
import hashlib
import os
import subprocess
import time

import h5py
import numpy as np

from nfcs_testlib import NFCS, Checker, _die_with_parent, run, tmpdir, write

c = Checker()
d = tmpdir()
cache = os.path.join(d, "cache")
CONFIG = f"""
cgl:
  grid_size: [48, 48]
  spatial_extent: [10.0, 10.0]
  scheme: etdrk4
  noise: 0.01
kuramoto:
  oscillators: 50
run:
  t_end: 1.0
output:
  path: a.h5
  snapshot_interval: 0.5
cache:
  dir: {cache}
"""
cfg = write(os.path.join(d, "m.yaml"), CONFIG)


def nfcs(*args, check=0):
    return run(["run", cfg, "-q", *args], cwd=d, check=check)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def datasets_equal(a, b, what):
    """every dataset but the timing and the effective config (it names the output) bit for bit"""
    bad, n = [], 0
    with h5py.File(a) as x, h5py.File(b) as y:
        def visit(name, obj):
            nonlocal n
            if not isinstance(obj, h5py.Dataset) or name.startswith("coordinator") or name == "config/effective_yaml":
                return
            n += 1
            u, v = obj[()], y[name][()] if name in y else None
            same = v is not None and (np.array_equal(u, v) if isinstance(u, np.ndarray) else u == v)
            if not same:
                bad.append(name)
        x.visititems(visit)
    c.check(n > 5 and not bad, f"{what}: {n} datasets, differing: {bad}")


def path(name):
    return os.path.join(d, name)


# ---------------------------------------------------------------- computed, then up to date
t0 = time.time()
p = nfcs()
first = time.time() - t0
c.check("model time 1 reached" in p.stdout, f"the first run computes: {p.stdout}")
digest, mtime = sha(path("a.h5")), os.stat(path("a.h5")).st_mtime_ns
p = nfcs()
c.check("up to date" in p.stdout and "model time" not in p.stdout, f"the same run again is up to date: {p.stdout}")
c.check(sha(path("a.h5")) == digest and os.stat(path("a.h5")).st_mtime_ns == mtime, "up to date leaves the file untouched")

# ---------------------------------------------------------------- reused to another path
p = nfcs("-o", "b.h5")
c.check("reused" in p.stdout and "a.h5" in p.stdout and "model time" not in p.stdout, f"another path reuses it: {p.stdout}")
c.check(os.path.exists(path("b.h5")) and sha(path("b.h5")) == digest, "the reused file is the same bytes")
c.check(os.path.exists(path("b.ckpt.h5")) and sha(path("b.ckpt.h5")) == sha(path("a.ckpt.h5")), "and its final checkpoint is copied")

# ---------------------------------------------------------------- continued: equal to a fresh run
p = nfcs("-o", "c.h5", "--set", "run.t_end=2")
c.check("continued from t = 1" in p.stdout and "model time 2" in p.stdout, f"a longer run continues the shorter one: {p.stdout}")
nfcs("-o", "fresh.h5", "--set", "run.t_end=2", "--no-cache")
datasets_equal(path("c.h5"), path("fresh.h5"), "continued vs fresh")
c.check(sha(path("a.h5")) == digest, "the continued run leaves the cached file alone")
# an end that is no snapshot time cannot be continued into the same file: computed
p = nfcs("-o", "odd.h5", "--set", "run.t_end=1.25", "--set", "coordinator.sim_time_per_tick=0.05")
c.check("continued" not in p.stdout and "model time 1.25 reached" in p.stdout,
        f"a run whose key differs (the tick) computes: {p.stdout}")
p = nfcs("-o", "odd2.h5", "--set", "run.t_end=1.75", "--set", "coordinator.sim_time_per_tick=0.05")
c.check("continued" not in p.stdout, f"t = 1.25 lies between snapshots (0.5): not continued: {p.stdout}")

# ---------------------------------------------------------------- what computes
p = nfcs("-o", "c1.h5", "--set", "cgl.c1=0.9")
c.check("model time 1 reached" in p.stdout, f"a changed model computes: {p.stdout}")
p = nfcs("--no-cache")
c.check("model time 1 reached" in p.stdout, f"--no-cache computes: {p.stdout}")
p = nfcs("-o", "off.h5", "--set", "cache.enabled=false")
c.check("model time 1 reached" in p.stdout, f"cache.enabled: false computes: {p.stdout}")
p = nfcs("-o", "f32.h5", "--set", "output.precision=float32")
c.check("model time 1 reached" in p.stdout, f"another output precision is another result: {p.stdout}")

# ---------------------------------------------------------------- a changed file is dropped
st = os.stat(path("b.h5"))
with h5py.File(path("b.h5"), "r+") as f:
    f["metrics/R"][0] = 0.5
os.utime(path("b.h5"), ns=(st.st_atime_ns, st.st_mtime_ns))
c.check(os.stat(path("b.h5")).st_size == st.st_size and os.stat(path("b.h5")).st_mtime_ns == st.st_mtime_ns,
        "(the change keeps the size and the mtime)")
p = nfcs("-o", "b.h5")
c.check("up to date" not in p.stdout, f"a changed file is never up to date: {p.stdout}")
datasets_equal(path("b.h5"), path("off.h5"), "the changed file holds the run again (as computed without the cache)")
os.remove(path("c.h5"))
lst = subprocess.run([NFCS, "cache", "list", "--dir", cache], capture_output=True, text=True).stdout
c.check("gone" in lst and "c.h5" in lst, f"nfcs cache list marks a file that is gone:\n{lst}")
pr = subprocess.run([NFCS, "cache", "prune", "--dir", cache], capture_output=True, text=True).stdout
c.check("dropped the entry of" in pr and "c.h5" in pr, f"nfcs cache prune drops it:\n{pr}")
c.check("/c.h5" not in subprocess.run([NFCS, "cache", "list", "--dir", cache], capture_output=True, text=True).stdout,
        "and the index no longer has it")

# ---------------------------------------------------------------- two runs of one model at once
procs = [subprocess.Popen([NFCS, "run", cfg, "-q", "-o", f"p{i}.h5", "--set", "cgl.initial_condition.seed=7"], cwd=d,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_die_with_parent)
         for i in range(3)]
outs = [q.communicate(timeout=300) for q in procs]
c.check(all(q.returncode == 0 for q in procs), f"three runs at once: {[q.returncode for q in procs]} {outs}")
idx = open(os.path.join(cache, "results.index")).read().splitlines()
c.check(all(len(line.split("\t")) == 10 for line in idx[1:]) and idx[0].startswith("# nfcs result cache"),
        "the index stays whole under concurrent runs")
mine = [line for line in idx if "/p0.h5" in line or "/p1.h5" in line or "/p2.h5" in line]
c.check(len(mine) == 3, f"every concurrent run is in the index: {len(mine)} of 3 (those that reused another's count too)")
p = nfcs("-o", "p3.h5", "--set", "cgl.initial_condition.seed=7")
c.check("reused" in p.stdout, f"a later run reuses one of them: {p.stdout}")

# ---------------------------------------------------------------- ETDRK4 coefficients
coef = os.path.join(cache, "coefficients")
files = sorted(os.listdir(coef)) if os.path.isdir(coef) else []
c.check(len(files) >= 1, f"etdrk4's coefficients are kept: {files}")
off = os.path.join(d, "nocoef.yaml")
write(off, CONFIG + "  enabled: false\n")  # the same folder (FFTW wisdom: the same plans), nothing kept
run(["run", off, "-q", "-o", "computed.h5"], cwd=d, check=0)
datasets_equal(path("computed.h5"), path("b.h5"), "a run with the cache's coefficients (b.h5, computed again) vs computed ones")
# a damaged file is never used: the run equals the computed one
for name in files:
    fp = os.path.join(coef, name)
    data = bytearray(open(fp, "rb").read())
    data[-9] ^= 0x40
    open(fp, "wb").write(bytes(data))
nfcs("-o", "damaged.h5", "--no-cache")
datasets_equal(path("damaged.h5"), path("off.h5"), "a damaged coefficient file is not used")
# least recently used first: two step sizes, the first used again, a bound of one file keeps it
for dt in ("0.005", "0.004", "0.005"):
    nfcs("-o", f"dt{dt}.h5", "--no-cache", "--set", f"cgl.time_step={dt}")
before = {n: os.stat(os.path.join(coef, n)).st_mtime_ns for n in os.listdir(coef)}
newest = max(before, key=before.get)
size = os.stat(os.path.join(coef, newest)).st_size
pr = subprocess.run([NFCS, "cache", "prune", "--dir", cache, "--max-size", str(size)], capture_output=True, text=True).stdout
left = os.listdir(coef)
c.check(left == [newest], f"prune to one file's size keeps the most recently used: {left} (newest {newest})\n{pr}")
pr = subprocess.run([NFCS, "cache", "prune", "--dir", cache, "--max-size", "0"], capture_output=True, text=True).stdout
c.check(os.listdir(coef) == [], f"prune --max-size 0 removes every prepared file:\n{pr}")
print(f"(first run {first:.3f} s)")
c.done()
