# SPDX-License-Identifier: GPL-2.0
"""Kernel configs and builds: the x86_64 VM kernels and the UML KUnit
config, out of tree under build/out/<variant>, with ccache."""

import hashlib
import os
import re
import shutil

from . import proc, settings

# name: config fragments on top of tinyconfig
VARIANTS = {
    'x86': ['vm.config'],
    'x86-debug': ['vm.config', 'vm-debug.config'],
}


def variant_of(debug):
    return 'x86-debug' if debug else 'x86'


def jobs():
    return '-j%d' % (os.cpu_count() or 2)


def make_cmd(bdir, arch='x86_64', extra=(), tree=None):
    return ['make', '-C', tree or settings.TREE, 'O=' + bdir, 'ARCH=' + arch,
            'CC=ccache gcc', jobs()] + list(extra)


def read_config(dotconfig):
    have = {}
    with open(dotconfig) as f:
        for line in f:
            m = re.match(r'(CONFIG_\w+)=(.*)', line)
            if m:
                have[m.group(1)] = m.group(2)
            m = re.match(r'# (CONFIG_\w+) is not set', line)
            if m:
                have[m.group(1)] = 'n'
    return have


def check_config(dotconfig, frags, known=None):
    """Every CONFIG_ line of the fragments must survive olddefconfig.

    known: if given, the symbols the tree's Kconfig defines; options of
    the fragments that the tree does not know are not checked (the base
    tree has no DRM_VTTM): kconfig_symbols() gives them.
    """
    have = read_config(dotconfig)
    bad = []
    for fr in frags:
        with open(fr) as f:
            for line in f:
                m = re.match(r'(CONFIG_\w+)=(.*)', line.strip())
                if m and known is not None and \
                        m.group(1)[len('CONFIG_'):] not in known:
                    continue
                if m and have.get(m.group(1), 'n') != m.group(2):
                    bad.append('%s=%s (got %s)' % (
                        m.group(1), m.group(2), have.get(m.group(1), 'n')))
    if bad:
        proc.die('config fragment not honoured: ' + ', '.join(bad))


def configure(name, frags, extra_make=(), always=False, strict=True,
              tree=None):
    """tinyconfig + fragments in build/out/<name>, redone when they change.

    always: redo it even if the fragments did not change (make check does
    this at every patch, as the tree's Kconfig changes under it).
    strict: every option of the fragments must be set as asked; make check
    only asks that of the last patch, as options the series adds do not
    exist before it.  A regenerated .config that is the same as before
    rebuilds nothing.
    tree: the kernel source (default build/linux; make test-drivers
    passes the base worktree).
    """
    tree = tree or settings.TREE
    bdir = os.path.join(settings.OUT, name)
    os.makedirs(bdir, exist_ok=True)
    env = proc.ccache_env()
    h = hashlib.sha256()
    for fr in frags:
        with open(fr) as f:
            # Only the options count: a comment does not reconfigure.
            h.update(''.join(ln for ln in f if ln.startswith('CONFIG_') or
                             ln.startswith('# CONFIG_')).encode())
    cfg_id = h.hexdigest()
    stamp = os.path.join(bdir, '.ttmh-config')
    if (not always and os.path.exists(stamp) and
            open(stamp).read() == cfg_id):
        return bdir
    make = make_cmd(bdir, extra=extra_make, tree=tree)
    log = os.path.join(settings.LOGS, 'config-%s.log' % name)
    proc.run(make + ['tinyconfig'], log=log, env=env,
             stage='%s: tinyconfig' % name)
    proc.run(['bash', os.path.join(tree, 'scripts/kconfig/merge_config.sh'),
              '-m', '-O', bdir, os.path.join(bdir, '.config')] + frags,
             cwd=tree, log=log + '.merge', env=env,
             stage='%s: merge fragments' % name)
    proc.run(make + ['olddefconfig'], log=log + '.olddef', env=env,
             stage='%s: olddefconfig' % name)
    if strict:
        check_config(os.path.join(bdir, '.config'), frags)
    with open(stamp, 'w') as f:
        f.write(cfg_id)
    return bdir


def vm_kernel(debug, name=None):
    """Build the VM kernel and its modules; return the build dir."""
    variant = variant_of(debug)
    name = name or variant
    frags = [os.path.join(settings.CONFIG, f) for f in VARIANTS[variant]]
    bdir = configure(name, frags)
    return build_kernel(name, bdir)


def build_kernel(name, bdir, tree=None):
    """Build the configured kernel in @bdir (bzImage and modules) and
    install its modules into bdir/modroot. Returns @bdir."""
    env = proc.ccache_env()
    make = make_cmd(bdir, tree=tree)
    log = os.path.join(settings.LOGS, 'build-%s.log' % name)
    proc.run(make + ['bzImage', 'modules'], log=log, env=env,
             stage='%s: build kernel' % name)
    mods = os.path.join(bdir, 'modroot')
    shutil.rmtree(mods, ignore_errors=True)
    proc.run(make + ['INSTALL_MOD_PATH=' + mods, 'INSTALL_MOD_STRIP=1',
                     'modules_install'], log=log + '.modinst', env=env,
             stage='%s: modules_install' % name)
    return bdir


def kunitconfig():
    """The TTM .kunitconfig plus the project's debug options."""
    src = os.path.join(settings.TREE, 'drivers/gpu/drm/ttm/tests/.kunitconfig')
    dst = os.path.join(settings.OUT, 'uml.kunitconfig')
    os.makedirs(settings.OUT, exist_ok=True)
    with open(src) as f:
        text = f.read() + '\n'
    with open(os.path.join(settings.CONFIG, 'kunit-debug.config')) as f:
        text += f.read()
    if not os.path.exists(dst) or open(dst).read() != text:
        with open(dst, 'w') as f:
            f.write(text)
    return dst


def ttm_test_modules():
    """The TTM KUnit modules the tree builds (from the tests' Makefile)."""
    path = os.path.join(settings.TREE, 'drivers/gpu/drm/ttm/tests/Makefile')
    mods = []
    with open(path) as f:
        text = f.read().replace('\\\n', ' ')
    for m in re.finditer(r'obj-\$\(CONFIG_DRM_TTM_KUNIT_TEST\)\s*[+:]?=([^\n]*)',
                         text):
        mods += [w[:-2] for w in m.group(1).split() if w.endswith('_test.o')]
    return mods


# --------------------------------------------------------------------------
# The real-drivers kernel (make test-drivers): the non-debug VM config plus
# qxl, bochs, i915 with its mock selftests and xe with its KUnit tests,
# built for the series (build/linux) and for the base (a worktree of tag
# "base"), each in its own build directory.

DRIVERS_FRAGMENTS = ['vm.config', 'drivers.config']


def kconfig_symbols(tree):
    """The symbols that the Kconfig files of a tree define."""
    syms = set()
    pat = re.compile(r'^\s*(?:menu)?config\s+(\w+)\s*$')
    for root, dirs, files in os.walk(tree):
        dirs[:] = [d for d in dirs if not d.startswith('.')]
        for fn in files:
            if not fn.startswith('Kconfig'):
                continue
            with open(os.path.join(root, fn), errors='replace') as f:
                for line in f:
                    m = pat.match(line)
                    if m:
                        syms.add(m.group(1))
    return syms


def drivers_kernel(name, tree):
    """Configure and build a drivers kernel and its modules from tree in
    build/out/<name>; return the build dir.

    Every option of the fragments that the tree's Kconfig defines must
    be set as asked (config/vm.config names the series' own DRM_VTTM
    and SHMEM_KUNIT_TEST, which the base does not have)."""
    frags = [os.path.join(settings.CONFIG, f) for f in DRIVERS_FRAGMENTS]
    bdir = configure(name, frags, strict=False, tree=tree)
    check_config(os.path.join(bdir, '.config'), frags,
                 known=kconfig_symbols(tree))
    return build_kernel(name, bdir, tree=tree)
