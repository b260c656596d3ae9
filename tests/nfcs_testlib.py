"""Helpers for the Python tests: run the nfcs binary, write configs and files, collect checks.

Hygiene: every folder made by tmpdir() is removed when the test passes (kept when a check failed,
or with NFCS_KEEP_TMP=1, and its path printed); every child process dies with the test (a timeout
kills it, and the kernel kills it if the test itself is killed, e.g. by CTest's timeout)."""
import atexit
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile

NFCS = os.environ.get("NFCS", "nfcs")
SOURCE_DIR = os.environ.get("NFCS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
SKIP = 77  # CTest's skip code (SKIP_RETURN_CODE)

# Under CTest every test has a cache folder of its own (XDG_CACHE_HOME, set with NFCS_SOURCE_DIR):
# its index of finished runs starts empty, so that no run of an earlier ctest (whose folder was
# kept after a failure) is reused; FFTW wisdom and coefficients stay (they change no result).
if os.environ.get("NFCS_SOURCE_DIR") and os.environ.get("XDG_CACHE_HOME"):
    try:
        os.remove(os.path.join(os.environ["XDG_CACHE_HOME"], "nfcs", "results.index"))
    except FileNotFoundError:
        pass

_libc = ctypes.CDLL(None, use_errno=True)
_dirs = []
_children = []
_state = {"ok": False}


def _die_with_parent():
    _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: the child goes when the test goes


def run(args, cwd=None, check=None, timeout=600, env=None):
    """Run nfcs to completion (killed after `timeout` s); returns the CompletedProcess."""
    p = subprocess.run([NFCS] + list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       preexec_fn=_die_with_parent, env=env)
    if check is not None and p.returncode != check:
        raise AssertionError(f"nfcs {' '.join(args)}: exit {p.returncode}, expected {check}\n"
                             f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


# mpirun as the tests run it: as root in a container (Open MPI asks for both variables), more
# processes than cores, no single-copy transport (containers lack CMA); under AddressSanitizer with
# leak detection off (Open MPI leaks at MPI_Init by design; the serial tests check leaks)
MPIRUN = shutil.which("mpirun")
MPI_ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_btl_vader_single_copy_mechanism="none", OMPI_MCA_rmaps_base_oversubscribe="1",
               ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":"))


def mpi_available():
    """mpirun is here and nfcs was built with MPI"""
    return bool(MPIRUN) and "built without MPI" not in run(["info"], check=0).stdout


def mpirun(P, args, check=None, timeout=300, env=None):
    """nfcs under mpirun -n P (killed after `timeout` s); returns the CompletedProcess."""
    p = subprocess.run([MPIRUN, "--oversubscribe", "-n", str(P), NFCS] + list(args), capture_output=True, text=True,
                       timeout=timeout, env=env or MPI_ENV, preexec_fn=_die_with_parent)
    if check is not None and p.returncode != check:
        raise AssertionError(f"mpirun -n {P} nfcs {' '.join(args)}: exit {p.returncode}, expected {check}\n{p.stdout}\n{p.stderr}")
    return p


def start(args, **kw):
    """Start nfcs in the background (killed at the end of the test if still running)."""
    proc = subprocess.Popen([NFCS] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_die_with_parent, **kw)
    _children.append(proc)
    return proc


def tmpdir():
    d = tempfile.mkdtemp(prefix="nfcs-test-")
    _dirs.append(d)
    return d


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


@atexit.register
def _cleanup():
    for proc in _children:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    keep = os.environ.get("NFCS_KEEP_TMP") or not _state["ok"]
    for d in _dirs:
        if keep:
            print(f"(kept {d})")
        else:
            shutil.rmtree(d, ignore_errors=True)


class Checker:
    """Collects failures so that one run reports all of them."""

    def __init__(self):
        self.failures = 0
        self.passed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failures += 1
            print(f"FAIL: {what}")
        return cond

    def done(self):
        print(f"{self.passed} passed, {self.failures} failed")
        if self.passed == 0 and self.failures == 0:
            print("FAIL: no check ran")
            self.failures = 1
        _state["ok"] = self.failures == 0
        sys.stdout.flush()
        raise SystemExit(1 if self.failures else 0)

    def skip(self, why):
        """Nothing to check on this machine: CTest's skip code (only before any check ran)."""
        print(f"skipped: {why}")
        _state["ok"] = self.failures == 0
        raise SystemExit(SKIP if self.passed == 0 and self.failures == 0 else (1 if self.failures else 0))
