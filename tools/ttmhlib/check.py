# SPDX-License-Identifier: GPL-2.0
"""make check: per-patch checks of the series.

Before the first patch, on the base: one W=1 C=1 build of the x86_64 VM
kernel (build/out/x86-check; sparse runs on every file compiled) and the
GPU documentation (make htmldocs SPHINXDIRS=gpu).  Then for every patch
in series order:
  - it applies (git am onto the pinned base, done by "tree");
  - scripts/checkpatch.pl --strict is clean (no errors, warnings, checks);
  - scripts/kernel-doc is clean on every .c/.h file the patch touches;
  - one incremental W=1 C=1 x86_64 build: sparse and the extra warnings
    run on what the patch made recompile, and nothing is new over the
    same files on the base;
  - the UML KUnit kernel builds.
At the end the GPU documentation is built again and must add no warning.
The tree is returned to the commit or branch it was on, whatever happens.
Exits non-zero if any patch fails anything.
"""

import os
import re
import subprocess
import sys

from . import deps, kbuild, proc, series, settings

TREE = settings.TREE
WARN = re.compile(r'^([^\s:]+\.[ch]):\d+:(?:\d+:)? (?:warning|error): (.*)$')
DOCWARN = re.compile(r'(WARNING|ERROR|CRITICAL)[:)]')


def debian_env():
    """Debian's python3 first: checkpatch's spdxcheck.py needs the ply and
    git modules of python3-ply and python3-git, which another python3
    earlier in PATH (pyenv, a venv) does not have."""
    env = dict(os.environ)
    env['PATH'] = '/usr/bin:/bin:' + env.get('PATH', '')
    return env


def checkpatch(patch):
    r = subprocess.run(['perl', os.path.join(TREE, 'scripts/checkpatch.pl'),
                        '--strict', '--no-summary', '-q', '--show-types',
                        patch], cwd=TREE, capture_output=True, text=True,
                       env=debian_env())
    out = (r.stdout + r.stderr).strip()
    return out if (r.returncode or out) else ''


def kernel_doc(files):
    bad = []
    for f in files:
        if not f.endswith(('.c', '.h')) or '/tests/' in f:
            continue
        r = subprocess.run(['perl', os.path.join(TREE, 'scripts/kernel-doc'),
                            '-none', f], cwd=TREE,
                           capture_output=True, text=True)
        out = (r.stdout + r.stderr).strip()
        if out:
            bad.append(out)
    return '\n'.join(bad)


def touched_files(rev):
    r = series.git('diff-tree', '--no-commit-id', '--name-only', '-r',
                   '--diff-filter=AM', rev)
    return [f for f in r.stdout.split() if f]


def warnings(log):
    """{file: {message}} of a build log, line numbers dropped."""
    out = {}
    with open(log, errors='replace') as f:
        for ln in f:
            m = WARN.match(ln.strip())
            if m:
                path = os.path.normpath(m.group(1))
                if path.startswith(TREE + '/'):
                    path = path[len(TREE) + 1:]
                out.setdefault(path, set()).add(m.group(2))
    return out


def x86_check_build(tag, last=False):
    bdir = kbuild.configure('x86-check', [os.path.join(
        settings.CONFIG, f) for f in kbuild.VARIANTS['x86']],
        always=True, strict=last)
    log = os.path.join(settings.LOGS, 'check-%s-x86.log' % tag)
    rc = proc.run(kbuild.make_cmd(bdir, extra=['W=1', 'C=1']) +
                  ['bzImage', 'modules'], log=log, env=proc.ccache_env(),
                  check=False, stage='x86_64 W=1 C=1 build (%s)' % tag)
    return rc, log


def uml_build(tag):
    bdir = os.path.join(settings.OUT, 'uml')
    if not os.path.exists(os.path.join(bdir, '.config')):
        proc.run([sys.executable, 'tools/testing/kunit/kunit.py', 'config',
                  '--kunitconfig', kbuild.kunitconfig(), '--build_dir',
                  bdir], cwd=TREE, log=os.path.join(
                      settings.LOGS, 'check-uml-config.log'),
                 stage='UML KUnit config')
    log = os.path.join(settings.LOGS, 'check-%s-uml.log' % tag)
    env = proc.ccache_env()
    env['CROSS_COMPILE'] = ''
    rc = proc.run(kbuild.make_cmd(bdir, arch='um') + ['all'], log=log,
                  env=env, check=False, stage='UML build (%s)' % tag)
    return rc, log


def htmldocs(tag):
    """Warnings of the GPU documentation build, line numbers dropped."""
    bdir = os.path.join(settings.OUT, 'docs')
    log = os.path.join(settings.LOGS, 'check-htmldocs-%s.log' % tag)
    rc = proc.run(['make', '-C', TREE, 'O=' + bdir, 'SPHINXDIRS=gpu',
                   'htmldocs'], log=log, check=False,
                  stage='htmldocs gpu (%s)' % tag)
    out = set()
    with open(log, errors='replace') as f:
        for ln in f:
            if DOCWARN.search(ln):
                out.add(re.sub(r':\d+:', ':', ln.strip().replace(
                    TREE + '/', '')))
    if rc:
        out.add('htmldocs exited with status %d' % rc)
    return out


def check_patch(i, rev, name, base_warn, last):
    problems = []
    cp = checkpatch(os.path.join(settings.SERIES, name))
    if cp:
        problems.append('checkpatch --strict:\n' + cp)
    kd = kernel_doc(touched_files(rev))
    if kd:
        problems.append('kernel-doc:\n' + kd)
    tag = '%02d' % i
    rc, log = x86_check_build(tag, last)
    if rc:
        problems.append('x86_64 build failed:\n' + proc.tail(log, 20))
    new = []
    for path, msgs in sorted(warnings(log).items()):
        for msg in sorted(msgs - base_warn.get(path, set())):
            new.append('%s: %s' % (path, msg))
    if new:
        problems.append('new sparse/W=1 warnings:\n  ' + '\n  '.join(new))
    rc, log = uml_build(tag)
    if rc:
        problems.append('UML build failed:\n' + proc.tail(log, 20))
    return problems


def main(args):
    deps.ensure(settings.CHECK_PACKAGES)
    series.ensure_tree(force=args.force)
    revs = series.git('rev-list', '--reverse',
                      settings.BASE_TAG + '..HEAD').stdout.split()
    names = series.patch_names()
    if len(revs) != len(names):
        proc.die('tree has %d commits but series/ lists %d patches' %
                 (len(revs), len(names)))
    if series.git('status', '--porcelain').stdout.strip():
        proc.die('build/linux has uncommitted changes: commit or stash them')
    r = series.git('symbolic-ref', '-q', '--short', 'HEAD', check=False)
    home = r.stdout.strip() or series.head()
    failures = []
    try:
        series.git('checkout', '-q', settings.BASE_TAG)
        rc, log = x86_check_build('base')
        if rc:
            proc.die('the base does not build (log: %s)' % proc.rel(log))
        base_warn = warnings(log)
        base_docs = htmldocs('base')
        for i, (rev, name) in enumerate(zip(revs, names), 1):
            proc.say('[%d/%d] %s' % (i, len(revs), name))
            series.git('checkout', '-q', rev)
            problems = check_patch(i, rev, name, base_warn,
                                   i == len(revs))
            for p in problems:
                print('  FAIL %s: %s' % (name, p))
            if problems:
                failures.append(name)
            else:
                print('  ok   %s' % name)
        new_docs = sorted(htmldocs('series') - base_docs)
        if new_docs:
            print('  FAIL htmldocs: new warnings:\n    ' +
                  '\n    '.join(new_docs))
            failures.append('htmldocs')
        else:
            print('  ok   htmldocs (no new warnings)')
    finally:
        series.git('checkout', '-q', home)
    total = len(revs) + 1
    print('%d passed, %d failed' % (total - len(failures), len(failures)))
    return 1 if failures else 0
