#!/usr/bin/python3
"""Analyse an nfcs run: a summary (printed and as summary.json) and PNG plots.

    analysis/nfcs_analyze.py RUN.h5 -o DIR [--transient T] [--follow] [--every S]

--follow refreshes the summary and plots while the run is still writing the file (it ends when the
run has finished, or on Ctrl-C)."""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nfcs_analysis as na  # noqa: E402


def analyse(path, outdir, transient, quiet=False):
    run = na.open_run(path)
    try:
        s = na.summary(run, transient)
        os.makedirs(outdir, exist_ok=True)
        with open(os.path.join(outdir, "summary.json"), "w") as f:
            json.dump(s, f, indent=2)
        paths = na.plot_all(run, outdir)
        if not quiet:
            print(na.format_summary(s))
            print(f"plots: {outdir}/ ({len(paths)} files)")
        return s
    finally:
        run.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run")
    ap.add_argument("-o", "--output", default=None, help="folder of the plots (default: RUN_analysis/)")
    ap.add_argument("--transient", type=float, default=None, help="model time discarded before time averages")
    ap.add_argument("--follow", action="store_true", help="refresh while the run writes the file")
    ap.add_argument("--every", type=float, default=2.0, help="seconds between refreshes with --follow")
    a = ap.parse_args()
    out = a.output or os.path.splitext(a.run)[0] + "_analysis"
    if not os.path.exists(a.run):
        print(f"nfcs_analyze: cannot open {a.run}", file=sys.stderr)
        return 66
    if not a.follow:
        analyse(a.run, out, a.transient)
        return 0
    seen = -1
    try:
        while True:
            run = na.open_run(a.run)
            n, done = run.nsnap, "exit_status" in run.attrs
            run.close()
            if n != seen:
                s = analyse(a.run, out, a.transient, quiet=True)
                print(f"t = {s['t_last']:g}: {n} snapshots; plots refreshed in {out}/", flush=True)
                seen = n
            if done:
                analyse(a.run, out, a.transient)
                return 0
            time.sleep(a.every)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
