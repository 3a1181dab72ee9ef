# SPDX-License-Identifier: GPL-2.0
"""ttmh - the TTM shrinker project harness.

  deps       install the Debian packages the project needs (root, apt-get)
  tree       turn the pinned base + series/ into an editable git tree
  export     turn the editable tree's commits back into series/
  selftest   the harness's own unit tests (tools/tests), in seconds
  scan-log   check kernel logs for unexpected splats
  kunit      build and run the TTM KUnit suites under UML (lockdep, KASAN...)
  vm-kernel  build the x86_64 VM kernel (config/vm*.config)
  vm         boot VM kernels under qemu and run guest tests (--shell: a shell)
  test       selftest + kunit + vm; build/logs/results.json; the last line
             is "N passed, N failed"
  check      per-patch checks: checkpatch, kernel-doc, W=1 C=1 builds,
             UML build, every TTM driver's build, GPU documentation
             (--drivers-only: the TTM drivers on the base and last patch)
  demo       the main job: the shrinker and the 6.12 path side by side
  bench      the benchmark: each backup backend of the shrinker vs
             anonymous-memory reclaim, side by side (disk and zram swap)
  test-drivers  real drivers (i915 mock selftests, xe KUnit, qxl, bochs)
             on a kernel of the series and one of the base, compared;
             build/logs/results-drivers.json (not part of "test")
  deb        linux-image and linux-headers packages of the series, with
             Debian's configuration, in build/deb, then installed with
             dpkg -i in a Debian root and booted in qemu;
             build/logs/results-deb.json (not part of "test")

Everything lives under build/ (ignored by git).  Every long step prints its
stage and elapsed time, keeps a full log under build/logs/, and prints the
tail of the log when it fails.
"""

import argparse
import dataclasses
import os
import sys

from . import (bench, ccbench, check, deb, demo, deps, drivers, kbuild,
               kunit, logscan, proc, results, selftest, series, vm)


def cmd_selftest(args):
    rec = selftest.run_selftests()
    rec.report()
    p, f, s = rec.counts()
    print('%d passed, %d failed' % (p, f))
    return 1 if f else 0


def cmd_kunit(args):
    series.ensure_tree(args.force)
    res = results.Results()
    res.add(kunit.run_uml(args.filter))
    print(res.summary())
    return 1 if res.totals()[1] else 0


def vm_runs(args):
    names = args.runs.split(',') if args.runs else list(vm.TEST_RUNS)
    runs = [vm.RUNS[n] for n in vm.check_names(names)]
    if args.cpus:
        runs = [dataclasses.replace(r, cpus=args.cpus) for r in runs]
    if getattr(args, 'tests', None):
        tests = tuple(args.tests.split(','))
        runs = [dataclasses.replace(r, tests=tests) for r in runs]
    return runs


def cmd_vm(args):
    series.ensure_tree(args.force)
    runs = vm_runs(args)
    if args.shell:
        return vm.shell(runs[0], vm.prepare(runs[0].debug))
    res = results.Results()
    kernels = {}
    for run in runs:
        if run.debug not in kernels:
            kernels[run.debug] = vm.prepare(run.debug)
        res.add(vm.run_vm(run, kernels[run.debug])[0])
    print(res.summary())
    return 1 if res.totals()[1] else 0


def cmd_test(args):
    """Everything, fastest checks first; results.json after every run."""
    res = results.Results()
    series.ensure_tree(args.force)
    res.add(selftest.run_selftests())
    res.add(kunit.run_uml())
    runs = vm_runs(args)
    kernels = {}
    for run in runs:
        if run.debug not in kernels:
            try:
                kernels[run.debug] = vm.prepare(run.debug)
            except proc.Failure as e:
                rec = results.Run('build-' + kbuild.variant_of(run.debug),
                                  'vm')
                rec.fail(str(e))
                res.add(rec)
                kernels[run.debug] = None
        if kernels[run.debug] is None:
            continue
        res.add(vm.run_vm(run, kernels[run.debug])[0])
    proc.say('make test finished; every case: %s' %
             proc.rel(res.path))
    print(res.summary(), flush=True)
    return 1 if res.totals()[1] else 0


def main():
    ap = argparse.ArgumentParser(prog='ttmh', description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    force = os.environ.get('FORCE') == '1'

    def add(name, fn, help_text):
        p = sub.add_parser(name, help=help_text)
        p.add_argument('--force', action='store_true', default=force,
                       help='discard work in build/linux not in series/')
        p.set_defaults(fn=fn)
        return p

    add('deps', lambda a: deps.ensure() or 0, 'install Debian packages')
    add('tree', lambda a: series.ensure_tree(a.force) or 0,
        'build/linux = base + series/')
    add('export', lambda a: series.export() or 0,
        'build/linux commits -> series/')
    add('selftest', cmd_selftest, 'the harness unit tests')
    p = add('scan-log', logscan.main, 'check kernel logs for splats')
    p.add_argument('logs', nargs='+', metavar='LOG')
    p.add_argument('--allow', help='allow-list (default: '
                   'config/allowed-warnings)')
    p = add('kunit', cmd_kunit, 'UML KUnit')
    p.add_argument('filter', nargs='?', help='kunit.py filter glob')
    p = add('vm-kernel', lambda a: (series.ensure_tree(a.force),
                                    kbuild.vm_kernel(a.debug)) and 0,
            'build a VM kernel')
    p.add_argument('--debug', action='store_true')
    for name, fn in (('vm', cmd_vm), ('test', cmd_test)):
        p = add(name, fn, 'VM runs' if name == 'vm' else 'all tests')
        p.add_argument('--runs', help='comma-separated VM runs (known: %s)'
                       % ', '.join(vm.RUNS))
        p.add_argument('--cpus', type=int, help='vCPUs for every VM run')
    sub.choices['vm'].add_argument('--shell', action='store_true',
                                   help='boot the first run to a shell')
    sub.choices['vm'].add_argument('--tests',
                                   help='comma-separated guest tests, '
                                   'instead of the runs\' own (e.g. '
                                   'scn-busy,scn-evict)')
    p = add('check', check.main, 'per-patch checks')
    p.add_argument('--drivers-only', action='store_true',
                   help='only build the TTM drivers, on the base and on '
                   'the last patch')
    p = add('test-drivers', drivers.main,
            'real drivers, series vs base (not part of test)')
    p.add_argument('--runs', help='comma-separated driver runs (known: %s)'
                   % ', '.join(r.name for r in vm.DRIVER_RUNS))
    p.add_argument('--kernels', default=','.join(drivers.KERNELS),
                   help='series, base or both (default %(default)s; the '
                   'comparison needs both)')
    p.add_argument('--cpus', type=int, help='vCPUs for every VM run')
    p.add_argument('--shell', action='store_true',
                   help='boot the first run on the first kernel to a '
                   'shell')
    p = add('deb', deb.main, 'Debian packages of the patched kernel '
            '(Debian\'s configuration; not part of test), installed in a '
            'Debian root and booted')
    p.add_argument('--no-boot', action='store_true',
                   help='build the packages only')
    p.add_argument('--boot-only', action='store_true',
                   help='install and boot the packages built for this '
                   'series, build nothing')
    p.add_argument('--debs', nargs='+', metavar='DEB',
                   help='install and boot these packages instead (e.g. '
                   'Debian\'s own kernel, as a control)')
    p = add('ccache-bench', ccbench.main, 'ccache\'s depend mode against '
            'its default, cold (needs tools/ttmh kunit first)')
    p.add_argument('--rounds', type=int, default=2)
    p.add_argument('--step', type=int, default=12,
                   help='every STEP-th C file (default %(default)s)')
    p = add('demo', demo.main, 'the demonstration')
    p.add_argument('--report-only', action='store_true')
    p = add('bench', bench.main, 'the benchmark')
    p.add_argument('--reps', type=int,
                   default=int(os.environ.get('REPS', '3')),
                   help='rounds of the disk run (default 3, or $REPS)')
    p.add_argument('--mib', type=int, default=256,
                   help='size of the swap arms, MiB (default 256)')
    p.add_argument('--backends', default=','.join(bench.BACKENDS),
                   help='TTM backup backends, side by side (default '
                   '%(default)s)')
    p.add_argument('--pc-mib', type=int, default=128,
                   help='size of the page-cluster arms, MiB (default 128)')
    p.add_argument('--zram-reps', type=int, default=2,
                   help='rounds of the zram run (default 2)')
    p.add_argument('--zram-mib', type=int, default=128,
                   help='size of the zram run\'s swap arms (default 128)')
    p.add_argument('--no-zram', action='store_true',
                   help='skip the second boot, on zram swap')
    p.add_argument('--no-profile', action='store_true',
                   help='skip the profiled run')
    p.add_argument('--profile-only', action='store_true',
                   help='only redo the profile, keep the rest of '
                   'docs/results.json')
    p.add_argument('--plot-only', action='store_true',
                   help='redraw docs/bench.png from docs/results.json')
    p.add_argument('--estimate', action='store_true',
                   help='print the time each run should take, run nothing')
    args = ap.parse_args()
    try:
        return args.fn(args)
    except proc.Failure as e:
        print('ttmh: error: %s' % e, file=sys.stderr, flush=True)
        return 1
