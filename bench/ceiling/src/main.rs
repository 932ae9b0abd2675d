//! The ceiling Campus is measured against in `scripts/bench.sh`: the least a Rust server on
//! this machine can do for the same request, with nothing else in the way.
//!
//! - `GET /hello`: a fixed text body (what `/healthz` would cost with no middleware at all).
//! - `GET /kv/{key}` and `GET /api/v1/kv/{key}`: an HS256 bearer token verified with
//!   `jsonwebtoken` (the same checks as Campus: algorithm, `exp`, `sub`), then one indexed
//!   point read of `kv_entries` by `(owner_id, entry_key)` on a read-only rusqlite connection
//!   per worker thread, answered as JSON. It reads a Campus data directory's `campus.db` and
//!   `signing.key`, so the rows and tokens are the very ones the Campus benchmark uses.
//!
//! No request id, log, metrics, timeout, body limit, compression, security headers, session
//! revocation check or audit: those are what Campus adds, and what the ratio measures.
//!
//!     campus-bench-ceiling DATA_DIR PORT

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

#[derive(serde::Deserialize)]
struct Claims {
    sub: String,
}

struct Shared {
    db: PathBuf,
    key: DecodingKey,
    validation: Validation,
}

thread_local! {
    static CONN: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

fn read_value(db: &PathBuf, owner: i64, key: &str) -> rusqlite::Result<Option<(String, i64)>> {
    CONN.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let conn = Connection::open_with_flags(
                db,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.pragma_update(None, "mmap_size", 268_435_456_i64)?;
            *slot = Some(conn);
        }
        let Some(conn) = slot.as_ref() else {
            return Ok(None);
        };
        conn.prepare_cached("SELECT value, version FROM kv_entries WHERE owner_id = ?1 AND entry_key = ?2")?
            .query_row(rusqlite::params![owner, key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
    })
}

#[derive(serde::Serialize)]
struct Entry<'a> {
    key: &'a str,
    value: String,
    version: i64,
}

async fn kv(State(shared): State<Arc<Shared>>, Path(key): Path<String>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let owner = match jsonwebtoken::decode::<Claims>(token, &shared.key, &shared.validation) {
        Ok(data) => match data.claims.sub.parse::<i64>() {
            Ok(id) => id,
            Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
        },
        Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
    };
    match read_value(&shared.db, owner, &key) {
        Ok(Some((value, version))) => axum::Json(Entry {
            key: &key,
            value,
            version,
        })
        .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(port)) = (args.next(), args.next()) else {
        eprintln!("usage: campus-bench-ceiling DATA_DIR PORT");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let secret = std::fs::read_to_string(dir.join("signing.key"))?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 5;
    validation.set_required_spec_claims(&["exp", "sub", "iat"]);
    let shared = Arc::new(Shared {
        db: dir.join("campus.db"),
        key: DecodingKey::from_secret(secret.trim().as_bytes()),
        validation,
    });
    let app = Router::new()
        .route("/hello", get(|| async { "ok" }))
        .route("/kv/{key}", get(kv))
        .route("/api/v1/kv/{key}", get(kv))
        .with_state(shared);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.parse().unwrap_or(5078))).await?;
            axum::serve(listener, app).await
        })
}
