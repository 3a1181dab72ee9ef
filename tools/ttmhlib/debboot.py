# SPDX-License-Identifier: GPL-2.0
"""make deb, last step: install the packages as a tester would, and boot.

A package that builds may still not install, make no initramfs, not boot,
or carry modules that do not load. Before anyone with a GPU spends an
evening on it, the packages of build/deb/ go through what the README
tells testers to do, in a VM:

  1. a minimal Debian 12 root: debootstrap --variant=minbase with kmod,
     initramfs-tools, zstd and linux-base (what a Debian install has that
     minbase lacks for a kernel package; Debian's own kernel packages
     depend on them, so that they install there too, as a control), from the mirror apt uses ($DEB_MIRROR
     overrides), made once into build/deb-root/base;
  2. a copy of it, build/deb-root/root, where "dpkg -i" installs the
     linux-image and linux-headers packages: their postinst runs Debian's
     kernel hooks, so initramfs-tools makes the initramfs, as on a
     tester's machine (GRUB is not installed: qemu loads the kernel);
  3. the guest scripts (guest/) and the dumb-bo client copied in, and the
     root made into an ext4 image;
  4. qemu boots the packaged kernel with the initramfs the postinst made,
     root=/dev/vdb, init=/guest/init, with a qxl and a bochs display, and
     runs guest/tests/deb-check (what it checks is written there).

The results go to build/logs/results-deb.json, in make test's format; the
console (build/logs/vm-deb.log) is scanned for splats as every VM run's.
"""

import dataclasses
import glob
import os
import re
import shutil
import subprocess

from . import channel, drivers, logscan, proc, results, settings, vm

PACKAGES = ['debootstrap', 'e2fsprogs']
ROOTS = os.path.join(settings.BUILD, 'deb-root')
BASE_ROOT = os.path.join(ROOTS, 'base')
ROOT = os.path.join(ROOTS, 'root')
IMAGE = os.path.join(ROOTS, 'root.img')
SUITE = 'bookworm'
INCLUDE = ('kmod', 'initramfs-tools', 'zstd', 'linux-base')
RESULTS_JSON = os.path.join(settings.LOGS, 'results-deb.json')
# The package that installs the kernel: linux-image-<release>_<version>.
IMAGE_DEB = re.compile(r'^linux-image-(?P<release>[^_]+)_[^_]+_[^_]+\.deb$')


@dataclasses.dataclass(frozen=True)
class DebKernel:
    """What vm.boot needs of a kernel: its image and initramfs, and a
    directory for the run's scratch disk."""
    bdir: str
    image: str
    initramfs: str


def mirror():
    """$DEB_MIRROR, else the first Debian archive apt is set up with."""
    if os.environ.get('DEB_MIRROR'):
        return os.environ['DEB_MIRROR']
    files = glob.glob('/etc/apt/sources.list.d/*.sources') + \
        glob.glob('/etc/apt/sources.list')
    for path in sorted(files):
        with open(path, errors='replace') as f:
            for word in f.read().split():
                if re.match(r'https?://\S+/debian/?$', word):
                    return word.rstrip('/')
    return 'http://deb.debian.org/debian'


def base_root():
    """build/deb-root/base, made once (a stamp marks it complete)."""
    stamp = os.path.join(ROOTS, 'base.done')
    want = '%s %s\n' % (SUITE, ','.join(INCLUDE))
    if os.path.exists(stamp) and open(stamp).read() == want:
        return BASE_ROOT
    shutil.rmtree(BASE_ROOT, ignore_errors=True)
    os.makedirs(ROOTS, exist_ok=True)
    proc.run(['debootstrap', '--variant=minbase',
              '--include=' + ','.join(INCLUDE), SUITE, BASE_ROOT, mirror()],
             log=os.path.join(settings.LOGS, 'deb-root.log'),
             stage='deb boot: a Debian %s root (debootstrap)' % SUITE)
    with open(stamp, 'w') as f:
        f.write(want)
    return BASE_ROOT


def image_release(debs):
    """The kernel release of the linux-image package among debs."""
    found = [m.group('release') for m in
             (IMAGE_DEB.match(os.path.basename(d)) for d in debs)
             if m and not m.group('release').endswith('-dbg')]
    if len(found) != 1:
        proc.die('deb boot: want one linux-image package, have %s' % (
            ', '.join(os.path.basename(d) for d in debs) or 'none'))
    return found[0]


def install(debs):
    """A fresh copy of the base root with debs installed by dpkg -i."""
    base = base_root()
    shutil.rmtree(ROOT, ignore_errors=True)
    proc.run(['cp', '-a', base, ROOT],
             log=os.path.join(settings.LOGS, 'deb-install.log.cp'),
             stage='deb boot: copy of the root')
    inside = []
    for d in debs:
        shutil.copy(d, os.path.join(ROOT, 'tmp'))
        inside.append('/tmp/' + os.path.basename(d))
    proc_dir = os.path.join(ROOT, 'proc')
    subprocess.run(['mount', '-t', 'proc', 'proc', proc_dir], check=True)
    try:
        proc.run(['chroot', ROOT, 'dpkg', '-i'] + inside,
                 log=os.path.join(settings.LOGS, 'deb-install.log'),
                 env=dict(os.environ, DEBIAN_FRONTEND='noninteractive',
                          PATH='/usr/sbin:/usr/bin:/sbin:/bin'),
                 stage='deb boot: dpkg -i %s' % ' '.join(
                     os.path.basename(d) for d in debs))
    finally:
        subprocess.run(['umount', proc_dir], check=False)
    for p in inside:
        os.unlink(ROOT + p)


def add_guest(ubin):
    """The guest scripts and the dumb-bo client, as make test-drivers has
    them; busybox only for what a minbase root lacks (reboot)."""
    dst = os.path.join(ROOT, 'guest')
    shutil.copytree(settings.GUEST, dst)
    shutil.copytree(ubin, os.path.join(dst, 'bin'), dirs_exist_ok=True)
    shutil.copy('/bin/busybox', os.path.join(dst, 'bin', 'busybox'))
    for app in ('reboot', 'cttyhack'):
        if not any(os.path.exists(os.path.join(ROOT, d, app))
                   for d in ('bin', 'sbin', 'usr/bin', 'usr/sbin')):
            os.symlink('busybox', os.path.join(dst, 'bin', app))


def make_image():
    """The root as an ext4 image, 512 MiB larger than its content."""
    used = int(subprocess.run(['du', '-sm', ROOT], capture_output=True,
                              text=True, check=True).stdout.split()[0])
    if os.path.exists(IMAGE):
        os.unlink(IMAGE)
    with open(IMAGE, 'wb') as f:
        f.truncate((used + 512) << 20)
    proc.run(['mkfs.ext4', '-q', '-F', '-L', 'ttmh-deb', '-d', ROOT, IMAGE],
             log=os.path.join(settings.LOGS, 'deb-image.log'),
             stage='deb boot: ext4 image of the root (%d MiB)' % used)


def deb_run(release):
    return vm.VmRun(
        'deb', ('deb-check',), ram=1024, swap=0, timeout=1200,
        variant='deb %s' % release,
        cmdline='root=/dev/vdb rw init=/guest/init ttmh.release=%s '
                'ttmh.dumb_mib=64' % release,
        qemu_args=('-drive', 'file=%s,if=virtio,format=raw' % IMAGE,
                   '-vga', 'qxl', '-device', 'bochs-display'))


def check(debs):
    """Install debs in a Debian root, boot it, record the results;
    return the number of failures."""
    release = image_release(debs)
    res = results.Results(RESULTS_JSON)
    rec = results.Run('deb-boot', 'vm')
    try:
        install(debs)
        add_guest(drivers.make_userspace())
        kernel = DebKernel(
            ROOTS, os.path.join(ROOT, 'boot', 'vmlinuz-' + release),
            os.path.join(ROOT, 'boot', 'initrd.img-' + release))
        for path, what in ((kernel.image, 'kernel'),
                           (kernel.initramfs, 'initramfs')):
            if not os.path.exists(path):
                proc.die('deb boot: the packages installed no %s %s' % (
                    what, proc.rel(path)))
        make_image()
    except proc.Failure as e:
        rec.fail(str(e))
        res.add(rec)
        print(res.summary(), flush=True)
        return res.totals()[1]
    run = deb_run(release)
    ch, console, secs, timed_out = vm.boot(run, kernel)
    rec = results.Run('deb-boot', 'vm', proc.rel(console), round(secs, 1))
    rec.facts = dict(ch.facts, kernel=release, ram_mib=run.ram,
                     vcpus=run.cpus, packages=[os.path.basename(d)
                                               for d in debs])
    cases, problems = channel.verdict(ch, list(run.tests), timed_out)
    rec.cases += cases
    rec.problems += problems
    vm.check_run_facts(rec, run, ch, timed_out)
    logscan.check_run(rec, console)
    if rec.problems or any(c.status == 'FAIL' for c in rec.cases):
        print(proc.tail(console, 30))
    res.add(rec)
    proc.say('deb boot: every case in %s' % proc.rel(res.path))
    print(res.summary(), flush=True)
    return res.totals()[1]
