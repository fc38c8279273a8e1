// fault: an LD_PRELOAD shim that injects faults at deterministic points, for the fault tests
// (tests/e2e/test_faults_kill.py). Every fault is chosen by environment variables read once;
// without them the shim passes every call on unchanged.
//
//   Death (kill -9 at a chosen point):
//     VIGIL_FAULT_KILL_WRITE=SUBSTR   files whose absolute path contains SUBSTR are watched for
//     VIGIL_FAULT_KILL_AT=N           ... the Nth write call (write, pwrite, pwrite64, writev), or
//     VIGIL_FAULT_KILL_DATA=TEXT      ... the first write whose bytes hold TEXT (a row's marker);
//     VIGIL_FAULT_KILL_READ=SUBSTR    files whose path holds SUBSTR: a read reaching
//     VIGIL_FAULT_KILL_OFFSET=BYTES   ... this offset of the file (its Nth byte) kills;
//     VIGIL_FAULT_KILL_READS=N        ... or the Nth read call of such a file kills.
//     The process group is killed (kill(0, SIGKILL)), as a shell's kill -9 of a job, and with
//     VIGIL_FAULT_KILL_SESSION=1 the session leader's group too (see die());
//     VIGIL_FAULT_KILL_SELF=1 kills the calling process only (a worker dying under a supervisor);
//     VIGIL_FAULT_ONCE=FILE makes the fault fire once. The write or read that kills is not
//     performed.
//   A full disk:
//     VIGIL_FAULT_FULL_DIR=DIR        writes to files under DIR fail with ENOSPC once
//     VIGIL_FAULT_FULL_AFTER=BYTES    ... this many bytes were written there by this process.
//   Evidence that fails:
//     VIGIL_FAULT_READ_PATH=SUBSTR    reads of files whose path holds SUBSTR at or beyond
//     VIGIL_FAULT_READ_AFTER=BYTES    ... this offset
//     VIGIL_FAULT_READ_MODE=eio|eof   ... fail with EIO, or find the end of the file (it shrank);
//                                     a read that spans the offset returns the bytes before it
//                                     (VIGIL_FAULT_READ_WHOLE=1: fails whole);
//     VIGIL_FAULT_GONE_PATH=SUBSTR    opening a file whose path holds SUBSTR fails with ENOENT
//                                     (it disappeared after the walk listed it).
//   A slow disk:
//     VIGIL_FAULT_SLOW_PATH=SUBSTR    every read and write of a file whose path holds SUBSTR
//     VIGIL_FAULT_SLOW_MS=N           ... first sleeps N milliseconds (a unit that outlives its
//                                     time limit).
//
// Only calls through the dynamic symbol table are seen: SQLite's unix VFS (open, pwrite64,
// write), the folder reader (open, pread), TSK and libewf (open, read, lseek, pread). Writes made
// inside glibc's stdio do not come here; the report's full-disk test uses RLIMIT_FSIZE instead.
// The shim never allocates (it can run under AddressSanitizer, whose interceptors come next).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum { kKillWrite = 1, kKillRead = 2, kFull = 4, kFaultRead = 8, kSlowRead = 16 };
enum { kMaxFd = 65536 };
static unsigned char g_fd_flags[kMaxFd];

static const char* env(const char* name) {
  const char* v = getenv(name);
  return v != NULL && *v != '\0' ? v : NULL;
}
static long long env_num(const char* name, long long fallback) {
  const char* v = env(name);
  return v ? strtoll(v, NULL, 10) : fallback;
}

static long long g_write_calls, g_read_calls, g_full_bytes;

// Kills at the fault point. VIGIL_FAULT_ONCE=FILE: only the first process to reach a fault point
// kills (it creates FILE; later ones, such as a worker restarted by a supervisor, find it and go
// on). VIGIL_FAULT_KILL_SESSION=1: the process group of the session leader is killed too (the
// test starts vigil in a session of its own), so that a worker in a process group of its own
// dies with its supervisor, as under a kill -9 of the whole job.
static void die(void) {
  const char* once = env("VIGIL_FAULT_ONCE");
  if (once != NULL) {
    const int fd =
        (int)syscall(SYS_openat, AT_FDCWD, once, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return;
    close(fd);
  }
  if (env("VIGIL_FAULT_KILL_SELF")) {
    syscall(SYS_kill, getpid(), SIGKILL);
  } else {
    if (env("VIGIL_FAULT_KILL_SESSION")) syscall(SYS_kill, -getsid(0), SIGKILL);
    syscall(SYS_kill, 0, SIGKILL);
  }
  for (;;) pause();
}

static int absolute(int dirfd, const char* path, char* out, size_t size) {
  if (path == NULL) return 0;
  if (path[0] == '/') return snprintf(out, size, "%s", path) < (int)size;
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

static int holds(const char* abs, const char* var) {
  const char* s = env(var);
  return s != NULL && strstr(abs, s) != NULL;
}

static int under(const char* abs, const char* var) {
  const char* d = env(var);
  if (d == NULL) return 0;
  const size_t n = strlen(d);
  return strncmp(abs, d, n) == 0 && (abs[n] == '/' || abs[n] == '\0');
}

// Classifies a path being opened; returns -1 (errno ENOENT) when the path is to be gone.
static int classify(int dirfd, const char* path, int* flags) {
  char abs[PATH_MAX];
  *flags = 0;
  if (!absolute(dirfd, path, abs, sizeof abs)) return 0;
  if (holds(abs, "VIGIL_FAULT_GONE_PATH")) return -1;
  if (holds(abs, "VIGIL_FAULT_KILL_WRITE")) *flags |= kKillWrite;
  if (holds(abs, "VIGIL_FAULT_KILL_READ")) *flags |= kKillRead;
  if (under(abs, "VIGIL_FAULT_FULL_DIR")) *flags |= kFull;
  if (holds(abs, "VIGIL_FAULT_READ_PATH")) *flags |= kFaultRead;
  if (holds(abs, "VIGIL_FAULT_SLOW_PATH")) *flags |= kSlowRead;
  return 0;
}

static int opened(int fd, int flags) {
  if (fd >= 0 && fd < kMaxFd)
    __atomic_store_n(&g_fd_flags[fd], (unsigned char)flags, __ATOMIC_SEQ_CST);
  return fd;
}

static int fd_flags(int fd) {
  return fd >= 0 && fd < kMaxFd ? __atomic_load_n(&g_fd_flags[fd], __ATOMIC_SEQ_CST) : 0;
}

#define REAL(name, type) ((type)dlsym(RTLD_NEXT, name))

static mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

#define OPEN_LIKE(fn)                                                                    \
  int fn(const char* path, int oflags, ...) {                                            \
    va_list ap;                                                                          \
    va_start(ap, oflags);                                                                \
    const mode_t mode = mode_arg(oflags, ap);                                            \
    va_end(ap);                                                                          \
    int flags;                                                                           \
    if (classify(AT_FDCWD, path, &flags) < 0) {                                          \
      errno = ENOENT;                                                                    \
      return -1;                                                                         \
    }                                                                                    \
    return opened(REAL(#fn, int (*)(const char*, int, ...))(path, oflags, mode), flags); \
  }
#define OPENAT_LIKE(fn)                                                                      \
  int fn(int dirfd, const char* path, int oflags, ...) {                                     \
    va_list ap;                                                                              \
    va_start(ap, oflags);                                                                    \
    const mode_t mode = mode_arg(oflags, ap);                                                \
    va_end(ap);                                                                              \
    int flags;                                                                               \
    if (classify(dirfd, path, &flags) < 0) {                                                 \
      errno = ENOENT;                                                                        \
      return -1;                                                                             \
    }                                                                                        \
    return opened(REAL(#fn, int (*)(int, const char*, int, ...))(dirfd, path, oflags, mode), \
                  flags);                                                                    \
  }

OPEN_LIKE(open)
OPEN_LIKE(open64)
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

int __open_2(const char* path, int oflags) { return open(path, oflags); }
int __open64_2(const char* path, int oflags) { return open64(path, oflags); }

int close(int fd) {
  opened(fd, 0);
  return REAL("close", int (*)(int))(fd);
}

static int memmem_text(const void* buf, size_t n, const char* text) {
  return text != NULL && memmem(buf, n, text, strlen(text)) != NULL;
}

// A slow disk: the whole wait, even when a signal interrupts it.
static void slow_down(void) {
  const long long ms = env_num("VIGIL_FAULT_SLOW_MS", 0);
  struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  const int saved = errno;
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
  errno = saved;
}

// Before a write of n bytes to fd: dies at the chosen point, or returns -1 with ENOSPC when
// the disk is to be full; 0 lets the write go on.
static int before_write(int fd, const struct iovec* iov, int iovcnt) {
  const int flags = fd_flags(fd);
  size_t n = 0;
  for (int i = 0; i < iovcnt; ++i) n += iov[i].iov_len;
  if (flags & kSlowRead) slow_down();
  if (flags & kKillWrite) {
    const long long calls = __atomic_add_fetch(&g_write_calls, 1, __ATOMIC_SEQ_CST);
    const long long at = env_num("VIGIL_FAULT_KILL_AT", -1);
    if (at > 0 && calls >= at) die();
    const char* text = env("VIGIL_FAULT_KILL_DATA");
    for (int i = 0; i < iovcnt && text; ++i)
      if (memmem_text(iov[i].iov_base, iov[i].iov_len, text)) die();
  }
  if (flags & kFull) {
    const long long limit = env_num("VIGIL_FAULT_FULL_AFTER", -1);
    const long long total = __atomic_add_fetch(&g_full_bytes, (long long)n, __ATOMIC_SEQ_CST);
    if (limit >= 0 && total > limit) {
      errno = ENOSPC;
      return -1;
    }
  }
  return 0;
}

ssize_t write(int fd, const void* buf, size_t n) {
  const struct iovec v = {(void*)buf, n};
  if (before_write(fd, &v, 1) < 0) return -1;
  return REAL("write", ssize_t(*)(int, const void*, size_t))(fd, buf, n);
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  const struct iovec v = {(void*)buf, n};
  if (before_write(fd, &v, 1) < 0) return -1;
  return REAL("pwrite", ssize_t(*)(int, const void*, size_t, off_t))(fd, buf, n, off);
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
  const struct iovec v = {(void*)buf, n};
  if (before_write(fd, &v, 1) < 0) return -1;
  return REAL("pwrite64", ssize_t(*)(int, const void*, size_t, off64_t))(fd, buf, n, off);
}
ssize_t writev(int fd, const struct iovec* iov, int cnt) {
  if (before_write(fd, iov, cnt) < 0) return -1;
  return REAL("writev", ssize_t(*)(int, const struct iovec*, int))(fd, iov, cnt);
}

// Before a read of n bytes at offset off: dies at the chosen point; returns how many bytes may
// be read (n, fewer, or 0 at the shrunken end), or -1 with EIO.
static ssize_t before_read(int fd, off64_t off, size_t n) {
  const int flags = fd_flags(fd);
  if (flags & kSlowRead) slow_down();
  if (flags & kKillRead) {
    const long long calls = __atomic_add_fetch(&g_read_calls, 1, __ATOMIC_SEQ_CST);
    const long long at = env_num("VIGIL_FAULT_KILL_READS", -1);
    const long long offset = env_num("VIGIL_FAULT_KILL_OFFSET", -1);
    if (at > 0 && calls >= at) die();
    if (offset >= 0 && off >= 0 && (long long)(off + (off64_t)n) > offset) die();
  }
  if (flags & kFaultRead) {
    const long long after = env_num("VIGIL_FAULT_READ_AFTER", 0);
    const char* mode = env("VIGIL_FAULT_READ_MODE");
    if (off >= 0 && (long long)(off + (off64_t)n) > after) {
      // The bytes before the failure are read (a disk returns them before the bad sector),
      // unless VIGIL_FAULT_READ_WHOLE is set: then the whole read that reaches it fails.
      const size_t room = off < after && !env("VIGIL_FAULT_READ_WHOLE") ? (size_t)(after - off) : 0;
      if (room > 0) return (ssize_t)room;
      if (mode != NULL && strcmp(mode, "eof") == 0) return 0;
      errno = EIO;
      return -1;
    }
  }
  return (ssize_t)n;
}

static off64_t position(int fd) {
  return REAL("lseek64", off64_t(*)(int, off64_t, int))(fd, 0, SEEK_CUR);
}

ssize_t read(int fd, void* buf, size_t n) {
  if (fd_flags(fd) & (kKillRead | kFaultRead | kSlowRead)) {
    const ssize_t allowed = before_read(fd, position(fd), n);
    if (allowed <= 0) return allowed;
    n = (size_t)allowed;
  }
  return REAL("read", ssize_t(*)(int, void*, size_t))(fd, buf, n);
}
ssize_t pread(int fd, void* buf, size_t n, off_t off) {
  if (fd_flags(fd) & (kKillRead | kFaultRead | kSlowRead)) {
    const ssize_t allowed = before_read(fd, off, n);
    if (allowed <= 0) return allowed;
    n = (size_t)allowed;
  }
  return REAL("pread", ssize_t(*)(int, void*, size_t, off_t))(fd, buf, n, off);
}
ssize_t pread64(int fd, void* buf, size_t n, off64_t off) {
  if (fd_flags(fd) & (kKillRead | kFaultRead | kSlowRead)) {
    const ssize_t allowed = before_read(fd, off, n);
    if (allowed <= 0) return allowed;
    n = (size_t)allowed;
  }
  return REAL("pread64", ssize_t(*)(int, void*, size_t, off64_t))(fd, buf, n, off);
}
