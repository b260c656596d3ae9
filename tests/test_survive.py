#!/usr/bin/python3
"""Runs that survive anything, from the command line: restart bit-identity (run to T vs run to
T/2 + --restart to T, continuing the same file), a checkpoint of another model refused (65),
SIGINT -> 130 with a valid file and a checkpoint that continues bit for bit, a second signal,
kill -9 -> a file h5py opens with every flushed snapshot intact, non-finite -> 1, an unwritable
or full output -> 73/74."""
import os
import signal
import subprocess
import time

import h5py
import numpy as np

from nfcs_testlib import NFCS, Checker, run, tmpdir, write

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

def wait_for_snapshots(path, n, proc, limit=120):
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


# ---- SIGINT: the current step finishes, a checkpoint, a valid file, exit 130; continuing gives
#      the uninterrupted result bit for bit
long = write(os.path.join(d, "long.yaml"), open(cfg).read().replace("t_end: 4.0", "t_end: 60.0")
             .replace("time_step: 0.03", "time_step: 0.002"))
ref = os.path.join(d, "ref.h5")
run(["run", long, "-o", ref, "--quiet"], check=0)
s = os.path.join(d, "s.h5")
# paced to the wall clock (which changes nothing in the trajectory), so the signal surely lands mid-run
paced = ["--set", "coordinator.realtime=true", "--set", "coordinator.rate_hz=50"]
proc = subprocess.Popen([NFCS, "run", long, "-o", s, "--quiet"] + paced, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
c.check(wait_for_snapshots(s, 3, proc), "SIGINT run: snapshots appear")
proc.send_signal(signal.SIGINT)
out, err = proc.communicate(timeout=120)
c.check(proc.returncode == 130, f"SIGINT: exit {proc.returncode}\n{err}")
c.check("checkpoint" in err and "--restart" in err, f"SIGINT message: {err}")
with h5py.File(s) as f:
    c.check(f.attrs["exit_status"] == 130 and f["time/t"].shape[0] >= 1, "interrupted file readable, exit_status 130")
run(["run", long, "-o", s, "--quiet", "--restart", os.path.join(d, "s.ckpt.h5")], check=0)
with h5py.File(ref) as fr, h5py.File(s) as fs:
    c.check(np.array_equal(fr["fields/phi"][-1], fs["fields/phi"][-1]), "SIGINT + restart: final field bit-identical")
    c.check(np.array_equal(fr["kuramoto/theta"][-1], fs["kuramoto/theta"][-1]), "SIGINT + restart: final phases bit-identical")
    c.check(np.array_equal(fr["time/t"][:], fs["time/t"][:]), "SIGINT + restart: the same snapshot times")

# ---- a second signal stops at once; the file stays readable
s2 = os.path.join(d, "s2.h5")
proc = subprocess.Popen([NFCS, "run", long, "-o", s2, "--quiet"] + paced, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wait_for_snapshots(s2, 2, proc)
proc.send_signal(signal.SIGINT)
proc.send_signal(signal.SIGINT)
proc.communicate(timeout=120)
c.check(proc.returncode != 0, f"second signal: exit {proc.returncode}")
with h5py.File(s2) as f:
    c.check(f["time/t"].shape[0] >= 1, "file readable after a second signal")

# ---- kill -9 in the middle of a run: h5py opens the file; every snapshot flushed before is intact
k9 = os.path.join(d, "k9.h5")
fast = write(os.path.join(d, "fast.yaml"), open(long).read().replace("snapshot_interval: 0.5", "snapshot_interval: 0.2"))
proc = subprocess.Popen([NFCS, "run", fast, "-o", k9, "--quiet"] + paced, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
c.check(wait_for_snapshots(k9, 4, proc), "kill -9 run: snapshots appear")
proc.kill()
proc.communicate()
with h5py.File(k9) as f, h5py.File(ref) as fr:
    n = f["time/t"].shape[0]
    c.check(n >= 2, f"kill -9: {n} snapshots readable")
    t = f["time/t"][:n]
    phi = f["fields/phi"][:n]
    ok = all(np.array_equal(phi[i], fr["fields/phi"][int(round(t[i] / 0.5))]) for i in range(n) if abs(t[i] / 0.5 - round(t[i] / 0.5)) < 1e-9)
    c.check(ok, "kill -9: snapshots intact (equal to the uninterrupted run's at the same times)")
    c.check(f["fields/phi"].shape[0] == n and f["kuramoto/theta"].shape[0] == n, "kill -9: series of one length")

# ---- non-finite: stop, keep the last good snapshot and checkpoint, exit 1, say where
blow = write(os.path.join(d, "blow.yaml"), """
cgl:
  grid_size: [16, 16]
  scheme: upstream
  time_step: 0.9
  initial_condition: {type: random_noise, amplitude: 3.0}
regulator: {type: none}
run: {t_end: 100.0}
output: {snapshot_interval: 0.9, checkpoint_interval: 0.9}
""")
bo = os.path.join(d, "blow.h5")
p = run(["run", blow, "-o", bo, "--quiet"])
c.check(p.returncode == 1 and "cgl: the state became non-finite between t =" in p.stderr, f"non-finite: {p.returncode} {p.stderr}")
with h5py.File(bo) as f:
    c.check(f.attrs["exit_status"] == 1 and np.all(np.isfinite(f["fields/phi"][:])), "non-finite: the file holds only finite snapshots")
if os.path.exists(os.path.join(d, "blow.ckpt.h5")):
    with h5py.File(os.path.join(d, "blow.ckpt.h5")) as f:
        c.check(np.all(np.isfinite(f["state/cgl.state"][:])), "non-finite: the last checkpoint is a good state")

# ---- the output cannot be created (73) / the disk is full (/dev/full: 73 at creation)
p = run(["run", cfg, "-o", os.path.join(d, "no", "dir", "x.h5"), "--quiet"])
c.check(p.returncode == 73, f"unwritable path: {p.returncode}")
if os.path.exists("/dev/full"):
    p = run(["run", cfg, "-o", "/dev/full", "--quiet", "--set", "output.checkpoint_path=" + os.path.join(d, "f.ckpt.h5")])
    c.check(p.returncode in (73, 74), f"/dev/full: {p.returncode} {p.stderr}")

# ---- the disk fills up during the run: 74, and the file keeps every snapshot written before
tiny = os.path.join(d, "tiny")
os.makedirs(tiny)
if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", tiny], capture_output=True).returncode == 0:
    try:
        full = os.path.join(tiny, "x.h5")
        p = run(["run", cfg, "-o", full, "--quiet", "--set", "run.t_end=400", "--set", "output.snapshot_interval=0.1",
                 "--set", "output.checkpoint_path=" + os.path.join(d, "tiny.ckpt.h5")])
        c.check(p.returncode == 74 and "is full" in p.stderr, f"disk full: {p.returncode} {p.stderr}")
        with h5py.File(full) as f:
            n = f["time/t"].shape[0]
            c.check(n > 1 and f["fields/phi"].shape[0] >= n and np.all(np.isfinite(f["fields/phi"][:n])),
                    f"disk full: {n} snapshots readable")
    finally:
        subprocess.run(["umount", tiny])
else:
    print("  (no tmpfs mount allowed here: the disk-full case is not exercised)")
c.done()
