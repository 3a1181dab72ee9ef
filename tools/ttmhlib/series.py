# SPDX-License-Identifier: GPL-2.0
"""The pinned base, the editable tree (build/linux) and series/.

build/linux is a git tree: tag "base" is the pristine 6.12.117 source,
one commit per patch on branch "series".  Stamps in its .git record the
base it was extracted from and the tree head + series hash of the last
apply or export, so that "tree" never re-extracts an unchanged base and
never discards work that was not exported.
"""

import hashlib
import os
import re
import shutil
import subprocess
import time

from . import deps, proc, settings

TREE = settings.TREE


def git(*args, cwd=TREE, check=True):
    return proc.capture(['git'] + settings.GIT_ID + list(args), cwd=cwd,
                        check=check)


def series_list():
    path = os.path.join(settings.SERIES, 'series')
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.strip() for line in f
                if line.strip() and not line.startswith('#')]


def patch_names():
    return [n for n in series_list() if not n.startswith('0000-')]


def base_id():
    st = os.stat(settings.BASE_TARBALL)
    return '%s %s %d %d' % (settings.BASE_PKG,
                            deps.installed_version(settings.BASE_PKG),
                            st.st_size, int(st.st_mtime))


def series_hash():
    h = hashlib.sha256()
    h.update(base_id().encode())
    for name in series_list():
        with open(os.path.join(settings.SERIES, name), 'rb') as f:
            h.update(name.encode() + b'\0' + f.read())
    return h.hexdigest()


def _git_dir():
    """The tree's git directory; build/linux may be a git worktree, whose
    .git is a file naming it (each worktree keeps its own stamps)."""
    dot = os.path.join(TREE, '.git')
    if os.path.isfile(dot):
        with open(dot) as f:
            line = f.read().strip()
        if line.startswith('gitdir: '):
            return line[len('gitdir: '):]
    return dot


def _stamp_path(name):
    return os.path.join(_git_dir(), 'ttmh-' + name)


def read_stamp(name):
    try:
        with open(_stamp_path(name)) as f:
            return f.read().strip()
    except OSError:
        return None


def write_stamp(name, value):
    with open(_stamp_path(name), 'w') as f:
        f.write(value + '\n')


def _unignore_everything():
    """Drop Debian's packaging-only "ignore everything at the top level"
    block from the base's .gitignore: with it, git would silently ignore
    every file a patch adds.  Nothing else of the base is changed."""
    path = os.path.join(TREE, '.gitignore')
    with open(path) as f:
        text = f.read()
    start = text.find('#\n# Debian packaging')
    end = text.find('!/debian/\n', start)
    if start < 0 or end < 0:
        return
    with open(path, 'w') as f:
        f.write(text[:start] + text[end + len('!/debian/\n'):])


def _make_base():
    if read_stamp('base') == base_id():
        return False
    if os.path.exists(TREE):
        if os.path.exists(os.path.join(TREE, '.git')) and unexported():
            proc.die('%s has commits not exported to series/; run "make '
                     'export" or remove the tree' % TREE)
        shutil.rmtree(TREE)
    os.makedirs(TREE)
    proc.run(['tar', 'xf', settings.BASE_TARBALL, '-C', TREE,
              '--strip-components=1'],
             log=os.path.join(settings.LOGS, 'extract.log'),
             stage='extract base source')
    _unignore_everything()
    git('init', '-q', '-b', settings.BRANCH)
    git('config', 'core.abbrev', '12')
    git('config', 'gc.auto', '0')
    t = time.time()
    proc.say('commit base tree ...')
    git('add', '-A', '-f', '.')
    env = dict(os.environ, GIT_AUTHOR_DATE='2026-01-01T00:00:00Z',
               GIT_COMMITTER_DATE='2026-01-01T00:00:00Z')
    proc.capture(['git'] + settings.GIT_ID + [
        'commit', '-q', '-m', 'Linux %s (Debian %s)' %
        (settings.BASE_VERSION, settings.BASE_PKG)], cwd=TREE, env=env)
    git('tag', '-f', settings.BASE_TAG)
    write_stamp('base', base_id())
    proc.say('base tree committed in %s' % proc.elapsed(t))
    return True


def _series_text():
    out = []
    for name in patch_names():
        with open(os.path.join(settings.SERIES, name)) as f:
            out.append(f.read())
    return ''.join(out)


def unexported():
    """True if the tree's commits differ from what series/ holds."""
    if git('rev-parse', '--verify', '-q', settings.BASE_TAG,
           check=False).returncode:
        return False
    if git('status', '--porcelain').stdout.strip():
        return True

    def norm(text):
        return re.sub(r'\n+', '\n', text).strip()
    r = git('format-patch', '--stdout', '--zero-commit', '--no-signature',
            settings.BASE_TAG + '..HEAD')
    return norm(r.stdout) != norm(_series_text())


def head():
    return git('rev-parse', 'HEAD').stdout.strip()


def _keep_discarded():
    """Keep the tree's work, which is about to be discarded, under a ref.

    Commits and uncommitted edits to tracked files are kept (git stash
    create); untracked files are not.
    """
    sha = git('stash', 'create').stdout.strip() or head()
    ref = 'refs/ttmh/discarded/' + time.strftime('%Y%m%d-%H%M%S')
    git('update-ref', ref, sha)
    proc.say('note: the discarded work of build/linux is kept as %s '
             '(git -C build/linux stash apply %s)' % (ref, ref))


def ensure_tree(force=False):
    """Make build/linux hold the base plus the series.

    If series/ is unchanged since the last apply or export, work in the
    tree (new commits, uncommitted edits) is the developer's and is used
    as it is; if series/ changed, the series is applied afresh, unless
    the tree holds work that would be lost (then FORCE=1, or "make
    export" first).
    """
    deps.ensure()
    fresh = _make_base()
    want = series_hash()
    now = head()
    stamp_head, stamp_series = ((read_stamp('applied') or '').split() +
                                ['', ''])[:2]
    dirty = git('status', '--porcelain').stdout.strip()
    wip = dirty or now != stamp_head
    if not fresh and not force:
        if stamp_series == want:
            if wip:
                proc.say('note: build/linux has work not exported to '
                         'series/ (%s); using it as it is' %
                         ('uncommitted changes' if dirty else 'new commits'))
            else:
                proc.say('tree up to date: %s (%d patches)' %
                         (proc.rel(TREE), len(patch_names())))
            return
        if wip and unexported():
            proc.die('series/ changed, and build/linux has work not in '
                     'series/: run "make export" first, or FORCE=1 to '
                     'discard the work')
    if os.path.exists(os.path.join(TREE, '.git', 'rebase-apply')):
        git('am', '--abort', check=False)
    if wip and not fresh:
        _keep_discarded()
    git('checkout', '-q', '-f', '-B', settings.BRANCH, settings.BASE_TAG)
    git('reset', '-q', '--hard', settings.BASE_TAG)
    git('clean', '-q', '-fd', check=False)
    patches = [os.path.join(settings.SERIES, n) for n in patch_names()]
    if patches:
        log = os.path.join(settings.LOGS, 'git-am.log')
        rc = proc.run(['git'] + settings.GIT_ID + ['am', '-q', '--keep-cr'] +
                      patches, cwd=TREE, log=log, check=False,
                      stage='apply %d patches' % len(patches))
        if rc:
            print(proc.tail(log))
            git('am', '--abort', check=False)
            proc.die('the series does not apply to %s' % base_id())
    write_stamp('applied', head() + ' ' + want)
    proc.say('tree ready: %s, %d patches on %s' %
             (proc.rel(TREE), len(patches), settings.BASE_TAG))


def export():
    """Write the tree's commits back to series/."""
    if not os.path.exists(os.path.join(TREE, '.git')):
        proc.die('no tree; run "make tree" first')
    if git('status', '--porcelain', '-uno').stdout.strip():
        proc.die('the tree has uncommitted changes; commit them first')
    n = int(git('rev-list', '--count',
                settings.BASE_TAG + '..HEAD').stdout)
    old = [os.path.join(settings.SERIES, f)
           for f in os.listdir(settings.SERIES) if f.endswith('.patch')] \
        if os.path.isdir(settings.SERIES) else []
    tmp = os.path.join(settings.BUILD, 'export.tmp')
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    git('format-patch', '-q', '--zero-commit', '--no-signature',
        '--cover-letter' if n else '--no-cover-letter', '-o', tmp,
        settings.BASE_TAG + '..HEAD')
    cover_txt = os.path.join(settings.SERIES, 'cover-letter.txt')
    names = sorted(os.listdir(tmp))
    for name in names:
        if name.startswith('0000-') and os.path.exists(cover_txt):
            _fill_cover(os.path.join(tmp, name), cover_txt)
    for f in old:
        os.unlink(f)
    for name in names:
        shutil.move(os.path.join(tmp, name),
                    os.path.join(settings.SERIES, name))
    with open(os.path.join(settings.SERIES, 'series'), 'w') as f:
        f.write('# Patch order, applied with git am onto %s %s.\n' %
                (settings.BASE_PKG, settings.BASE_VERSION))
        f.write('# Generated by "make export"; 0000 is the cover letter.\n')
        for name in names:
            f.write(name + '\n')
    write_stamp('applied', head() + ' ' + series_hash())
    proc.say('exported %d patches to series/' % n)


def _fill_cover(path, cover_txt):
    with open(cover_txt) as f:
        subject, _, blurb = f.read().partition('\n')
    with open(path) as f:
        text = f.read()
    date = git('log', '-1', '--format=%aD').stdout.strip()
    text = re.sub(r'^Date: .*$', 'Date: ' + date, text, count=1, flags=re.M)
    text = text.replace('*** SUBJECT HERE ***', subject.strip())
    text = text.replace('*** BLURB HERE ***', blurb.strip())
    with open(path, 'w') as f:
        f.write(text)


def kunit_tool_path():
    """tools/testing/kunit of the tree (kunit.py, kunit_parser)."""
    return os.path.join(TREE, 'tools', 'testing', 'kunit')


def version_of_tree():
    r = subprocess.run(['make', '-s', 'kernelversion'], cwd=TREE,
                       capture_output=True, text=True)
    return r.stdout.strip() or '?'
