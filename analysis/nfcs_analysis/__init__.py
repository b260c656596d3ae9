"""Post-analysis of an nfcs run's HDF5 file (numpy, h5py, matplotlib, scipy from Debian).

    import nfcs_analysis as na
    run = na.open_run("run.h5")
    print(na.summary(run))
    k, P = na.radial_spectrum(run.phi(-1), run.extent)

Files are opened without HDF5 file locking, so a run that is still being written can be read
(the writer flushes a consistent state after every snapshot).
"""
import hashlib
import json
import math
import os

import h5py
import numpy as np

__all__ = ["open_run", "Run", "summary", "radial_spectrum", "dominant_frequency", "plane_wave_frequency",
           "time_average", "order_parameter", "plot_all"]


def _open(path):
    try:
        return h5py.File(path, "r", locking=False)
    except TypeError:  # h5py without the locking argument
        return h5py.File(path, "r")


class Run:
    """A run's file, read on demand."""

    def __init__(self, path):
        self.path = path
        self.f = _open(path)

    def close(self):
        self.f.close()

    def refresh(self):
        """Reopen the file to see what a running writer added since."""
        self.f.close()
        self.f = _open(self.path)

    # ---- what the file holds
    @property
    def attrs(self):
        return dict(self.f.attrs)

    @property
    def config_yaml(self):
        y = self.f["config/effective_yaml"][()]
        return y.decode() if isinstance(y, bytes) else y

    @property
    def has_field(self):
        return "fields/phi" in self.f

    @property
    def has_oscillators(self):
        return "kuramoto/theta" in self.f

    @property
    def times(self):
        return self.f["time/t"][:]

    @property
    def nsnap(self):
        return self.f["time/t"].shape[0]

    @property
    def dim(self):
        return self.f["fields/phi"].ndim - 1 if self.has_field else 0

    @property
    def extent(self):
        """Box lengths in C order (Ly, Lx) / (Lz, Ly, Lx)."""
        out = []
        for ax in "zyx"[3 - self.dim:]:
            g = self.f[f"grid/{ax}"]
            out.append(float(g.attrs["L"]))
        return tuple(out)

    def grid(self, axis):
        return self.f[f"grid/{axis}"][:]

    def phi(self, i):
        return self.f["fields/phi"][i]

    def theta(self, i=slice(None)):
        return self.f["kuramoto/theta"][i]

    @property
    def omega(self):
        return self.f["kuramoto/omega"][:]

    def metric(self, name):
        return self.f["metrics/t"][:], self.f[f"metrics/{name}"][:]

    @property
    def metric_names(self):
        return sorted(k for k in self.f["metrics"].keys() if k != "t") if "metrics" in self.f else []

    @property
    def tick_ms(self):
        return self.f["coordinator/tick_ms"][:] if "coordinator/tick_ms" in self.f else None

    def config_value(self, dotted, default=None):
        """A value of the effective config by dotted key (simple YAML of nfcs)."""
        want = dotted.split(".")
        stack = []
        for line in self.config_yaml.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            ind = (len(line) - len(line.lstrip())) // 2
            key, _, val = line.strip().partition(":")
            stack = stack[:ind] + [key]
            if stack == want:
                return val.strip().strip('"')
        return default


def open_run(path):
    return Run(path)


# ---------------------------------------------------------------- numbers


def order_parameter(theta):
    """R, psi of phases (last axis)."""
    z = np.mean(np.exp(1j * np.asarray(theta)), axis=-1)
    return np.abs(z), np.angle(z)


def radial_spectrum(phi, extent, nbins=None):
    """Radially averaged spatial power spectrum of a field: bin centres |k| and the mean of
    |phi_k|^2 / N^2 over each shell (|k| from 2 pi fftfreq, like the engine)."""
    phi = np.asarray(phi)
    F = np.fft.fftn(phi) / phi.size
    ks = np.meshgrid(*[2 * np.pi * np.fft.fftfreq(n, L / n) for n, L in zip(phi.shape, extent)], indexing="ij")
    kmag = np.sqrt(sum(k * k for k in ks)).ravel()
    power = (np.abs(F) ** 2).ravel()
    dk = min(2 * np.pi / L for L in extent)
    nb = nbins or int(kmag.max() / dk) + 1
    idx = np.minimum((kmag / dk + 0.5).astype(int), nb - 1)
    sums = np.bincount(idx, weights=power, minlength=nb)
    counts = np.bincount(idx, minlength=nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return np.arange(nb) * dk, mean


def dominant_frequency(run, point=None, first=0):
    """Dominant temporal angular frequency of phi at a grid point, with the convention
    phi ~ exp(-i omega t) of the CGL plane waves (omega = c3 + (c1 - c3) k^2).  Snapshots must
    be evenly spaced; the peak of a zero-padded FFT is refined by a parabola."""
    t = run.times[first:]
    if len(t) < 4:
        raise ValueError("need at least 4 snapshots")
    dt = np.diff(t)
    if np.ptp(dt) > 1e-9 * dt.mean():
        keep = np.isclose(dt, np.median(dt))
        n = np.argmin(keep) if not keep.all() else len(dt)
        t = t[: n + 1]
        dt = np.diff(t)
    shape = run.f["fields/phi"].shape[1:]
    if point is None:
        point = tuple(s // 2 for s in shape)
    sig = run.f["fields/phi"][(slice(first, first + len(t)),) + tuple(point)]
    h = float(np.median(dt))
    m = 1 << (int(math.log2(len(sig))) + 5)
    spec = np.abs(np.fft.fft(sig * np.hanning(len(sig)), m)) ** 2
    w = 2 * np.pi * np.fft.fftfreq(m, h)
    j = int(np.argmax(spec))
    if 0 < j < m - 1:
        a, b, c = spec[j - 1], spec[j], spec[j + 1]
        d = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    else:
        d = 0.0
    return -(w[j] + d * (w[1] - w[0]))


def plane_wave_frequency(c1, c3, k2):
    """omega of the plane wave sqrt(1 - k^2) exp(i(k.x - omega t)) (VALIDATION.md CGL 3)."""
    return c3 + (c1 - c3) * k2


def time_average(t, x, transient=0.0, blocks=10):
    """Mean of a series after a transient and its standard error from block means (the blocks
    absorb the correlation of neighbouring samples)."""
    t, x = np.asarray(t), np.asarray(x)
    x = x[t >= transient]
    if len(x) < 2 * blocks:
        return float(np.mean(x)) if len(x) else float("nan"), float("nan")
    means = np.array([b.mean() for b in np.array_split(x, blocks)])
    return float(x.mean()), float(means.std(ddof=1) / math.sqrt(blocks))


def summary(run, transient=None):
    """Everything a first look needs, as a plain dict (JSON-ready)."""
    a = run.attrs
    out = {
        "file": os.path.abspath(run.path),
        "software": f"{a.get('software', '?')} {a.get('software_version', '')}",
        "config_digest": hashlib.sha256(run.config_yaml.encode()).hexdigest()[:16],
        "backend": a.get("backend"),
        "precision": a.get("precision"),
        "threads": int(a.get("threads", 0)),
        "exit_status": int(a["exit_status"]) if "exit_status" in a else None,
        "snapshots": int(run.nsnap),
        "t_first": float(run.times[0]) if run.nsnap else None,
        "t_last": float(run.times[-1]) if run.nsnap else None,
    }
    if run.has_field:
        out["grid"] = list(run.f["fields/phi"].shape[1:])
        out["extent"] = list(run.extent)
        out["scheme"] = run.config_value("cgl.scheme")
    if run.has_oscillators:
        out["oscillators"] = int(run.f["kuramoto/theta"].shape[1])
    if run.metric_names:
        mt = run.f["metrics/t"][:]
        out["metric_samples"] = int(len(mt))
        out["metrics"] = {}
        for name in run.metric_names:
            v = run.f[f"metrics/{name}"][:]
            if len(v) == 0:
                continue
            out["metrics"][name] = {"first": float(v[0]), "last": float(v[-1]), "min": float(np.min(v)), "max": float(np.max(v))}
        if "R" in run.metric_names:
            tr = transient if transient is not None else 0.5 * float(mt[-1])
            m, se = time_average(mt, run.f["metrics/R"][:], tr)
            out["R_time_average"] = {"after": tr, "mean": m, "standard_error": se}
    if "coordinator" in run.f:
        out["coordinator"] = {k: float(v) for k, v in run.f["coordinator"].attrs.items()}
    return out


def format_summary(s):
    lines = [f"{s['file']}", f"  {s['software']}, backend {s['backend']}, {s['precision']}, {s['threads']} threads, "
             f"config {s['config_digest']}"]
    if "grid" in s:
        lines.append(f"  field: grid {' x '.join(map(str, s['grid']))}, box {' x '.join(f'{L:g}' for L in s['extent'])}, "
                     f"scheme {s.get('scheme')}")
    if "oscillators" in s:
        lines.append(f"  oscillators: {s['oscillators']}")
    lines.append(f"  snapshots: {s['snapshots']}, t = {s['t_first']} .. {s['t_last']}; metric samples: {s.get('metric_samples', 0)}")
    for name, v in s.get("metrics", {}).items():
        lines.append(f"    {name:22s} first {v['first']:<12.6g} last {v['last']:<12.6g} min {v['min']:<12.6g} max {v['max']:<12.6g}")
    if "R_time_average" in s:
        r = s["R_time_average"]
        lines.append(f"  <R> after t = {r['after']:g}: {r['mean']:.6g} +- {r['standard_error']:.2g}")
    if "coordinator" in s:
        c = s["coordinator"]
        lines.append(f"  coordinator: {c.get('achieved_rate_hz', 0):.4g} Hz (target {c.get('rate_hz', 0):g}), tick ms p50 "
                     f"{c.get('tick_ms_p50', 0):.3g} p95 {c.get('tick_ms_p95', 0):.3g} p99 {c.get('tick_ms_p99', 0):.3g}, "
                     f"{int(c.get('overruns', 0))} overruns")
    return "\n".join(lines)


from .plots import plot_all  # noqa: E402
