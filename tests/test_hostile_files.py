#!/usr/bin/python3
"""Files nfcs did not write, or that were damaged or crafted, never crash it (SPEC.md 1, 4): every
reader checks rank, lengths, type and element counts before it sizes, allocates or reads anything,
and refuses what is wrong with 65 naming the file (and the dataset).  A restart trusts nothing of a
checkpoint it has not checked (finite times within the run, clocks that belong together, counters
recomputed from the time and this run's intervals: changed intervals keep every earlier entry), and
an output file is continued only when everything the run will append to fits; otherwise it is not
touched, byte for byte.  `nfcs info` describes any file without crashing."""
import hashlib
import os
import shutil

import h5py
import numpy as np

from nfcs_testlib import Checker, run, tmpdir, write

c = Checker()
d = tmpdir()
BIG = 2 ** 40  # lengths only claimed: chunked datasets whose chunks were never written


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def crashed(p):
    return p.returncode < 0 or p.returncode in (134, 136, 139)


def expect(args, code, pattern, what):
    p = run(args)
    ok = p.returncode == code and all(s in p.stderr for s in pattern)
    c.check(ok and not crashed(p), f"{what}: exit {p.returncode} (expected {code}, {pattern}): {p.stderr.strip()[-300:]}")
    return p


def ic_config(name, dataset="/phi", path="ic.h5", grid="[16, 12]"):
    return write(os.path.join(d, name), f"""
cgl:
  grid_size: {grid}
  spatial_extent: [10.0, 8.0]
  time_step: 0.05
  initial_condition: {{type: file, path: {path}, dataset: {dataset}}}
run: {{t_end: 0.1}}
backend: {{threads: 2, fft_planner: estimate, fft_wisdom: ""}}
""")


# ---------------------------------------------------------------- input files
ic = os.path.join(d, "ic.h5")
with open(os.path.join(d, "secret.bin"), "wb") as f:
    f.write(bytes(12 * 16 * 16))  # any file of the machine: an input must not read it through an external dataset
with h5py.File(os.path.join(d, "other.h5"), "w") as f:
    f["/phi"] = np.zeros((12, 16), dtype=complex)
cplx = np.dtype([("r", "<f8"), ("i", "<f8")])
with h5py.File(ic, "w") as f:
    f.create_dataset("rank9", shape=(1,) * 9, dtype=cplx)
    f.create_dataset("huge", shape=(BIG, BIG), dtype=cplx, chunks=(1, 16))
    f.create_dataset("wide", shape=(2 ** 20, 2 ** 20), dtype=cplx, chunks=(1, 16))
    f.create_dataset("strings", data=np.zeros((12, 16), dtype=[("r", "S4"), ("i", "S4")]))
    f.create_dataset("three", data=np.zeros((12, 16), dtype=[("r", "<f8"), ("i", "<f8"), ("x", "<f8")]))
    f.create_dataset("scalar", data=np.zeros((), dtype=cplx))
    f.create_dataset("null", data=h5py.Empty("f8"))
    f.create_dataset("nan", data=np.full((12, 16), np.nan + 0j))
    f["group"] = h5py.SoftLink("/nowhere")
    f["elsewhere"] = h5py.ExternalLink(os.path.join(d, "other.h5"), "/phi")
    f.create_dataset("extern", shape=(12, 16), dtype=cplx, external=[(os.path.join(d, "secret.bin"), 0, 12 * 16 * 16)])
    layout = h5py.VirtualLayout(shape=(12, 16), dtype=cplx)
    layout[:] = h5py.VirtualSource(os.path.join(d, "other.h5"), "/phi", shape=(12, 16))
    f.create_virtual_dataset("virtual", layout)
    f.create_group("agroup")
for ds, why in [("/rank9", "expected at most 4 axes, got 9"), ("/huge", "multiply past 2^64"), ("/wide", "expected shape [12, 16]"), ("/strings", "expected complex numbers"),
                ("/three", "expected complex numbers"), ("/scalar", "expected shape"), ("/null", "expected complex"),
                ("/nan", "is not finite"), ("/group", "has no dataset /group"), ("/agroup", "is not a dataset whose data"),
                ("/absent", "has no dataset /absent"), ("/elsewhere", "links to other files are not followed"),
                ("/extern", "is not a dataset whose data is in the file"), ("/virtual", "is not a dataset whose data is in the file"),
                ("/agroup/x/y", "has no dataset")]:
    expect(["run", ic_config("ic.yaml", ds), "-o", os.path.join(d, "o.h5"), "--quiet"], 65, [ic, why], f"initial field {ds}")
c.check(not os.path.exists(os.path.join(d, "o.h5")), "a refused input writes no output")
write(os.path.join(d, "text.h5"), "not HDF5 at all\n")
expect(["run", ic_config("t.yaml", path="text.h5"), "-o", os.path.join(d, "o.h5"), "--quiet"], 65, ["is not an HDF5 file"],
       "an initial field that is not HDF5 (exists: 65, not 66)")

# edge lists of any length: a claimed length beyond memory is refused before anything is allocated
edges = os.path.join(d, "edges.h5")
with h5py.File(edges, "w") as f:
    f.create_dataset("src", shape=(BIG,), dtype="<i8", chunks=(1024,))
    f.create_dataset("dst", shape=(BIG,), dtype="<i8", chunks=(1024,))
net = write(os.path.join(d, "net.yaml"), """
kuramoto:
  oscillators: 10
  coupling: sparse
  sparse: {path: edges.h5, src: /src, dst: /dst}
run: {t_end: 0.1}
""")
expect(["run", net, "-o", os.path.join(d, "o.h5"), "--quiet"], 65, [edges, "/src", "more than this machine's memory"],
       "an edge list that claims 2^40 entries")

# ---------------------------------------------------------------- a good run, then its checkpoint damaged
cfg = write(os.path.join(d, "c.yaml"), """
cgl:
  grid_size: [16, 12]
  spatial_extent: [10.0, 8.0]
  time_step: 0.05
  initial_condition: {type: random_noise, amplitude: 0.3, seed: 5}
kuramoto: {oscillators: 8}
run: {t_end: 1.0}
output: {snapshot_interval: 0.5, metrics_interval: 0.25}
backend: {threads: 2, fft_planner: estimate, fft_wisdom: ""}
""")
out = os.path.join(d, "run.h5")
run(["run", cfg, "-o", out, "--quiet"], check=0)
ck = os.path.join(d, "run.ckpt.h5")


def edited_copy(src, name, edit):
    """a copy of src named name, changed by edit(h5py.File)"""
    path = os.path.join(d, name)
    shutil.copy(src, path)
    with h5py.File(path, "r+") as f:
        edit(f)
    return path


def set_t(v):
    return lambda f: f["/state/coordinator.t"].__setitem__(0, v)


def huge_state(f):
    del f["/state/cgl.state"]
    f.create_dataset("/state/cgl.state", shape=(BIG,), dtype="<f8", chunks=(1024,)).attrs["kind"] = 2


def unwritten_state(f):
    del f["/state/cgl.state"]
    f.create_dataset("/state/cgl.state", shape=(2 ** 20,), dtype="<f8", chunks=(1024,)).attrs["kind"] = 2


def bad_kind(f):
    f["/state/cgl.reals"].attrs["kind"] = 7


def kind_array(f):
    f["/state/cgl.reals"].attrs["kind"] = np.arange(5)


def state_rank2(f):
    data = f["/state/cgl.reals"][...]
    del f["/state/cgl.reals"]
    f.create_dataset("/state/cgl.reals", data=data.reshape(1, -1))


def format_list(f):
    f.attrs["format"] = np.array([b"nfcs-checkpoint-1"] * 3)


def long_name(f):
    f.create_dataset("/state/" + "x" * 300, data=np.zeros(2))


def nan_state(f):
    v = f["/state/kuramoto.theta"][...]
    v[3] = np.nan
    f["/state/kuramoto.theta"][...] = v


def clock_ahead(f):
    f["/state/coordinator.t"][0] = 0.25  # the modules stay at t = 1: ahead of the coordinator by more than a tick


def yaml_array(f):
    del f["/config/effective_yaml"]
    f["/config/effective_yaml"] = np.array([b"a", b"b"])


cases = [
    ("nan_t.h5", set_t(np.nan), ["time is nan"]),
    ("neg_t.h5", set_t(-1.0), ["expected a finite time"]),
    ("late_t.h5", set_t(50.0), ["beyond run.t_end"]),
    ("huge.h5", huge_state, ["cgl.state", "more than this machine's memory"]),
    ("unwritten.h5", unwritten_state, ["cgl.state", "stores fewer"]),
    ("kind.h5", bad_kind, ["attribute kind must be"]),
    ("kindarr.h5", kind_array, ["attribute kind must be"]),
    ("rank2.h5", state_rank2, ["cgl.reals", "at most 1 axes"]),
    ("format.h5", format_list, ["is not a checkpoint of nfcs"]),
    ("longname.h5", long_name, ["a name longer than"]),
    ("nanstate.h5", nan_state, ["not finite"]),
    ("clock.h5", clock_ahead, ["do not belong together"]),
    ("yaml.h5", yaml_array, ["effective_yaml is not a text"]),
]
before = digest(out)
for name, edit, pattern in cases:
    path = edited_copy(ck, name, edit)
    expect(["run", cfg, "-o", out, "--quiet", "--restart", path, "--set", "run.t_end=2.0"], 65, pattern, f"checkpoint {name}")
c.check(digest(out) == before, "refused restarts leave the output file as it was, byte for byte")
expect(["run", cfg, "-o", out, "--quiet", "--restart", os.path.join(d, "text.h5")], 65, ["is not an HDF5 file"],
       "a checkpoint that is not HDF5")

# files that crash the HDF5 library itself (found by tests/fuzz/fuzz_h5: a segfault in its global
# heap reading a variable-length string attribute): read first in a child process, refused with 65
crasher = os.path.join(os.environ.get("NFCS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..")),
                       "tests", "fuzz", "libhdf5", "segv-H5HG_read-vlen-attribute.h5")
expect(["run", cfg, "-o", os.path.join(d, "z.h5"), "--quiet", "--restart", crasher], 65,
       ["is damaged or crafted: the HDF5 library"], "a checkpoint that crashes libhdf5 (a signal; under ASan its exit status)")
c.check(not os.path.exists(os.path.join(d, "z.h5")), "nothing is written after a checkpoint that crashes libhdf5")
shutil.copy(crasher, os.path.join(d, "crash_ic.h5"))
expect(["run", ic_config("crash.yaml", path="crash_ic.h5"), "-o", os.path.join(d, "z.h5"), "--quiet"], 65,
       ["crash_ic.h5"], "an initial field file that crashes libhdf5 (or is refused before)")

# ---------------------------------------------------------------- continuing an output file that does not fit
def rank2_time(f):
    del f["/time/t"]
    f.create_dataset("/time/t", data=np.zeros((3, 2)), maxshape=(None, 2))


def fixed_metric(f):
    v = f["/metrics/R"][...]
    del f["/metrics/R"]
    f.create_dataset("/metrics/R", data=v)  # not extendible


def short_phi(f):
    del f["/fields/phi"]
    f.create_dataset("/fields/phi", shape=(1, 12, 16), maxshape=(None, 12, 16), dtype=cplx)


def other_model(f):
    f.attrs["model_hash"] = "0" * 64


def unsorted_time(f):
    f["/time/t"][1] = -5.0


def phi_wrong_grid(f):
    del f["/fields/phi"]
    f.create_dataset("/fields/phi", shape=(3, 12, 15), maxshape=(None, 12, 15), dtype=cplx)


def not_nfcs(f):
    f.attrs["software"] = "someone else"


half = os.path.join(d, "half.ckpt.h5")
run(["run", cfg, "-o", os.path.join(d, "half.h5"), "--quiet", "--set", "run.t_end=0.5"], check=0)
for name, edit, pattern in [("rank2.h5", rank2_time, ["/time/t has 2 axes"]), ("fixed.h5", fixed_metric, ["/metrics/R cannot grow"]),
                            ("short.h5", short_phi, ["/fields/phi has 1 entries"]), ("other.h5", other_model, ["another model"]),
                            ("unsorted.h5", unsorted_time, ["/time/t: entry 1"]), ("grid.h5", phi_wrong_grid, ["/fields/phi has length 15"]),
                            ("notnfcs.h5", not_nfcs, ["not written by nfcs"])]:
    path = edited_copy(out, name, edit)
    h = digest(path)
    expect(["run", cfg, "-o", path, "--quiet", "--restart", half], 65, ["cannot continue the output file"] + pattern,
           f"continuing {name}")
    c.check(digest(path) == h, f"continuing {name}: the file is not touched")

# ---------------------------------------------------------------- restart with other intervals keeps every entry
o2 = os.path.join(d, "iv.h5")
run(["run", cfg, "-o", o2, "--quiet"], check=0)  # t = 0 .. 1, snapshots every 0.5
ck2 = os.path.join(d, "iv.ckpt.h5")
run(["run", cfg, "-o", o2, "--quiet", "--restart", ck2, "--set", "run.t_end=2.0", "--set", "output.snapshot_interval=0.3",
     "--set", "output.metrics_interval=0.4"], check=0)
with h5py.File(o2, "r") as f:
    t = f["/time/t"][...]
    mt = f["/metrics/t"][...]
with h5py.File(ck2, "r") as f:
    ckt = f["/state/coordinator.t"][0]
want = [0, 0.5, 1.0, 1.2, 1.5, 1.8, 2.0]
c.check(len(t) == len(want) and np.allclose(t, want), f"snapshots keep 0, 0.5, 1 and go on every 0.3 from 1: {t}")
c.check(np.allclose(mt, [0, 0.25, 0.5, 0.75, 1.0, 1.2, 1.6, 2.0]), f"samples keep every earlier one and go on every 0.4: {mt}")
c.check(abs(ckt - 2.0) < 1e-12, f"the new checkpoint is labelled with its state's time (t = {ckt})")
run(["run", cfg, "-o", o2, "--quiet", "--restart", ck2, "--set", "run.t_end=2.5", "--set", "output.snapshot_interval=0.5"], check=0)
with h5py.File(o2, "r") as f:
    t3 = f["/time/t"][...]
c.check(np.allclose(t3, want + [2.5]), f"a second restart drops no history: {t3}")

# ---------------------------------------------------------------- nfcs info on anything
odd = os.path.join(d, "odd.h5")
with h5py.File(odd, "w") as f:
    f.attrs["software"] = np.array([b"a", b"b", b"c"])
    f.attrs["exit_status"] = np.arange(7)
    f.attrs["threads"] = "\x1b[31mred\x1b[0m"
    f.create_dataset("/time/t", shape=(1,) * 12, dtype="f8")
    f.create_dataset("/fields/phi", shape=(BIG, BIG), dtype=cplx, chunks=(1, 1))
    f.create_dataset("/metrics/t", shape=(BIG,), dtype="f8", chunks=(64,))
    f.create_dataset("/metrics/R", data=np.zeros((2, 2)))
    f["/config/effective_yaml"] = np.array([b"x"] * 4)
    g = f.create_group("/coordinator")
    g.attrs["ticks"] = np.arange(100.0)
    g.attrs["rate_hz"] = "ten"
p = run(["info", odd])
c.check(p.returncode == 0 and not crashed(p) and "\x1b" not in p.stdout, f"nfcs info on a crafted file: {p.returncode} {p.stderr[-300:]}")
p = run(["info", os.path.join(d, "text.h5")])
c.check(p.returncode == 65, f"nfcs info on a file that is not HDF5: {p.returncode}")
c.done()
