#!/usr/bin/python3
"""nfcs on the command line: every configuration error class with its message, location and exit
code; input-file errors; usage; backends; validate and info."""
import os
import re

import h5py
import numpy as np
import yaml

from nfcs_testlib import Checker, run, tmpdir, write

c = Checker()
d = tmpdir()


def expect(yaml, code, pattern, *extra):
    path = write(os.path.join(d, "c.yaml"), yaml)
    p = run(["run", path, "-o", os.path.join(d, "o.h5"), "--quiet", *extra])
    c.check(p.returncode == code, f"exit {p.returncode} != {code} for:\n{yaml}\n{p.stderr}")
    c.check(re.search(pattern, p.stderr) is not None, f"stderr does not match {pattern!r}:\n{p.stderr}")
    return p


cfg = os.path.join(d, "c.yaml")
# unknown key, with file:line:col, the dotted key and what was expected
expect("cgl:\n  c1: 0.8\n  cc3: 1.5\n", 78, re.escape(cfg) + r":3:3: error: cgl\.cc3: unknown key \(did you mean cgl\.c3\?\)")
expect("cgl:\n  c1: fast\n", 78, r":2:7: error: cgl\.c1: expected a number, got \"fast\"")
expect("cgl:\n  grid_size: [-256, 128]\n", 78, r":2:3: error: cgl\.grid_size: expected each entry to be an integer in \[2, .*got -256")
expect("cgl:\n  time_step: 0.01\n  time_step: 0.02\n", 78, r":3:3: error: cgl\.time_step: duplicate key \(first given at line 2\)")
expect("cgl:\n  grid_size: [128, 128\n  c1: 1\n", 78, r"c\.yaml:\d+:\d+: error: \(YAML syntax\)")
expect("cgl:\n  boundary_conditions: dirichlet\n", 78, r":2:24: error: cgl\.boundary_conditions: expected periodic")
expect("cgl:\n  scheme: euler\n", 78, r"cgl\.scheme: expected one of \{strang,etdrk4,upstream\}")
expect("output:\n  path: x.h5\n", 78, r"expected a cgl: or a kuramoto: section")
# all errors are reported, not only the first
p = expect("cgl:\n  c1: a\n  c3: b\n  bogus: 1\n", 78, r"cgl\.c1")
c.check(len([l for l in p.stderr.splitlines() if ": error: " in l]) == 3, f"expected 3 errors:\n{p.stderr}")
# --set: wins over the file, its errors are config errors
expect("cgl:\n  c1: 0.8\n", 78, r"--set:1:\d+: error: cgl\.grid_size: expected", "--set", "cgl.grid_size=[-256,128]")
expect("cgl:\n  c1: 0.8\n", 78, r"--set:1:1: error: cgl\.nope: unknown key", "--set", "cgl.nope=1")
# missing config file: 66
p = run(["run", os.path.join(d, "absent.yaml")])
c.check(p.returncode == 66 and "cannot open the config file" in p.stderr, f"missing config: {p.returncode} {p.stderr}")
# usage errors: 64
c.check(run(["run"]).returncode == 64, "run without config")
c.check(run(["frobnicate"]).returncode == 64, "unknown command")
c.check(run(["run", cfg, "--threads", "x"]).returncode == 64, "bad --threads")
c.check(run([]).returncode == 64, "no arguments")

# validate: prints the effective config with overrides; exit 0.  The effective config is YAML
# that loads back to the same values: fed to validate again it comes out the same (a fixed point)
write(cfg, "cgl:\n  c1: 0.25\n  initial_condition: {type: spiral, charge: -2}\nkuramoto:\n"
      "  natural_frequencies: {a: 1.5, b: -2.25}\noutput: {path: 'x y.h5'}\n")
p = run(["validate", cfg, "--set", "cgl.grid_size=[64,32]", "--set", "run.t_end=3", "--set", "cgl.c3=-0.123456789012345678",
         "--set", "cgl.spatial_extent=[1e-3, 2.5e2]"])
c.check(p.returncode == 0, f"validate exit {p.returncode}: {p.stderr}")
eff = yaml.safe_load(p.stdout)
c.check(eff["cgl"]["c1"] == 0.25 and eff["cgl"]["c3"] == -0.123456789012345678 and eff["cgl"]["grid_size"] == [64, 32]
        and eff["cgl"]["spatial_extent"] == [1e-3, 250.0] and eff["run"]["t_end"] == 3.0
        and eff["cgl"]["initial_condition"] == {**eff["cgl"]["initial_condition"], "type": "spiral", "charge": -2}
        and eff["kuramoto"]["natural_frequencies"] == {"a": 1.5, "b": -2.25} and eff["output"]["path"] == "x y.h5",
        f"validate: the effective config holds the values given:\n{p.stdout}")
c.check(eff["cgl"]["time_step"] == 0.01 and eff["coordinator"]["rate_hz"] == 10.0, "validate: defaults filled in")
again = run(["validate", write(os.path.join(d, "eff.yaml"), p.stdout)])
c.check(again.returncode == 0 and again.stdout == p.stdout, f"validate of the effective config is a fixed point:\n{again.stdout}")
write(cfg, "cgl:\n  c1: 0.25\n")
c.check("kuramoto:" not in run(["validate", cfg]).stdout, "absent module section printed")
# the upstream config loads unchanged, with its values
up = os.path.join(os.environ.get("NFCS_SOURCE_DIR", "."), "configs", "upstream.yaml")
p = run(["validate", up])
c.check(p.returncode == 0 and yaml.safe_load(p.stdout)["kuramoto"]["natural_frequencies"]["symbolic_ai"] == 15.0,
        f"upstream config: {p.returncode} {p.stderr}")

# info --params: every key with type, default and help
p = run(["info", "--params"])
keys = [l for l in p.stdout.splitlines() if re.match(r"^[a-z_]+\.[a-z_0-9.]+$", l)]
c.check(p.returncode == 0 and len(keys) > 60 and "cgl.time_step" in keys, f"info --params lists {len(keys)} keys")
c.check("default: 0.01" in p.stdout, "info --params shows defaults")
p = run(["info"])
c.check(p.returncode == 0 and "FFTW" in p.stdout and "strang" in p.stdout, "info")

# input data errors: initial field of the wrong shape (65), missing file (66), wrong type (65)
ic = os.path.join(d, "ic.h5")
with h5py.File(ic, "w") as f:
    f["phi"] = np.zeros((16, 32), complex)
    f["real"] = np.zeros((32, 32))
    f["bad"] = np.full((32, 32), np.nan + 0j)
base = "cgl:\n  grid_size: [32, 32]\n  initial_condition:\n    type: file\n    path: ic.h5\n    dataset: {}\nrun: {{t_end: 0.1}}\n"
expect(base.format("/phi"), 65, r"expected shape \[32, 32\] for cgl\.grid_size, got \[16, 32\]")
expect(base.format("/real"), 65, r"expected complex numbers")
expect(base.format("/missing"), 65, r"has no dataset /missing")
expect(base.format("/bad"), 65, r"is not finite")
expect(base.format("/phi").replace("ic.h5", "nothere.h5"), 66, r"cannot open .*nothere\.h5")

# device: cuda where no GPU (or no CUDA build) is: 69 and nothing written; where one is, it runs
out = os.path.join(d, "cuda.h5")
write(cfg, "cgl:\n  grid_size: [16, 16]\nbackend:\n  device: cuda\nrun: {t_end: 0.05}\n")
has_gpu = re.search(r"^\s+cuda\s+available", run(["info"]).stdout, re.M) is not None
p = run(["run", cfg, "-o", out, "--quiet"])
if has_gpu:
    c.check(p.returncode == 0 and os.path.exists(out), f"cuda with a GPU: exit {p.returncode} {p.stderr}")
else:
    c.check(p.returncode == 69, f"cuda without a usable GPU: exit {p.returncode}")
    c.check(not os.path.exists(out), "a file was written although the backend is unavailable")

# output cannot be created: 73
write(cfg, "cgl:\n  grid_size: [16, 16]\nrun: {t_end: 0.05}\n")
p = run(["run", cfg, "-o", os.path.join(d, "no", "such", "dir", "x.h5")])
c.check(p.returncode == 73 and "output.path: cannot write" in p.stderr and "does not exist" in p.stderr, f"unwritable output: {p.returncode} {p.stderr}")

# a good run: exit 0, says where the output is
p = run(["run", cfg, "-o", os.path.join(d, "ok.h5"), "--quiet"])
c.check(p.returncode == 0 and "output: " + os.path.join(d, "ok.h5") in p.stdout, f"run: {p.returncode} {p.stderr}")
c.check(p.stderr.strip() == "", f"--quiet run printed on stderr: {p.stderr}")

# info on a run file and on its checkpoint: attributes, the effective config and N (the last axis
# of omega [members, N] in the run file; the phases of all members / members in the checkpoint)
write(cfg, "kuramoto:\n  oscillators: 24\n  ensemble: 3\n  ensemble_coupling: [0.5, 2.0]\n"
      "output: {checkpoint_interval: 0.1}\nrun: {t_end: 0.1}\n")
ens = os.path.join(d, "ens.h5")
p = run(["run", cfg, "-o", ens, "--quiet"])
c.check(p.returncode == 0, f"ensemble run: {p.returncode} {p.stderr}")
for f in (ens, os.path.join(d, "ens.ckpt.h5")):
    p = run(["info", f])
    c.check(p.returncode == 0 and re.search(r"software +nfcs", p.stdout) is not None, f"info {f}: {p.stdout}{p.stderr}")
    c.check(re.search(r"oscillators +N = 24, coupling all_to_all", p.stdout) is not None, f"info {f} N:\n{p.stdout}")
    c.check(re.search(r"model hash +[0-9a-f]{64}", p.stdout) is not None, f"info {f} model hash:\n{p.stdout}")
c.done()
