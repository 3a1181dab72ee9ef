# TTM shrinker for Linux 6.12 - project entry points.  See README.md.
TTMH := tools/ttmh

.PHONY: demo test test-drivers check bench deb tree export kunit vm deps selftest clean distclean

demo:
	@$(TTMH) demo

test:
	@$(TTMH) test

# Real drivers (i915, xe, qxl, bochs), series vs base; not part of "test".
test-drivers:
	@$(TTMH) test-drivers

check:
	@$(TTMH) check

# Installable linux-image/linux-headers packages (Debian's configuration)
# for testing on real hardware; not part of "test".
deb:
	@$(TTMH) deb

bench:
	@$(TTMH) bench

deps:
	@$(TTMH) deps

tree:
	@$(TTMH) tree

export:
	@$(TTMH) export

kunit:
	@$(TTMH) kunit

vm:
	@$(TTMH) vm

selftest:
	@$(TTMH) selftest

clean:
	rm -rf build/out build/logs

distclean:
	rm -rf build
