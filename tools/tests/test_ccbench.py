# SPDX-License-Identifier: GPL-2.0
"""ccache settings and the cold-compile comparison's command rewriting."""

import unittest

from ttmhlib import ccbench, proc

CMD = ('ccache gcc -Wp,-MMD,mm/.slub.o.d -nostdinc -O2 '
       '-DKBUILD_MODFILE=\'"mm/slub"\' -c -o mm/slub.o '
       '/work/main/build/linux/mm/slub.c')


class Depend(unittest.TestCase):
    def test_on_by_default(self):
        env = proc.ccache_env({'PATH': '/usr/bin'})
        self.assertEqual(env['CCACHE_DEPEND'], 'true')

    def test_nodepend_wins(self):
        env = proc.ccache_env({'CCACHE_NODEPEND': '1'})
        self.assertNotIn('CCACHE_DEPEND', env)

    def test_own_value_kept(self):
        env = proc.ccache_env({'CCACHE_DEPEND': '0'})
        self.assertEqual(env['CCACHE_DEPEND'], '0')


class Scratch(unittest.TestCase):
    def test_outputs_moved(self):
        cmd = ccbench.scratch_command(CMD, '/tmp/x', 7)
        self.assertIn(' -o /tmp/x/7.o ', cmd)
        self.assertIn('-Wp,-MMD,/tmp/x/7.d ', cmd)
        self.assertNotIn('mm/slub.o', cmd)
        self.assertNotIn('.slub.o.d', cmd)
        # The source and everything else are left alone.
        self.assertTrue(cmd.endswith(' /work/main/build/linux/mm/slub.c'))
        self.assertIn('-DKBUILD_MODFILE=\'"mm/slub"\'', cmd)


if __name__ == '__main__':
    unittest.main()
