#!/usr/bin/python3
"""Runs that survive anything, from the command line: restart bit-identity (run to T vs run to
T/2 + --restart to T, continuing the same file), a checkpoint of another model refused (65), the
checkpoint replaced through a temporary file and a rename, SIGINT -> 130 with a valid file and a
checkpoint that continues bit for bit, a second signal that stops at once, kill -9 -> a file h5py
opens with every flushed snapshot intact, non-finite -> 1, an unwritable output -> 73.

Nothing here depends on timing: runs that are signalled or killed are paced to the wall clock
(which does not change the trajectory) and never end by themselves; they are signalled once the
file shows the snapshots the check needs, and the reference runs are made afterwards, to the
time the interrupted run reached."""
import glob
import math
import os
import signal
import time

import h5py
import numpy as np

from nfcs_testlib import Checker, run, start, tmpdir, write

c = Checker()
d = tmpdir()
cfg = write(os.path.join(d, "c.yaml"), """
cgl:
  c1: 1.5
  c3: -0.7
  grid_size: [48, 40]
  spatial_extent: [40.0, 30.0]
  time_step: 0.03
  noise: 0.001
  initial_condition: {type: random_noise, amplitude: 0.2, seed: 3}
kuramoto:
  oscillators: 50
  base_coupling_strength: 1.2
  normalization: mean
  integrator: heun
  noise: 0.05
regulator: {type: phase_feedback, feedback_gain: 0.3}
run: {t_end: 4.0}
output: {snapshot_interval: 0.5, metrics_interval: 0.1}
""")

# ---- restart: run to T vs run to T/2 + restart to T (same file continued)
a, b = os.path.join(d, "a.h5"), os.path.join(d, "b.h5")
run(["run", cfg, "-o", a, "--quiet"], check=0)
run(["run", cfg, "-o", b, "--quiet", "--set", "run.t_end=2.0"], check=0)
c.check(os.path.exists(os.path.join(d, "b.ckpt.h5")), "checkpoint written next to the output")
p = run(["run", cfg, "-o", b, "--quiet", "--restart", os.path.join(d, "b.ckpt.h5")], check=0)
with h5py.File(a) as fa, h5py.File(b) as fb:
    c.check(fa["time/t"].shape == (9,), f"snapshots of the run to 4: {fa['time/t'].shape}")
    for key in ("fields/phi", "kuramoto/theta", "time/t", "time/step", "metrics/t", "metrics/R", "metrics/defect_count"):
        c.check(fa[key].shape == fb[key].shape and np.array_equal(fa[key][:], fb[key][:]),
                f"restart: {key} differs ({fa[key].shape} vs {fb[key].shape})")
    c.check("restarted_from" in fb.attrs, "the continued file says it was restarted")
    c.check(fb["coordinator/tick_ms"].shape[0] == 20, f"ticks after the restart: {fb['coordinator/tick_ms'].shape}")

# a checkpoint of another model is refused
p = run(["run", cfg, "-o", os.path.join(d, "x.h5"), "--quiet", "--restart", os.path.join(d, "b.ckpt.h5"),
         "--set", "cgl.grid_size=[32,32]"])
c.check(p.returncode == 65 and "cgl.grid_size is [48, 40] in the checkpoint, [32, 32] here" in p.stderr,
        f"different model: {p.returncode} {p.stderr}")
p = run(["run", cfg, "-o", os.path.join(d, "x.h5"), "--quiet", "--restart", os.path.join(d, "nothere.h5")])
c.check(p.returncode == 66, f"missing checkpoint: {p.returncode}")
p = run(["run", cfg, "-o", os.path.join(d, "x.h5"), "--quiet", "--restart", a])
c.check(p.returncode == 65 and "not a checkpoint" in p.stderr, f"not a checkpoint: {p.returncode} {p.stderr}")

# ---- each checkpoint replaces the last through a temporary file and a rename: a hard link to the
#      old checkpoint keeps the old contents (nothing was written into it), the path gets a new
#      file, and no temporary file is left
hk = os.path.join(d, "h.ckpt.h5")
write(hk, "the previous checkpoint\n")
os.link(hk, os.path.join(d, "h.keep"))
run(["run", cfg, "-o", os.path.join(d, "h.h5"), "--quiet", "--set", "output.checkpoint_interval=0.5"], check=0)
c.check(open(os.path.join(d, "h.keep")).read() == "the previous checkpoint\n",
        "checkpoint: the old file was written into instead of replaced")
c.check(os.stat(hk).st_ino != os.stat(os.path.join(d, "h.keep")).st_ino, "checkpoint: the path holds a new file")
with h5py.File(hk) as f:
    c.check(f.attrs["t"] == 4.0, f"checkpoint: the last one holds t = {f.attrs['t']}")
left = [x for x in os.listdir(d) if "tmp" in x]
c.check(not left, f"temporary files left behind: {left}")


def wait_for_snapshots(path, n, proc, limit=300):
    """Poll a file being written until it holds n snapshots (readers need no lock)."""
    t0 = time.time()
    while time.time() - t0 < limit and proc.poll() is None:
        try:
            with h5py.File(path, "r", locking=False) as f:
                if f["time/t"].shape[0] >= n:
                    return True
        except (OSError, KeyError):
            pass
        time.sleep(0.05)
    return False


def grid_end(t, interval, extra):
    """A time on the snapshot grid at least `extra` intervals after t."""
    return (math.floor(t / interval + 1e-9) + extra) * interval


# ---- SIGINT: the current step finishes, a checkpoint, a valid file, exit 130; continuing gives
#      the run that was never interrupted, bit for bit.  The signalled run would never end by
#      itself (t_end = 1000, paced at 50 ticks a second); the reference goes as far as it came.
long = write(os.path.join(d, "long.yaml"), open(cfg).read().replace("t_end: 4.0", "t_end: 1000.0")
             .replace("time_step: 0.03", "time_step: 0.002"))
paced = ["--set", "coordinator.realtime=true", "--set", "coordinator.rate_hz=50"]
s = os.path.join(d, "s.h5")
proc = start(["run", long, "-o", s, "--quiet"] + paced)
c.check(wait_for_snapshots(s, 3, proc), "SIGINT run: snapshots appear")
proc.send_signal(signal.SIGINT)
out, err = proc.communicate(timeout=120)
c.check(proc.returncode == 130, f"SIGINT: exit {proc.returncode}\n{err}")
c.check("checkpoint" in err and "--restart" in err, f"SIGINT message: {err}")
with h5py.File(s) as f:
    c.check(f.attrs["exit_status"] == 130 and f["time/t"].shape[0] >= 3, "interrupted file readable, exit_status 130")
with h5py.File(os.path.join(d, "s.ckpt.h5")) as f:
    t_stop = float(f.attrs["t"])
T2 = grid_end(t_stop, 0.5, 2)
print(f"  stopped at t = {t_stop}; continuing to t = {T2}")
run(["run", long, "-o", s, "--quiet", "--restart", os.path.join(d, "s.ckpt.h5"), "--set", f"run.t_end={T2}"], check=0)
ref = os.path.join(d, "ref.h5")
run(["run", long, "-o", ref, "--quiet", "--set", f"run.t_end={T2}"], check=0)
with h5py.File(ref) as fr, h5py.File(s) as fs:
    c.check(fr["time/t"][-1] == T2 and fr["time/t"].shape[0] >= 5, f"reference to {T2}: {fr['time/t'][:]}")
    c.check(np.array_equal(fr["time/t"][:], fs["time/t"][:]), f"SIGINT + restart: the same snapshot times "
            f"{fr['time/t'][:]} vs {fs['time/t'][:]}")
    for key in ("fields/phi", "kuramoto/theta", "metrics/R", "metrics/field_energy"):
        c.check(fr[key].shape == fs[key].shape and np.array_equal(fr[key][:], fs[key][:]), f"SIGINT + restart: {key} bit-identical")

# ---- a second signal stops at once: the process dies of it (not exit 130 after a checkpoint, not a
#      crash).  Both signals are made pending while the process is stopped, so that the second
#      surely arrives while the first is being handled.
s2 = os.path.join(d, "s2.h5")
proc = start(["run", long, "-o", s2, "--quiet"] + paced)
c.check(wait_for_snapshots(s2, 2, proc), "second-signal run: snapshots appear")
proc.send_signal(signal.SIGSTOP)
for _ in range(2000):
    with open(f"/proc/{proc.pid}/stat") as f:
        if f.read().rsplit(")", 1)[1].split()[0] in "Tt":
            break
    time.sleep(0.005)
proc.send_signal(signal.SIGINT)
proc.send_signal(signal.SIGTERM)
proc.send_signal(signal.SIGCONT)
proc.communicate(timeout=120)
c.check(proc.returncode in (-signal.SIGINT, -signal.SIGTERM), f"second signal: exit {proc.returncode}, expected death by the signal")
with h5py.File(s2) as f:
    c.check(f["time/t"].shape[0] >= 2, "file readable after a second signal")

# ---- kill -9 in the middle of a run: h5py opens the file; every snapshot flushed before is intact
k9 = os.path.join(d, "k9.h5")
fast = write(os.path.join(d, "fast.yaml"), open(long).read().replace("snapshot_interval: 0.5", "snapshot_interval: 0.2"))
proc = start(["run", fast, "-o", k9, "--quiet"] + paced)
c.check(wait_for_snapshots(k9, 4, proc), "kill -9 run: snapshots appear")
proc.kill()
proc.communicate()
with h5py.File(k9) as f:
    n = f["time/t"].shape[0]
    t9 = f["time/t"][:n]
    phi9, th9 = f["fields/phi"][:n], f["kuramoto/theta"][:n]
    c.check(n >= 4, f"kill -9: {n} snapshots readable")
    c.check(f["fields/phi"].shape[0] >= n and f["kuramoto/theta"].shape[0] >= n, "kill -9: every series holds the snapshots")
ref9 = os.path.join(d, "ref9.h5")
run(["run", fast, "-o", ref9, "--quiet", "--set", f"run.t_end={grid_end(t9[-1], 0.2, 1)}"], check=0)
with h5py.File(ref9) as fr:
    c.check(np.array_equal(fr["time/t"][:n], t9), f"kill -9: snapshot times {t9} vs {fr['time/t'][:n]}")
    same = [i for i in range(n) if np.array_equal(phi9[i], fr["fields/phi"][i]) and np.array_equal(th9[i], fr["kuramoto/theta"][i])]
    c.check(len(same) == n, f"kill -9: snapshots {sorted(set(range(n)) - set(same))} differ from the uninterrupted run's")

# ---- non-finite: stop, keep the last good snapshot and checkpoint, exit 1, say where.  A uniform
#      field under the upstream scheme (c3 = 0, one step a tick) follows the map
#      B -> e^dt (B - dt B^3), B = e^{dt/2} phi, whose orbits escape beyond its 2-cycle at
#      B = sqrt((1 + e^-dt) / dt) = 1.2501 (dt = 0.9); B0 = 1.2546 escapes slowly at first: finite
#      snapshots and checkpoints for several steps, then an overflow to infinity
blow = write(os.path.join(d, "blow.yaml"), """
cgl:
  grid_size: [16, 16]
  c3: 0.0
  scheme: upstream
  time_step: 0.9
  initial_condition: {type: plane_wave, amplitude: 0.8, wavenumber: [0, 0]}
regulator: {type: none}
coordinator: {sim_time_per_tick: 0.9}
run: {t_end: 100.0}
output: {snapshot_interval: 0.9, checkpoint_interval: 0.9, metrics_interval: 0.9}
""")
bo = os.path.join(d, "blow.h5")
p = run(["run", blow, "-o", bo, "--quiet"])
c.check(p.returncode == 1 and "cgl: the state became non-finite between t =" in p.stderr, f"non-finite: {p.returncode} {p.stderr}")
with h5py.File(bo) as f:
    tb = f["time/t"][:]
    c.check(f.attrs["exit_status"] == 1 and len(tb) >= 3 and np.all(np.isfinite(f["fields/phi"][:])),
            f"non-finite: the file holds only finite snapshots ({len(tb)})")
bk = os.path.join(d, "blow.ckpt.h5")
if c.check(os.path.exists(bk), "non-finite: the last good checkpoint exists"):
    with h5py.File(bk) as f:
        c.check(f.attrs["t"] == tb[-1] and np.all(np.isfinite(f["state/cgl.state"][:])),
                f"non-finite: the last checkpoint is the last good state (t = {f.attrs['t']}, last snapshot {tb[-1]})")

# ---- the output cannot be created (73) / the disk is full (/dev/full: 73 at creation)
p = run(["run", cfg, "-o", os.path.join(d, "no", "dir", "x.h5"), "--quiet"])
c.check(p.returncode == 73, f"unwritable path: {p.returncode}")
p = run(["run", cfg, "-o", "/dev/full", "--quiet", "--set", "output.checkpoint_path=" + os.path.join(d, "f.ckpt.h5")])
c.check(p.returncode in (73, 74), f"/dev/full: {p.returncode} {p.stderr}")
c.check(not glob.glob(os.path.join(d, "*.tmp*")), "no temporary files left behind")
c.done()
