# SPDX-License-Identifier: GPL-2.0
"""ttmhlib: the modules of the TTM shrinker project harness (tools/ttmh).

One module per job:

  settings   every path, version and number the harness uses
  proc       running commands: logs, heartbeats, errors
  deps       Debian packages (apt-get)
  series     the pinned base, the editable tree, export
  kbuild     kernel configs and builds (UML KUnit, x86_64 VM kernels)
  logscan    the kernel-log splat scanner ("ttmh scan-log")
  results    cases, runs, build/logs/results.json, KTAP via kunit_parser
  channel    the guest's result channel (second serial port)
  kunit      the UML KUnit run
  vm         VM runs as data, initramfs, qemu
  selftest   the harness's own unit tests (tools/tests)
  demo       "make demo"
  bench      "make bench"
  check      "make check"
  cli        the command line
"""
