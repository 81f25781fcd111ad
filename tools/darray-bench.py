#!/usr/bin/env python3
"""darray-bench: run darray's benchmark programs under mpiexec and report
darray beside its peers (raw MPI RMA, memcpy, and Global Arrays, darray's GA
layer and libfabric where those programs are built), measured in the same run.

  darray-bench [--ranks N] [--quick] [--cases LIST] [--peers LIST]
               [--json FILE] [--svg FILE] [--mpiexec CMD] [--launcher-args ARGS]

Prints one row per case: darray as a user runs it (same-node shortcut on),
its "-rma" twin (DA_SHM=0: the path between nodes, measured on one machine),
and each peer, with darray's speed relative to the peer ("x2.0" = darray
twice as fast, "x0.5" = half as fast; the -rma column is compared with mpi).

Python 3 standard library only. docs/benchmarks.md explains the output.
"""

import argparse
import datetime
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

VERSION = "@VERSION@"
# Where the bench programs are: the build tree's bench/ (recorded when meson
# configured this script) or, installed, libexecdir/darray.
BUILD_BENCH_DIR = "@BUILD_BENCH_DIR@"
BUILD_TOOLS_DIR = "@BUILD_TOOLS_DIR@"
INSTALL_LIBEXEC_DIR = "@LIBEXEC_DIR@"

# The bench programs, in the order they run. quick: the --cases a --quick run
# passes (None: the program's own --quick set). Programs not built are skipped.
PROGRAMS = [
    ("bench_rma", "get-1elem*,put-1elem*,acc-1elem*,get-contig-8MiB*,put-contig-8MiB*,copy-8MiB,"
                  "get-box-1024x1024,get-box-1024x1024-rma,put-box-1024x1024,put-box-1024x1024-rma,"
                  "get-col-2048x16,get-col-2048x16-rma"),
    ("bench_atomic", "fadd-1elem*,lock-unlock,lock-unlock-rma"),
    ("bench_gather", "gather-100k*,gather-plan-100k*"),
    ("bench_array", None),
    ("bench_redist", None),
    ("bench_sweep", "sweep-get-contig-*"),
    ("bench_ga", "get-1elem,put-1elem,acc-1elem,fadd-1elem,get-contig-8MiB,put-contig-8MiB,lock-unlock,sync"),
    ("bench_darray_ga", "get-1elem*,put-1elem*,acc-1elem*,fadd-1elem*,get-contig-8MiB*,put-contig-8MiB*,"
                        "lock-unlock*,sync*"),
    ("bench_fabric", "get-1elem,put-1elem,acc-1elem,fadd-1elem,get-contig-8MiB,put-contig-8MiB,"
                     "sweep-get-contig-*"),
]

# Peers: implementation families other than darray.
ALL_PEERS = ["mpi", "memcpy", "ga", "darray-ga", "libfabric"]

# The case names of issue 8, in table order; other cases follow.
NAMED = ["get-1elem", "put-1elem", "acc-1elem", "fadd-1elem", "get-contig-8MiB", "put-contig-8MiB",
         "copy-8MiB", "get-box-1024x1024", "put-box-1024x1024", "get-col-2048x16", "gather-100k",
         "scatter-100k", "scatter-acc-100k", "gather-plan-100k", "lock-unlock", "sync", "create-destroy",
         "redist-block-cyclic", "save-npy"]

# Rows whose memcpy peer is measured by another case (the limit on one node).
MEMCPY_OF = {"get-contig-8MiB": "copy-8MiB", "put-contig-8MiB": "copy-8MiB"}

REQUIRED = ["case", "impl", "bytes", "elements", "ranks", "reps", "median_us", "min_us", "max_us", "rate",
            "rate_unit"]


# ---- finding programs ---------------------------------------------------------

def bench_dirs(args):
    dirs = []
    if args.bench_dir:
        dirs.append(args.bench_dir)
    if os.environ.get("DARRAY_BENCH_DIR"):
        dirs.append(os.environ["DARRAY_BENCH_DIR"])
    here = os.path.dirname(os.path.abspath(__file__))
    dirs += [os.path.join(here, "..", "libexec", "darray"), INSTALL_LIBEXEC_DIR, BUILD_BENCH_DIR,
             os.path.join(here, "..", "bench")]
    return [d for d in dirs if d and not d.startswith("@")]


def find_program(name, dirs):
    for d in dirs:
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return os.path.abspath(p)
    return None


def find_info(args):
    here = os.path.dirname(os.path.abspath(__file__))
    for p in [os.path.join(here, "darray-info"), os.path.join(BUILD_TOOLS_DIR, "darray-info")]:
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return shutil.which("darray-info")


# ---- running ------------------------------------------------------------------

class Progress:
    """One line on stderr, rewritten in place; silent when stderr is not a terminal."""

    def __init__(self):
        self.on = sys.stderr.isatty()
        self.width = 0

    def show(self, text):
        if not self.on:
            return
        cols = shutil.get_terminal_size((100, 20)).columns - 1
        text = text[:cols]
        sys.stderr.write("\r" + text + " " * max(0, self.width - len(text)))
        sys.stderr.flush()
        self.width = len(text)

    def done(self):
        if self.on and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()
            self.width = 0


def launcher(args, n):
    return (shlex.split(args.mpiexec) + ["-n", str(n)] + shlex.split(args.launcher_args))


def run_info(args, info):
    """The run description from darray-info --json (one rank, no self-test)."""
    desc = {"kind": "run", "darray_version": VERSION}
    if info:
        cmd = ["timeout", "--kill-after=5", "60"] + launcher(args, 1) + [info, "--json", "--no-selftest"]
        try:
            out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=90)
            for line in out.stdout.splitlines():
                line = line.strip()
                if line.startswith("{"):
                    d = json.loads(line)
                    d.pop("ranks", None)
                    d.pop("nodes", None)
                    desc.update(d)
                    break
        except (subprocess.SubprocessError, ValueError, OSError) as e:
            desc["info_error"] = str(e)
    else:
        desc["info_error"] = "darray-info not found"
    if "tunables" not in desc:
        desc["tunables"] = {k: v for k, v in os.environ.items() if k.startswith("DA_")}
    desc["ranks"] = args.ranks
    desc["launcher"] = launcher(args, args.ranks)
    desc["date"] = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    try:
        desc["loadavg"] = [float(x) for x in open("/proc/loadavg").read().split()[:3]]
    except OSError:
        pass
    desc["quick"] = bool(args.quick)
    desc["command"] = " ".join(shlex.quote(a) for a in sys.argv)
    return desc


def expand_cases(cases):
    """User case names to a program's --cases: each name also selects its -rma twins."""
    out = []
    for c in cases:
        out.append(c)
        if not c.endswith("*"):
            out.append(c + "-rma*")
    return ",".join(out)


def run_program(args, name, path, quick_cases, index, total, progress, records):
    cmd = launcher(args, args.ranks) + [path]
    if args.quick:
        cmd.append("--quick")
    if args.cases:
        cmd += ["--cases", expand_cases(args.cases)]
    elif args.quick and quick_cases:
        cmd += ["--cases", quick_cases]
    cmd = ["timeout", "--kill-after=10", str(args.timeout)] + cmd
    progress.show("[%d/%d] %s: starting" % (index, total, name))
    t0 = time.time()
    n = 0
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            sys.stderr.write("darray-bench: %s: not JSON: %s\n" % (name, line[:200]))
            continue
        rec["program"] = name
        records.append(rec)
        n += 1
        progress.show("[%d/%d] %s: %s %s (%d results, %.0f s; %d program%s left)"
                      % (index, total, name, rec.get("case", "?"), impl_label(rec), n, time.time() - t0,
                         total - index, "" if total - index == 1 else "s"))
    err = proc.stderr.read()
    rc = proc.wait()
    progress.done()
    if rc != 0:
        why = "timed out after %d s" % args.timeout if rc in (124, 137) else "exit status %d" % rc
        sys.stderr.write("darray-bench: %s %s\n%s" % (name, why, tail(err)))
        return False
    return True


def tail(text, lines=8):
    t = text.strip().splitlines()[-lines:]
    return "".join("  | " + x + "\n" for x in t)


# ---- records ------------------------------------------------------------------

def impl_label(rec):
    """darray records of a -rma case are shown as darray-rma; records that
    name a fabric provider (bench_fabric) as impl-provider: libfabric-shm."""
    impl = rec.get("impl", "?")
    if rec.get("provider"):
        return impl + "-" + rec["provider"]
    if impl in ("darray", "darray-ga") and re.search(r"-rma(\[.*\])?$", rec.get("case", "")):
        return impl + "-rma"
    return impl


def base_case(case):
    """get-box-1024x1024-rma[rows] -> (get-box-1024x1024, [rows])."""
    m = re.match(r"^(.*?)-rma(\[.*\])?$", case)
    if m:
        return m.group(1), m.group(2) or ""
    return case, ""


# Implementations that are another program's name for a peer family.
PEER_ALIAS = {"local": "memcpy"}  # bench_gather: plain loads in one process


def peer_family(impl):
    if impl in PEER_ALIAS:
        return PEER_ALIAS[impl]
    for p in sorted(ALL_PEERS, key=len, reverse=True):
        if impl == p or impl.startswith(p + "-"):
            return p
    return impl


def keep(rec, peers):
    impl = rec.get("impl", "")
    if impl == "darray":
        return True
    return peer_family(impl) in peers


def figure(rec):
    """(value, unit) a person reads: GB/s for transfers of 1 KiB or more, else microseconds."""
    if rec.get("error") or rec.get("median_us") is None:
        return None, ""
    if rec.get("rate_unit") == "GB/s":
        return rec.get("rate"), "GB/s"
    return rec["median_us"], "us"


def speed_ratio(a, b):
    """How many times faster a is than b (by median time)."""
    if not a or not b or a.get("median_us") in (None, 0) or b.get("median_us") in (None, 0):
        return None
    if a.get("error") or b.get("error"):
        return None
    return b["median_us"] / a["median_us"]


def fmt_num(v):
    if v is None:
        return "-"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return "%.0f" % v
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def fmt_ratio(r):
    if r is None:
        return ""
    if r < 0.01:
        return " x1/%d" % round(1 / r)
    return " x%#.2g" % r if r < 10 else " x%.0f" % r


# ---- table ------------------------------------------------------------------

def build_rows(records):
    """{(base, method): {label: record}} in table order."""
    rows = {}
    order = []
    for rec in records:
        base, method = base_case(rec.get("case", "?"))
        key = (base, method, rec.get("bytes") if rec.get("sweep") else None)
        if key not in rows:
            rows[key] = {}
            order.append(key)
        label = impl_label(rec)
        if method:
            label = "darray-rma"
        rows[key][label] = rec

    def rank(key):
        base = key[0]
        if base in NAMED:
            return (0, NAMED.index(base), key[1])
        if base.startswith("sweep-"):
            return (2, 0, base.rsplit("-", 1)[0], key[2] or 0)
        return (1, 0, base, key[1])

    order.sort(key=rank)
    return [(k, rows[k]) for k in order]


def table(records, peers):
    rows = build_rows(records)
    cols = ["darray", "darray-rma"]
    seen = set()
    for _, r in rows:
        seen.update(r.keys())
    peer_cols = []
    for p in peers:
        for label in sorted(seen):
            if label not in cols and peer_family(label) == p and label not in peer_cols:
                peer_cols.append(label)
    cols += peer_cols
    for label in sorted(seen):  # anything else (other darray variants)
        if label not in cols:
            cols.append(label)
    head = ["case", "unit"] + cols
    lines = []
    for (base, method, _), r in rows:
        name = base + (" rma" + method if method else "")
        unit = ""
        for rec in r.values():
            _, unit = figure(rec)
            if unit:
                break
        cells = [name, unit]
        d = r.get("darray")
        for c in cols:
            rec = r.get(c)
            if rec is None and c == "memcpy" and base in MEMCPY_OF:
                rec = memcpy_record(records, MEMCPY_OF[base])
            if rec is None:
                cells.append("")
                continue
            if rec.get("error"):
                cells.append("n/a" if rec.get("unsupported") else "error")
                continue
            v, u = figure(rec)
            if u != unit and v is not None:  # unit differs (should not): show time
                v = rec["median_us"]
            cell = fmt_num(v)
            if c == "darray":
                pass
            elif c == "darray-rma":
                cell += fmt_ratio(speed_ratio(rec, r.get("mpi")))
            elif c == "darray-ga-rma":  # the GA layer on the RMA path: against darray's own
                cell += fmt_ratio(speed_ratio(r.get("darray-rma"), rec))
            elif not c.startswith("darray") or c == "darray-ga":
                cell += fmt_ratio(speed_ratio(d, rec))
            cells.append(cell)
        lines.append(cells)
    widths = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]
    out = []
    fmt = lambda cells: "  ".join(c.ljust(widths[i]) if i < 2 else c.rjust(widths[i]) for i, c in enumerate(cells))
    out.append(fmt(head))
    out.append("  ".join("-" * w for w in widths))
    for cells in lines:
        out.append(fmt(cells))
    return "\n".join(out)


def memcpy_record(records, case):
    for rec in records:
        if rec.get("case") == case and rec.get("impl") == "memcpy":
            return rec
    return None


# ---- SVG ---------------------------------------------------------------------

COLORS = {"darray": "#1f77b4", "darray-rma": "#17becf", "mpi": "#d62728", "memcpy": "#7f7f7f",
          "ga": "#2ca02c", "darray-ga": "#9467bd", "darray-ga-rma": "#c5b0d5", "libfabric": "#ff7f0e",
          "libfabric-shm": "#ff7f0e", "libfabric-tcp": "#ff7f0e"}
DASH = {"darray-rma": "6,4", "memcpy": "2,3", "darray-ga-rma": "6,4", "libfabric-tcp": "6,4"}


def color(label, i):
    extra = ["#8c564b", "#e377c2", "#bcbd22", "#aec7e8"]
    return COLORS.get(label, extra[i % len(extra)])


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def size_label(b):
    for unit, f in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= f:
            v = b / f
            return ("%d %s" % (v, unit)) if v == int(v) else ("%.1f %s" % (v, unit))
    return "%d B" % b


def num_label(v):
    if v >= 1e5:
        return "1e%d" % round(math.log10(v))
    if v >= 1:
        return "%g" % v
    return "%g" % float("%.3g" % v)


def log_ticks(lo, hi, step=1):
    a = math.floor(math.log10(lo))
    b = math.ceil(math.log10(hi))
    return [10 ** e for e in range(a, b + 1, step)]


def line_chart(x0, y0, w, h, title, ylabel, series, ykey, out):
    """series: {label: [(bytes, value)]}; log-log; draws into out (list of str)."""
    pts = [(x, y) for s in series.values() for x, y in s if y and y > 0]
    if not pts:
        return
    xmin = min(p[0] for p in pts)
    xmax = max(p[0] for p in pts)
    ymin = min(p[1] for p in pts)
    ymax = max(p[1] for p in pts)
    xa, xb = math.log2(xmin), math.log2(xmax) if xmax > xmin else math.log2(xmin) + 1
    ya, yb = math.floor(math.log10(ymin)), math.ceil(math.log10(ymax))
    if yb == ya:
        yb += 1
    L, R, T, B = 70, 36, 34, 46  # margins inside the panel
    pw, ph = w - L - R, h - T - B

    def X(b):
        return x0 + L + (math.log2(b) - xa) / (xb - xa) * pw

    def Y(v):
        return y0 + T + ph - (math.log10(v) - ya) / (yb - ya) * ph

    out.append('<text x="%.1f" y="%.1f" class="title">%s</text>' % (x0 + L, y0 + 20, esc(title)))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" class="frame"/>' % (x0 + L, y0 + T, pw, ph))
    # y grid: decades
    for e in range(ya, yb + 1):
        v = 10 ** e
        y = Y(v)
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/>' % (x0 + L, x0 + L + pw, y, y))
        out.append('<text x="%d" y="%.1f" class="ytick">%s</text>' % (x0 + L - 6, y + 4, num_label(v)))
    # x ticks: every power of 4 present in the range (labels every other when crowded)
    xs = sorted(set(p[0] for p in pts))
    every = 1 if len(xs) <= 8 else 2
    for i, b in enumerate(xs):
        x = X(b)
        out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" class="grid"/>' % (x, x, y0 + T, y0 + T + ph))
        if i % every == 0 or i == len(xs) - 1:
            out.append('<text x="%.1f" y="%d" class="xtick">%s</text>' % (x, y0 + T + ph + 16, size_label(b)))
    out.append('<text x="%.1f" y="%d" class="axis">transfer size (log scale)</text>' % (x0 + L + pw / 2,
                                                                                       y0 + h - 8))
    out.append('<text transform="translate(%d,%.1f) rotate(-90)" class="axis">%s</text>'
               % (x0 + 16, y0 + T + ph / 2, esc(ylabel)))
    for i, (label, s) in enumerate(series.items()):
        s = sorted((x, y) for x, y in s if y and y > 0)
        if not s:
            continue
        c = color(label, i)
        d = " ".join("%s%.1f,%.1f" % ("M" if j == 0 else "L", X(x), Y(y)) for j, (x, y) in enumerate(s))
        dash = ' stroke-dasharray="%s"' % DASH[label] if label in DASH else ""
        out.append('<path d="%s" stroke="%s" class="series"%s/>' % (d, c, dash))
        for x, y in s:
            out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (X(x), Y(y), c))


def legend(x, y, labels, out):
    for i, label in enumerate(labels):
        c = color(label, i)
        yy = y + 18 * i
        dash = ' stroke-dasharray="%s"' % DASH[label] if label in DASH else ""
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" class="series"%s/>'
                   % (x, x + 26, yy, yy, c, dash))
        out.append('<text x="%d" y="%d" class="legend">%s</text>' % (x + 32, yy + 4, esc(LEGEND.get(label, label))))


LEGEND = {"darray": "darray (default: shared memory on a node)", "darray-rma": "darray, DA_SHM=0 (RMA path)",
          "mpi": "raw MPI-3 RMA", "memcpy": "memcpy in one process", "ga": "Global Arrays",
          "darray-ga": "darray's GA layer", "libfabric": "libfabric",
          "libfabric-shm": "libfabric, shm provider", "libfabric-tcp": "libfabric, tcp provider"}


# The bars of the ratio chart: (darray variant, peer, bar colour, legend).
RATIO_PAIRS = [("darray", "mpi", "darray", "darray (default path) / raw MPI"),
               ("darray-rma", "mpi", "darray-rma", "darray with DA_SHM=0 (RMA path) / raw MPI"),
               ("darray", "ga", "ga", "darray (default path) / Global Arrays"),
               ("darray", "darray-ga", "darray-ga", "darray (default path) / darray's GA layer")]


def ratio_chart(x0, y0, w, records, out):
    """Horizontal bars: darray's speed relative to raw MPI and to the GA peers per named case (log scale)."""
    rows = []
    for (base, method, nbytes), r in build_rows(records):
        if method or nbytes is not None:
            continue
        for i, (label, peer, _, _) in enumerate(RATIO_PAIRS):
            q = speed_ratio(r.get(label), r.get(peer))
            if q:
                rows.append((base, i, q))
    if not rows:
        return 0
    bar, gap = 14, 6
    L = 210
    pw = w - L - 60
    h = 50 + len(rows) * (bar + 2) + (len(set(r[0] for r in rows))) * gap + 40
    lo = min(0.1, min(q for _, _, q in rows))
    hi = max(10.0, max(q for _, _, q in rows))
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))

    def X(v):
        return x0 + L + (math.log10(v) - a) / (b - a) * pw

    out.append('<text x="%d" y="%d" class="title">darray relative to its peers, same run '
               '(right of 1 = darray faster)</text>' % (x0 + 10, y0 + 20))
    top = y0 + 40
    y = top
    last = None
    for base, pair, q in rows:
        if base != last and last is not None:
            y += gap
        if base != last:
            out.append('<text x="%d" y="%d" class="ylabel">%s</text>' % (x0 + L - 8, y + bar - 3, esc(base)))
        last = base
        x1 = X(1.0)
        x2 = X(q)
        c = color(RATIO_PAIRS[pair][2], 0)
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>'
                   % (min(x1, x2), y, abs(x2 - x1) or 1, bar, c))
        out.append('<text x="%.1f" y="%d" class="val">%s</text>'
                   % (max(x1, x2) + 4, y + bar - 3, fmt_ratio(q).strip()))
        y += bar + 2
    for e in range(a, b + 1):
        x = X(10 ** e)
        out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" class="%s"/>'
                   % (x, x, top - 4, y + 2, "one" if e == 0 else "grid"))
        out.append('<text x="%.1f" y="%d" class="xtick">%s</text>' % (x, y + 18, num_label(10 ** e)))
    shown = sorted(set(pair for _, pair, _ in rows))
    for i, (label, text) in enumerate((RATIO_PAIRS[k][2], RATIO_PAIRS[k][3]) for k in shown):
        yy = y + 36 + 18 * i
        out.append('<rect x="%d" y="%d" width="26" height="10" fill="%s"/>' % (x0 + L, yy - 5, color(label, 0)))
        out.append('<text x="%d" y="%d" class="legend">%s</text>' % (x0 + L + 32, yy + 4, esc(text)))
    return y + 44 + 18 * len(shown) - y0


def svg(records, desc, path):
    fams = {}
    for rec in records:
        fam = rec.get("sweep")
        if not fam or rec.get("error") or rec.get("median_us") is None:
            continue
        fams.setdefault(fam, {}).setdefault(impl_label(rec), []).append((rec["bytes"], rec))
    W = 1000
    panel_w, panel_h = W // 2, 330
    out = []
    y = 60
    labels = []
    for fam in sorted(fams, key=lambda f: (f.split("-")[1], f)):
        series = fams[fam]
        for l in series:
            if l not in labels:
                labels.append(l)
        lat = {l: [(b, r["median_us"]) for b, r in s] for l, s in series.items()}
        bw = {l: [(b, b / (r["median_us"] * 1e-6) * 1e-9) for b, r in s] for l, s in series.items()}
        line_chart(0, y, panel_w, panel_h, "%s: latency (median)" % fam, "microseconds (log scale)", lat,
                   "us", out)
        line_chart(panel_w, y, panel_w, panel_h, "%s: bandwidth" % fam, "GB/s (log scale)", bw, "GB/s", out)
        y += panel_h + 10
    if labels:
        known = ["darray", "darray-rma", "mpi", "memcpy", "ga", "darray-ga", "libfabric", "libfabric-shm",
                 "libfabric-tcp"]
        order = [l for l in known if l in labels] + [l for l in labels if l not in COLORS]
        legend(80, y + 10, order, out)
        y += 18 * len(order) + 30
    y += ratio_chart(0, y, W, records, out) + 10
    m = desc.get("machine", {})
    sub = "darray %s, %s ranks, %s; %s, %s cores; load average %s; %s" % (
        desc.get("darray_version", "?"), desc.get("ranks", "?"),
        (desc.get("mpi_library", "?").split(" MPICH Release")[0]),
        m.get("cpu", "?"), m.get("cores", "?"),
        " ".join("%.1f" % x for x in desc.get("loadavg", [])), desc.get("date", ""))
    head = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
            'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">' % (W, y + 10, W, y + 10),
            '<style>.title{font-size:15px;font-weight:bold} .axis{font-size:12px;text-anchor:middle;fill:#333}'
            ' .xtick{font-size:11px;text-anchor:middle;fill:#333} .ytick{font-size:11px;text-anchor:end;fill:#333}'
            ' .ylabel{font-size:12px;text-anchor:end} .val{font-size:11px;fill:#333} .legend{font-size:13px}'
            ' .frame{fill:none;stroke:#888} .grid{stroke:#ddd;stroke-width:1} .one{stroke:#000;stroke-width:1.5}'
            ' .series{fill:none;stroke-width:2.2} .h1{font-size:18px;font-weight:bold}'
            ' .sub{font-size:12px;fill:#555}</style>',
            '<rect width="100%" height="100%" fill="white"/>',
            '<text x="10" y="24" class="h1">darray benchmarks</text>',
            '<text x="10" y="44" class="sub">%s</text>' % esc(sub)]
    with open(path, "w") as f:
        f.write("\n".join(head + out + ["</svg>"]) + "\n")


# ---- main ----------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(prog="darray-bench", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ranks", type=int, default=2, help="MPI ranks (default 2; the bench programs use rank 0 "
                    "as origin and the last rank as target)")
    ap.add_argument("--quick", action="store_true", help="a subset with short time boxes (< 60 s on 2 cores)")
    ap.add_argument("--cases", help="comma-separated case names (each also selects its -rma twin); "
                    "a name ending in * is a prefix")
    ap.add_argument("--peers", default=",".join(ALL_PEERS), help="peers to show: " + ",".join(ALL_PEERS))
    ap.add_argument("--json", metavar="FILE", help="write a run description, then one result per line")
    ap.add_argument("--svg", metavar="FILE", help="write charts (latency and bandwidth against size)")
    ap.add_argument("--mpiexec", default=os.environ.get("DARRAY_MPIEXEC", "mpiexec.mpich"),
                    help="launcher command (default mpiexec.mpich; e.g. 'srun' or 'mpiexec')")
    ap.add_argument("--launcher-args", default="", help="extra launcher options, e.g. \"-ppn 1 -hosts a,b\"")
    ap.add_argument("--programs", help="comma-separated bench programs to run (default: every one built)")
    ap.add_argument("--bench-dir", help="directory of the bench programs")
    ap.add_argument("--timeout", type=int, default=None, help="seconds before one program is killed "
                    "(default 600, --quick 120)")
    ap.add_argument("--version", action="version", version="darray-bench " + VERSION)
    args = ap.parse_args()
    if args.timeout is None:
        args.timeout = 120 if args.quick else 600
    args.cases = [c for c in args.cases.split(",") if c] if args.cases else None
    peers = [p for p in args.peers.split(",") if p]
    bad = [p for p in peers if p not in ALL_PEERS]
    if bad:
        ap.error("unknown peer %s (known: %s)" % (",".join(bad), ",".join(ALL_PEERS)))
    if args.ranks < 1:
        ap.error("--ranks must be at least 1")
    if not shutil.which(shlex.split(args.mpiexec)[0]):
        ap.error("launcher %s not found (use --mpiexec)" % args.mpiexec)

    dirs = bench_dirs(args)
    wanted = args.programs.split(",") if args.programs else None
    progs = []
    for name, quick in PROGRAMS:
        if wanted and name not in wanted:
            continue
        path = find_program(name, dirs)
        if path:
            progs.append((name, path, quick))
    if not progs:
        sys.stderr.write("darray-bench: no bench program found in %s (use --bench-dir)\n" % ", ".join(dirs))
        return 2

    progress = Progress()
    progress.show("run description (darray-info)")
    desc = run_info(args, find_info(args))
    desc["programs"] = [n for n, _, _ in progs]
    progress.done()

    records = []
    failed = []
    t0 = time.time()
    desc["program_seconds"] = {}
    for i, (name, path, quick) in enumerate(progs, 1):
        t1 = time.time()
        if not run_program(args, name, path, quick, i, len(progs), progress, records):
            failed.append(name)
        desc["program_seconds"][name] = round(time.time() - t1, 1)
    desc["seconds"] = round(time.time() - t0, 1)
    if failed:
        desc["failed_programs"] = failed
    records = [r for r in records if keep(r, peers)]

    if args.json:
        with open(args.json, "w") as f:
            f.write(json.dumps(desc) + "\n")
            for r in records:
                f.write(json.dumps(r) + "\n")
    if args.svg:
        svg(records, desc, args.svg)

    la = desc.get("loadavg")
    print("darray %s, %d ranks (%s), %s; load average %s; %.0f s"
          % (desc.get("darray_version"), args.ranks, " ".join(desc["launcher"]),
             desc.get("mpi_library", "MPI ?").split(" MPICH Release")[0],
             " ".join("%.1f" % x for x in la) if la else "?", desc["seconds"]))
    print("Figures: GB/s (higher is better) for transfers of 1 KiB or more, else median microseconds (lower is "
          "better).\nxR after a peer's figure: darray is R times as fast as that peer (by median time); after "
          "darray-rma: compared with mpi; after darray-ga-rma: darray-rma compared with it.\n")
    print(table(records, peers))
    errs = [r for r in records if r.get("error") and not r.get("unsupported")]
    for r in records:
        if r.get("error"):
            print("%s: %s %s: %s" % ("n/a" if r.get("unsupported") else "error", r.get("case"), impl_label(r),
                                     r.get("error")))
    return 1 if failed or errs else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
