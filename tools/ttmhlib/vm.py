# SPDX-License-Identifier: GPL-2.0
"""VM runs: the x86_64 kernel under qemu, guest tests from an initramfs.

A run is data (VmRun): kernel, RAM, swap, vCPUs, tests, timeout and
command line.  The console (ttyS0: printk, test output) goes to
build/logs/vm-<run>.log and is scanned for splats; results come over the
channel (ttyS1, see channel.py) in build/logs/vm-<run>.chan, which the
host follows while the VM runs, printing each test as it begins and ends.
"""

import dataclasses
import os
import shutil
import subprocess
import time
from typing import Tuple

from . import channel, kbuild, logscan, proc, results, settings


@dataclasses.dataclass(frozen=True)
class VmRun:
    name: str
    tests: Tuple[str, ...]
    debug: bool = False
    ram: int = settings.VM_RAM_MIB
    swap: int = settings.VM_SWAP_MIB
    swapdev: str = 'disk'          # or 'zram'
    cpus: int = settings.VM_CPUS
    timeout: int = 1800
    shrink: int = 1                # vttm.shrink: 1 TTM's shrinker, 2 vttm's
    #                                own shrinker, 0 the 6.12 path
    profile: str = 'full'          # 'debug': scenarios sized for KASAN/TCG
    cmdline: str = ''
    # Extra qemu arguments (a display device for make test-drivers); the
    # runs above have none, and their qemu command lines do not change.
    qemu_args: Tuple[str, ...] = ()
    # The kernel's name in the logs, if not the VM kernel of "debug".
    variant: str = ''

    def kernel_cmdline(self):
        return ' '.join(filter(None, [
            'console=ttyS0 panic=-1 oops=panic loglevel=7',
            # ACPI is there for its clock references (HPET, PM timer);
            # its interrupt routing (_PRT) takes the debug kernel more
            # than 30 s of AML under TCG: a soft lockup, then no IRQ for
            # the virtio disk.  Legacy routing (MP table) works.
            'acpi=noirq',
            'ttmh.tests=%s' % ','.join(self.tests),
            'ttmh.swap=%d' % self.swap,
            'ttmh.swapdev=%s' % self.swapdev,
            'ttmh.shrink=%d' % self.shrink,
            'ttmh.profile=%s' % self.profile,
            # The numbers the guest shares with the host's reports.
            'ttmh.pages_per_mib=%d' % settings.PAGES_PER_MIB,
            'ttmh.bo_pct=%d' % settings.PRESSURE_BO_PCT,
            'ttmh.hog_pct=%d' % settings.PRESSURE_HOG_PCT,
            self.cmdline]))


# The paths real drivers take through TTM, each a scenario of its own
# (busy objects, pipelined moves and ghosts, WC/UC pages, dma-buf with a
# kernel importer's vmap, pins, eviction from a small aperture, unload with
# pending destroys), the threaded race fuzzer, and the caps any render
# client is held to.
DRIVER_PATHS = ('scn-busy', 'scn-pipelined', 'scn-caching', 'scn-dmabuf',
                'scn-pinned', 'scn-evict', 'scn-unload', 'scn-race-fuzz',
                'scn-limits')
# Shrinking on purpose (ttm_device_shrink(), through vttm's debugfs file):
# TTM's shrinker design only, as the helper works through bo_shrink.
ON_PURPOSE = ('scn-drop',)
SCENARIOS = ('scn-content', 'scn-overcommit', 'scn-pressure-mlock',
             'scn-pressure-swap', 'scn-stop', 'scn-interrupt', 'scn-inject',
             'scn-fuzz', 'scn-thp', 'scn-memcg', 'scn-frag') + DRIVER_PATHS + \
    ON_PURPOSE
# With vttm's own shrinker: the paths where the shrinker, not the driver,
# makes the difference (busy and pinned objects, WC/UC pages left to its
# worker, importers' mappings, eviction under pressure, the race fuzzer).
DRIVER_SHRINKER_PATHS = ('scn-busy', 'scn-caching', 'scn-dmabuf',
                         'scn-pinned', 'scn-evict', 'scn-race-fuzz')
DEBUG_SCENARIOS = ('scn-content', 'scn-overcommit', 'scn-pressure-mlock',
                   'scn-stop', 'scn-interrupt', 'scn-inject',
                   'scn-fuzz', 'scn-frag') + DRIVER_PATHS + ON_PURPOSE

# The kernel command line of the runs with the insert backend.
INSERT = 'ttm.backup_backend=insert ttmh.backend=insert'

RUNS = {r.name: r for r in [
    # The debug kernel (lockdep, KASAN, kmemleak): the KUnit suites as
    # modules, then the scenarios sized down (it moves ~1 MiB/s to swap).
    VmRun('kunit', ('ttm-kunit',), debug=True, swap=256, timeout=900),
    VmRun('debug-scenarios', DEBUG_SCENARIOS, debug=True, ram=320, swap=512,
          profile='debug', timeout=1200),
    # The non-debug kernel: full-size scenarios.
    VmRun('scenarios', SCENARIOS),
    VmRun('noswap', ('scn-noswap',), swap=0, timeout=600),
    VmRun('swapfull', ('scn-swapfull', 'scn-backend'), swap=128,
          timeout=600),
    # zram keeps what it swaps in RAM (compressible content, ~1/4): at 2x
    # RAM its own allocations fail in kswapd; 150% keeps it in reach.
    VmRun('zram', ('scn-overcommit', 'scn-pressure-swap'), swapdev='zram',
          swap=1024, timeout=1200, cmdline='ttmh.overcommit_pct=150'),
    VmRun('legacy', ('scn-pressure-mlock', 'scn-pressure-swap'), shrink=0,
          timeout=1200),
    # The insert backend (ttm.backup_backend=insert: TTM's pages given to
    # shmem, no copy): the scenarios that back up and restore the most, on
    # the debug kernel (KASAN, lockdep, DEBUG_VM for the mm part); a full
    # swap and the memory cgroup charge on the non-debug kernel.
    # scn-backend checks that pages were really inserted.
    VmRun('debug-insert', ('scn-content', 'scn-overcommit', 'scn-inject',
                           'scn-backend'),
          debug=True, ram=320, swap=512, profile='debug', timeout=1200,
          cmdline=INSERT),
    VmRun('insert', ('scn-swapfull', 'scn-memcg', 'scn-backend'), swap=128,
          timeout=900, cmdline=INSERT),
    # vttm with its own shrinker, built from TTM's helpers (shrink=2):
    # the other design upstream took; every scenario must pass with it.
    VmRun('driver-scenarios', SCENARIOS[:SCENARIOS.index(DRIVER_PATHS[0])] +
          DRIVER_SHRINKER_PATHS, shrink=2),
    VmRun('driver-noswap', ('scn-noswap',), swap=0, shrink=2, timeout=600),
    VmRun('driver-swapfull', ('scn-swapfull',), swap=128, shrink=2,
          timeout=600),
]}

# The runs of "make test" (and of "tools/ttmh vm" without --runs).
# "zram" found the shrinker writing back synchronously from kswapd
# (swap_writepage_bdev_sync) and zram's allocation failing inside it
# (tools/tests/logs/zram-allocfail-in-shrinker.log); writeback now runs
# in a worker (series patch 14), and the run is part of make test.
TEST_RUNS = ('kunit', 'debug-scenarios', 'debug-insert', 'scenarios', 'noswap',
             'swapfull', 'insert', 'legacy', 'driver-scenarios',
             'driver-noswap', 'driver-swapfull', 'zram')


# The runs of "make test-drivers" (tools/ttmhlib/drivers.py), on the
# drivers kernel (config/drivers.config) of the series and of the base:
# not in RUNS, and not part of "make test".  i915's mock selftests and
# xe's KUnit suites need no GPU; qxl and bochs are qemu's own display
# devices, whose dumb buffers the dumb-bo client pushes past TTM's page
# limit of half the RAM: 320 MiB on 512 MiB, of 4 MiB buffers.
DRIVER_RUNS = (
    VmRun('i915_mock', ('drv-i915-mock',), ram=1024, swap=0, timeout=2400,
          variant='x86-drivers'),
    VmRun('xe_kunit', ('drv-xe-kunit',), ram=1024, swap=0, timeout=900,
          variant='x86-drivers'),
    VmRun('qxl', ('drv-dumb-bo',), timeout=1200, variant='x86-drivers',
          cmdline='ttmh.driver=qxl ttmh.dumb_mib=320',
          qemu_args=('-vga', 'qxl')),
    VmRun('bochs', ('drv-dumb-bo',), timeout=1200, variant='x86-drivers',
          cmdline='ttmh.driver=bochs ttmh.drm_name=bochs-drm '
                  'ttmh.dumb_mib=320',
          qemu_args=('-vga', 'none', '-device', 'bochs-display')),
)


# --------------------------------------------------------------------------
# kernel, userspace, initramfs

def make_userspace():
    out = os.path.join(settings.OUT, 'userspace')
    os.makedirs(out, exist_ok=True)
    proc.run(['make', '-C', settings.USERSPACE, 'O=' + out,
              'UAPI=' + os.path.join(settings.TREE, 'include', 'uapi')],
             log=os.path.join(settings.LOGS, 'userspace.log'),
             stage='userspace tools')
    return out


def busybox_applets():
    r = proc.capture(['/bin/busybox', '--list'])
    return [a for a in r.stdout.split() if a and a != 'busybox']


def build_initramfs(bdir, ubin):
    root = os.path.join(bdir, 'initramfs')
    shutil.rmtree(root, ignore_errors=True)
    for d in ('bin', 'sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'mnt',
              'lib/modules', 'root'):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    shutil.copy('/bin/busybox', os.path.join(root, 'bin/busybox'))
    for app in busybox_applets():
        os.symlink('busybox', os.path.join(root, 'bin', app))
    moddir = os.path.join(bdir, 'modroot', 'lib', 'modules')
    if os.path.isdir(moddir):
        dst = os.path.join(root, 'lib', 'modules')
        shutil.copytree(moddir, dst, dirs_exist_ok=True, symlinks=True)
        for rel in os.listdir(dst):
            for ln in ('build', 'source'):
                p = os.path.join(dst, rel, ln)
                if os.path.islink(p):
                    os.unlink(p)
    shutil.copytree(settings.GUEST, os.path.join(root, 'guest'))
    shutil.copytree(ubin, os.path.join(root, 'guest', 'bin'),
                    dirs_exist_ok=True)
    os.symlink('guest/init', os.path.join(root, 'init'))
    img = os.path.join(bdir, 'initramfs.cpio.gz')
    r = subprocess.run('cd %s && find . | cpio -o -H newc --quiet | gzip -1 '
                       '> %s' % (root, img), shell=True)
    if r.returncode:
        proc.die('initramfs build failed')
    return img


@dataclasses.dataclass(frozen=True)
class Kernel:
    bdir: str
    initramfs: str

    @property
    def image(self):
        return os.path.join(self.bdir, 'arch/x86/boot/bzImage')


def prepare(debug, name=None):
    """VM kernel, userspace tools and initramfs (the tree must exist)."""
    bdir = kbuild.vm_kernel(debug, name=name)
    return Kernel(bdir, build_initramfs(bdir, make_userspace()))


# --------------------------------------------------------------------------
# qemu

def qemu_cmd(run, kernel, disk, console, chan, shell=False):
    cmd = ['qemu-system-x86_64', '-m', str(run.ram), '-smp', str(run.cpus),
           '-kernel', kernel.image, '-initrd', kernel.initramfs,
           '-no-reboot', '-drive', 'file=%s,if=virtio,format=raw' % disk]
    cmd += list(run.qemu_args)
    if shell:
        cmd += ['-nographic', '-serial', 'mon:stdio']
    else:
        cmd += ['-display', 'none', '-monitor', 'none', '-serial',
                'file:' + console]
    cmd += ['-serial', 'file:' + chan]
    append = run.kernel_cmdline() + (' ttmh.shell=1' if shell else '')
    cmd += ['-append', append]
    if os.environ.get('KVM') == '1':
        cmd += ['-accel', 'kvm', '-cpu', 'host']
    else:
        cmd += ['-accel', 'tcg', '-cpu', 'max']
    return cmd


class Follower:
    """Print the channel's BEGIN/END/RESULT lines as they arrive."""

    def __init__(self, path, name):
        self.path, self.name, self.pos, self.buf = path, name, 0, ''

    def poll(self):
        try:
            with open(self.path, errors='replace') as f:
                f.seek(self.pos)
                data = f.read()
                self.pos = f.tell()
        except OSError:
            return
        self.buf += data
        *lines, self.buf = self.buf.split('\n')
        for ln in lines:
            words = ln.replace('\r', '').split(' ', 2)
            if len(words) < 2:
                continue
            kind = words[1]
            rest = words[2] if len(words) > 2 else ''
            if kind in ('TTMH-BEGIN', 'TTMH-END'):
                proc.say('  %s: %s %s' % (self.name, kind[5:], rest))
            elif kind == 'TTMH-RESULT':
                print('    %s' % rest[:150], flush=True)


def boot(run, kernel, tag=None):
    """Boot once; return (channel.Channel, console log, seconds, timed out)."""
    tag = tag or 'vm-%s' % run.name
    console = os.path.join(settings.LOGS, tag + '.log')
    chan = os.path.join(settings.LOGS, tag + '.chan')
    disk = os.path.join(kernel.bdir, 'swap-%s.img' % run.name)
    with open(disk, 'wb') as f:
        f.truncate(max(run.swap, 1) * 1024 * 1024)
    for p in (console, chan):
        if os.path.exists(p):
            os.unlink(p)
    cmd = qemu_cmd(run, kernel, disk, console, chan)
    proc.say('VM run %s (%s kernel, %d vCPUs, %d MiB RAM, %d MiB %s swap; '
             'log: %s)' % (run.name,
                           run.variant or kbuild.variant_of(run.debug),
                           run.cpus,
                           run.ram, run.swap, run.swapdev, proc.rel(console)))
    follow = Follower(chan, run.name)
    t = time.time()
    with open(console + '.qemu', 'w') as err:
        p = subprocess.Popen(cmd, stdout=err, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        timed_out = False
        while p.poll() is None:
            follow.poll()
            if time.time() - t > run.timeout:
                p.kill()
                p.wait()
                timed_out = True
                break
            time.sleep(1)
    follow.poll()
    os.unlink(disk)
    secs = time.time() - t
    if p.returncode and not timed_out:
        proc.say('qemu exited with status %d: %s' % (
            p.returncode, proc.tail(console + '.qemu', 5).strip()))
    return channel.read(chan), console, secs, timed_out


def shell(run, kernel):
    """Boot to a shell on the console (tools/ttmh vm --shell)."""
    disk = os.path.join(kernel.bdir, 'swap-shell.img')
    with open(disk, 'wb') as f:
        f.truncate(max(run.swap, 1) * 1024 * 1024)
    chan = os.path.join(settings.LOGS, 'vm-shell.chan')
    print('Booting %s to a shell; the channel goes to %s. Leave with '
          '"poweroff -f" or Ctrl-A X.' % (run.name, proc.rel(chan)))
    return subprocess.call(qemu_cmd(run, kernel, disk, None, chan,
                                    shell=True))


# --------------------------------------------------------------------------
# one run -> results.Run

def kunit_cases(ch, console, rec):
    """The debug kernel's KUnit suites: KTAP from the channel, parsed
    with kunit_parser; every TTM test module must have been loaded."""
    timing = {}
    with open(console, errors='replace') as f:
        timing = results.ktap_timing(f)
    want = [m for m in kbuild.ttm_test_modules() if m.endswith('_test')]
    missing = [m for m in want if m not in ch.modules]
    if missing:
        rec.fail('KUnit modules not loaded: %s' % ', '.join(missing))
    if not ch.ktap:
        rec.fail('no KUnit suite results on the channel')
    for suite, lines in sorted(ch.ktap.items()):
        cases, errors = results.parse_ktap(lines, timing)
        for c in cases:
            c.name = 'kunit-vm.' + c.name
        rec.cases += cases
        for e in errors:
            rec.fail('suite %s: %s' % (suite, e))


def check_run_facts(rec, run, ch, timed_out):
    """Fail @rec for a timeout, and for a guest clock that cannot time
    anything (none reported, or a tick counter)."""
    if timed_out:
        rec.fail('timed out after %ds while running %s' % (
            run.timeout, ch.running() or 'no test (boot or teardown)'))
    clock = ch.facts.get('clock')
    if clock is None:
        rec.fail('the guest reported no clocksource')
    elif clock in settings.COARSE_CLOCKS:
        rec.fail('clocksource is %s: guest times are tick counts' % clock)

def run_vm(run, kernel):
    ch, console, secs, timed_out = boot(run, kernel)
    rec = results.Run('vm-' + run.name, 'vm', proc.rel(console),
                      round(secs, 1))
    rec.facts = dict(ch.facts, kernel=kbuild.variant_of(run.debug),
                     ram_mib=run.ram, swap_mib=run.swap,
                     swapdev=run.swapdev, vcpus=run.cpus,
                     accel='kvm' if os.environ.get('KVM') == '1' else 'tcg')
    cases, problems = channel.verdict(ch, list(run.tests), timed_out)
    rec.cases += cases
    rec.problems += problems
    if ch.ktap or 'ttm-kunit' in run.tests:
        kunit_cases(ch, console, rec)
    check_run_facts(rec, run, ch, timed_out)
    logscan.check_run(rec, console)
    if rec.problems or any(c.status == 'FAIL' for c in rec.cases):
        print(proc.tail(console, 30))
    return rec, ch


def run_many(names, results_obj):
    """Boot the named runs in order, building each kernel once."""
    kernels = {}
    for name in names:
        run = RUNS[name]
        if run.debug not in kernels:
            kernels[run.debug] = prepare(run.debug)
        rec, _ = run_vm(run, kernels[run.debug])
        results_obj.add(rec)


def check_names(names):
    for n in names:
        if n not in RUNS:
            proc.die('unknown VM run %s (known: %s)' % (n, ', '.join(RUNS)))
    return names

