#!/usr/bin/env python3
"""Captures a Java Connect worker's answers to the requests in java/cases.json into java/<name>.json.

Usage: python3 capture.py [http://127.0.0.1:18083]   (see README.md)
"""
import json, os, sys, urllib.request, urllib.error

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18083"
here = os.path.dirname(os.path.abspath(__file__))
cases = json.load(open(os.path.join(here, "java", "cases.json")))
for c in cases:
    method = c.get("method", "PUT")
    path = c.get("path") or "/connector-plugins/%s/config/validate" % c.get("plugin", "FileStreamSink")
    data = json.dumps(c["body"]).encode() if "body" in c else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    body = json.loads(raw) if raw else None
    out = {"method": method, "path": path, "status": status, "response": body}
    with open(os.path.join(here, "java", c["name"] + ".json"), "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(c["name"], status)
