# SPDX-License-Identifier: GPL-2.0
"""Every path, version and number of the harness, in one place."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, 'build')
LOGS = os.path.join(BUILD, 'logs')
TREE = os.path.join(BUILD, 'linux')
OUT = os.path.join(BUILD, 'out')
SERIES = os.path.join(ROOT, 'series')
CONFIG = os.path.join(ROOT, 'config')
DOCS = os.path.join(ROOT, 'docs')
GUEST = os.path.join(ROOT, 'guest')
USERSPACE = os.path.join(ROOT, 'userspace')
TOOLS = os.path.join(ROOT, 'tools')
TEMPLATES = os.path.join(TOOLS, 'templates')
SELFTESTS = os.path.join(TOOLS, 'tests')
RESULTS_JSON = os.path.join(LOGS, 'results.json')
ALLOWLIST = os.path.join(CONFIG, 'allowed-warnings')

# The pinned base.
BASE_PKG = 'linux-source-6.12'
BASE_VERSION = '6.12.117-1~deb12u1'
BASE_TARBALL = '/usr/src/linux-source-6.12.tar.xz'
BASE_TAG = 'base'
BRANCH = 'series'
GIT_ID = ['-c', 'user.name=TTM Shrinker Developers',
          '-c', 'user.email=ttm-shrinker@lists.example.org']

# Debian packages: what "make test" / "make demo" need, and what only
# "make check" needs (the documentation build).
PACKAGES = [
    'build-essential', 'bc', 'bison', 'flex', 'libelf-dev', 'libssl-dev',
    'cpio', 'xz-utils', 'kmod', 'rsync', 'ccache', 'sparse', 'git',
    'python3', 'python3-ply', 'python3-git', 'perl', 'qemu-system-x86',
    'busybox-static', 'gnuplot-nox', 'shellcheck',
]
CHECK_PACKAGES = ['python3-sphinx', 'python3-sphinx-rtd-theme',
                  'python3-yaml', 'python3-ply', 'python3-git']

# Units.
PAGE_SIZE = 4096
PAGES_PER_MIB = (1 << 20) // PAGE_SIZE

# VM defaults (a VmRun overrides them per run).
VM_RAM_MIB = 512
VM_SWAP_MIB = 1536
VM_CPUS = 2

# Scenario 2's split, as fractions of the VM's RAM: idle objects and the
# hog (stated by the docs; the guest computes the same in
# guest/lib/pressure.sh).
PRESSURE_BO_PCT = 45
PRESSURE_HOG_PCT = 80

# Clocksources whose times are tick counts, not measurements.
COARSE_CLOCKS = ('jiffies', 'refined-jiffies')

KERNEL_TIMESTAMP = 'Thu Jan  1 00:00:00 UTC 2026'
