// open_guard: an LD_PRELOAD shim for the evidence read-only test (tests/e2e/test_faults.py).
//
// Every open of a path under one of the folders in VIGIL_OPEN_GUARD_DIRS (colon-separated,
// absolute, no trailing slash) is appended to the log VIGIL_OPEN_GUARD_LOG as one line
// "<R|W> <function> <path>", W when the flags or mode could write (O_WRONLY, O_RDWR, O_CREAT,
// O_TRUNC, O_APPEND; fopen modes with w, a or +). The open itself is passed on unchanged: the
// shim records, the test decides. Read opens are logged too, so that a test can show that the
// shim saw the evidence being read at all.
//
// Interposed: open, open64, openat, openat64, creat, creat64, fopen, fopen64 and the fortified
// __open_2/__open64_2/__openat_2/__openat64_2 (glibc, _FORTIFY_SOURCE). Calls made inside glibc
// itself do not go through the dynamic symbol table and are not seen; every library vigil reads
// evidence with (TSK, libewf, the C++ runtime's fopen) calls these entry points.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int write_flags(int flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_APPEND)) != 0;
}

static int write_mode(const char* mode) {
  return mode != NULL && (strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, '+'));
}

// The absolute form of path as seen from dirfd (AT_FDCWD: the working folder); lexical only,
// because the file may not exist yet. Returns 0 when it cannot be formed.
static int absolute(int dirfd, const char* path, char* out, size_t size) {
  if (path == NULL) return 0;
  if (path[0] == '/') {
    if (strlen(path) >= size) return 0;
    strcpy(out, path);
    return 1;
  }
  char base[PATH_MAX];
  if (dirfd == AT_FDCWD) {
    if (getcwd(base, sizeof base) == NULL) return 0;
  } else {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
    const ssize_t n = readlink(link, base, sizeof base - 1);
    if (n <= 0) return 0;
    base[n] = '\0';
  }
  return snprintf(out, size, "%s/%s", base, path) < (int)size;
}

static int under_guard(const char* abs) {
  const char* dirs = getenv("VIGIL_OPEN_GUARD_DIRS");
  if (dirs == NULL) return 0;
  while (*dirs) {
    const char* end = strchr(dirs, ':');
    const size_t len = end ? (size_t)(end - dirs) : strlen(dirs);
    if (len > 0 && strncmp(abs, dirs, len) == 0 && (abs[len] == '/' || abs[len] == '\0'))
      return 1;
    if (!end) break;
    dirs = end + 1;
  }
  return 0;
}

static void record(int dirfd, const char* path, int writes, const char* fn) {
  const int saved = errno;
  char abs[PATH_MAX];
  const char* log = getenv("VIGIL_OPEN_GUARD_LOG");
  if (log != NULL && absolute(dirfd, path, abs, sizeof abs) && under_guard(abs)) {
    char line[PATH_MAX + 64];
    const int n = snprintf(line, sizeof line, "%c %s %s\n", writes ? 'W' : 'R', fn, abs);
    // The raw system call: the log's own open must not come back through this shim.
    const int fd = (int)syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                                0644);
    if (fd >= 0) {
      if (n > 0) (void)!write(fd, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1));
      close(fd);
    }
  }
  errno = saved;
}

#define REAL(name, type) ((type)dlsym(RTLD_NEXT, name))

static mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

#define OPEN_LIKE(fn)                                                                  \
  int fn(const char* path, int flags, ...) {                                           \
    va_list ap;                                                                        \
    va_start(ap, flags);                                                               \
    const mode_t mode = mode_arg(flags, ap);                                           \
    va_end(ap);                                                                        \
    record(AT_FDCWD, path, write_flags(flags), #fn);                                   \
    return REAL(#fn, int (*)(const char*, int, ...))(path, flags, mode);               \
  }
#define OPENAT_LIKE(fn)                                                                \
  int fn(int dirfd, const char* path, int flags, ...) {                                \
    va_list ap;                                                                        \
    va_start(ap, flags);                                                               \
    const mode_t mode = mode_arg(flags, ap);                                           \
    va_end(ap);                                                                        \
    record(dirfd, path, write_flags(flags), #fn);                                      \
    return REAL(#fn, int (*)(int, const char*, int, ...))(dirfd, path, flags, mode);   \
  }

OPEN_LIKE(open)
OPEN_LIKE(open64)
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

int __open_2(const char* path, int flags) {
  record(AT_FDCWD, path, write_flags(flags), "__open_2");
  return REAL("__open_2", int (*)(const char*, int))(path, flags);
}
int __open64_2(const char* path, int flags) {
  record(AT_FDCWD, path, write_flags(flags), "__open64_2");
  return REAL("__open64_2", int (*)(const char*, int))(path, flags);
}
int __openat_2(int dirfd, const char* path, int flags) {
  record(dirfd, path, write_flags(flags), "__openat_2");
  return REAL("__openat_2", int (*)(int, const char*, int))(dirfd, path, flags);
}
int __openat64_2(int dirfd, const char* path, int flags) {
  record(dirfd, path, write_flags(flags), "__openat64_2");
  return REAL("__openat64_2", int (*)(int, const char*, int))(dirfd, path, flags);
}
int creat(const char* path, mode_t mode) {
  record(AT_FDCWD, path, 1, "creat");
  return REAL("creat", int (*)(const char*, mode_t))(path, mode);
}
int creat64(const char* path, mode_t mode) {
  record(AT_FDCWD, path, 1, "creat64");
  return REAL("creat64", int (*)(const char*, mode_t))(path, mode);
}
FILE* fopen(const char* path, const char* mode) {
  record(AT_FDCWD, path, write_mode(mode), "fopen");
  return REAL("fopen", FILE* (*)(const char*, const char*))(path, mode);
}
FILE* fopen64(const char* path, const char* mode) {
  record(AT_FDCWD, path, write_mode(mode), "fopen64");
  return REAL("fopen64", FILE* (*)(const char*, const char*))(path, mode);
}
