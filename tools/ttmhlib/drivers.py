# SPDX-License-Identifier: GPL-2.0
"""make test-drivers: real TTM drivers behave the same before and after
the series, without a GPU.

The same drivers kernel (config/vm.config + config/drivers.config: qxl,
bochs, i915 with its selftests, xe with its KUnit tests) is built twice:
from build/linux as patched (build/out/x86-drivers) and from the base
(build/out/x86-drivers-base), whose source is a git worktree of the tag
"base" in build/base-linux, made here at run time: build/linux's own
checkout is never switched.  Each kernel boots the four runs of
vm.DRIVER_RUNS:

  i915_mock  modprobe i915 mock_selftests=-1: i915's mock selftests; one
             result per selftest from the lines i915 prints on the console
  xe_kunit   xe and xe_test loaded; their KUnit suites' KTAP parsed with
             kunit_parser, one result per case
  qxl        qemu -vga qxl; the dumb-bo client (userspace/dumb-bo.c) pushes
             the driver's dumb buffers past TTM's page limit
  bochs      qemu -device bochs-display; the same

Then one comparison per run, <run>.same, fails if the two kernels did not
behave the same (see the compare_* functions for what "the same" is).
Every result goes to build/logs/results-drivers.json, in the format of
make test's results.json (its own file: make test's record stays).

What "the same behaviour" is for qxl and bochs (drivers that do not opt in
to the TTM shrinker, so the series must leave them on TTM's 6.12 path):
on each kernel (<drv>.legacy_path)
  - the client created every buffer it asked for (more than TTM's page
    limit), found every page of every buffer intact in both passes, and
    destroyed them all; TTM's buffer-object count came back to where it was;
  - TTM's page limit (ttm.pages_limit) is half of MemTotal, and so is the
    page pool's limit (debugfs ttm/page_pool, "of N");
  - TTM's global swapout kept the driver's resident pages at the limit:
    after the buffers were created and after each verify pass, the pages
    that went to shmem (and from there to swap) are the excess over the
    limit, T - L, up to one buffer more (8 MiB of slack for the rest of
    the system); after the destroys they are gone again;
and on the series kernel (<drv>.not_opted_in)
  - debugfs ttm/shrinker lists no device, its shrinkable and purgeable page
    counts stay 0 throughout (the client samples them at every step) and
    it backed up, purged and restored nothing; ttm/page_pool_backup's
    counters did not move;
  (on the base, ttm/shrinker and ttm/page_pool_backup must not exist: it
  is the base;)
and across kernels (<drv>.same)
  - the same number of buffers asked for, created, intact per pass and
    destroyed, the same client exit status and error;
  - both followed the limit rule and their limits differ by no more than
    the kernels' sizes do (0.5 % of the limit, at least 1 MiB);
  - the pages swapped out after each step differ by no more than a buffer
    (plus the slack and the difference of the limits);
  - neither opted in, both gave back every buffer object; the page pool
    held the same after the run.
"""

import dataclasses
import os
import re
import shutil

from . import (channel, kbuild, logscan, proc, results, series, settings,
               vm)

BASE_TREE = os.path.join(settings.BUILD, 'base-linux')
KERNELS = ('series', 'base')
RESULTS_JSON = os.path.join(settings.LOGS, 'results-drivers.json')
# Memory the rest of the guest may move in or out of shmem and swap while
# the client runs (busybox, the guest scripts' files, its page tables).
SLACK_KIB = 8 * 1024
ENOTTY = 25


def build_name(which):
    return 'x86-drivers' if which == 'series' else 'x86-drivers-base'


def tree_of(which):
    return settings.TREE if which == 'series' else BASE_TREE


# --------------------------------------------------------------------------
# the base worktree, the kernels, the client

def _git_here(path, *args):
    """git in path itself: None unless path is the top of a worktree."""
    if not os.path.isfile(os.path.join(path, '.git')):
        return None
    r = proc.capture(['git', '-C', path] + list(args), check=False)
    return r.stdout.strip() if r.returncode == 0 else None


def base_worktree():
    """build/base-linux: a clean worktree of build/linux at tag "base".

    Made with "git worktree add --detach", which leaves build/linux's
    checkout alone; redone if it is not at the tag (a new base) or not
    clean (an in-tree build there would break the out-of-tree one)."""
    want = series.git('rev-parse', settings.BASE_TAG + '^{commit}').stdout \
        .strip()
    if os.path.exists(BASE_TREE):
        top = _git_here(BASE_TREE, 'rev-parse', '--show-toplevel')
        head = _git_here(BASE_TREE, 'rev-parse', 'HEAD')
        dirty = _git_here(BASE_TREE, 'status', '--porcelain')
        if top and os.path.realpath(top) == os.path.realpath(BASE_TREE) \
                and head == want and dirty == '':
            return BASE_TREE
        proc.say('%s is not a clean worktree of %s: making it again' % (
            proc.rel(BASE_TREE), settings.BASE_TAG))
        shutil.rmtree(BASE_TREE)
    series.git('worktree', 'prune')
    proc.run(['git', '-C', settings.TREE, 'worktree', 'add', '--detach',
              BASE_TREE, want],
             log=os.path.join(settings.LOGS, 'base-worktree.log'),
             stage='worktree of %s in %s' % (settings.BASE_TAG,
                                             proc.rel(BASE_TREE)))
    return BASE_TREE


def make_userspace():
    """The dumb-bo client (userspace/Makefile's "drivers" target), built
    once against build/linux's uapi headers and used on both kernels."""
    out = os.path.join(settings.OUT, 'userspace-drivers')
    os.makedirs(out, exist_ok=True)
    proc.run(['make', '-C', settings.USERSPACE, 'O=' + out,
              'UAPI=' + os.path.join(settings.TREE, 'include', 'uapi'),
              'drivers'],
             log=os.path.join(settings.LOGS, 'userspace-drivers.log'),
             stage='userspace: dumb-bo')
    return out


def prepare(which):
    """The drivers kernel of the series or of the base, with its
    initramfs; returns a vm.Kernel."""
    tree = settings.TREE if which == 'series' else base_worktree()
    bdir = kbuild.drivers_kernel(build_name(which), tree)
    return vm.Kernel(bdir, vm.build_initramfs(bdir, make_userspace()))


# --------------------------------------------------------------------------
# i915: the mock selftests on the console

PRINTK = re.compile(r'^\[\s*\d+\.\d+\]\s?')
I915_PERFORM = re.compile(r'^i915: Performing mock selftests with '
                          r'st_random_seed=(0x[0-9a-f]+) st_timeout=(\d+)')
I915_RUN = re.compile(r'^i915: Running (\S+)\s*$')
I915_FAIL = re.compile(r'^i915/(\S+): (?:(\S+) failed with error (-?\d+)|'
                       r'setup failed for (\S+))')
I915_MAGIC = re.compile(r'(\S+) returned (-?\d+), conflicting with '
                        r"selftest's magic values")
I915_BEGIN = 'ttmh: i915_mock begin'
I915_END = 'ttmh: i915_mock end'


def i915_expected(tree):
    """The mock selftests in the order i915 runs them."""
    path = os.path.join(tree, 'drivers/gpu/drm/i915/selftests/'
                        'i915_mock_selftests.h')
    with open(path) as f:
        return re.findall(r'^selftest\((\w+),', f.read(), re.M)


def parse_i915_mock(lines):
    """The mock selftest lines of a console log (between the guest's
    markers if it has them): {'seed', 'tests': [{'name', 'subtests',
    'failures'}], 'magic': [...]}."""
    text = [PRINTK.sub('', ln.rstrip('\r\n')) for ln in lines]
    if any(I915_BEGIN in ln for ln in text):
        start = next(i for i, ln in enumerate(text) if I915_BEGIN in ln)
        end = next((i for i, ln in enumerate(text)
                    if I915_END in ln and i > start), len(text))
        text = text[start:end]
    out = {'seed': None, 'tests': [], 'magic': []}
    for ln in text:
        m = I915_PERFORM.match(ln)
        if m:
            out['seed'] = m.group(1)
            continue
        m = I915_RUN.match(ln)
        if m:
            name = m.group(1)
            if '/' in name:
                if out['tests']:
                    out['tests'][-1]['subtests'].append(name)
            else:
                out['tests'].append({'name': name, 'subtests': [],
                                     'failures': []})
            continue
        m = I915_FAIL.match(ln)
        if m and out['tests']:
            sub = m.group(2) or m.group(4)
            err = m.group(3) if m.group(3) is not None else 'setup'
            out['tests'][-1]['failures'].append('%s/%s: %s' % (
                m.group(1), sub, err))
            continue
        m = I915_MAGIC.search(ln)
        if m:
            out['magic'].append('%s returned %s' % (m.group(1), m.group(2)))
    return out


KNOWN_FAILURES = os.path.join(settings.CONFIG, 'known-failures')


def known_failures(path=None):
    """{(run, 'test: error')} of config/known-failures: failures of the
    drivers' own tests that the base has too."""
    path = path or KNOWN_FAILURES
    out = set()
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for ln in f:
            ln = ln.split('#', 1)[0].split()
            if len(ln) == 3:
                out.add((ln[0], '%s: %s' % (ln[1], ln[2])))
    return out


def i915_cases(parsed, expected, verdict, known=None):
    """(cases, summary) of the mock selftests: one case per expected
    selftest, i915_mock.selftests for the whole, from the console
    (parsed) and the module's verdict (the mock_selftests parameter after
    the load; -25 is -ENOTTY, "every one passed").

    A failure listed in config/known-failures (@known) is the base's own:
    its selftest passes as long as it fails exactly so, and the module's
    verdict may then be that error. A known failure that no longer fails
    fails its selftest: the list must be kept true. That the base fails
    the same way is i915_mock.same's to check."""
    known = {f for r, f in (known_failures() if known is None else known)
             if r == 'i915_mock'}
    ran = [t['name'] for t in parsed['tests']]
    seen_known = [f for t in parsed['tests'] for f in t['failures']
                  if f in known]
    known_errors = {f.rsplit(': ', 1)[1] for f in seen_known}
    all_passed = verdict == str(-ENOTTY) or (
        seen_known and verdict in {'-' + e.lstrip('-') for e in
                                   known_errors})
    cases, status = [], {}
    for name in expected:
        if name not in ran:
            why = 'never ran' + (' (yet the module says every selftest '
                                 'passed)' if all_passed else '')
            cases.append(results.Case('i915_mock.' + name, 'FAIL', None,
                                      why))
            status[name] = 'FAIL'
            continue
        t = parsed['tests'][ran.index(name)]
        last = ran.index(name) == len(ran) - 1
        detail = '%d subtests' % len(t['subtests'])
        unknown = [f for f in t['failures'] if f not in known]
        if unknown:
            st = 'FAIL'
            detail += '; ' + ', '.join(t['failures'])
        elif t['failures']:
            st = 'PASS'
            detail += '; known failure of the base: ' + ', '.join(
                t['failures'])
        elif last and not all_passed:
            st = 'FAIL'
            detail += '; the run stopped here, mock_selftests=%s' % verdict
        else:
            st = 'PASS'
        status[name] = st
        cases.append(results.Case('i915_mock.' + name, st, None, detail))
    for name in ran:
        if name not in expected:
            cases.append(results.Case('i915_mock.' + name, 'FAIL', None,
                                      'ran, but i915_mock_selftests.h does '
                                      'not list it'))
            status[name] = 'FAIL'
    why = []
    for f in sorted(known - set(seen_known)):
        why.append('known failure did not fail: %s (config/known-failures)'
                   % f)
    if parsed['seed'] is None:
        why.append('no "Performing mock selftests" line on the console')
    if ran != [n for n in expected if n in ran]:
        why.append('out of order: %s' % ' '.join(ran))
    if parsed['magic']:
        why.append('magic return values: %s' % ', '.join(parsed['magic']))
    bad = [n for n, s in status.items() if s != 'PASS']
    if bad:
        why.append('failed or not run: %s' % ' '.join(bad))
    if all_passed == bool(bad):
        why.append('the console (%d of %d passed) and the module '
                   '(mock_selftests=%s) disagree' % (
                       len(status) - len(bad), len(expected), verdict))
    nsub = sum(len(t['subtests']) for t in parsed['tests'])
    detail = '%d/%d selftests passed, %d subtests, seed %s' % (
        len(status) - len(bad), len(expected), nsub, parsed['seed'])
    cases.append(results.Case('i915_mock.selftests',
                              'FAIL' if why else 'PASS', None,
                              '; '.join(why + [detail]) if why else detail))
    summary = {'verdict': verdict, 'known': sorted(seen_known),
               'tests': [[n, status[n]] for n in sorted(status)],
               'subtests': [s for t in parsed['tests']
                            for s in t['subtests']]}
    return cases, summary


def compare_i915(base, ser):
    """The same module verdict, the same selftests with the same status,
    the same subtests run in the same order."""
    why = []
    if base['verdict'] != ser['verdict']:
        why.append('mock_selftests=%s on the base, %s on the series' % (
            base['verdict'], ser['verdict']))
    b, s = dict(map(tuple, base['tests'])), dict(map(tuple, ser['tests']))
    diff = sorted(n for n in set(b) | set(s) if b.get(n) != s.get(n))
    if diff:
        why.append('selftests differ: %s' % ', '.join(
            '%s %s/%s' % (n, b.get(n, 'absent'), s.get(n, 'absent'))
            for n in diff))
    if base['subtests'] != ser['subtests']:
        only_b = [x for x in base['subtests'] if x not in ser['subtests']]
        only_s = [x for x in ser['subtests'] if x not in base['subtests']]
        why.append('subtests differ (%d on the base, %d on the series; '
                   'base only: %s; series only: %s)' % (
                       len(base['subtests']), len(ser['subtests']),
                       ' '.join(only_b[:5]) or '-',
                       ' '.join(only_s[:5]) or '-'))
    return why, '%d selftests, %d subtests, mock_selftests=%s' % (
        len(s), len(ser['subtests']), ser['verdict'])


# --------------------------------------------------------------------------
# xe: KUnit

def xe_suites(tree):
    """The suites of xe_test.ko (the xe KUnit tests that need no
    hardware), from drivers/gpu/drm/xe/tests of the tree."""
    d = os.path.join(tree, 'drivers/gpu/drm/xe/tests')
    with open(os.path.join(d, 'Makefile')) as f:
        text = f.read().replace('\\\n', ' ')
    m = re.search(r'^xe_test-y\s*[:+]?=([^\n]*)', text, re.M)
    suites = []
    for obj in (m.group(1).split() if m else []):
        src = os.path.join(d, obj[:-2] + '.c')
        if obj == 'xe_test_mod.o' or not os.path.exists(src):
            continue
        with open(src) as f:
            suites += re.findall(r'struct kunit_suite\s+\w+\s*=\s*\{\s*'
                                 r'\.name\s*=\s*"([^"]+)"', f.read())
    return suites


def xe_cases(ch, console_lines, expected):
    """(cases, summary): xe_kunit.<suite>.<case> for every KTAP case, and
    xe_kunit: the modules loaded, every expected suite ran, no case
    failed, the KTAP parsed."""
    timing = results.ktap_timing(console_lines)
    cases, why = [], []
    for suite, lines in sorted(ch.ktap.items()):
        got, errors = results.parse_ktap(lines, timing)
        for c in got:
            c.name = 'xe_kunit.' + c.name
        cases += got
        why += ['suite %s: %s' % (suite, e) for e in errors]
    missing = [s for s in expected if s not in ch.ktap]
    if missing:
        why.append('suites that did not run: %s' % ' '.join(missing))
    if not expected:
        why.append('no xe_test suites found in the tree')
    for m in ('xe', 'xe_test'):
        if m not in ch.modules:
            why.append('module %s not loaded' % m)
    bad = [c.name for c in cases if c.status == 'FAIL']
    if bad:
        why.append('%d cases failed: %s' % (len(bad), ' '.join(bad[:5])))
    n = {s: sum(c.status == s for c in cases) for s in ('PASS', 'SKIP')}
    detail = '%d suites, %d cases passed, %d skipped' % (
        len(ch.ktap), n['PASS'], n['SKIP'])
    cases.append(results.Case('xe_kunit', 'FAIL' if why else 'PASS', None,
                              '; '.join(why + [detail]) if why else detail))
    summary = {'cases': {c.name: c.status for c in cases
                         if c.name != 'xe_kunit'},
               'suites': sorted(ch.ktap)}
    return cases, summary


def compare_xe(base, ser):
    """The same suites, the same cases with the same status."""
    why = []
    b, s = base['cases'], ser['cases']
    diff = sorted(n for n in set(b) | set(s) if b.get(n) != s.get(n))
    if base['suites'] != ser['suites']:
        why.append('suites differ: base %s, series %s' % (
            ' '.join(base['suites']), ' '.join(ser['suites'])))
    if diff:
        why.append('%d cases differ: %s' % (len(diff), ', '.join(
            '%s %s/%s' % (n, b.get(n, 'absent'), s.get(n, 'absent'))
            for n in diff[:5])))
    return why, '%d suites, %d cases' % (len(ser['suites']), len(s))


# --------------------------------------------------------------------------
# qxl, bochs: the dumb-bo client and TTM's figures

def _kv(words):
    out = {}
    for w in words:
        k, eq, v = w.partition('=')
        if eq:
            out[k] = v
    return out


def _int(d, key, default=None):
    try:
        return int(d[key])
    except (KeyError, TypeError, ValueError):
        return default


def parse_dumb(report):
    """The dumb-bo lines of the channel's REPORT lines: {'snap': {phase:
    {...}}, 'debugfs': {phase: {file: text or None}}, 'client': {'start',
    'created', 'destroyed', 'done', 'failed': {...}, 'verify',
    'mismatch': [{...}]}}."""
    out = {'snap': {}, 'debugfs': {}, 'client': {'verify': [],
                                                  'mismatch': []}}
    for ln in report:
        words = ln.split()
        if len(words) < 2 or words[0] != 'dumb-bo':
            continue
        kind, rest = words[1], words[2:]
        if kind == 'snap':
            kv = _kv(rest)
            out['snap'][kv.get('phase')] = kv
        elif kind == 'debugfs' and len(rest) >= 2:
            kv = _kv(rest[:2])
            text = ln.split(None, 4)[4] if len(ln.split(None, 4)) > 4 \
                else ''
            out['debugfs'].setdefault(kv.get('phase'), {})[
                kv.get('file')] = None if text == 'absent' else text
        elif kind in ('verify', 'mismatch'):
            out['client'][kind].append(_kv(rest))
        else:
            out['client'][kind] = _kv(rest)
    return out


def shrinker_info(text):
    """({counter: value}, [device lines]) of debugfs ttm/shrinker, as the
    guest sends it (lines joined by '|')."""
    counters, devices = {}, []
    for part in (text or '').split('|'):
        w = part.split()
        if not w:
            continue
        if w[0] == 'device':
            devices.append(' '.join(w))
        elif len(w) == 2:
            try:
                counters[w[0]] = int(w[1])
            except ValueError:
                pass
    return counters, devices


def pool_total(text):
    """(pages in the pools, the pools' limit) of debugfs ttm/page_pool."""
    m = re.search(r'total\s*:\s*(\d+)\s+of\s+(\d+)', text or '')
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def _offloaded_kib(before, at):
    """What went to shmem and swap between two figures (KiB)."""
    try:
        return (int(at['shmem_kib']) + int(at['swap_used_kib']) -
                int(before['shmem_kib']) - int(before['swap_used_kib']))
    except (KeyError, TypeError, ValueError):
        return None


def dumb_cases(drv, parsed, which):
    """(cases, summary) of a qxl or bochs run: <drv>.legacy_path and
    <drv>.not_opted_in (see the module's docstring)."""
    cl = parsed['client']
    snap_b = parsed['snap'].get('before', {})
    dfs_b = parsed['debugfs'].get('before', {})
    dfs_a = parsed['debugfs'].get('after', {})
    start, created = cl.get('start', {}), cl.get('created', {})
    destroyed, done = cl.get('destroyed', {}), cl.get('done', {})
    why = []
    if not done:
        why.append('the client did not finish (%s)' % (
            ' '.join('%s=%s' % kv for kv in cl.get('failed', {}).items())
            or 'no done line'))
    want, n = _int(created, 'want'), _int(created, 'n')
    if n is None or n != want:
        why.append('created %s of %s buffers (errno %s)' % (
            n, want, created.get('errno')))
    passes = cl['verify']
    intact = [_int(v, 'intact') for v in passes]
    if len(passes) < 2 or any(i != n for i in intact):
        why.append('intact per pass %s of %s' % (intact, n))
    if _int(destroyed, 'n') != n or _int(destroyed, 'errors') != 0:
        why.append('destroyed %s of %s (errors %s)' % (
            destroyed.get('n'), n, destroyed.get('errors')))

    limit = _int(snap_b, 'pages_limit')
    mem_pages = (_int(snap_b, 'mem_total_kib', 0) or 0) // 4
    limit_rule = limit is not None and limit == mem_pages // 2
    if not limit_rule:
        why.append('ttm pages_limit=%s, want MemTotal/2=%d pages' % (
            limit, mem_pages // 2))
    pool_b = pool_total(dfs_b.get('ttm/page_pool'))
    pool_a = pool_total(dfs_a.get('ttm/page_pool'))
    if pool_b[1] != limit:
        why.append('page pool limit %s, want pages_limit %s' % (
            pool_b[1], limit))
    bo_pages = (_int(start, 'size_kib', 0) or 0) // 4
    total = (n or 0) * bo_pages
    if limit is None or total <= limit + bo_pages:
        why.append('%d pages of buffers do not exceed the limit %s by more '
                   'than a buffer: nothing to swap out' % (total, limit))
    excess = total - (limit or 0)
    slack = SLACK_KIB // 4
    offload = []
    for name, fig in [('created', created)] + [
            ('pass %s' % v.get('pass'), v) for v in passes]:
        off = _offloaded_kib(snap_b, fig)
        off = None if off is None else off // 4
        offload.append(off)
        if off is None or not (excess - slack <= off <=
                               excess + bo_pages + slack):
            why.append('%s: %s pages swapped out, want %d..%d (the excess '
                       'over the limit, up to a buffer more)' % (
                           name, off, excess, excess + bo_pages))
    gone = _offloaded_kib(snap_b, destroyed)
    if gone is None or abs(gone) > SLACK_KIB:
        why.append('after the destroys %s KiB still in shmem or swap' %
                   gone)
    bos_back = _int(destroyed, 'ttm_bos') == _int(snap_b, 'ttm_bos')
    if not bos_back:
        why.append('ttm buffer_objects %s after, %s before' % (
            destroyed.get('ttm_bos'), snap_b.get('ttm_bos')))
    detail = ('%s/%s buffers of %d KiB, intact %s; limit %s pages; swapped '
              'out (pages) %s for an excess of %d' % (
                  n, want, bo_pages * 4, intact, limit, offload, excess))
    cases = [results.Case(drv + '.legacy_path', 'FAIL' if why else 'PASS',
                          None, '; '.join(why + [detail]) if why else
                          detail)]

    # The TTM shrinker: the series must not have opted the driver in.
    why2 = []
    shr_b, shr_a = dfs_b.get('ttm/shrinker'), dfs_a.get('ttm/shrinker')
    bk_b, bk_a = dfs_b.get('ttm/page_pool_backup'), \
        dfs_a.get('ttm/page_pool_backup')
    samples = [_int(f, 'ttm_shrinkable') for f in [created] + passes +
               [destroyed]]
    if which == 'base':
        opted_in = False
        if shr_b is not None or shr_a is not None or bk_b is not None:
            why2.append('the base kernel has ttm/shrinker or '
                        'ttm/page_pool_backup: is it the base?')
        if any(s not in (None, -1) for s in samples):
            why2.append('the client read ttm/shrinker on the base: %s' %
                        samples)
        detail2 = 'base: no TTM shrinker'
    else:
        cb, devb = shrinker_info(shr_b)
        ca, deva = shrinker_info(shr_a)
        opted_in = bool(devb or deva)
        if shr_b is None or shr_a is None:
            why2.append('no debugfs ttm/shrinker on the series kernel')
        if opted_in:
            why2.append('opted in to the TTM shrinker: %s' % (
                ' | '.join(devb + deva)))
        for k in ('shrinkable_pages', 'purgeable_pages'):
            if cb.get(k) != 0 or ca.get(k) != 0:
                why2.append('%s %s before, %s after (want 0)' % (
                    k, cb.get(k), ca.get(k)))
        if any(s != 0 for s in samples):
            why2.append('shrinkable_pages while the client ran: %s '
                        '(want 0)' % samples)
        for k in ('backed_up_pages', 'purged_pages', 'restored_pages'):
            if cb.get(k) is None or cb.get(k) != ca.get(k):
                why2.append('%s %s before, %s after' % (k, cb.get(k),
                                                         ca.get(k)))
        kb, _ = shrinker_info(bk_b)
        ka, _ = shrinker_info(bk_a)
        moved = sorted(k for k in set(kb) | set(ka)
                       if kb.get(k) != ka.get(k))
        if bk_b is None or bk_a is None or moved:
            why2.append('ttm/page_pool_backup %s' % (
                'changed: ' + ', '.join('%s %s->%s' % (
                    k, kb.get(k), ka.get(k)) for k in moved)
                if moved else 'missing'))
        detail2 = ('no shrinker device, shrinkable_pages %s, backed up %s, '
                   'purged %s' % (samples, ca.get('backed_up_pages'),
                                  ca.get('purged_pages')))
    cases.append(results.Case(drv + '.not_opted_in',
                              'FAIL' if why2 else 'PASS', None,
                              '; '.join(why2 + [detail2]) if why2 else
                              detail2))
    summary = {'want': want, 'created': n, 'errno': created.get('errno'),
               'intact': intact, 'destroyed': _int(destroyed, 'n'),
               'rc': done.get('rc'), 'limit': limit,
               'limit_rule': limit_rule, 'bo_pages': bo_pages,
               'offload': offload, 'bos_back': bos_back,
               'opted_in': opted_in, 'pool_after': pool_a[0]}
    return cases, summary


def compare_dumb(base, ser):
    """See the module's docstring, "across kernels"."""
    why = []
    for k in ('want', 'created', 'errno', 'intact', 'destroyed', 'rc'):
        if base.get(k) != ser.get(k):
            why.append('%s: %s on the base, %s on the series' % (
                k, base.get(k), ser.get(k)))
    if not (base.get('limit_rule') and ser.get('limit_rule')):
        why.append('the limit is not half of MemTotal on both')
    lb, ls = base.get('limit'), ser.get('limit')
    dl = abs(lb - ls) if lb is not None and ls is not None else None
    if dl is None or dl > max(256, (lb or 0) // 200):
        why.append('pages_limit %s on the base, %s on the series' % (lb, ls))
    bo = max(base.get('bo_pages') or 0, ser.get('bo_pages') or 0)
    ob, os_ = base.get('offload') or [], ser.get('offload') or []
    if len(ob) != len(os_) or any(
            b is None or s is None or
            abs(b - s) > bo + SLACK_KIB // 4 + (dl or 0)
            for b, s in zip(ob, os_)):
        why.append('pages swapped out differ: %s on the base, %s on the '
                   'series (at most a buffer, %d pages, apart)' % (
                       ob, os_, bo))
    for k, want in (('opted_in', False), ('bos_back', True)):
        if base.get(k) is not want or ser.get(k) is not want:
            why.append('%s: %s on the base, %s on the series (want %s)' % (
                k, base.get(k), ser.get(k), want))
    if base.get('pool_after') != ser.get('pool_after'):
        why.append('page pool after: %s on the base, %s on the series' % (
            base.get('pool_after'), ser.get('pool_after')))
    return why, '%s buffers, intact %s, swapped out %s / %s pages' % (
        ser.get('created'), ser.get('intact'), ob, os_)


# --------------------------------------------------------------------------
# one run, the comparison, the command

def analyse(run, ch, console_lines, tree, which):
    """(cases, summary) of one driver run, from its channel and console."""
    if run.name == 'i915_mock':
        rep = [w for w in ch.words('REPORT') if w.startswith('i915_mock ')]
        verdict = _kv(rep[-1].split()[1:]).get('mock_selftests') if rep \
            else None
        return i915_cases(parse_i915_mock(console_lines),
                          i915_expected(tree), verdict)
    if run.name == 'xe_kunit':
        return xe_cases(ch, console_lines, xe_suites(tree))
    return dumb_cases(run.name, parse_dumb(ch.words('REPORT')), which)


COMPARE = {'i915_mock': compare_i915, 'xe_kunit': compare_xe}


def compare(name, base, ser):
    """The case <name>.same: the two kernels' summaries of one run."""
    if base is None or ser is None:
        return results.Case(name + '.same', 'FAIL', None,
                            'no result on the %s kernel' %
                            ('base' if base is None else 'series'))
    why, detail = COMPARE.get(name, compare_dumb)(base, ser)
    splats = (base.get('splats'), ser.get('splats'))
    if splats[0] != splats[1]:
        why.append('%s splats on the base, %s on the series' % splats)
    return results.Case(name + '.same', 'FAIL' if why else 'PASS', None,
                        '; '.join(why + [detail]) if why else detail)


def accept_known(cases, summary):
    """The guest's i915_mock verdict wants -ENOTTY (all passed); a run that
    stopped at a known failure of the base, with its error, passes."""
    known = summary.get('known')
    if not known:
        return
    errors = {f.rsplit(': ', 1)[1] for f in known}
    for i, c in enumerate(cases):
        if c.name == 'i915_mock' and c.status == 'FAIL' and \
                summary.get('verdict') in errors:
            cases[i] = dataclasses.replace(
                c, status='PASS', detail='mock_selftests=%s: known failure '
                'of the base (config/known-failures): %s' % (
                    summary['verdict'], ', '.join(known)))


def run_one(run, kernel, which):
    """Boot one driver run; (results.Run, summary)."""
    tag = 'vm-drivers-%s-%s' % (which, run.name)
    run = dataclasses.replace(run, variant=build_name(which))
    ch, console, secs, timed_out = vm.boot(run, kernel, tag=tag)
    rec = results.Run(tag, 'vm', proc.rel(console), round(secs, 1))
    rec.facts = dict(ch.facts, kernel=build_name(which),
                     tree=proc.rel(tree_of(which)), ram_mib=run.ram,
                     swap_mib=run.swap, vcpus=run.cpus,
                     qemu_args=' '.join(run.qemu_args),
                     accel='kvm' if os.environ.get('KVM') == '1' else 'tcg')
    cases, problems = channel.verdict(ch, list(run.tests), timed_out)
    rec.cases += cases
    rec.problems += problems
    try:
        with open(console, errors='replace') as f:
            lines = f.readlines()
    except OSError:
        lines = []
    extra, summary = analyse(run, ch, lines, tree_of(which), which)
    accept_known(rec.cases, summary)
    rec.cases += extra
    vm.check_run_facts(rec, run, ch, timed_out)
    summary['splats'] = len(logscan.scan_lines(lines))
    logscan.check_run(rec, console)
    if rec.problems or any(c.status == 'FAIL' for c in rec.cases):
        print(proc.tail(console, 30))
    return rec, summary


def select_runs(args):
    names = args.runs.split(',') if args.runs else \
        [r.name for r in vm.DRIVER_RUNS]
    known = {r.name: r for r in vm.DRIVER_RUNS}
    for n in names:
        if n not in known:
            proc.die('unknown driver run %s (known: %s)' % (
                n, ', '.join(known)))
    runs = [known[n] for n in names]
    if args.cpus:
        runs = [dataclasses.replace(r, cpus=args.cpus) for r in runs]
    return runs


def main(args):
    """tools/ttmh test-drivers."""
    series.ensure_tree(args.force)
    runs = select_runs(args)
    kernels = args.kernels.split(',')
    for k in kernels:
        if k not in KERNELS:
            proc.die('unknown kernel %s (known: %s)' % (k, ', '.join(
                KERNELS)))
    if args.shell:
        return vm.shell(runs[0], prepare(kernels[0]))
    res = results.Results(RESULTS_JSON)
    summaries = {k: {} for k in kernels}
    for which in kernels:
        try:
            kernel = prepare(which)
        except proc.Failure as e:
            rec = results.Run('build-' + build_name(which), 'vm')
            rec.fail(str(e))
            res.add(rec)
            continue
        for run in runs:
            rec, summary = run_one(run, kernel, which)
            res.add(rec)
            summaries[which][run.name] = summary
    if set(kernels) == set(KERNELS):
        rec = results.Run('drivers-compare', 'compare', proc.rel(
            RESULTS_JSON))
        for run in runs:
            rec.cases.append(compare(run.name,
                                     summaries['base'].get(run.name),
                                     summaries['series'].get(run.name)))
        res.add(rec)
    else:
        proc.say('one kernel only (%s): no comparison' % ', '.join(kernels))
    proc.say('make test-drivers finished; every case: %s' %
             proc.rel(res.path))
    print(res.summary(), flush=True)
    return 1 if res.totals()[1] else 0
