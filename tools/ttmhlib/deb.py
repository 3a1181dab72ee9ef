# SPDX-License-Identifier: GPL-2.0
"""make deb: installable Debian packages (linux-image, linux-headers) of
6.12.117 with the series, for people with the hardware.

The configuration is Debian's own for the running architecture (package
linux-config-6.12, flavour <arch>_none_<arch>, the one Debian's
linux-image-<arch> installs), with only what a build outside Debian cannot
have changed:
  - no debug information (DEBUG_INFO_NONE, and so no BTF): the packages
    are for testing, and debug information more than doubles the build's
    time and size;
  - LOCALVERSION "-ttm", so that the kernel installs next to Debian's and
    GRUB offers both.
Modules are signed with a key made for this build (Debian's signing key is
Debian's) and the kernel image is not signed, so Secure Boot must be off
to boot it, unless the tester signs it and enrolls the key (README).
Every TTM driver is a module as in Debian; the series opts amdgpu, i915
and xe in to the shrinker, and amdgpu.ttm_shrinker=0 opts amdgpu out.

Built from build/linux (the series as exported, make tree) in
build/out/deb-<arch>, with ccache. kbuild's bindeb-pkg leaves the
packages next to the build directory; they are moved to build/deb/.
Then the linux-image and linux-headers packages are installed in a
Debian 12 root with dpkg -i and booted in qemu (debboot.py): --no-boot
skips that, --boot-only does only that, --debs checks other packages.
Not part of make test: it builds several thousand modules.
"""

import glob
import os
import shutil
import subprocess
import time

from . import debboot, deps, kbuild, proc, series, settings

PACKAGES = ['linux-config-6.12', 'dpkg-dev', 'debhelper']
DEB_DIR = os.path.join(settings.BUILD, 'deb')
LOCALVERSION = '-ttm'


def debian_arch():
    return subprocess.run(['dpkg', '--print-architecture'],
                          capture_output=True, text=True,
                          check=True).stdout.strip()


def debian_config(arch):
    path = '/usr/src/linux-config-6.12/config.%s_none_%s.xz' % (arch, arch)
    if not os.path.exists(path):
        proc.die('no Debian configuration %s (linux-config-6.12)' % path)
    return path


def configure(bdir, arch):
    os.makedirs(bdir, exist_ok=True)
    log = os.path.join(settings.LOGS, 'deb-config.log')
    with open(os.path.join(bdir, '.config'), 'wb') as f:
        f.write(subprocess.run(['xzcat', debian_config(arch)],
                               capture_output=True, check=True).stdout)
    cfg = [os.path.join(settings.TREE, 'scripts/config'), '--file',
           os.path.join(bdir, '.config')]
    proc.run(cfg + ['--disable', 'DEBUG_INFO',
                    '--disable', 'DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT',
                    '--enable', 'DEBUG_INFO_NONE',
                    '--disable', 'DEBUG_INFO_BTF',
                    '--set-str', 'LOCALVERSION', LOCALVERSION],
             log=log, stage='deb: Debian config (%s), no debug info' % arch)
    proc.run(kbuild.make_cmd(bdir) + ['olddefconfig'], log=log + '.olddef',
             env=proc.ccache_env(), stage='deb: olddefconfig')
    have = kbuild.read_config(os.path.join(bdir, '.config'))
    for opt, want in (('CONFIG_DRM_TTM', 'm'), ('CONFIG_DRM_AMDGPU', 'm'),
                      ('CONFIG_DRM_I915', 'm'), ('CONFIG_DRM_XE', 'm'),
                      ('CONFIG_DEBUG_FS', 'y')):
        if have.get(opt) != want:
            proc.die('deb: %s=%s, want %s' % (opt, have.get(opt), want))


def version():
    return '6.12.117-1+ttm%d' % len(series.patch_names())


def built_debs(ver):
    """The linux-image and linux-headers packages of version ver in
    build/deb/: what the README has testers install."""
    debs = sorted(glob.glob(os.path.join(DEB_DIR, 'linux-image-*_%s_*.deb'
                                         % ver)) +
                  glob.glob(os.path.join(DEB_DIR, 'linux-headers-*_%s_*.deb'
                                         % ver)))
    if not any('linux-image' in os.path.basename(d) for d in debs):
        proc.die('deb: no linux-image package of %s in %s (make deb first)'
                 % (ver, proc.rel(DEB_DIR)))
    return debs


def build(args):
    """Configure and build; return the packages made."""
    series.ensure_tree(force=args.force)
    arch = debian_arch()
    bdir = os.path.join(settings.OUT, 'deb-' + arch)
    configure(bdir, arch)
    ver = version()
    log = os.path.join(settings.LOGS, 'deb-build.log')
    start = time.monotonic()
    proc.run(kbuild.make_cmd(bdir) + [
        'bindeb-pkg', 'KDEB_PKGVERSION=' + ver,
        'KBUILD_BUILD_USER=ttm-shrinker', 'KBUILD_BUILD_HOST=ttmh'],
        log=log, env=proc.ccache_env(),
        stage='deb: make bindeb-pkg (%s)' % ver)
    took = time.monotonic() - start
    os.makedirs(DEB_DIR, exist_ok=True)
    debs = []
    for path in glob.glob(os.path.join(settings.OUT, '*.deb')):
        if LOCALVERSION + '_' in os.path.basename(path) or \
                '%s' % ver in os.path.basename(path):
            dest = os.path.join(DEB_DIR, os.path.basename(path))
            shutil.move(path, dest)
            debs.append(dest)
    for path in glob.glob(os.path.join(settings.OUT, '*.buildinfo')) + \
            glob.glob(os.path.join(settings.OUT, '*.changes')):
        shutil.move(path, os.path.join(DEB_DIR, os.path.basename(path)))
    if not any('linux-image' in d for d in debs):
        proc.die('deb: no linux-image package was made (log: %s)' %
                 proc.rel(log))
    proc.say('deb: %d packages in %s, built in %d min:\n  %s' % (
        len(debs), proc.rel(DEB_DIR), took // 60,
        '\n  '.join(os.path.basename(d) for d in sorted(debs))))
    return built_debs(ver)


def main(args):
    """tools/ttmh deb: build the packages, then install and boot them
    (debboot.py); --boot-only and --debs skip the build."""
    deps.ensure(PACKAGES + ([] if args.no_boot else debboot.PACKAGES))
    if args.debs:
        debs = [os.path.abspath(d) for d in args.debs]
    elif args.boot_only:
        series.ensure_tree(force=args.force)
        debs = built_debs(version())
    else:
        debs = build(args)
    if args.no_boot:
        return 0
    return 1 if debboot.check(debs) else 0
