#!/usr/bin/python3
"""Do the shipped configs give the same output as before?  Builds a git revision of the engine
(build-base/), runs every config of configs/ with it and with the working tree's build, and compares
the two files of each config bit for bit: every dataset and every attribute of the base, but those
that say when and how fast (created, command_line, tick timings); attributes the working tree adds
are allowed.  For refactors that must not change a result.

  scripts/same_outputs.py REV              # REV: e.g. the main before the change
  scripts/same_outputs.py REV --build DIR  # the working tree's build folder (default build/)

Both runs use FFTW_ESTIMATE plans without wisdom and 2 threads, so that the plans are the same
whatever the machine measured before.  Exit 0 when every file is identical.
"""
import argparse
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOLATILE_ATTRS = {"created", "command_line", "achieved_rate_hz", "tick_ms_p50", "tick_ms_p95", "tick_ms_p99", "tick_ms_max",
                  "overruns", "software_version"}
VOLATILE_DATA = {"/coordinator/tick_ms"}


def sh(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"same_outputs: {' '.join(cmd)} failed:\n{p.stdout[-3000:]}")
    return p.stdout


def build_base(rev, where):
    src, build = os.path.join(where, "src"), os.path.join(where, "build")
    sha = sh(["git", "rev-parse", rev], cwd=ROOT).strip()
    stamp = os.path.join(where, "rev")
    if not (os.path.exists(stamp) and open(stamp).read() == sha):
        shutil.rmtree(where, ignore_errors=True)
        os.makedirs(src)
        tar = subprocess.run(["git", "archive", sha], cwd=ROOT, stdout=subprocess.PIPE, check=True).stdout
        subprocess.run(["tar", "-x", "-C", src], input=tar, check=True)
        sh(["cmake", "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DNFCS_CUDA=OFF", "-DNFCS_BUILD_TESTS=OFF",
            "-DNFCS_BUILD_BENCH=OFF"])
        with open(stamp, "w") as f:
            f.write(sha)
    sh(["cmake", "--build", build, "-j", str(os.cpu_count() or 2), "--target", "nfcs_cli"])
    return os.path.join(build, "nfcs"), sha[:12]


def items(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__("/" + name, obj))
    out["/"] = f
    return out


def normal(f, v):
    """An attribute value comparable across files: object references by the path they point at."""
    if isinstance(v, h5py.Reference):
        return f[v].name if v else None
    if isinstance(v, np.ndarray) and v.dtype.kind in "OV":
        return repr([normal(f, x) for x in v.tolist()]) if v.dtype.kind == "O" else repr(
            [tuple(normal(f, y) for y in x) for x in v.tolist()])
    if isinstance(v, (list, tuple)):
        return repr([normal(f, x) for x in v])
    return v


def links(g, prefix=""):
    """Every link name below a group (hard links to one object each count: netCDF readers need them)."""
    out = set()
    for k in g.keys():
        path = f"{prefix}/{k}"
        out.add(path)
        if isinstance(g.get(k, getlink=True), h5py.HardLink) and isinstance(g[k], h5py.Group):
            out |= links(g[k], path)
    return out


def differences(a, b):
    diff = [f"{n}: a link only in {'the base' if n in links(a) else 'the working tree'}" for n in sorted(links(a) ^ links(b))]
    ia, ib = items(a), items(b)
    for name in sorted(set(ia) | set(ib)):
        if name not in ia or name not in ib:
            diff.append(f"{name}: only in {'the base' if name in ia else 'the working tree'}")
            continue
        x, y = ia[name], ib[name]
        for key in sorted(set(x.attrs) | set(y.attrs)):
            if key in VOLATILE_ATTRS:
                continue
            if key not in x.attrs:
                continue  # an attribute the working tree adds (e.g. model_hash) changes no result
            if key not in y.attrs:
                diff.append(f"{name} attribute {key}: only in the base")
            else:
                if key == "REFERENCE_LIST":
                    # a scale's back-references to the datasets attached to it: a set, kept in the
                    # order of attachment, which says nothing about the result
                    u, v = (sorted(tuple(normal(f, c) for c in row) for row in o.attrs[key].tolist())
                            for f, o in ((a, x), (b, y)))
                    if u != v:
                        diff.append(f"{name} attribute {key}: {u!r} vs {v!r}")
                    continue
                u, v = normal(a, x.attrs[key]), normal(b, y.attrs[key])
                if not np.array_equal(np.asarray(u), np.asarray(v)):
                    diff.append(f"{name} attribute {key}: {u!r} vs {v!r}")
        if isinstance(x, h5py.Dataset) and name not in VOLATILE_DATA:
            if not isinstance(y, h5py.Dataset) or x.shape != y.shape or x.dtype != y.dtype:
                diff.append(f"{name}: {x.shape} {x.dtype} vs {getattr(y, 'shape', '?')} {getattr(y, 'dtype', '?')}")
            elif x.shape and x.size and x.dtype.kind != "O" and x[()].tobytes() != y[()].tobytes():
                diff.append(f"{name}: values differ")
            elif not x.shape and x[()] != y[()]:
                diff.append(f"{name}: {x[()]!r} vs {y[()]!r}")
    return diff


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rev")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = ap.parse_args()
    base_bin, sha = build_base(a.rev, os.path.join(ROOT, "build-base"))
    new_bin = os.path.join(a.build, "nfcs")
    out = os.path.join(ROOT, "build-base", "out")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    configs = sorted(f for f in os.listdir(os.path.join(ROOT, "configs")) if f.endswith(".yaml"))
    common = ["--quiet", "--threads", "2", "--set", "backend.fft_planner=estimate", "--set", "backend.fft_wisdom="]
    runs = []
    for tag, binary in (("base", base_bin), ("new", new_bin)):
        # a result cache (where the engine has one) must not answer for the engine
        no_cache = ["--set", "cache.enabled=false"] if "cache.enabled" in sh([binary, "info", "--params"]) else []
        runs.append((tag, binary, common + no_cache))
    bad = 0
    for cfg in configs:
        path = os.path.join(ROOT, "configs", cfg)
        files = []
        for tag, binary, args in runs:
            os.makedirs(os.path.join(out, tag), exist_ok=True)
            h5 = os.path.join(out, tag, f"{cfg[:-5]}.h5")  # the same relative output.path for both
            p = subprocess.run([binary, "run", path, "-o", f"{cfg[:-5]}.h5"] + args, capture_output=True, text=True,
                               cwd=os.path.join(out, tag), env=dict(os.environ, XDG_CACHE_HOME=os.path.join(out, "cache")))
            if p.returncode != 0:
                sys.exit(f"same_outputs: {tag} run of {cfg} failed ({p.returncode}):\n{p.stderr}")
            files.append(h5)
        with h5py.File(files[0]) as fa, h5py.File(files[1]) as fb:
            d = differences(fa, fb)
        bad += bool(d)
        print(f"  {cfg:22s} {'identical to ' + sha if not d else 'DIFFERS from ' + sha}")
        for line in d[:20]:
            print(f"      {line}")
    print(f"{len(configs) - bad} of {len(configs)} configs give the same output as {sha}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
