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
  - the UML KUnit kernel builds;
  - every driver that selects DRM_TTM (config/check-drivers.config:
    amdgpu, radeon, nouveau, i915, xe, qxl, bochs, vboxvideo, vmwgfx,
    hibmc and loongson, the last two with COMPILE_TEST) builds its TTM
    glue with W=1 (build/out/x86-check-drivers): every object of those
    drivers whose source includes a <drm/ttm/...> header, plus every
    driver source the patch touched; nothing new over the base.
The base and the last patch build all of drivers/gpu/drm/ in that
configuration with W=1 C=1 (sparse), and the last must add no warning.
At the end the GPU documentation is built again and must add no warning.

checkpatch's "does MAINTAINERS need updating?" (FILE_PATH_CHANGES) is
ignored for a patch whose new files all fall under an existing
MAINTAINERS entry of theirs (scripts/get_maintainer.pl names a list
other than linux-kernel@vger.kernel.org alone).

--drivers-only runs only the driver builds of the base and of the last
patch: the quick answer to "do all TTM drivers still build?".

The base's warnings are kept in its build directory, keyed by the base
commit, the .config made on the base, the build's targets and flags, and
the versions of gcc and sparse (.ttmh-base-<what>.json).  While the key
holds, a later run takes them from there and does not build the base
again: the base does not change, and neither do its warnings.  The series
is then built from whatever state the directory is in, so first every
object whose source or headers the series changes (the dependency lists
kbuild keeps in its .cmd files) is removed: the first build after the
base compiles, and sparse checks, each of them again, and no new warning
can hide in an object left over from an earlier run.
The tree is returned to the commit or branch it was on, whatever happens.
Exits non-zero if any patch fails anything.
"""

import hashlib
import json
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


DRIVER_DIRS = ('drivers/gpu/drm/amd/amdgpu', 'drivers/gpu/drm/radeon',
               'drivers/gpu/drm/nouveau', 'drivers/gpu/drm/i915',
               'drivers/gpu/drm/xe', 'drivers/gpu/drm/qxl',
               'drivers/gpu/drm/tiny', 'drivers/gpu/drm/vboxvideo',
               'drivers/gpu/drm/vmwgfx', 'drivers/gpu/drm/hisilicon/hibmc',
               'drivers/gpu/drm/loongson', 'drivers/gpu/drm/vttm')
TTM_INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]drm/ttm/', re.M)


def new_files(patch):
    with open(patch, errors='replace') as f:
        text = f.read()
    return re.findall(r'^diff --git a/\S+ b/(\S+)\nnew file mode', text,
                      re.M)


def maintained(path):
    """Whether an existing MAINTAINERS entry covers @path: a list other
    than LKML's (which get_maintainer.pl gives every file)."""
    r = subprocess.run(['perl', os.path.join(TREE,
                                             'scripts/get_maintainer.pl'),
                        '--no-git', '--no-git-fallback', '--no-rolestats',
                        '--no-n', '-f', path], cwd=TREE,
                       capture_output=True, text=True, env=debian_env())
    lists = [ln for ln in r.stdout.split('\n') if '@' in ln]
    return any('linux-kernel@vger.kernel.org' not in ln for ln in lists)


def checkpatch(patch):
    cmd = ['perl', os.path.join(TREE, 'scripts/checkpatch.pl'), '--strict',
           '--no-summary', '-q', '--show-types']
    added = new_files(patch)
    if added and all(maintained(f) for f in added):
        cmd += ['--ignore', 'FILE_PATH_CHANGES']
    r = subprocess.run(cmd + [patch], cwd=TREE, capture_output=True,
                       text=True, env=debian_env())
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


def drivers_config(last):
    frags = [os.path.join(settings.CONFIG, f) for f in
             kbuild.VARIANTS['x86'] + ['check-drivers.config']]
    return kbuild.configure('x86-check-drivers', frags, always=True,
                            strict=last)


def glue_objects(touched):
    """The objects of the TTM drivers whose source includes a TTM header,
    and those of the driver sources @touched, that this configuration
    builds (those the full build of the base made)."""
    bdir = os.path.join(settings.OUT, 'x86-check-drivers')
    srcs = set(f for f in touched if f.endswith('.c') and
               f.startswith(DRIVER_DIRS))
    for d in DRIVER_DIRS:
        for root, _, files in os.walk(os.path.join(TREE, d)):
            for fn in files:
                if not fn.endswith('.c'):
                    continue
                path = os.path.join(root, fn)
                with open(path, errors='replace') as f:
                    if TTM_INCLUDE.search(f.read()):
                        srcs.add(os.path.relpath(path, TREE))
    objs = []
    for src in sorted(srcs):
        obj = src[:-2] + '.o'
        if os.path.exists(os.path.join(bdir, obj)):
            objs.append(obj)
    return objs


def forget_objects(bdir, under='drivers/gpu/drm'):
    """Remove the objects of drivers/gpu/drm/ from @bdir, so that the next
    build compiles (and sparse checks) every file again: a build resumed
    after an interrupted one would otherwise report warnings only for what
    it recompiled, and the base's list would be short.  ccache still
    serves the compiler's part, with its warnings."""
    n = 0
    for root, _, files in os.walk(os.path.join(bdir, under)):
        for fn in files:
            if fn.endswith('.o'):
                os.unlink(os.path.join(root, fn))
                n += 1
    return n


def base_key(bdir, what):
    """What the base's warnings in @bdir depend on: the base commit, its
    .config, the build's @what (targets and flags), gcc and sparse."""
    h = hashlib.sha256()
    h.update(series.git('rev-parse', settings.BASE_TAG +
                        '^{commit}').stdout.encode())
    h.update(what.encode())
    with open(os.path.join(bdir, '.config'), 'rb') as f:
        h.update(f.read())
    for tool in ('gcc', 'sparse'):
        r = subprocess.run([tool, '--version'], capture_output=True)
        h.update(r.stdout + r.stderr)
    return h.hexdigest()


def base_cache(bdir, what):
    return os.path.join(bdir, '.ttmh-base-%s.json' % what.split()[0])


def cached_base(bdir, what):
    """The base's warnings kept in @bdir for this key, or None."""
    try:
        with open(base_cache(bdir, what)) as f:
            kept = json.load(f)
    except (OSError, ValueError):
        return None
    if kept.get('key') != base_key(bdir, what):
        return None
    proc.say('base warnings (%s) kept from %s: not built again' %
             (what, kept.get('date', '?')))
    return {path: set(msgs) for path, msgs in kept['warnings'].items()}


def keep_base(bdir, what, warn, log):
    with open(base_cache(bdir, what), 'w') as f:
        json.dump({'key': base_key(bdir, what), 'log': proc.rel(log),
                   'date': proc.capture(['date', '-u', '+%F %T']).stdout
                   .strip(),
                   'warnings': {p: sorted(m) for p, m in warn.items()}},
                  f, indent=1, sort_keys=True)


def series_files(rev):
    """The files that the series up to @rev changes, added or removes."""
    return set(f for f in series.git(
        'diff', '--name-only', settings.BASE_TAG, rev).stdout.split() if f)


CMD_PATH = re.compile(r'^\s*(?:source_\S+ := )?(\S+\.[chS])\b', re.M)


def forget_affected(bdir, changed, under=''):
    """Remove the objects under @bdir/@under whose source or dependencies
    (kbuild's .<object>.cmd files) include one of the @changed files, and
    those that have no .cmd file.  Returns how many."""
    n = 0
    tree = os.path.realpath(settings.TREE)
    seen = {}

    def is_changed(dep):
        if dep not in seen:
            seen[dep] = os.path.relpath(os.path.realpath(
                os.path.join(bdir, dep)), tree) in changed
        return seen[dep]

    for root, _, files in os.walk(os.path.join(bdir, under)):
        names = set(files)
        for fn in files:
            if not fn.endswith('.o'):
                continue
            obj = os.path.join(root, fn)
            cmd = os.path.join(root, '.%s.cmd' % fn)
            affected = '.%s.cmd' % fn not in names
            if not affected:
                with open(cmd, errors='replace') as f:
                    affected = any(is_changed(dep) for dep in
                                   CMD_PATH.findall(f.read()))
            if affected:
                os.unlink(obj)
                n += 1
    return n


def drivers_build(tag, last=False, full=False, touched=()):
    """W=1 build of the TTM drivers: all of drivers/gpu/drm/ with sparse
    if @full, else their TTM glue objects. Returns (rc, log, objects)."""
    bdir = drivers_config(last)
    log = os.path.join(settings.LOGS, 'check-%s-drivers.log' % tag)
    if full:
        targets, extra = ['drivers/gpu/drm/'], ['W=1', 'C=1']
    else:
        targets, extra = glue_objects(touched), ['W=1']
    rc = proc.run(kbuild.make_cmd(bdir, extra=extra) + targets, log=log,
                  env=proc.ccache_env(), check=False,
                  stage='TTM drivers %s build (%s, %d targets)' % (
                      'W=1 C=1' if full else 'W=1', tag, len(targets)))
    return rc, log, targets


DRIVERS_WHAT = 'drivers drivers/gpu/drm/ W=1 C=1'
X86_WHAT = 'x86 bzImage modules W=1 C=1'


def base_drivers():
    """The base's warnings in the TTM drivers' full build: kept, or built
    from no objects. Returns (warnings, whether they were kept)."""
    bdir = drivers_config(False)
    warn = cached_base(bdir, DRIVERS_WHAT)
    if warn is not None:
        return warn, True
    forget_objects(bdir)
    rc, log, _ = drivers_build('base', full=True)
    if rc:
        proc.die('the base\'s TTM drivers do not build (log: %s)' %
                 proc.rel(log))
    warn = warnings(log)
    keep_base(bdir, DRIVERS_WHAT, warn, log)
    return warn, False


def base_x86():
    """The base's warnings in the x86_64 W=1 C=1 build: kept or built."""
    bdir = kbuild.configure('x86-check', [os.path.join(
        settings.CONFIG, f) for f in kbuild.VARIANTS['x86']],
        always=True, strict=False)
    warn = cached_base(bdir, X86_WHAT)
    if warn is not None:
        return warn, True
    forget_objects(bdir, '')
    rc, log = x86_check_build('base')
    if rc:
        proc.die('the base does not build (log: %s)' % proc.rel(log))
    warn = warnings(log)
    keep_base(bdir, X86_WHAT, warn, log)
    return warn, False


def forget_series(last):
    """After kept base warnings: remove every object the series affects
    from both build directories (see the module's documentation)."""
    changed = series_files(last)
    for name in ('x86-check', 'x86-check-drivers'):
        bdir = os.path.join(settings.OUT, name)
        if os.path.isdir(bdir):
            n = forget_affected(bdir, changed)
            proc.say('%s: %d objects the series affects removed' % (name, n))


def new_warnings(log, base_warn):
    new = []
    for path, msgs in sorted(warnings(log).items()):
        for msg in sorted(msgs - base_warn.get(path, set())):
            new.append('%s: %s' % (path, msg))
    return new


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


def check_drivers(tag, base_drv, last, touched=()):
    problems = []
    rc, log, _ = drivers_build(tag, last=last, full=last, touched=touched)
    if rc:
        problems.append('TTM drivers build failed:\n' + proc.tail(log, 20))
    new = new_warnings(log, base_drv)
    if new:
        problems.append('new W=1%s warnings in the TTM drivers:\n  ' %
                        (' C=1' if last else '') + '\n  '.join(new))
    return problems


def check_patch(i, rev, name, base_warn, base_drv, last):
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
    problems += check_drivers(tag, base_drv, last, touched_files(rev))
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
        base_drv, kept = base_drivers()
        if args.drivers_only:
            if kept:
                forget_series(revs[-1])
            series.git('checkout', '-q', revs[-1])
            problems = check_drivers('last', base_drv, True)
            for p in problems:
                print('  FAIL %s: %s' % (names[-1], p))
            print('%d passed, %d failed' % (0 if problems else 1,
                                              1 if problems else 0))
            return 1 if problems else 0
        base_warn, kept_x86 = base_x86()
        if kept or kept_x86:
            forget_series(revs[-1])
        base_docs = htmldocs('base')
        for i, (rev, name) in enumerate(zip(revs, names), 1):
            proc.say('[%d/%d] %s' % (i, len(revs), name))
            series.git('checkout', '-q', rev)
            problems = check_patch(i, rev, name, base_warn, base_drv,
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
