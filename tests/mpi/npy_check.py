#!/usr/bin/env python3
"""Files exchanged between darray and NumPy.

  npy_check.py MPIEXEC NRANKS TEST_IO_NUMPY

1. test_io_numpy writes one .npy per element type at NRANKS ranks; NumPy
   loads each (np.load, allow_pickle=False) and compares dtype, shape and
   every element with the formula below.
2. NumPy writes the same arrays (format 1.0, and 2.0 for some), plus damaged
   files; test_io_numpy loads and checks them, and must refuse the damaged
   ones.

Exit status 0 on success; 77 (meson's "skipped") when NumPy is missing.
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("npy_check: NumPy is not installed (Debian: python3-numpy)")
    sys.exit(77)

CASES = [  # name, dtype, shape: as in test_io_numpy.c
    ("i4", "<i4", (5, 7)),
    ("i8", "<i8", (13,)),
    ("f4", "<f4", (3, 4, 5)),
    ("f8", "<f8", (9, 4)),
    ("c8", "<c8", (4, 3)),
    ("c16", "<c16", (10,)),
    ("V3", "|V3", (6, 2)),
]


def value(name, shape):
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.int64)
    if name == "i4":
        v = (i * 7 - 50).astype("<i4")
    elif name == "i8":
        v = (i * 1000000007 - 7).astype("<i8")
    elif name == "f4":
        v = (i.astype("<f4") * np.float32(0.25) - np.float32(3)).astype("<f4")
    elif name == "f8":
        v = i.astype("<f8") * 0.5 - 1
    elif name == "c8":
        v = (i.astype("<f4") * np.float32(0.25) - 1j * i.astype("<f4")).astype("<c8")
    elif name == "c16":
        v = (i.astype("<f8") + 0.5j * i.astype("<f8")).astype("<c16")
    else:
        b = np.stack([i % 256, (i * 3) % 256, (i * 7) % 256], axis=1).astype(np.uint8)
        v = b.reshape(-1).view("|V3")
    return v.reshape(shape)


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    r = subprocess.run(cmd, timeout=300)
    if r.returncode != 0:
        sys.exit("npy_check: command failed with status %d" % r.returncode)


def main():
    mpiexec, nranks, prog = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory(prefix="darray-npy-") as d:
        # darray writes, NumPy reads
        run([mpiexec, "-n", nranks, prog, "write", d])
        for name, dt, shape in CASES:
            path = os.path.join(d, "c_%s.npy" % name)
            with open(path, "rb") as f:
                major, minor = np.lib.format.read_magic(f)
                assert (major, minor) == (1, 0), "%s: version %d.%d" % (path, major, minor)
                hdr_len = f.tell()
            a = np.load(path, allow_pickle=False)
            want = value(name, shape)
            assert a.dtype == np.dtype(dt), "%s: dtype %s, expected %s" % (path, a.dtype, dt)
            assert a.shape == shape, "%s: shape %s, expected %s" % (path, a.shape, shape)
            assert not np.isfortran(a) or a.ndim == 1
            same = a.tobytes() == want.tobytes() if name == "V3" else np.array_equal(a, want)  # -0.0 == 0.0
            assert same, "%s: elements differ:\n%s\n%s" % (path, a, want)
            size = os.path.getsize(path)
            assert (size - a.nbytes) % 64 == 0, "%s: header not padded to 64 bytes" % path
            print("numpy read %s: ok" % path)
        # NumPy writes, darray reads
        for k, (name, dt, shape) in enumerate(CASES):
            path = os.path.join(d, "py_%s.npy" % name)
            a = value(name, shape)
            with open(path, "wb") as f:
                np.lib.format.write_array(f, a, version=(2, 0) if k % 2 else (1, 0), allow_pickle=False)
        good = value("f8", (9, 4))
        with open(os.path.join(d, "bad_fortran.npy"), "wb") as f:
            np.lib.format.write_array(f, np.asfortranarray(good), version=(1, 0))
        np.save(os.path.join(d, "bad_uint16.npy"), np.arange(12, dtype="<u2").reshape(3, 4))
        np.save(os.path.join(d, "bad_bigendian.npy"), good.astype(">f8"))
        np.save(os.path.join(d, "bad_bool.npy"), np.ones((3, 3), dtype=bool))
        np.save(os.path.join(d, "bad_scalar.npy"), np.float64(3.5))
        np.save(os.path.join(d, "bad_empty.npy"), np.zeros((0, 4)))
        np.save(os.path.join(d, "bad_struct.npy"), np.zeros(4, dtype=[("a", "<i4"), ("b", "<f8")]))
        raw = open(os.path.join(d, "py_f8.npy"), "rb").read()
        open(os.path.join(d, "bad_truncated.npy"), "wb").write(raw[:-5])
        open(os.path.join(d, "bad_trailing.npy"), "wb").write(raw + b"\0" * 8)
        open(os.path.join(d, "bad_magic.npy"), "wb").write(b"\x93NUMPZ" + raw[6:])
        open(os.path.join(d, "bad_header.npy"), "wb").write(raw.replace(b"'shape'", b"'shope'"))
        open(os.path.join(d, "bad_cut_header.npy"), "wb").write(raw[:40])
        run([mpiexec, "-n", nranks, prog, "read", d])
    print("npy_check: ok at %s ranks" % nranks)


if __name__ == "__main__":
    main()
