#!/usr/bin/env python3
"""Fixture for the key-value benchmark: N users x K keys written straight into a stopped
server's SQLite database, and an access token per user (HS256 with the data directory's
signing key, the claims Campus issues). Users get an unusable password hash: they exist only
to own keys. With a PostgreSQL URL the rows go there (through psql) instead of DATA_DIR's
campus.db; the key is still read from DATA_DIR/signing.key.
Usage: bench_kv_fixture.py DATA_DIR USERS KEYS TOKENS_OUT [POSTGRES_URL]
"""
import base64, hashlib, hmac, json, sqlite3, subprocess, sys, time, uuid
from pathlib import Path

data_dir, users, keys, tokens_out = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
pg = sys.argv[5] if len(sys.argv) > 5 else None

if pg:
    def query(sql):
        return subprocess.run(["psql", pg, "-tAc", sql], check=True, capture_output=True, text=True).stdout.strip()
    start = int(query("SELECT COALESCE(MAX(id), 0) FROM users")) + 1
    end = start + users - 1
    subprocess.run(["psql", pg, "-q", "-v", "ON_ERROR_STOP=1", "-c", f"""
        INSERT INTO users (id, email, name, role, password_hash, language, text_size, icon_size,
          high_contrast_mode, is_active, created_at, updated_at)
        SELECT g, 'kv' || (g - {start}) || '@bench.test', 'KV Bench ' || (g - {start}), 'user', '!', 'en',
          'medium', 'default', false, true, now(), now() FROM generate_series({start}, {end}) g;
        SELECT setval(pg_get_serial_sequence('users', 'id'), {end});
        INSERT INTO kv_entries (owner_id, entry_key, value, metadata, version, created_at, updated_at)
        SELECT u, 'k' || k, 'value of key ' || k || ' for user ' || (u - {start}) || ': dark-mode=on', NULL, 1,
          now(), now() FROM generate_series({start}, {end}) u, generate_series(0, {keys - 1}) k;
        ANALYZE users; ANALYZE kv_entries;"""], check=True)
else:
    db = sqlite3.connect(data_dir / "campus.db")
    # Timestamps in the exact text form the server writes, taken from a row it wrote.
    (stamp,) = db.execute("SELECT created_at FROM users ORDER BY id LIMIT 1").fetchone()
    start = db.execute("SELECT COALESCE(MAX(id), 0) FROM users").fetchone()[0] + 1
    with db:
        db.executemany(
            "INSERT INTO users (id, email, name, role, password_hash, language, text_size, icon_size,"
            " high_contrast_mode, is_active, created_at, updated_at)"
            " VALUES (?, ?, ?, 'user', '!', 'en', 'medium', 'default', 0, 1, ?, ?)",
            ((start + i, f"kv{i}@bench.test", f"KV Bench {i}", stamp, stamp) for i in range(users)),
        )
        db.executemany(
            "INSERT INTO kv_entries (owner_id, entry_key, value, metadata, version, created_at, updated_at)"
            " VALUES (?, ?, ?, NULL, 1, ?, ?)",
            ((start + i, f"k{k}", f"value of key {k} for user {i}: dark-mode=on", stamp, stamp)
             for i in range(users) for k in range(keys)),
        )
secret = (data_dir / "signing.key").read_text().strip().encode()

def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

now = int(time.time())
header = b64(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
with open(tokens_out, "w") as out:
    for i in range(users):
        claims = {"sub": str(start + i), "jti": str(uuid.uuid4()), "role": "user", "iat": now,
                  "exp": now + 7200, "iat_ms": now * 1000, "is_admin": False}
        body = b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = b64(hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest())
        out.write(f"{header}.{body}.{signature}\n")
print(f"{users} users x {keys} keys written; tokens in {tokens_out}")
