"""PNG plots of a run (matplotlib, Agg)."""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _slice2d(a):
    """A 2D view of a field snapshot: 1D as a line is handled by the caller, 3D shows z = middle."""
    return a[a.shape[0] // 2] if a.ndim == 3 else a


def fields(run, path, indices=None, dpi=90):
    n = run.nsnap
    if indices is None:
        indices = sorted(set(np.linspace(0, n - 1, min(n, 4)).astype(int)))
    t = run.times
    if run.dim == 1:
        fig, ax = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
        x = run.grid("x")
        for i in indices:
            p = run.phi(i)
            ax[0].plot(x, np.abs(p), label=f"t = {t[i]:g}")
            ax[1].plot(x, np.angle(p))
        ax[0].set_ylabel("|phi|")
        ax[1].set_ylabel("arg phi")
        ax[1].set_xlabel("x")
        ax[0].legend(fontsize=7)
    else:
        fig, ax = plt.subplots(2, len(indices), figsize=(3.2 * len(indices), 6), squeeze=False)
        x, y = run.grid("x"), run.grid("y")
        ext = [x[0], x[-1], y[0], y[-1]]
        for c, i in enumerate(indices):
            p = _slice2d(run.phi(i))
            im0 = ax[0, c].imshow(np.abs(p), origin="lower", extent=ext, cmap="magma")
            im1 = ax[1, c].imshow(np.angle(p), origin="lower", extent=ext, cmap="twilight", vmin=-np.pi, vmax=np.pi)
            ax[0, c].set_title(f"|phi|, t = {t[i]:g}", fontsize=9)
            ax[1, c].set_title(f"arg phi, t = {t[i]:g}", fontsize=9)
            fig.colorbar(im0, ax=ax[0, c], fraction=0.046)
            fig.colorbar(im1, ax=ax[1, c], fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def animation(run, outdir, max_frames=60, dpi=70):
    """|phi| over time: a GIF where Pillow is there, PNG frames otherwise."""
    n = run.nsnap
    idx = np.unique(np.linspace(0, n - 1, min(n, max_frames)).astype(int))
    t = run.times
    fig, ax = plt.subplots(figsize=(4.5, 4))
    if run.dim == 1:
        x = run.grid("x")
        (line,) = ax.plot(x, np.abs(run.phi(0)))
        ax.set_ylim(0, max(1e-12, max(np.abs(run.phi(i)).max() for i in idx)) * 1.05)
        title = ax.set_title("")

        def draw(i):
            line.set_ydata(np.abs(run.phi(i)))
            title.set_text(f"|phi|, t = {t[i]:g}")
    else:
        vmax = max(np.abs(_slice2d(run.phi(i))).max() for i in idx)
        im = ax.imshow(np.abs(_slice2d(run.phi(0))), origin="lower", cmap="magma", vmin=0, vmax=vmax)
        fig.colorbar(im, ax=ax, fraction=0.046)
        title = ax.set_title("")

        def draw(i):
            im.set_data(np.abs(_slice2d(run.phi(i))))
            title.set_text(f"|phi|, t = {t[i]:g}")
    try:
        from matplotlib.animation import FuncAnimation, PillowWriter
        import PIL  # noqa: F401
        anim = FuncAnimation(fig, lambda k: draw(idx[k]), frames=len(idx))
        path = os.path.join(outdir, "field_animation.gif")
        anim.save(path, writer=PillowWriter(fps=8), dpi=dpi)
        out = [path]
    except ImportError:
        out = []
        fdir = os.path.join(outdir, "frames")
        os.makedirs(fdir, exist_ok=True)
        for k, i in enumerate(idx):
            draw(i)
            p = os.path.join(fdir, f"frame_{k:04d}.png")
            fig.savefig(p, dpi=dpi)
            out.append(p)
    plt.close(fig)
    return out


# the metric panels: a title, the unit of the axis, and the series that share a scale (J apart from
# H_a and the risk: they differ by orders of magnitude)
# (a panel bounded to [0, 1] stays linear, on [0, 1])
METRIC_PANELS = [
    ("Kuramoto coherence", "order parameter (1)", ("R", "R_global", "R_modular"), (0.0, 1.02)),
    ("Vortices of the field", "defects (count)", ("defect_count",), None),
    ("Field energies", "energy (model units)", ("field_energy", "gradient_energy", "control_energy"), None),
    ("Hallucination number and systemic risk", "index (1)", ("hallucination_number", "systemic_risk"), None),
    ("Cost functional", "J (model units)", ("J",), None),
]


def _log_worthy(values):
    """positive data spanning more than two decades: read on a log axis"""
    v = np.concatenate([np.asarray(x, dtype=float).ravel() for x in values]) if values else np.array([])
    v = v[np.isfinite(v)]
    return v.size > 1 and np.all(v > 0) and v.max() / v.min() > 100


def metrics(run, path, dpi=90):
    have = set(run.metric_names)
    panels = [(title, unit, [m for m in names if m in have], bounds) for title, unit, names, bounds in METRIC_PANELS]
    panels = [p for p in panels if p[2]]
    fig, ax = plt.subplots(len(panels), 1, figsize=(8, 2.4 * len(panels)), sharex=True, squeeze=False)
    for a, (title, unit, names, bounds) in zip(ax[:, 0], panels):
        series = [run.metric(m) for m in names]
        for m, (t, v) in zip(names, series):
            a.plot(t, v, label=m)
        if bounds:
            a.set_ylim(*bounds)
        elif _log_worthy([v for _, v in series]):
            a.set_yscale("log")
            title += " (log scale)"
        a.set_title(title, fontsize=9)
        a.set_ylabel(unit, fontsize=8)
        if len(names) > 1:
            a.legend(fontsize=7, loc="best")
        a.grid(alpha=0.3, which="both")
    ax[-1, 0].set_xlabel("model time")
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def phases(run, raster_path, circle_path, dpi=90):
    th = run.theta()
    t = run.times
    fig, ax = plt.subplots(figsize=(8, 4))
    im = ax.imshow(th.T, aspect="auto", origin="lower", cmap="twilight", vmin=-np.pi, vmax=np.pi,
                   extent=[t[0], t[-1] if len(t) > 1 else t[0] + 1, -0.5, th.shape[1] - 0.5], interpolation="nearest")
    fig.colorbar(im, ax=ax, label="theta")
    ax.set_xlabel("model time")
    ax.set_ylabel("oscillator")
    fig.tight_layout()
    fig.savefig(raster_path, dpi=dpi)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    last = th[-1]
    ax.plot(np.cos(np.linspace(0, 2 * np.pi, 200)), np.sin(np.linspace(0, 2 * np.pi, 200)), color="0.7", lw=1)
    ax.scatter(np.cos(last), np.sin(last), s=12, c=run.omega, cmap="viridis")
    z = np.mean(np.exp(1j * last))
    ax.annotate("", xy=(z.real, z.imag), xytext=(0, 0), arrowprops=dict(arrowstyle="->", color="crimson"))
    ax.set_title(f"phases at t = {t[-1]:g}, R = {abs(z):.3f}", fontsize=9)
    ax.set_aspect("equal")
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-1.15, 1.15)
    fig.tight_layout()
    fig.savefig(circle_path, dpi=dpi)
    plt.close(fig)
    return raster_path, circle_path


def ticks(run, path, dpi=90):
    ms = run.tick_ms
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.hist(ms, bins=min(60, max(10, len(ms) // 5)), color="steelblue")
    for q, c in ((50, "green"), (95, "orange"), (99, "crimson")):
        v = np.percentile(ms, q)
        ax.axvline(v, color=c, ls="--", label=f"p{q} = {v:.3g} ms")
    ax.set_xlabel("work time per tick (ms)")
    ax.set_ylabel("ticks")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def spectrum(run, path, dpi=90):
    from . import radial_spectrum
    fig, ax = plt.subplots(figsize=(6, 4))
    n = run.nsnap
    for i in sorted(set(np.linspace(0, n - 1, min(n, 4)).astype(int))):
        k, P = radial_spectrum(run.phi(i), run.extent)
        ax.semilogy(k[1:], np.maximum(P[1:], 1e-30), label=f"t = {run.times[i]:g}")
    ax.set_xlabel("|k|")
    ax.set_ylabel("radially averaged |phi_k|^2")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def plot_all(run, outdir):
    """Every plot the file supports; returns the paths written."""
    os.makedirs(outdir, exist_ok=True)
    out = []
    if run.has_field and run.nsnap:
        out.append(fields(run, os.path.join(outdir, "field_snapshots.png")))
        out += animation(run, outdir)
        out.append(spectrum(run, os.path.join(outdir, "spectrum.png")))
    if run.metric_names:
        out.append(metrics(run, os.path.join(outdir, "metrics.png")))
    if run.has_oscillators and run.nsnap:
        out += list(phases(run, os.path.join(outdir, "phases_raster.png"), os.path.join(outdir, "phases_circle.png")))
    if run.tick_ms is not None and len(run.tick_ms):
        out.append(ticks(run, os.path.join(outdir, "tick_latency.png")))
    return out
