# libroam: pure C, no Open vSwitch daemon state, unit-testable.
noinst_LTLIBRARIES += lib/libroam.la
lib_libroam_la_SOURCES = \
	lib/announce.c \
	lib/announce.h \
	lib/pseudo-id.c \
	lib/pseudo-id.h
