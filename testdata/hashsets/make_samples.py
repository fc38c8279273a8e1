#!/usr/bin/env python3
"""Writes vigil's known-list samples, one file per format that `vigil hashset import` reads.

Every sample is ours: each lists the digests of the same four trivial strings (the empty string,
"abc", "hello world\\n" and "The quick brown fox jumps over the lazy dog"), computed here, in the
layout that the format's public description gives (the parsers in lib/hashset/src cite them).
The PDQ and vPDQ lists hold hashes derived from SHA-256 of fixed labels: valid 256-bit values
that describe no picture. The RDSv3 database is written with Python's sqlite3 module and the
TSK index with hfind (Debian package sleuthkit), so that the index is exactly what TSK writes.

Usage: make_samples.py OUTDIR     (OUTDIR is created; existing files in it are replaced)
A missing tool stops it with a non-zero status and a message naming the Debian package.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zlib

# name in the lists, content
CONTENTS = [
    ("empty.bin", b""),
    ("abc.txt", b"abc"),
    ("hello.txt", b"hello world\n"),
    ("fox.txt", b"The quick brown fox jumps over the lazy dog"),
]


def digests(data):
    return {
        "md5": hashlib.md5(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "crc32": "%08X" % (zlib.crc32(data) & 0xFFFFFFFF),
        "size": len(data),
    }


ROWS = [(name, digests(data)) for name, data in CONTENTS]


def write(out, name, text, newline="\n"):
    with open(os.path.join(out, name), "w", encoding="utf-8", newline="") as f:
        f.write(text.replace("\n", newline))


def checksum_lists(out):
    # GNU coreutils: "<hex>  <name>" (text mode) or "<hex> *<name>" (binary mode); BSD --tag form.
    write(out, "md5sum.txt", "".join(f"{d['md5']}  {n}\n" for n, d in ROWS))
    write(out, "sha1sum.txt", "".join(f"{d['sha1']} *{n}\n" for n, d in ROWS))
    write(out, "sha256sum.txt", "".join(f"{d['sha256']}  {n}\n" for n, d in ROWS))
    write(out, "md5-bsd.txt", "".join(f"MD5 ({n}) = {d['md5']}\n" for n, d in ROWS))


def hashdeep(out):
    # hashdeep 1.0 audit file: two %%%% header lines, ## comments, size first and name last.
    text = "%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n"
    text += "## Invoked from: /home/examiner/known\n## $ hashdeep -c md5,sha256 -l -r .\n##\n"
    text += "".join(f"{d['size']},{d['md5']},{d['sha256']},./{n}\n" for n, d in ROWS)
    write(out, "hashdeep.txt", text)


PRODUCT_CODE = 4242


def nsrl_rds2(out):
    # NIST RDS 2.x NSRLFile.txt: quoted strings, upper-case hex, CRLF; NSRLProd.txt beside it.
    text = '"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"\n'
    for n, d in ROWS:
        text += (f'"{d["sha1"].upper()}","{d["md5"].upper()}","{d["crc32"]}","{n}",{d["size"]},'
                 f'{PRODUCT_CODE},"358",""\n')
    write(out, "NSRLFile-rds2-synthetic.txt", text, "\r\n")
    prod = ('"ProductCode","ProductName","ProductVersion","OpSystemCode","MfgCode","Language",'
            '"ApplicationType"\n')
    prod += f'{PRODUCT_CODE},"Vigil Sample Suite","2.5","358","901","English","Test data"\n'
    write(out, "NSRLProd-rds2-synthetic.txt", prod, "\r\n")


def hashkeeper(out):
    # HashKeeper .hsh: this exact header, MD5 only, every string (the hash too) quoted.
    text = ('"file_id","hashset_id","file_name","directory","hash","file_size","date_modified",'
            '"time_modified","time_zone","comments","date_accessed","time_accessed"\n')
    for i, (n, d) in enumerate(ROWS, 1):
        text += (f'{i},7,"{n}","D:\\known","{d["md5"].upper()}",{d["size"]},03/04/2021,'
                 f'09:30:00,"UTC","vigil sample",03/04/2021,09:30:00\n')
    write(out, "hashkeeper-synthetic.hsh", text, "\r\n")


def icse(out):
    # Interpol ICSE-style export: ';'-separated with the header IPED's importer reads.
    text = ("MD5;SHA1;PhotoDNA;Image ID;Is distributed;Victim identified;Offender identified;"
            "Series name;Number of submissions;File Available;Media Type;Baseline\n")
    for i, (n, d) in enumerate(ROWS, 1):
        text += f"{d['md5']};{d['sha1']};;VIGIL-{i};false;false;false;;1;false;Image;false\n"
    write(out, "icse-style-synthetic.csv", text)


def hashlookup(out):
    # CIRCL hashlookup answer for one file (keys of draft-dulaunoy-hashlookup-format).
    _, d = ROWS[1]
    rec = {"FileName": "abc.txt", "FileSize": str(d["size"]), "MD5": d["md5"].upper(),
           "SHA-1": d["sha1"].upper(), "SHA-256": d["sha256"].upper(), "CRC32": d["crc32"],
           "hashlookup:parent-total": 1, "hashlookup:trust": 55}
    write(out, "hashlookup-response-illustrative.json", json.dumps(rec, indent=2) + "\n")


def xways(out):
    # X-Ways text import: the first line names the hash type ("SHA-1" exactly), one hash a line.
    write(out, "xways-import-md5.txt", "MD5\n" + "".join(d["md5"] + "\n" for _, d in ROWS), "\r\n")
    write(out, "xways-import-sha1.txt",
          "SHA-1\n" + "".join(d["sha1"] + "\n" for _, d in ROWS), "\r\n")


VICS2 = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#"
VICS1 = "http://github.com/ICMEC/ProjectVic/DataModels/1.{}.xml#"
# Category of each content in the VICS samples: 0, 1, 4 and none (the key left out).
CATEGORIES = [0, 1, 4, None]


def vics(out):
    # 2.0 hash-set distribution: value[] is Media directly.
    media = []
    for i, ((n, d), cat) in enumerate(zip(ROWS, CATEGORIES), 1):
        m = {"MediaID": 100 + i, "MD5": d["md5"].upper(), "SHA1": d["sha1"].upper(),
             "MediaSize": d["size"], "IsPrecategorized": cat is not None,
             "DateUpdated": "2025-02-03T04:05:06.000Z"}
        if cat is not None:
            m["Category"] = cat
        media.append(m)
    write(out, "vics-2.0-hashset-synthetic.json",
          json.dumps({"@odata.context": VICS2 + "Media", "value": media}, indent=1) + "\n")

    # 2.0 case export: Cases[] with Media[], each with its instances and the SHA-256 in
    # AlternativeHashes; flags as strings, as some exporters write them.
    media = []
    for i, ((n, d), cat) in enumerate(zip(ROWS, CATEGORIES), 1):
        m = {"MediaID": i, "MD5": d["md5"], "SHA1": d["sha1"], "MediaSize": d["size"],
             "MimeType": "application/octet-stream",
             "RelativeFilePath": f"Files\\{d['md5'][:2]}\\{d['md5']}.bin",
             "VictimIdentified": "false", "OffenderIdentified": "false", "IsDistributed": "false",
             "Series": "", "Tags": "sample", "Comments": "written by make_samples.py",
             "MediaFiles": [{"MD5": d["md5"], "FileName": n,
                             "FilePath": f"Volume 2\\Users\\sample\\{n}",
                             "SourceID": "EXHIBIT-7", "Written": "2024-05-06T07:08:09.000Z",
                             "Unallocated": False, "Deleted": False}],
             "AlternativeHashes": [{"MD5": d["md5"], "HashName": "SHA256",
                                    "HashValue": d["sha256"]}],
             "MediaMetadata": [{"PropertyName": "Origin", "PropertyValue": "test string"}]}
        if cat is not None:
            m["Category"] = cat
        media.append(m)
    case = {"CaseID": "6d1f3c2a-8b4e-4f7a-9c0d-1e2f3a4b5c6d", "CaseNumber": "SAMPLE-2025-7",
            "ContactName": "Sample Examiner", "SourceApplicationName": "make_samples.py",
            "SourceApplicationVersion": "1", "TotalMediaFiles": len(media), "Media": media}
    write(out, "vics-2.0-case-synthetic.json",
          json.dumps({"@odata.context": VICS2 + "Cases", "value": [case]}, indent=1) + "\n")

    # 1.3 case export: odata.metadata, odata.id and navigation links; SHA-256 among the
    # alternative hashes.
    media = []
    for i, ((n, d), cat) in enumerate(zip(ROWS, CATEGORIES), 1):
        m = {"odata.id": f"Media(\"{d['md5']}\")", "MediaID": i, "MD5": d["md5"],
             "SHA1": d["sha1"], "MediaSize": d["size"],
             "MediaFiles@odata.navigationLinkUrl": f"/Media({d['md5']})/MediaFiles",
             "MediaFiles": [{"MD5": d["md5"], "FileName": n, "FilePath": f"C:\\sample\\{n}",
                             "Media@odata.navigationLinkUrl": f"/MediaFiles({d['md5']})/Media"}],
             "AlternativeHashes@odata.navigationLinkUrl": f"/Media({d['md5']})/AlternativeHashes",
             "AlternativeHashes": [{"MD5": d["md5"], "HashName": "SHA256",
                                    "HashValue": d["sha256"],
                                    "Media@odata.navigationLinkUrl": f"/AlternativeHashes({d['md5']})/Media"}],
             "Exifs": []}
        if cat is not None:
            m["Category"] = cat
        media.append(m)
    case = {"CaseID": "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d", "CaseNumber": "SAMPLE-13",
            "SourceApplicationName": "make_samples.py", "Media": media}
    write(out, "vics-1.3-case-synthetic.json",
          json.dumps({"odata.metadata": VICS1.format(3) + "Cases", "value": [case]}, indent=1) + "\n")

    # 1.2 #Media in the shape NIST's non-RDS JSON uses (sizes as strings, a file name).
    media = [{"MediaID": str(200 + i), "MD5": d["md5"].upper(), "SHA1": d["sha1"].upper(),
              "MediaSize": str(d["size"]), "FileName": n} for i, (n, d) in enumerate(ROWS, 1)]
    write(out, "vics-1.2-media-nist-style-synthetic.json",
          json.dumps({"odata.metadata": VICS1.format(2) + "Media", "value": media}, indent=1) + "\n")


def rdsv3(out):
    # NIST RDSv3 "minimal" edition: FILE is a table here (a view in the full edition), hashes
    # upper-case; PKG, OS, MFG and VERSION as in the published curated schema.
    path = os.path.join(out, "rdsv3-minimal-synthetic.db")
    if os.path.exists(path):
        os.remove(path)
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE VERSION (version TEXT, build_set TEXT, build_date TEXT, release_date TEXT,
                              description TEXT);
        CREATE TABLE MFG (manufacturer_id INTEGER, name TEXT);
        CREATE TABLE OS (operating_system_id INTEGER, name TEXT, version TEXT,
                         manufacturer_id INTEGER);
        CREATE TABLE PKG (package_id INTEGER, name TEXT, version TEXT, operating_system_id INTEGER,
                          manufacturer_id INTEGER, language TEXT, application_type TEXT);
        CREATE TABLE FILE (sha256 TEXT, sha1 TEXT, md5 TEXT, file_name TEXT, file_size INTEGER,
                           package_id INTEGER);
    """)
    con.execute("INSERT INTO VERSION VALUES ('2025.06.1', 'vigil-sample', '2025-06-01',"
                " '2025-06-02', 'written by make_samples.py')")
    con.execute("INSERT INTO MFG VALUES (31, 'Vigil Samples')")
    con.execute("INSERT INTO OS VALUES (12, 'Any', '1', 31)")
    con.execute("INSERT INTO PKG VALUES (5150, 'Vigil Sample Suite', '2.5', 12, 31, 'English',"
                " 'Test data')")
    for n, d in ROWS:
        con.execute("INSERT INTO FILE VALUES (?,?,?,?,?,5150)",
                    (d["sha256"].upper(), d["sha1"].upper(), d["md5"].upper(), n, d["size"]))
    con.commit()
    con.close()


def tsk_index(out):
    # TSK's binary-search index of md5sum.txt, written by hfind itself.
    hfind = shutil.which("hfind")
    if hfind is None:
        sys.exit("make_samples.py: hfind is missing: install Debian's sleuthkit")
    r = subprocess.run([hfind, "-i", "md5sum", "md5sum.txt"], cwd=out, capture_output=True,
                       text=True)
    if r.returncode != 0 or not os.path.exists(os.path.join(out, "md5sum.txt-md5.idx")):
        sys.exit("make_samples.py: hfind -i md5sum failed: " + r.stdout + r.stderr)


def label_hash(label):
    return hashlib.sha256(label.encode()).hexdigest()


def pdq_lists(out):
    os.makedirs(os.path.join(out, "pdq"), exist_ok=True)
    # A plain list of 100 PDQ hashes, one 64-hex value a line (reads as SHA-256 just as well).
    write(out, "pdq/needles.txt", "".join(label_hash(f"vigil pdq needle {i}") + "\n"
                                          for i in range(100)))
    # vPDQ frame lines of a 20-second video sampled twice a second:
    # frameNumber,quality,pdqHex,timestampSeconds.
    write(out, "pdq/vpdq-sample-40-frames.txt",
          "".join(f"{15 * i},{90 + i % 10},{label_hash(f'vigil vpdq frame {i}')},{i * 0.5:.3f}\n"
                  for i in range(40)))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    checksum_lists(out)
    hashdeep(out)
    nsrl_rds2(out)
    hashkeeper(out)
    icse(out)
    hashlookup(out)
    xways(out)
    vics(out)
    rdsv3(out)
    tsk_index(out)
    pdq_lists(out)


if __name__ == "__main__":
    main()
