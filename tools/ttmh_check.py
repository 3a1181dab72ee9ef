# SPDX-License-Identifier: GPL-2.0
"""ttmh check: per-patch checks of the series.

For every patch in series order:
  - it applies (git am onto the pinned base, done by "ttmh tree");
  - scripts/checkpatch.pl --strict is clean (no errors, warnings or checks);
  - scripts/kernel-doc is clean on every .c/.h file the patch touches;
  - the tree builds at that patch for UML (the KUnit config) and x86_64
    (the debug VM config), incrementally in the build dirs of "make test":
    the check checks out each commit in build/linux in turn (it refuses to
    run on a dirty tree) and returns to the branch head at the end;
  - sparse (C=2) and W=1 on the directories the series touches add no
    warning over the base.
Reports which patch fails what, and exits non-zero if any does.
"""

import os
import re
import subprocess

import ttmh_load

h = ttmh_load.harness()

CHECK = h.TREE


def checkout(rev):
    h.git('checkout', '-q', rev, cwd=CHECK)


def touched_files(rev):
    r = h.git('diff-tree', '--no-commit-id', '--name-only', '-r',
              '--diff-filter=AM', rev)
    return [f for f in r.stdout.split() if f]


def c_dirs(files):
    return sorted({os.path.dirname(f) + '/' for f in files
                   if f.endswith('.c') and f.startswith('drivers/')})


def checkpatch(patch):
    r = subprocess.run(['perl', os.path.join(CHECK, 'scripts/checkpatch.pl'),
                        '--strict', '--no-summary', '-q', '--show-types',
                        patch], cwd=CHECK, capture_output=True, text=True,
                       env=dict(os.environ, PATH='/usr/bin:' +
                                os.environ.get('PATH', '')))
    out = (r.stdout + r.stderr).strip()
    return out if (r.returncode or out) else ''


def kernel_doc(files):
    bad = []
    for f in files:
        if not f.endswith(('.c', '.h')) or '/tests/' in f:
            continue
        r = subprocess.run(['perl', os.path.join(CHECK, 'scripts/kernel-doc'),
                            '-none', f], cwd=CHECK, capture_output=True,
                           text=True)
        out = (r.stdout + r.stderr).strip()
        if out:
            bad.append(out)
    return '\n'.join(bad)


def config_from(variant):
    """The .config that "make test" generated for a build dir."""
    src = os.path.join(h.OUT, variant, '.config')
    return src if os.path.exists(src) else None


def build(arch, variant, log, targets):
    bdir = os.path.join(h.OUT, variant)
    make = ['make', '-C', CHECK, 'O=' + bdir, 'ARCH=' + arch,
            'CC=ccache gcc', '-j%d' % (os.cpu_count() or 2)]
    return h.run(make + targets, log=log, env=h.ccache_env(), check=False,
                 stage='build %s' % variant)


WARN = re.compile(r'^([^\s:]+\.[ch]):\d+:(?:\d+:)? (?:warning|error): (.*)$')


def warnings(dirs, tag):
    """sparse + W=1 warnings of dirs, with line numbers removed."""
    if not dirs:
        return set()
    bdir = os.path.join(h.OUT, 'x86-debug')
    make = ['make', '-C', CHECK, 'O=' + bdir, 'ARCH=x86_64', 'C=2', 'W=1',
            'CC=ccache gcc', '-j%d' % (os.cpu_count() or 2)]
    existing = [d for d in dirs if os.path.isdir(os.path.join(CHECK, d))]
    if not existing:
        return set()
    log = os.path.join(h.LOGS, 'check-sparse-%s.log' % tag)
    h.run(make + existing, log=log, env=h.ccache_env(), check=False,
          stage='sparse+W=1 %s' % tag)
    out = set()
    for ln in open(log, errors='replace'):
        m = WARN.match(ln.strip())
        if m:
            out.add('%s: %s' % (os.path.normpath(m.group(1)).replace(
                CHECK + '/', ''), m.group(2)))
    return out


def main(args):
    h.cmd_tree(args)
    revs = h.git('rev-list', '--reverse', h.BASE_TAG + '..HEAD').stdout.split()
    names = h.patch_names()
    if len(revs) != len(names):
        h.die('tree has %d commits but series/ lists %d patches' %
              (len(revs), len(names)))
    if not revs:
        h.say('series is empty: nothing to check')
        print('0 passed, 0 failed')
        return 0
    if h.git('status', '--porcelain').stdout.strip():
        h.die('build/linux has uncommitted changes: commit or stash them')
    all_dirs = set()
    for rev in revs:
        all_dirs.update(c_dirs(touched_files(rev)))
    for v in ('uml', 'x86-debug'):
        if config_from(v) is None:
            h.die('no build/out/%s/.config: run "make test" first' % v)
    try:
        checkout(h.BASE_TAG)
        base_warn = warnings(sorted(all_dirs), 'base')
        failures = []
        for i, (rev, name) in enumerate(zip(revs, names), 1):
            h.say('[%d/%d] %s' % (i, len(revs), name))
            checkout(rev)
            files = touched_files(rev)
            problems = []
            cp = checkpatch(os.path.join(h.SERIES, name))
            if cp:
                problems.append('checkpatch --strict:\n' + cp)
            kd = kernel_doc(files)
            if kd:
                problems.append('kernel-doc:\n' + kd)
            tag = '%02d' % i
            for arch, variant, targets in (('um', 'uml', ['all']),
                                           ('x86_64', 'x86-debug',
                                            ['bzImage', 'modules'])):
                log = os.path.join(h.LOGS, 'check-%s-%s.log' % (tag, variant))
                if build(arch, variant, log, targets):
                    problems.append('%s build failed:\n%s' %
                                    (variant, h.tail(log, 20)))
            new = warnings(sorted(all_dirs), tag) - base_warn
            if new:
                problems.append('new sparse/W=1 warnings:\n  ' +
                                '\n  '.join(sorted(new)))
            for p in problems:
                print('  FAIL %s: %s' % (name, p))
            if problems:
                failures.append(name)
            else:
                print('  ok   %s' % name)
    finally:
        checkout(h.BRANCH)
    print('%d passed, %d failed' % (len(revs) - len(failures), len(failures)))
    return 1 if failures else 0
