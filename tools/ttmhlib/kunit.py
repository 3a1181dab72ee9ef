# SPDX-License-Identifier: GPL-2.0
"""The UML KUnit run: the TTM suites with lockdep, KASAN, kmemleak and
fault injection, built and booted by the tree's kunit.py.  Its kernel
output (test.log) is parsed here with kunit_parser, the same way as the
debug VM's, and scanned for splats."""

import os
import sys
import time

from . import kbuild, logscan, proc, results, settings


def run_uml(filter_glob=None):
    bdir = os.path.join(settings.OUT, 'uml')
    tree = settings.TREE
    cmd = [sys.executable, 'tools/testing/kunit/kunit.py', 'run',
           '--kunitconfig', kbuild.kunitconfig(), '--build_dir', bdir,
           '--jobs', str(os.cpu_count() or 2), '--timeout', '900',
           '--kernel_args', 'printk.time=1',
           '--make_options', 'CC=ccache gcc']
    if filter_glob:
        cmd.append(filter_glob)
    env = proc.ccache_env()
    env['CROSS_COMPILE'] = ''
    log = os.path.join(settings.LOGS, 'kunit-uml.log')
    tlog = os.path.join(bdir, 'test.log')
    if os.path.exists(tlog):
        os.unlink(tlog)
    t = time.time()
    rc = proc.run(cmd, cwd=tree, env=env, log=log,
                  stage='UML KUnit build + run', check=False)
    rec = results.Run('kunit-uml', 'uml', proc.rel(tlog), round(
        time.time() - t, 1))
    if not os.path.exists(tlog):
        print(proc.tail(log))
        rec.fail('no test.log: the UML kernel did not build or boot '
                 '(log: %s)' % proc.rel(log))
        return rec
    with open(tlog, errors='replace') as f:
        lines = f.readlines()
    cases, errors = results.parse_ktap(lines, results.ktap_timing(lines))
    rec.cases += cases
    for e in errors:
        rec.fail(e)
    if rc and not any(c.status == 'FAIL' for c in cases) and not errors:
        rec.fail('kunit.py exited with status %d (log: %s)' % (
            rc, proc.rel(log)))
    want = [m for m in kbuild.ttm_test_modules() if m.endswith('_test')]
    if not filter_glob:
        suites = {c.name.split('.')[0] for c in cases}
        for m in want:
            if not any(s.startswith(m[:-len('_test')]) for s in suites):
                rec.fail('no suite of %s ran' % m)
    logscan.check_run(rec, tlog)
    return rec
