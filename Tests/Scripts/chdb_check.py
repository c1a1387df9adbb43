"""Runs meshlog's ClickHouse schema and statements on chdb (ClickHouse 26.x in process).

Usage: python3 chdb_check.py SCHEMA.json STATEMENTS.json
  SCHEMA.json: a list of DDL statements for one server (no cluster);
  STATEMENTS.json: a list of statements the readers ran on ClickHouse 18.16.
Prints each statement that fails with ClickHouse's message; exits 1 if any failed, 2 without chdb.
"""
import json
import sys
import tempfile

try:
    from chdb import session
except ImportError:
    print("chdb is not installed (pip install chdb-core)")
    sys.exit(2)

schema = json.load(open(sys.argv[1]))
statements = json.load(open(sys.argv[2]))
failed = 0
with tempfile.TemporaryDirectory() as folder:
    s = session.Session(folder)
    s.query("CREATE DATABASE IF NOT EXISTS meshlog")
    s.query("USE meshlog")
    for kind, items in (("schema", schema), ("statement", statements)):
        for sql in items:
            try:
                s.query(sql, "TSV")
            except Exception as error:  # chdb raises its own error types
                failed += 1
                print(f"{kind} failed: {str(error).splitlines()[0][:400]}\n  {sql[:300]}")
    print(f"{len(schema)} schema statements and {len(statements)} statements run on ClickHouse "
          f"{s.query('SELECT version()', 'TSV').bytes().decode().strip()}; {failed} failed")
sys.exit(1 if failed else 0)
