/*
 * vigil_ntfs_edit: populates an NTFS image without mounting it, through libntfs-3g.
 *
 * Written by hand because Debian 12's ntfs-3g ships ntfscp (copy into an existing folder) but no
 * tool that creates folders, deletes files or writes alternate data streams on an unmounted
 * volume. libntfs-3g opens the image file as a plain device, so no root and no FUSE are needed.
 * It is C because libntfs-3g's headers are C-only.
 *
 * Usage: vigil_ntfs_edit IMAGE < COMMANDS
 * One command per line, fields separated by TABs (names may hold spaces, quotes, <, >, |):
 *   mkdir  /path/to/folder
 *   put    SOURCE-FILE  /path/to/file
 *   ads    SOURCE-FILE  /path/to/existing-file  STREAM-NAME
 *   rm     /path/to/file-or-empty-folder
 * Times come from the clock; build.sh pins it with faketime.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

static int split_parent(const char* path, char* parent, size_t cap, const char** leaf) {
  const char* slash = strrchr(path, '/');
  if (slash == NULL || (size_t)(slash - path) + 2 > cap) return -1;
  size_t n = (size_t)(slash - path);
  if (n == 0) {
    strcpy(parent, "/");
  } else {
    memcpy(parent, path, n);
    parent[n] = '\0';
  }
  *leaf = slash + 1;
  return **leaf ? 0 : -1;
}

static int read_file(const char* src, char** data, size_t* size) {
  FILE* f = fopen(src, "rb");
  if (f == NULL) return -1;
  if (fseek(f, 0, SEEK_END) != 0) {
    fclose(f);
    return -1;
  }
  long len = ftell(f);
  rewind(f);
  *data = malloc(len > 0 ? (size_t)len : 1);
  *size = (size_t)len;
  int ok = *data != NULL && fread(*data, 1, *size, f) == *size;
  fclose(f);
  return ok ? 0 : -1;
}

static int write_stream(ntfs_inode* ni, ntfschar* stream, int stream_len, const char* src) {
  char* data = NULL;
  size_t size = 0;
  if (read_file(src, &data, &size) != 0) {
    fprintf(stderr, "vigil_ntfs_edit: cannot read %s\n", src);
    free(data);
    return -1;
  }
  if (stream_len > 0 && ntfs_attr_add(ni, AT_DATA, stream, (u8)stream_len, NULL, 0) != 0) {
    free(data);
    return -1;
  }
  ntfs_attr* na = ntfs_attr_open(ni, AT_DATA, stream_len > 0 ? stream : AT_UNNAMED,
                                 (u32)stream_len);
  int rc = -1;
  if (na != NULL) {
    rc = ntfs_attr_pwrite(na, 0, (s64)size, data) == (s64)size ? 0 : -1;
    ntfs_attr_close(na);
  }
  free(data);
  return rc;
}

/* Creates a folder or a file (from SRC) at PATH. */
static int create(ntfs_volume* vol, const char* path, const char* src) {
  char parent[4096];
  const char* leaf = NULL;
  if (split_parent(path, parent, sizeof parent, &leaf) != 0) return -1;
  ntfs_inode* dir = ntfs_pathname_to_inode(vol, NULL, parent);
  if (dir == NULL) return -1;
  ntfschar* uname = NULL;
  int ulen = ntfs_mbstoucs(leaf, &uname);
  int rc = -1;
  if (ulen > 0) {
    ntfs_inode* ni = ntfs_create(dir, 0, uname, (u8)ulen, src ? S_IFREG : S_IFDIR);
    if (ni != NULL) {
      rc = src ? write_stream(ni, NULL, 0, src) : 0;
      if (ntfs_inode_close_in_dir(ni, dir) != 0) rc = -1;
    }
  }
  free(uname);
  if (ntfs_inode_close(dir) != 0) rc = -1;
  return rc;
}

static int add_stream(ntfs_volume* vol, const char* src, const char* path, const char* stream) {
  ntfs_inode* ni = ntfs_pathname_to_inode(vol, NULL, path);
  if (ni == NULL) return -1;
  ntfschar* ustream = NULL;
  int slen = ntfs_mbstoucs(stream, &ustream);
  int rc = slen > 0 ? write_stream(ni, ustream, slen, src) : -1;
  free(ustream);
  if (ntfs_inode_close(ni) != 0) rc = -1;
  return rc;
}

static int remove_path(ntfs_volume* vol, const char* path) {
  char parent[4096];
  const char* leaf = NULL;
  if (split_parent(path, parent, sizeof parent, &leaf) != 0) return -1;
  ntfs_inode* dir = ntfs_pathname_to_inode(vol, NULL, parent);
  if (dir == NULL) return -1;
  ntfs_inode* ni = ntfs_pathname_to_inode(vol, NULL, path);
  if (ni == NULL) {
    ntfs_inode_close(dir);
    return -1;
  }
  ntfschar* uname = NULL;
  int ulen = ntfs_mbstoucs(leaf, &uname);
  if (ulen <= 0) {
    ntfs_inode_close(ni);
    ntfs_inode_close(dir);
    return -1;
  }
  /* ntfs_delete closes both inodes, whether it succeeds or not. */
  int rc = ntfs_delete(vol, path, ni, dir, uname, (u8)ulen);
  free(uname);
  return rc;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: vigil_ntfs_edit IMAGE < COMMANDS\n");
    return 2;
  }
  ntfs_volume* vol = ntfs_mount(argv[1], NTFS_MNT_NONE);
  if (vol == NULL) {
    fprintf(stderr, "vigil_ntfs_edit: cannot open %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  char line[16384];
  int line_no = 0;
  int failed = 0;
  while (!failed && fgets(line, sizeof line, stdin) != NULL) {
    ++line_no;
    line[strcspn(line, "\n")] = '\0';
    if (line[0] == '\0' || line[0] == '#') continue;
    char* fields[4] = {NULL, NULL, NULL, NULL};
    int n = 0;
    for (char* p = line; n < 4 && p != NULL; ++n) {
      fields[n] = p;
      p = strchr(p, '\t');
      if (p != NULL) *p++ = '\0';
    }
    int rc = -1;
    if (strcmp(fields[0], "mkdir") == 0 && n == 2) {
      rc = create(vol, fields[1], NULL);
    } else if (strcmp(fields[0], "put") == 0 && n == 3) {
      rc = create(vol, fields[2], fields[1]);
    } else if (strcmp(fields[0], "ads") == 0 && n == 4) {
      rc = add_stream(vol, fields[1], fields[2], fields[3]);
    } else if (strcmp(fields[0], "rm") == 0 && n == 2) {
      rc = remove_path(vol, fields[1]);
    } else {
      errno = EINVAL;
    }
    if (rc != 0) {
      fprintf(stderr, "vigil_ntfs_edit: line %d (%s): %s\n", line_no, fields[0], strerror(errno));
      failed = 1;
    }
  }
  if (ntfs_umount(vol, FALSE) != 0) {
    fprintf(stderr, "vigil_ntfs_edit: cannot close %s: %s\n", argv[1], strerror(errno));
    failed = 1;
  }
  return failed ? 1 : 0;
}
