#!/usr/bin/env python3
"""Fixture for the key-value benchmark: N users x K keys written straight into a stopped
server's SQLite database, and an access token per user (HS256 with the data directory's
signing key, the claims Campus issues). Users get an unusable password hash: they exist only
to own keys. Usage: bench_kv_fixture.py DATA_DIR USERS KEYS TOKENS_OUT
"""
import base64, hashlib, hmac, json, sqlite3, sys, time, uuid
from pathlib import Path

data_dir, users, keys, tokens_out = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
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
