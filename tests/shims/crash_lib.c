// LD_PRELOAD shim for tests/e2e/test_containment.py: a third-party library that crashes or runs
// away with memory on chosen bytes, so that the containment of vigil scan's worker process
// (cli/scan_supervisor.cpp) can be tested without a real bug in a real library.
//
// libarchive's archive_read_open_memory() (the archive and documents extractors call it on every
// item they open) misbehaves when the item's bytes contain the text in VIGIL_TEST_CRASH_MARKER:
//   VIGIL_TEST_CRASH_MODE=segv   (default) writes through a null pointer: SIGSEGV
//   VIGIL_TEST_CRASH_MODE=abort  calls abort(): SIGABRT, as a failed assertion in a library does
//   VIGIL_TEST_CRASH_MODE=kill   raises SIGKILL, as the kernel's OOM killer does: a death that
//                                names no culprit (not a fault), so it is never quarantined
//   VIGIL_TEST_CRASH_MODE=alloc  allocates and touches 16 MiB blocks until malloc fails (at the
//                                worker's memory limit), reports on stderr how much it got, frees
//                                it and returns ARCHIVE_FATAL, as a library that checks malloc
//                                does. It stops at VIGIL_TEST_ALLOC_CAP_MIB (default 4096):
//                                "no limit" is reported.
// TSK's tsk_fs_dir_walk() writes through a null pointer when the file VIGIL_TEST_CRASH_WALK_ONCE
// names does not exist yet (the shim creates it first): the first walk of the scan crashes, and
// the next worker's walks do not.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void crash_now(void) {
  volatile int* volatile p = NULL;
  *p = 1;
}

// Allocates until malloc fails; returns the bytes it held at the peak.
static size_t allocate_until_failure(int* limited) {
  enum { kBlock = 16 << 20 };
  const char* cap_mib = getenv("VIGIL_TEST_ALLOC_CAP_MIB");
  const size_t cap = (size_t)(cap_mib != NULL ? strtoul(cap_mib, NULL, 10) : 4096) << 20;
  void** blocks = calloc(cap / kBlock + 1, sizeof(void*));
  size_t n = 0;
  *limited = 0;
  while (n * (size_t)kBlock < cap) {
    void* b = malloc(kBlock);
    if (b == NULL) {
      *limited = 1;
      break;
    }
    memset(b, 0xA5, kBlock);  // touched: resident, not just reserved
    blocks[n++] = b;
  }
  for (size_t i = 0; i < n; ++i) free(blocks[i]);
  free(blocks);
  return n * (size_t)kBlock;
}

typedef int (*open_memory_fn)(void*, const void*, size_t);

int archive_read_open_memory(void* a, const void* buf, size_t size) {
  static open_memory_fn real = NULL;
  if (real == NULL) real = (open_memory_fn)dlsym(RTLD_NEXT, "archive_read_open_memory");
  const char* marker = getenv("VIGIL_TEST_CRASH_MARKER");
  if (marker != NULL && *marker != '\0' && buf != NULL &&
      memmem(buf, size, marker, strlen(marker)) != NULL) {
    const char* mode = getenv("VIGIL_TEST_CRASH_MODE");
    if (mode != NULL && strcmp(mode, "abort") == 0) abort();
    if (mode != NULL && strcmp(mode, "kill") == 0) raise(SIGKILL);
    if (mode != NULL && strcmp(mode, "alloc") == 0) {
      int limited = 0;
      const size_t got = allocate_until_failure(&limited);
      fprintf(stderr, "crash_lib: %s after %zu bytes\n", limited ? "malloc failed" : "no limit",
              got);
      return -30;  // ARCHIVE_FATAL
    }
    crash_now();
  }
  return real(a, buf, size);
}

typedef uint8_t (*dir_walk_fn)(void*, uint64_t, int, void*, void*);

uint8_t tsk_fs_dir_walk(void* fs, uint64_t inum, int flags, void* cb, void* ptr) {
  static dir_walk_fn real = NULL;
  if (real == NULL) real = (dir_walk_fn)dlsym(RTLD_NEXT, "tsk_fs_dir_walk");
  const char* once = getenv("VIGIL_TEST_CRASH_WALK_ONCE");
  if (once != NULL && *once != '\0') {
    const int fd = open(once, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      close(fd);
      crash_now();
    }
  }
  return real(fs, inum, flags, cb, ptr);
}
