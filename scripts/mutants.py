#!/usr/bin/python3
"""Mutation testing of NFCS core: build the engine with each deliberate fault and run the suite.

Every mutant is a small, plausible bug (a sign, a factor, a skipped step, an off-by-one) written as
exact text replacements in the engine's sources.  The script copies the working tree into
build-mutants/, builds it once unmutated (every test must pass there), then for each mutant applies
its edits, rebuilds incrementally, runs ctest and records which tests failed: a mutant is killed
when at least one test fails (the tests labelled `long` run only when no other test failed, so the
table lists every quick test that catches a mutant, or else the long ones that do).  It ends with
a table (Markdown) and exits non-zero when a mutant survived.  With an old suite (--suite), whose
tests have no `long` label, every test runs for every mutant.

  scripts/mutants.py                    # the working tree's suite against every mutant
  scripts/mutants.py --suite REV        # the tests/ of git revision REV (e.g. an older suite)
  scripts/mutants.py --only NAME,NAME   # some mutants;  --list: print them and stop
  make mutants                          # the first form (not part of CI: about ten minutes on 2 cores)
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name, what the fault is, [(file, exact text, replacement), ...]
MUTANTS = [
    ("cgl-etdrk4-nan", "an ETDRK4 step that returns NaN everywhere (its E coefficient is NaN)",
     [("core/cgl/etdrk4.c", "const double complex v[6] = {keep * cexp(z),", "const double complex v[6] = {NAN,")]),
    ("cgl-upstream-frozen", "the upstream scheme ignores dt: its step leaves the field as it was",
     [("core/cgl/upstream.c", "  const nfcs_forcing u = nfcs_cgl_forcing(c);\n  if (!c->pending) {",
       "  const nfcs_forcing u = nfcs_cgl_forcing(c);\n  if (s->h > 0) return NFCS_OK;\n  if (!c->pending) {")]),
    ("cgl-upstream-fused-half", "upstream's fused linear step applies half a step where two halves are pending",
     [("core/cgl/upstream.c", "NFCS_CHECK(linear(c, s->fused, c->phi, c->phi));", "NFCS_CHECK(linear(c, s->axis, c->phi, c->phi));")]),
    ("cgl-upstream-view-unsynced", "upstream's observable field forgets the pending half linear step",
     [("core/cgl/upstream.c", "  if (!c->pending) return c->ops->memory->copy(", "  if (1) return c->ops->memory->copy(")]),
    ("cgl-upstream-euler-full-dt", "the upstream Euler sub-step ignores the step size: a split step takes a full dt",
     [("core/cgl/upstream.c", "c->ops->field->euler(c->be, c->phi, c->g.nloc, s->h, c->c3, &u)",
       "c->ops->field->euler(c->be, c->phi, c->g.nloc, c->dt, c->c3, &u)")]),
    ("etdrk4-noise-removed-modes", "etdrk4's noise also enters the Fourier modes the dealiasing removes",
     [("kernels/cpu_noise.c", "    if (er == 0 && ei == 0) continue; /* dealiased mode */", "    (void)er, (void)ei;")]),
    ("etdrk4-final-half-exponential", "etdrk4's final stage multiplies v by E2 = e^{hL/2} instead of E = e^{hL}",
     [("core/cgl/etdrk4.c", "return f->etd_final_sep(c->be, v, &c->g, s->axis[0], s->axis[1], s->axis[2],", "return f->etd_final_sep(c->be, v, &c->g, s->fused[0], s->fused[1], s->fused[2],")]),
    ("etdrk4-full-final-half-exponential", "etdrk4's final stage with full arrays (the CUDA backend's way) multiplies v by E2 instead of E",
     [("core/cgl/etdrk4.c", "  return f->etd_final(c->be, v, s->arr[E], s->arr[F1]", "  return f->etd_final(c->be, v, s->arr[E2], s->arr[F1]")]),
    ("cgl-strang-c3-sign", "the sign of c3 flipped in the exact nonlinear sub-step",
     [("kernels/cpu_pointwise.c", "const nfcs_real hc3 = (nfcs_real)(-0.5 * s->c3);", "const nfcs_real hc3 = (nfcs_real)(0.5 * s->c3);"),
      ("kernels/cpu_pointwise.c", "local_poly_init(&P, s->h, s->c3);", "local_poly_init(&P, s->h, -s->c3);")]),
    ("cgl-local-series-range", "the series of the local sub-step used beyond the range where it is exact",
     [("kernels/cpu_pointwise.c", "if (P->ok && xmax <= (nfcs_real)LOCAL_X_MAX) {", "if (P->ok) {")]),
    ("cgl-local-series-short", "the series of the local sub-step cut at 14 terms, its tail unchecked",
     [("kernels/cpu_pointwise.c", "#define LOCAL_TERMS 20", "#define LOCAL_TERMS 14"),
      ("kernels/cpu_pointwise.c", "P->ok = cabs(C) * tail <= 1e-17;", "P->ok = 1;")]),
    ("cgl-strang-half-nonlinear", "the fused nonlinear sub-step of Strang advances dt/2 instead of dt",
     [("core/cgl/strang.c", "ls.h = 0.5 * c->pending_h + 0.5 * h;", "ls.h = 0.25 * c->pending_h + 0.25 * h;")]),
    ("cgl-linear-c1-sign", "the sign of c1 flipped in Strang's linear multiplier",
     [("core/cgl/cgl.c", "scale * cexp(-h * (1.0 + I * c->c1) * k * k)", "scale * cexp(-h * (1.0 - I * c->c1) * k * k)")]),
    ("cgl-etdrk4-contour-4", "ETDRK4 coefficients from 4 contour points instead of 32",
     [("core/cgl/etdrk4.c", "#define ETD_M 32 /* contour points */", "#define ETD_M 4 /* contour points */")]),
    ("cgl-dealias-off-by-one", "the two-thirds dealiasing mask keeps the mode |m| = n/3",
     [("core/nfcs_stencils.h", "(rule == NFCS_DEALIAS_TWO_THIRDS && 3 * am < n)", "(rule == NFCS_DEALIAS_TWO_THIRDS && 3 * am <= n)")]),
    ("cgl-noise-no-volume", "the field noise forgets the 1/dV of a white noise on the grid",
     [("core/cgl/cgl.c", ": sqrt(c->noise_D * h / c->g.cell_volume);", ": sqrt(c->noise_D * h);")]),
    ("cgl-noise-same-every-step", "the field noise draws the same numbers every step (counter not advanced)",
     [("core/cgl/cgl.c", "noise.step = (uint64_t)c->clock.steps;", "noise.step = 0;")]),
    ("cgl-checkpoint-drops-pending", "the checkpoint forgets Strang's pending half step",
     [("core/cgl/cgl.c", "const int64_t ints[] = {c->clock.grid_index, c->clock.steps, c->pending,",
       "const int64_t ints[] = {c->clock.grid_index, c->clock.steps, 0,")]),
    ("metrics-gradient-energy-etdrk4", "the gradient energy from a normalised spectrum (etdrk4's state, upstream's view) misses its factor N",
     [("core/cgl/cgl.c", "m->gradient_energy = normalised ? k2sum * (double)n * dV :",
       "m->gradient_energy = normalised ? k2sum * dV :")]),
    ("metrics-upstream-k2-before-half", "upstream sums the view's spectrum before the pending half step is applied to it",
     [("core/cgl/upstream.c",
       "  NFCS_CHECK(c->ops->field->cmul_separable(c->be, c->spec, &c->g, p->axis[0], p->axis[1], p->axis[2]));\n"
       "  if (c->k2_wanted) {\n"
       "    NFCS_CHECK(nfcs_backend_k2_sum(c->ops, c->be, c->spec, &c->g, c->host_scratch, &c->k2_view));\n"
       "    c->k2_valid = 1;\n  }\n",
       "  if (c->k2_wanted) {\n"
       "    NFCS_CHECK(nfcs_backend_k2_sum(c->ops, c->be, c->spec, &c->g, c->host_scratch, &c->k2_view));\n"
       "    c->k2_valid = 1;\n  }\n"
       "  NFCS_CHECK(c->ops->field->cmul_separable(c->be, c->spec, &c->g, p->axis[0], p->axis[1], p->axis[2]));\n")]),
    ("defects-drop-seam-plaquette", "plaquettes across the x seam are never counted, even where the field is periodic",
     [("core/nfcs_stencils.h", "const int ok_x = x1 != 0 || nx <= 2 ||", "const int ok_x = x1 != 0 || nx <= 2 || 0 &&")]),
    ("stencil-gradient-one-sided", "numpy.gradient's interior stencil taken one-sided (forward difference)",
     [("core/nfcs_stencils.h", "return (phase ? nfcs_wrap_diff(a) + nfcs_wrap_diff(b) : a + b) / (2 * h);",
       "return (phase ? nfcs_wrap_diff(a) : a) / h;")]),
    ("wrap-phase-branch", "the phase wrap off by 2 pi in one branch (phases just above pi)",
     [("core/nfcs_stencils.h", "  } else if (r >= two_pi && r < 2 * two_pi) {\n    r -= two_pi;",
       "  } else if (r >= two_pi && r < 2 * two_pi) {\n    r -= 2 * two_pi;")]),
    ("kuramoto-mean-field-drops-one", "the mean-field order parameter sum misses the last oscillator",
     [("kernels/cpu_kuramoto.c", "      zi += part[2 * b + 1];\n    }\n    if (r->reduce) {",
       "      zi += part[2 * b + 1];\n    }\n    zr -= c[mm * n + n - 1];\n    zi -= s[mm * n + n - 1];\n    if (r->reduce) {")]),
    ("kuramoto-rk4-weights", "RK4's weights permuted (1/3, 1/6, 1/3, 1/6): consistent but first order",
     [("kernels/cpu_kuramoto_exact.c", "(((k1[i] + 2.0 * k2[i]) + 2.0 * k3[i]) + k4[i])", "(((2.0 * k1[i] + k2[i]) + 2.0 * k3[i]) + k4[i])")]),
    ("heun-is-euler", "the stochastic Heun corrector dropped: Heun is Euler-Maruyama",
     [("kernels/cpu_kuramoto_exact.c", "double drift = f2 ? 0.5 * dt * (f1[i] + f2[i]) : dt * f1[i];", "double drift = dt * f1[i];")]),
    ("kuramoto-noise-amplitude", "the oscillator noise has sqrt(D dt) instead of sqrt(2 D dt)",
     [("core/kuramoto/kuramoto.c", ".sigma = sqrt(2 * k->D * h)", ".sigma = sqrt(k->D * h)")]),
    ("kuramoto-phase-lag-sign", "the phase lag alpha enters with the wrong sign (every coupling path)",
     [("core/kuramoto/kuramoto.c", "r->sin_a = sin(kp->phase_lag);", "r->sin_a = -sin(kp->phase_lag);"),
      ("core/kuramoto/kuramoto.c", "W[2 * i + 1] = -K[i] * sin(in->lag[i]);", "W[2 * i + 1] = K[i] * sin(in->lag[i]);")]),
    ("restart-skips-rng-counter", "a restart does not restore the oscillators' step (noise counter)",
     [("core/kuramoto/kuramoto.c", "  k->clock.steps = in[1];\n", "")]),
    ("regulator-gain-ignored", "regulator.field_gain ignored (the default 0.1 hard-wired)",
     [("core/nfcs_regulator.c", "clip(p->regulator.field_gain * (target - Rg), lim)", "clip(0.1 * (target - Rg), lim)")]),
    ("snapshot-late", "a snapshot falls due but is taken at the next stop of the loop (labelled with its own time)",
     [("core/nfcs_coordinator.c", "double target = fmin(fmin(t_tick, T), fmin(t_snap, fmin(t_met, t_ck)));",
       "double target = fmin(fmin(t_tick, T), fmin(t_met, t_ck));"),
      ("core/nfcs_coordinator.c", "const int snap_due = fabs(t - t_snap) <= tol;", "const int snap_due = t >= t_snap - tol;")]),
    ("checkpoint-in-place", "the checkpoint is written straight to its path (no temporary file and rename)",
     [("io/nfcs_h5.c", "snprintf(tmp, sizeof tmp, \"%s.tmp.%ld\", s->ckpt_path, (long)getpid());",
       "snprintf(tmp, sizeof tmp, \"%s\", s->ckpt_path);")]),
    ("coordinator-p95-attribute", "the /coordinator attribute tick_ms_p95 holds the median",
     [("io/nfcs_h5.c", "attr_num(g, \"tick_ms_p95\", H5T_NATIVE_DOUBLE, &st->p95);", "attr_num(g, \"tick_ms_p95\", H5T_NATIVE_DOUBLE, &st->p50);")]),
    ("xdmf-arg-points-at-abs", "the XDMF attribute arg_phi references the |phi| view",
     [("io/nfcs_h5.c", "      xdmf_view_path(s, q, k, view, sizeof view);\n      fprintf(f, \"    <Attribute",
       "      xdmf_view_path(s, 0, k, view, sizeof view);\n      fprintf(f, \"    <Attribute")]),
    ("xdmf-every-step-first-snapshot", "every XDMF time step reads the first snapshot's view",
     [("io/nfcs_h5.c", "      xdmf_view_path(s, q, k, view, sizeof view);\n      fprintf(f, \"    <Attribute",
       "      xdmf_view_path(s, q, 0, view, sizeof view);\n      fprintf(f, \"    <Attribute")]),    ("second-signal-ignored", "a second Ctrl-C no longer stops the run at once",
     [("cli/main.c", "    signal(sig, SIG_DFL);\n    raise(sig);\n", "")]),
    # the distributed run (tests/test_mpi.py, label mpi)
    ("mpi-halo-from-wrong-side", "the 2D slabs' halo rows come from the wrong neighbour (the phase metrics across slab edges)",
     [("core/cgl/slab.c", "2 * row_bytes, (r + P - 1) % P, phi + 2 * (size_t)((rows + 2) * nx), 2 * row_bytes,\n                          (r + 1) % P)",
       "2 * row_bytes, (r + 1) % P, phi + 2 * (size_t)((rows + 2) * nx), 2 * row_bytes,\n                          (r + P - 1) % P)")]),
    ("mpi-spectral-offset-lost", "the separable multiplier forgets where this process's slice of Fourier space starts",
     [("kernels/cpu_pointwise.c", "const int64_t j = i0 + off;", "const int64_t j = i0;")]),
    ("mpi-noise-local-index", "the field noise is drawn by this process's local point index, not the global one",
     [("core/cgl/cgl.c", "else if (!per_mode) noise.base = nfcs_grid_phys_base(&c->g);", "else if (!per_mode) noise.base = 0;")]),
    ("mpi-network-no-exchange", "a network shared by rows never exchanges cos, sin: each process sees stale values of the others'",
     [("kernels/cpu_kuramoto.c", "if (r->exchange) NFCS_CHECK(r->exchange(r->user, r->c, r->s));", "")]),
    ("mpi-checkpoint-spectral-transposed", "etdrk4's checkpoint keeps FFTW-MPI's transposed order (a restart on other P scrambles modes)",
     [("core/cgl/cgl.c", "      dst[2 * at] = all[2 * i];\n      dst[2 * at + 1] = all[2 * i + 1];",
       "      dst[2 * i] = all[2 * i];\n      dst[2 * i + 1] = all[2 * i + 1];\n      (void)at;")]),
    ("mpi-collective-block-at-zero", "with parallel HDF5, every process writes its block of a split dataset at the start of the axis",
     [("io/nfcs_h5.c", "off[a] = (hsize_t)h->d->offset[a], cnt[a]", "off[a] = 0, cnt[a]")]),
    ("xdmf-view-first-slot", "the sidecar's per-snapshot views all show the first snapshot",
     [("io/nfcs_h5.c", "count[NFCS_MAX_RANK + 1] = {1};\n  for (int a = 0; a < rank; a++)", "count[NFCS_MAX_RANK + 1] = {1};\n  start[0] = 0;\n  for (int a = 0; a < rank; a++)")]),
    ("monitor-buckets-not-cumulative", "the latency histogram's buckets count each interval alone, not everything below le",
     [("io/nfcs_monitor.c", "for (int i = 0; i < NBUCKETS; i++) cum[i] = (c += s.bucket[i]);", "for (int i = 0; i < NBUCKETS; i++) cum[i] = s.bucket[i] + 0 * c;")]),
    ("monitor-label-quote-unescaped", "a double quote in a label value is written as it is",
     [("io/nfcs_prom.c", "else if (quote && *s == '\"') puts_(b, \"\\\\\\\"\");", "else if (0) puts_(b, \"\");")]),
    ("cache-size-not-digest", "the result cache trusts a file of the recorded size without reading its digest",
     [("io/nfcs_result_cache.c", "  return !nfcs_sha256_file(path, hex) && !strcmp(hex, digest);", "  (void)hex, (void)digest;\n  return 1;")]),
    ("cache-continue-off-grid", "the result cache continues a shorter run whatever its end (between snapshots too)",
     [("io/nfcs_result_cache.c", "  return t > 0 && p->output.snapshot_interval > 0 && on_grid(", "  return t > 0 ? 1 : on_grid(")]),
    ("cache-coefficients-unchecked", "a kept coefficient file is used without its checksum",
     [("core/nfcs_cache.c", "fgetc(f) == EOF && fnv1a(buf, bytes, FNV0) == hdr[2];", "fgetc(f) == EOF;")]),
    ("monitor-stale-metrics", "the live metric values stay those of the first sample",
     [("io/nfcs_monitor.c", "    s->value[i] = ms->values[i];", "    if (!s->samples) s->value[i] = ms->values[i];")]),
]


def sh(cmd, cwd, log=None, check=True, timeout=None, env=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, env=env)
    if log is not None:
        with open(log, "a") as f:
            f.write(f"$ {' '.join(cmd)}\n{p.stdout}\n")
    if check and p.returncode != 0:
        sys.exit(f"mutants: {' '.join(cmd)} failed (exit {p.returncode}):\n{p.stdout[-3000:]}")
    return p


def copy_tree(dst, suite):
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, stdout=subprocess.PIPE,
                           check=True).stdout.decode().split("\0")
    keep = set()
    for rel in filter(None, files):
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src):
            continue
        keep.add(rel)
        out = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if not os.path.exists(out) or open(src, "rb").read() != open(out, "rb").read():
            shutil.copy2(src, out)
    # files gone from the working tree (moved, deleted) go from the copy too: the build globs folders
    for where, _, names in os.walk(dst):
        for name in names:
            rel = os.path.relpath(os.path.join(where, name), dst)
            if rel not in keep:
                os.remove(os.path.join(where, name))
    if suite:
        shutil.rmtree(os.path.join(dst, "tests"))
        tar = subprocess.run(["git", "archive", suite, "tests"], cwd=ROOT, stdout=subprocess.PIPE, check=True).stdout
        subprocess.run(["tar", "-x", "-C", dst], input=tar, check=True)


def apply(src, edits):
    """Apply the edits; each text must occur exactly once. Returns the original contents to restore."""
    saved = {}
    for rel, old, new in edits:
        path = os.path.join(src, rel)
        text = saved.get(rel) if rel in saved else open(path).read()
        saved.setdefault(rel, text)
        cur = open(path).read()
        if cur.count(old) != 1:
            restore(src, saved)
            raise SystemExit(f"mutants: the text to replace occurs {cur.count(old)} times in {rel} (expected once):\n{old}")
        with open(path, "w") as f:
            f.write(cur.replace(old, new))
    return saved


def restore(src, saved):
    for rel, text in saved.items():
        with open(os.path.join(src, rel), "w") as f:
            f.write(text)


def ctest(build, log, timeout, select):
    failed_log = os.path.join(build, "Testing", "Temporary", "LastTestsFailed.log")
    if os.path.exists(failed_log):
        os.remove(failed_log)
    # what failing tests keep (their temporary folders) stays in build-mutants/, emptied each time
    tmp = os.path.join(os.path.dirname(build), "tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    p = sh(["ctest", "-j", str(os.cpu_count() or 2), "--timeout", str(timeout), "--output-on-failure"] + select, build,
           log, check=False, env=dict(os.environ, TMPDIR=tmp))
    failed = []
    if os.path.exists(failed_log):
        failed = [line.split(":", 1)[1].strip() for line in open(failed_log) if ":" in line]
    if p.returncode != 0 and not failed:
        failed = ["(ctest failed: see the log)"]
    return failed


def run_suite(build, log, timeout, everything=False):
    """The suite in two passes: every test but the long ones, then (only when none of those failed)
    the long ones.  Returns (failed test names, seconds)."""
    t0 = time.time()
    if everything:
        return ctest(build, log, timeout, []), time.time() - t0
    failed = ctest(build, log, timeout, ["-LE", "long"])
    if not failed:
        failed = ctest(build, log, timeout, ["-L", "long"])
    return failed, time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", help="take tests/ from this git revision")
    ap.add_argument("--only", help="comma-separated mutant names")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--dir", default=os.path.join(ROOT, "build-mutants"))
    ap.add_argument("--timeout", type=int, default=300, help="seconds per test (a hanging mutant is killed)")
    a = ap.parse_args()
    chosen = MUTANTS
    if a.only:
        names = a.only.split(",")
        unknown = set(names) - {m[0] for m in MUTANTS}
        if unknown:
            sys.exit(f"mutants: unknown {sorted(unknown)}")
        chosen = [m for m in MUTANTS if m[0] in names]
    if a.list:
        for name, what, _ in chosen:
            print(f"{name:32s} {what}")
        return 0

    src, build = os.path.join(a.dir, "src"), os.path.join(a.dir, "build")
    log = os.path.join(a.dir, "mutants.log")
    os.makedirs(src, exist_ok=True)
    if a.suite:  # another suite: start from a clean copy
        shutil.rmtree(src)
        os.makedirs(src)
    open(log, "w").close()
    copy_tree(src, a.suite)
    print(f"mutants: sources in {src}, build in {build}, log {log}" + (f", suite of {a.suite}" if a.suite else ""))
    sh(["cmake", "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DNFCS_CUDA=OFF", "-DNFCS_BUILD_BENCH=OFF",
        "-DNFCS_WERROR=OFF"], ROOT, log)
    sh(["cmake", "--build", build, "-j", str(os.cpu_count() or 2)], ROOT, log)
    failed, secs = run_suite(build, log, a.timeout, everything=True)
    if failed:
        sys.exit(f"mutants: the unmutated engine fails {failed}; fix that first (log: {log})")
    print(f"mutants: the unmutated engine passes the suite ({secs:.0f} s)")

    rows, survivors = [], 0
    for name, what, edits in chosen:
        saved = apply(src, edits)
        try:
            b = sh(["cmake", "--build", build, "-j", str(os.cpu_count() or 2)], ROOT, log, check=False)
            if b.returncode != 0:
                killers = ["(does not compile)"]
                secs = 0
            else:
                killers, secs = run_suite(build, log, a.timeout)
        finally:
            restore(src, saved)
        survivors += not killers
        rows.append((name, what, killers))
        print(f"  {name:32s} {'KILLED by ' + ', '.join(killers) if killers else 'SURVIVED'}  ({secs:.0f} s)", flush=True)
    sh(["cmake", "--build", build, "-j", str(os.cpu_count() or 2)], ROOT, log)  # leave the build unmutated

    print("\n| mutant | fault | killed by |\n|---|---|---|")
    for name, what, killers in rows:
        print(f"| `{name}` | {what} | {', '.join(killers) if killers else '**survived**'} |")
    print(f"\n{len(rows) - survivors} of {len(rows)} mutants killed")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
