#!/usr/bin/python3
"""What a CPU run costs the machine: the nfcs binary links no CUDA library, a CPU run maps none
(the CUDA backend is a module loaded only when `cuda` is asked for), a 32^2 run holds at most 40 MB
resident, and without the module `nfcs info` says why and `device: cuda` exits 69 before writing."""
import os
import re
import resource
import shutil
import signal
import subprocess
import time

from nfcs_testlib import NFCS, Checker, run, start, tmpdir, write

CUDA_LIBS = re.compile(r"libcuda|libcudart|libcufft|libcublas|libnvrtc|libnvJitLink")
c = Checker()
d = tmpdir()
cfg = write(os.path.join(d, "c.yaml"), "cgl:\n  grid_size: [32, 32]\nrun: {t_end: 1.0}\n")

# a 32^2 run: resident memory (the first child of this test, so its peak is the run's)
run(["run", cfg, "-o", os.path.join(d, "o.h5"), "--quiet"], check=0)
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
sanitized = os.environ.get("NFCS_SANITIZED") == "1"
print(f"  32^2 CPU run: {rss_mb:.1f} MB resident{' (sanitizer build: not bounded)' if sanitized else ''}")
c.check(sanitized or rss_mb <= 40, f"a 32^2 CPU run holds {rss_mb:.1f} MB resident (at most 40)")

# the binary links no CUDA library
if shutil.which("ldd"):
    libs = subprocess.run(["ldd", NFCS], capture_output=True, text=True).stdout
    c.check(not CUDA_LIBS.search(libs), f"nfcs links a CUDA library:\n{libs}")

# a running CPU run maps none
live = write(os.path.join(d, "live.yaml"), "cgl:\n  grid_size: [32, 32]\ncoordinator: {realtime: true, rate_hz: 20}\n"
             "run: {t_end: 1000.0}\n")
proc = start(["run", live, "-o", os.path.join(d, "live.h5"), "--quiet"])
maps = ""
for _ in range(600):
    if os.path.exists(os.path.join(d, "live.h5")):
        break
    time.sleep(0.05)
with open(f"/proc/{proc.pid}/maps") as f:
    maps = f.read()
proc.send_signal(signal.SIGINT)
proc.communicate(timeout=120)
c.check("libfftw3" in maps and not CUDA_LIBS.search(maps), "a CPU run maps FFTW and no CUDA library")

# without the module (nfcs copied alone to a folder of its own): info says why, cuda exits 69
alone = os.path.join(d, "alone")
os.makedirs(alone)
shutil.copy(NFCS, os.path.join(alone, "nfcs"))
env = dict(os.environ, NFCS_MODULE_PATH=alone)
p = subprocess.run([os.path.join(alone, "nfcs"), "info"], capture_output=True, text=True, env=env)
c.check(p.returncode == 0 and re.search(r"^\s+cuda\s+unavailable: (the module libnfcs_cuda\.so is not in|not built)", p.stdout, re.M)
        is not None, f"info without the module:\n{p.stdout}")
out = os.path.join(d, "cuda.h5")
write(cfg, "cgl:\n  grid_size: [32, 32]\nbackend: {device: cuda}\nrun: {t_end: 1.0}\n")
p = subprocess.run([os.path.join(alone, "nfcs"), "run", cfg, "-o", out, "--quiet"], capture_output=True, text=True, env=env)
c.check(p.returncode == 69 and "backend 'cuda' is not available" in p.stderr and not os.path.exists(out),
        f"device: cuda without the module: {p.returncode} {p.stderr}")
c.done()
