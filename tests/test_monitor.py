#!/usr/bin/python3
"""Live metrics (SPEC.md 5): a realtime run scraped twice over HTTP with curl while it runs, the text
read by the Prometheus project's own Python parser (python3-prometheus-client) and by promtool
where it is installed, and checked against the exposition format's rules by hand (one HELP and TYPE
per family before its samples, a family's samples together, cumulative histogram buckets ending in
+Inf = _count, escaped label values, a trailing newline); the counters grow between the scrapes;
the textfile of the same run ends with the run's final state, equal to the file's last metric
sample bit for bit; an address that is taken leaves the run going (a warning); a malformed one is
a config error (78); under mpirun the first process alone serves and writes."""
import math
import os
import re
import shutil
import socket
import subprocess
import time

import h5py

from nfcs_testlib import Checker, mpi_available, mpirun, run, start, tmpdir, write

c = Checker()
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    c.skip("python3-prometheus-client is not installed (scripts/install-deps.sh installs it)")
CURL = shutil.which("curl")
if not CURL:
    c.skip("curl is not installed (scripts/install-deps.sh installs it)")
PROMTOOL = shutil.which("promtool")

d = tmpdir()
CONFIG = """
cgl:
  grid_size: [32, 32]
  spatial_extent: [10.0, 10.0]
kuramoto:
  oscillators: 64
run:
  t_end: {t_end}
coordinator:
  realtime: {realtime}
  rate_hz: 10
output:
  path: {out}
  snapshot_interval: 0.5
monitor:
  listen: "{listen}"
  textfile: "{textfile}"
  interval: 0.2
"""


def config(name, t_end=3.0, realtime="true", listen="127.0.0.1:0", textfile="", out=None):
    return write(os.path.join(d, name + ".yaml"),
                 CONFIG.format(t_end=t_end, realtime=realtime, listen=listen, textfile=textfile,
                               out=out or os.path.join(d, name + ".h5")))


def curl(url, *extra):
    """(status, headers, body) of one request"""
    p = subprocess.run([CURL, "-s", "-i", "--max-time", "5", *extra, url], capture_output=True, timeout=10)
    head, _, body = p.stdout.decode().partition("\r\n\r\n")
    lines = head.split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    return status, headers, body


def format_rules(text, what):
    """the exposition format's rules, checked line by line"""
    c.check(text.endswith("\n"), f"{what}: the text ends in a newline")
    families, current, seen_samples = {}, None, set()
    for line in text.rstrip("\n").split("\n"):
        m = re.match(r"# (HELP|TYPE) (\S+) ?(.*)$", line)
        if m:
            kind, name, rest = m.groups()
            f = families.setdefault(name, {})
            c.check(kind not in f, f"{what}: one {kind} line for {name}")
            c.check(name not in seen_samples, f"{what}: {kind} of {name} before its samples")
            f[kind] = rest
            current = name
            continue
        m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$', line)
        if not c.check(m is not None, f"{what}: a sample line: {line!r}"):
            continue
        name = m.group(1)
        family = re.sub(r"_(bucket|sum|count)$", "", name) if current and current != name else name
        c.check(family == current, f"{what}: {name} belongs to the family just declared ({current})")
        seen_samples.add(family)
        float(m.group(3).replace("Inf", "inf"))  # a Go float
    for name, f in families.items():
        c.check("HELP" in f and "TYPE" in f, f"{what}: {name} has HELP and TYPE")
    return families


def parse(text, what):
    """name -> family of the Prometheus client's parser; the histogram's own rules"""
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    h = fams.get("nfcs_tick_duration_seconds")
    if c.check(h is not None and h.type == "histogram", f"{what}: nfcs_tick_duration_seconds is a histogram"):
        buckets = [(s.labels["le"], s.value) for s in h.samples if s.name.endswith("_bucket")]
        count = [s.value for s in h.samples if s.name.endswith("_count")][0]
        total = [s.value for s in h.samples if s.name.endswith("_sum")][0]
        les = [float(le) for le, _ in buckets]
        c.check(buckets and buckets[-1][0] == "+Inf", f"{what}: the buckets end in le=\"+Inf\"")
        c.check(les == sorted(les) and len(set(les)) == len(les), f"{what}: bucket bounds increase")
        c.check(all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), f"{what}: buckets are cumulative")
        c.check(buckets[-1][1] == count, f"{what}: +Inf bucket = _count ({buckets[-1][1]} vs {count})")
        c.check(total >= 0 and (count == 0 or total > 0), f"{what}: _sum {total} fits _count {count}")
        # the budget (100 ms at 10 Hz) is resolved: bounds below and above it, one on it
        c.check(0.1 in les and any(0.05 <= x < 0.1 for x in les) and any(0.1 < x <= 0.2 for x in les),
                f"{what}: buckets resolve the 100 ms budget: {les}")
    return fams


def value(fams, family, sample=None, **labels):
    f = fams.get(family)
    if not f:
        return None
    for s in f.samples:
        if (sample is None or s.name == sample) and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None


def promtool(text, what):
    if not PROMTOOL:
        return
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    # strict: no parse error and no lint note (a counter without _total, a family without HELP, ...)
    c.check(p.returncode == 0 and not (p.stdout + p.stderr).strip(), f"{what}: promtool check metrics: exit {p.returncode} {p.stdout}{p.stderr}")


# ---------------------------------------------------------------- a realtime run, scraped twice
prom = os.path.join(d, "live.prom")
out = os.path.join(d, "live.h5")
proc = start(["run", config("live", textfile=prom)])
port = None
seen = []
deadline = time.time() + 30
while time.time() < deadline:
    line = proc.stderr.readline()
    if not line:
        break
    seen.append(line)
    m = re.search(r"monitor: serving http://127\.0\.0\.1:(\d+)/metrics", line)
    if m:
        port = int(m.group(1))
        break
if c.check(port is not None, f"the run names the port it serves on: {''.join(seen)}"):
    url = f"http://127.0.0.1:{port}"
    time.sleep(0.6)
    s1, h1, t1 = curl(url + "/metrics")
    time.sleep(0.8)
    s2, h2, t2 = curl(url + "/metrics")
    c.check(s1 == 200 and s2 == 200, f"GET /metrics answers 200 ({s1}, {s2})")
    c.check(h1.get("content-type", "").startswith("text/plain; version=0.0.4"),
            f"Content-Type is the text format 0.0.4: {h1.get('content-type')}")
    c.check(curl(url + "/nothing")[0] == 404, "another path is 404")
    c.check(curl(url + "/metrics", "-X", "POST")[0] == 405, "POST is 405")
    c.check(curl(url + "/metrics", "-I")[0] == 200, "HEAD /metrics is 200")
    f1, f2 = parse(t1, "scrape 1"), parse(t2, "scrape 2")
    format_rules(t1, "scrape 1")
    format_rules(t2, "scrape 2")
    promtool(t2, "scrape 2")
    for fam in ("nfcs_build_info", "nfcs_model_time", "nfcs_ticks", "nfcs_tick_overruns", "nfcs_snapshots_written",
                "nfcs_tick_duration_seconds", "nfcs_steps", "nfcs_metric"):
        c.check(fam in f2, f"family {fam} is served (SPEC.md 5)")
    build = f2["nfcs_build_info"].samples if "nfcs_build_info" in f2 else []
    version = run(["--version"], check=0).stdout.split()[1]
    precision = "float32" if "single precision" in run(["--version"], check=0).stdout else "float64"
    c.check(len(build) == 1 and build[0].value == 1 and build[0].labels == {"version": version, "backend": "cpu", "precision": precision},
            f"nfcs_build_info{{version=\"{version}\",backend=\"cpu\",precision=\"{precision}\"}} 1: {build}")
    for name in ("nfcs_ticks_total", "nfcs_model_time"):
        a, b = value(f1, name.replace("_total", ""), name), value(f2, name.replace("_total", ""), name)
        c.check(a is not None and b is not None and 0 < a < b, f"{name} grows while running: {a} -> {b}")
    a = value(f1, "nfcs_steps", "nfcs_steps_total", module="cgl")
    b = value(f2, "nfcs_steps", "nfcs_steps_total", module="cgl")
    c.check(a is not None and b is not None and 0 < a < b, f"nfcs_steps_total{{module=\"cgl\"}} grows: {a} -> {b}")
    c.check(value(f2, "nfcs_steps", "nfcs_steps_total", module="kuramoto") is not None, "steps of the network too")
    ticks2 = value(f2, "nfcs_ticks", "nfcs_ticks_total")
    c.check(value(f2, "nfcs_tick_duration_seconds", "nfcs_tick_duration_seconds_count") == ticks2,
            "one latency observation per tick")
    for name in ("R", "R_global", "field_energy", "defect_count", "systemic_risk"):
        v = value(f2, "nfcs_metric", name=name)
        c.check(v is not None and math.isfinite(v), f"nfcs_metric{{name=\"{name}\"}} is served: {v}")
    c.check(value(f2, "nfcs_running") == 1, "nfcs_running 1 while running")
rc = proc.wait(timeout=60)
c.check(rc == 0, f"the monitored run ends well (exit {rc}): {proc.stderr.read()}")

# ---------------------------------------------------------------- its textfile: the final state
if c.check(os.path.exists(prom), "the textfile exists after the run"):
    text = open(prom).read()
    fams = parse(text, "textfile")
    format_rules(text, "textfile")
    promtool(text, "textfile")
    c.check(value(fams, "nfcs_running") == 0 and value(fams, "nfcs_exit_status") == 0,
            "the final textfile says the run ended with status 0")
    c.check(value(fams, "nfcs_ticks", "nfcs_ticks_total") == 30, "30 ticks of 0.1 in t = 3")
    c.check(value(fams, "nfcs_model_time") == 3.0, "model time 3 at the end")
    with h5py.File(out) as f:
        nsnap = f["time/t"].shape[0]
        c.check(value(fams, "nfcs_snapshots_written", "nfcs_snapshots_written_total") == nsnap,
                f"snapshots written = the file's {nsnap}")
        c.check(value(fams, "nfcs_metric_samples_written", "nfcs_metric_samples_written_total") == f["metrics/t"].shape[0],
                "metric samples written = the file's")
        for name in ("R", "psi", "field_energy", "defect_count", "hallucination_number", "J"):
            if name in f["metrics"]:
                c.check(value(fams, "nfcs_metric", name=name) == float(f["metrics"][name][-1]),
                        f"nfcs_metric{{name=\"{name}\"}} = the file's last sample, bit for bit")
    c.check(not [n for n in os.listdir(d) if ".prom.tmp" in n], "no temporary file is left beside the textfile")

# ---------------------------------------------------------------- escaping: an output path with a quote and a backslash
odd = os.path.join(d, 'odd"na\\me.h5')
prom2 = os.path.join(d, "odd.prom")
run(["run", config("odd", t_end=0.3, realtime="false", listen="", textfile=prom2, out=odd), "-q"], check=0)
if c.check(os.path.exists(prom2), "a textfile run without a server leaves its file"):
    fams = parse(open(prom2).read(), "escaping")
    c.check(value(fams, "nfcs_run_info", output=odd) == 1, "a label value with \" and \\ reads back as written")

# ---------------------------------------------------------------- a taken port: the run goes on
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
taken = s.getsockname()[1]
p = run(["run", config("taken", t_end=0.3, realtime="false", listen=f"127.0.0.1:{taken}"), "--no-cache"], check=None)
c.check(p.returncode == 0 and "monitor.listen" in p.stderr and "warning" in p.stderr.lower(),
        f"a taken port is a warning and the run goes on (exit {p.returncode}): {p.stderr[-400:]}")
s.close()

# ---------------------------------------------------------------- malformed addresses: 78 with the key
for bad in ("127.0.0.1:99999", "localhost:", "::1:9464", "host:port"):
    p = run(["validate", config("bad", listen=bad)], check=None)
    c.check(p.returncode == 78 and "monitor.listen" in p.stderr and ":" in p.stderr.split("error")[0],
            f"monitor.listen '{bad}' is a config error with its place (exit {p.returncode}): {p.stderr[:300]}")

# ---------------------------------------------------------------- the textfile never replaces another file of the run
cfg = config("clash", t_end=0.3, realtime="false", listen="")
for target, what in ((cfg, "the config file"), (os.path.join(d, "clash.h5"), "output.path")):
    p = run(["run", cfg, "--set", f"monitor.textfile={target}"], check=None)
    c.check(p.returncode == 78 and "monitor.textfile" in p.stderr and what in p.stderr,
            f"monitor.textfile naming {what} is refused (78) before anything is written: {p.returncode} {p.stderr[-300:]}")
c.check(open(cfg).read().startswith("\ncgl:"), "the config is untouched")
p = run(["run", cfg, "-q", "--no-cache", "--set", f"monitor.textfile={os.path.join(d, 'no', 'such', 'x.prom')}"], check=None)
c.check(p.returncode == 0 and "monitor.textfile" in p.stderr, f"a textfile that cannot be written is a warning: {p.returncode} {p.stderr[-300:]}")

# ---------------------------------------------------------------- under mpirun: the first process alone
if mpi_available():
    prom3 = os.path.join(d, "mpi.prom")
    p = mpirun(2, ["run", config("mpi", t_end=1.0, realtime="false", listen="127.0.0.1:0", textfile=prom3), "--threads", "1"])
    c.check(p.returncode == 0, f"mpirun -n 2 with live metrics: exit {p.returncode}: {p.stderr[-400:]}")
    c.check(p.stderr.count("monitor: serving") == 1, "one process serves under mpirun")
    if c.check(os.path.exists(prom3), "the first process writes the textfile under mpirun"):
        fams = parse(open(prom3).read(), "mpirun textfile")
        c.check(value(fams, "nfcs_processes") == 2 and value(fams, "nfcs_ticks", "nfcs_ticks_total") == 10,
                "nfcs_processes 2, 10 ticks")

c.done()
