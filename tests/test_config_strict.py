#!/usr/bin/python3
"""No value is ever truncated or dropped, and the effective YAML loads back to the same values
(SPEC.md 2): scalars and list entries of any length are read whole (or refused when no value can be
that long), strings holding a NUL are refused, YAML aliases are refused at their place (78), every
--set applies, intervals that time cannot advance by are refused (78), a run the machine cannot
hold is refused with the figures (71).  A property test: generated configs (every key, values at
the edges of their ranges, strings and names that need quoting and escaping) give an effective
YAML that `validate` gives back unchanged."""
import json
import os
import random
import re

from nfcs_testlib import Checker, run, tmpdir, write

c = Checker()
d = tmpdir()


def validate(text, *sets, name="c.yaml"):
    path = write(os.path.join(d, name), text)
    args = ["validate", path]
    for s in sets:
        args += ["--set", s]
    return run(args)


def value_of(yaml, key):
    """a top-level section's leaf in the effective YAML (two-level keys only)"""
    sec, leaf = key.split(".")
    m = re.search(rf"^{sec}:\n(?:  .*\n)*?  {leaf}: (.*)$", yaml, re.M)
    return m.group(1) if m else None


# long scalars are read whole
p = validate("cgl:\n  c1: " + "0" * 3000 + "5.0\n")
c.check(p.returncode == 0 and value_of(p.stdout, "cgl.c1") == "5.0", f"a 3004-character number is read whole: {p.returncode} {p.stderr[:200]}")
p = validate("cgl:\n  grid_size: [" + "0" * 200 + "16, 16]\n  spatial_extent: [1.0, 1.0]\n")
c.check(p.returncode == 0 and value_of(p.stdout, "cgl.grid_size") == "[16, 16]", f"a 202-character list entry is read whole: {p.stderr[:200]}")
p = validate("cgl:\n  grid_size: [16, 16]\n", "cgl.c3=" + "0" * 5000 + "2.5")
c.check(p.returncode == 0 and value_of(p.stdout, "cgl.c3") == "2.5", "a --set value of 5005 characters is read whole")
p = validate("cgl:\n  grid_size: [16, 16]\noutput:\n  path: " + "a" * 2000 + ".h5\n")
c.check(p.returncode == 78 and "output.path: expected a string of at most" in p.stderr, f"a 2003-character path is refused, not cut: {p.stderr[:200]}")
p = validate("kuramoto:\n  natural_frequencies: {" + "m" * 100 + ": 1.0}\n")
c.check(p.returncode == 78 and "expected a name of at most" in p.stderr, f"a 100-character name is refused, not cut: {p.stderr[:200]}")
p = validate("cgl:\n  grid_size: [16, 16]\n", "kuramoto.natural_frequencies." + "m" * 300 + "=1.0")
c.check(p.returncode == 78 and "expected a name of at most" in p.stderr, f"a 300-character name by --set is refused, not cut: {p.stderr[:200]}")
p = validate("cgl:\n  grid_size: [16, 16, 16, 16, 16, 16, 16, 16, 16, 16]\n")
c.check(p.returncode == 78 and "got 10" in p.stderr, f"a list of 10 entries is refused counting all 10: {p.stderr[:200]}")
p = validate("cgl:\n  grid_size: [16, 16]\n", "cgl.spatial_extent=1,2,3,4,5,6,7,8,9,10")
c.check(p.returncode == 78 and "got 10" in p.stderr, f"a --set list of 10 entries is refused counting all 10: {p.stderr[:200]}")
p = validate('cgl:\n  grid_size: [16, 16]\noutput:\n  path: "a\\0b.h5"\n')
c.check(p.returncode == 78 and "output.path" in p.stderr and "NUL" in p.stderr, f"a string holding NUL is refused: {p.stderr[:200]}")

# what the YAML parser never sees (libfyaml 0.7 loops forever on "%" directives holding NUL bytes
# or invalid UTF-8: found by tests/fuzz): raw control characters, invalid UTF-8, directives
for name, raw, want in [("nul", b"cgl:\n  grid_size: [16, 16]\n  c1: 1.0\x00\n", ":3:10: error: (YAML syntax): the control character 0x00"),
                        ("utf8", b"cgl:\n  scheme: s\xf4rang\n", ":2:12: error: (YAML syntax): the byte 0xf4 is not valid UTF-8"),
                        ("directive", b"cgl:\n  grid_size: [16, 16]\n%   boundary: @\xc5\x00\x00id_s0.7i\n",
                         ":3:1: error: (YAML syntax): YAML directives"),
                        ("directive2", b"%YAML 1.2\n---\ncgl: {grid_size: [16, 16]}\n", ":1:1: error: (YAML syntax): YAML directives")]:
    path = os.path.join(d, name + ".yaml")
    with open(path, "wb") as f:
        f.write(raw)
    p = run(["validate", path], timeout=60)
    c.check(p.returncode == 78 and want in p.stderr, f"{name}: refused at its place: {p.returncode} {p.stderr[:200]}")
p = validate("cgl:\n  grid_size: [16, 16]\noutput: {path: \"caf\u00e9 \u4e2d.h5\"}\n")
c.check(p.returncode == 0 and "café 中.h5" in p.stdout, f"valid UTF-8 is taken: {p.stderr[:200]}")

# aliases are refused where they are
p = validate("defaults: &d 2.0\ncgl:\n  grid_size: [16, 16]\n  c1: *d\n")
c.check(p.returncode == 78 and ":4:" in p.stderr and "aliases" in p.stderr, f"an alias is refused at its line: {p.stderr[:300]}")
p = validate("base: &b {c1: 2.0}\ncgl:\n  <<: *b\n  grid_size: [16, 16]\n")
c.check(p.returncode == 78 and "aliases" in p.stderr, f"a merge key is refused: {p.stderr[:300]}")
bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
p = validate(bomb + "cgl: {grid_size: [16, 16]}\n")
c.check(p.returncode == 78 and "aliases" in p.stderr, "an alias bomb is refused, not expanded")

# every --set applies, however many
sets = [f"cgl.c1={i}.5" for i in range(600)]
p = validate("cgl:\n  grid_size: [16, 16]\n", *sets)
c.check(p.returncode == 0 and value_of(p.stdout, "cgl.c1") == "599.5", f"the 600th --set applies: {value_of(p.stdout, 'cgl.c1')}")

# intervals time cannot advance by; runs the machine cannot hold
p = validate("cgl:\n  grid_size: [16, 16]\nrun: {t_end: 10.0}\noutput: {snapshot_interval: 1.0e-12}\n")
c.check(p.returncode == 78 and "output.snapshot_interval: expected at least" in p.stderr, f"a snapshot interval of 1e-12: {p.stderr[:200]}")
p = validate("cgl:\n  grid_size: [16, 16]\nrun: {t_end: 1.0e6}\ncoordinator: {sim_time_per_tick: 1.0e-5}\n")
c.check(p.returncode == 78 and "coordinator.sim_time_per_tick" in p.stderr, f"1e11 ticks: {p.stderr[:200]}")
p = validate("kuramoto: {oscillators: 1000000000}\n")
c.check(p.returncode == 71 and re.search(r"needs about [\d.]+ GB of memory \(kuramoto", p.stderr), f"N = 1e9 is refused with 71: {p.returncode} {p.stderr[:200]}")
out = os.path.join(d, "never.h5")
p = run(["run", write(os.path.join(d, "big.yaml"), "kuramoto: {oscillators: 300000, coupling: matrix, matrix: {source: upstream}}\n"), "-o", out])
c.check(p.returncode == 71 and "more than this machine's" in p.stderr and not os.path.exists(out),
        f"a dense N = 3e5 run is refused before allocating: {p.returncode} {p.stderr[:200]}")

# ---------------------------------------------------------------- property: the effective YAML loads back unchanged
info = run(["info", "--params"], check=0).stdout
rows = re.findall(r"^([a-z_0-9.]+)\n  type: ([a-z ]+?)   default: (.*?)   range: (.*?)(?:   model:.*)?$", info, re.M)
types = {k: (t, r) for k, t, _, r in rows}
c.check(len(types) > 60, f"{len(types)} keys parsed from nfcs info --params")
rng = random.Random(12345)
WEIRD = ["a: b", "#x", "- y", "true", "No", "1.5", "[x]", " lead", "trail ", "quo\"te", "back\\slash", "tab\there", "new\nline",
         "é ü 中", "{c}", "%p", "~", "null", "'s'", "a,b", "=x", "*star", "&amp"]


def rand_real(r):
    lo, hi = -1e6, 1e6
    m = re.match(r"[\[(]([-+0-9.e]+|inf|-inf), ([-+0-9.e]+|inf)\]", r)
    if m:
        lo, hi = max(float(m.group(1)), -1e9), min(float(m.group(2)), 1e9)
        if r.startswith("("):
            lo = lo + max(abs(lo), 1.0) * 1e-9
    pick = rng.choice([lo, hi, rng.uniform(lo, hi), rng.uniform(lo, hi) * 1e-7, 0.1, 1 / 3])
    return min(max(pick, lo), hi)


def rand_value(key, t, r):
    if t == "real":
        return rand_real(r)
    if t == "integer":
        m = re.match(r"\[([-0-9.e+]+), ([-0-9.e+]+)\]", r)
        lo, hi = (int(float(m.group(1))), int(min(float(m.group(2)), 1e6))) if m else (0, 100)
        return rng.choice([lo, hi, rng.randint(lo, hi)])
    if t == "bool":
        return rng.choice([True, False])
    if t == "choice":
        return rng.choice(r.replace("one of ", "").split(","))
    if t == "string":
        return "".join(rng.choice(WEIRD) for _ in range(rng.randint(1, 3)))
    if t.endswith("list"):
        n = rng.randint(1, 3)
        return [rand_value(key, t.split()[0] if t != "integer list" else "integer", r.split(",")[0] + "," + r.split(",")[1] if "," in r else r)
                for _ in range(n)]
    if t == "named reals":
        return {rng.choice(WEIRD) + str(i): rand_real("[-100, 100]") for i in range(rng.randint(1, 4))}
    if t == "named points":
        return {rng.choice(WEIRD) + str(i): [rand_real("[-5, 5]") for _ in range(2)] for i in range(rng.randint(1, 3))}
    return None


def nest(flat):
    out = {}
    for k, v in flat.items():
        cur = out
        parts = k.split(".")
        for p_ in parts[:-1]:
            cur = cur.setdefault(p_, {})
        cur[parts[-1]] = v
    return out


base = {"cgl.grid_size": [16, 16], "cgl.spatial_extent": [8.0, 8.0], "kuramoto.oscillators": 8, "probe.points": {"p": [0.0, 0.0]}}
tried = agreed = 0
for i in range(160):
    flat = dict(base)
    for k in rng.sample(sorted(types), rng.randint(1, 6)):
        if k.startswith(("cgl.grid_size", "cgl.spatial_extent", "kuramoto.oscillators")):
            continue
        v = rand_value(k, *types[k])
        if v is not None:
            flat[k] = v
    src = write(os.path.join(d, f"g{i}.json"), json.dumps(nest(flat), ensure_ascii=False))
    p1 = run(["validate", src])
    if p1.returncode != 0:
        continue  # cross-key checks refused this one (fine: the property is about valid configs)
    tried += 1
    back = write(os.path.join(d, f"g{i}.yaml"), p1.stdout)
    p2 = run(["validate", back])
    same = p2.returncode == 0 and p2.stdout == p1.stdout
    agreed += same
    if not same:
        c.check(False, f"config {i}: the effective YAML does not load back the same:\n{json.dumps(flat, ensure_ascii=False)[:600]}\n"
                       f"{p2.stderr[:400]}")
c.check(tried >= 60, f"{tried} of 160 generated configs were valid (enough to mean something)")
c.check(agreed == tried, f"{agreed} of {tried} effective YAMLs load back unchanged")
p = validate('kuramoto:\n  natural_frequencies: {"a: b": 1.0, "true": 2.0, "#x": 3.0, "1.5": 4.0, "new\\nline": 5.0}\n')
y = p.stdout
back = write(os.path.join(d, "names.yaml"), y)
p2 = run(["validate", back])
c.check(p.returncode == 0 and p2.returncode == 0 and p2.stdout == y and '"a: b": 1.0' in y and '"new\\nline": 5.0' in y,
        f"names that need quoting are quoted and escaped: {y[y.find('natural'):][:200]} {p2.stderr[:200]}")
c.done()
