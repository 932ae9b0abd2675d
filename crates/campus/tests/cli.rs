//! The `campus` binary end to end: zero-config start on SQLite, configuration errors, the
//! redacted `config` output and `migrate status` on every configured backend.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use campus_test_support::{Backend, TestDatabase};

fn campus() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_campus"));
    // Never pick up the developer's environment.
    for (key, _) in std::env::vars() {
        if key.starts_with("CAMPUS_") || key == "DATABASE_URL" || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[test]
fn serve_with_no_configuration_creates_the_data_directory_and_answers() {
    let work = tempfile::tempdir().unwrap();
    let mut child = campus()
        .current_dir(work.path())
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr: String = rest
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '"')
                    .collect();
                let _ = tx.send(addr);
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(30)).expect("listening line");
    let body = http_get(&addr, "/readyz");
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(work.path().join("data/campus.db").exists());
    let key = work.path().join("data/signing.key");
    assert!(key.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // SIGTERM drains and exits cleanly.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(code) = child.try_wait().unwrap() {
            assert!(code.success(), "exit status {code}");
            break;
        }
        assert!(Instant::now() < deadline, "server did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A minimal HTTP/1.1 GET, to keep the test free of an async runtime.
fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text
}

#[test]
fn a_bad_setting_stops_start_up_naming_the_key() {
    let work = tempfile::tempdir().unwrap();
    let out = campus()
        .current_dir(work.path())
        .env("CAMPUS_SERVER__PORT", "eighty")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("server.port") && err.contains("CAMPUS_SERVER__PORT"),
        "{err}"
    );
}

#[test]
fn postgres_without_a_shared_secret_refuses_to_start() {
    let work = tempfile::tempdir().unwrap();
    let out = campus()
        .current_dir(work.path())
        .args(["--database-url", "postgres://campus@127.0.0.1:1/none", "serve"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // Connection is attempted first; either failure must name what to fix.
    assert!(
        err.contains("postgres") && err.contains("Hint") || err.contains("jwt_secret"),
        "{err}"
    );
}

#[test]
fn config_prints_the_effective_settings_without_secrets() {
    let work = tempfile::tempdir().unwrap();
    let out = campus()
        .current_dir(work.path())
        .env(
            "CAMPUS_DATABASE__URL",
            "postgres://campus:pa55word-xyz@db.example:5432/campus",
        )
        .env("CAMPUS_AUTH__JWT_SECRET", "s".repeat(48))
        .arg("config")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("pa55word-xyz"), "{text}");
    assert!(!text.contains(&"s".repeat(48)), "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["server"]["port"], 5000);
    assert_eq!(json["auth"]["jwt_secret"], "[redacted]");
    assert!(json["database"]["url"].as_str().unwrap().contains("db.example"));
}

#[test]
fn openapi_prints_the_document() {
    let out = campus().arg("openapi").output().unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[test]
fn migrate_fresh_refuses_without_confirmation() {
    let work = tempfile::tempdir().unwrap();
    let out = campus()
        .current_dir(work.path())
        .args(["migrate", "fresh"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
}

fn migrate_status_works_on(backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(TestDatabase::create(backend)) else {
        eprintln!("skipped: {backend} not configured");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    for args in [&["migrate", "up"][..], &["migrate", "status"][..]] {
        let out = campus()
            .current_dir(work.path())
            .args(["--database-url", db.url()])
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{args:?} on {backend}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!stdout.contains("pending"), "{stdout}");
    }
    drop(db);
}

#[test]
fn migrate_status_works_on_sqlite() {
    migrate_status_works_on(Backend::Sqlite);
}

#[test]
fn migrate_status_works_on_postgres() {
    migrate_status_works_on(Backend::Postgres);
}

#[test]
fn migrate_status_works_on_mysql() {
    migrate_status_works_on(Backend::Mysql);
}

fn run_in(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    use std::io::Write;
    let mut child = campus()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn user_commands_create_list_change_and_deactivate_accounts() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    assert!(run_in(dir, &["migrate", "up"], None).0);
    let (ok, out, err) = run_in(
        dir,
        &[
            "user",
            "create",
            "--role",
            "admin",
            "--email",
            "Head@School.test",
            "--name",
            "Head",
            "--password-stdin",
        ],
        Some("Adm1n!secret\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("created user 1 (admin)"), "{out}");
    assert!(!out.contains("Adm1n!secret"));

    let (ok, out, _) = run_in(
        dir,
        &["user", "create", "--role", "teacher", "--username", "ms_t"],
        None,
    );
    assert!(ok);
    assert!(
        out.contains("password: "),
        "a generated password is shown once: {out}"
    );

    let (ok, _, err) = run_in(
        dir,
        &[
            "user",
            "create",
            "--role",
            "admin",
            "--email",
            "weak@school.test",
            "--password-stdin",
        ],
        Some("password123\n"),
    );
    assert!(!ok);
    assert!(err.contains("Password must be at least 8 characters"), "{err}");
    let (ok, _, err) = run_in(
        dir,
        &["user", "create", "--role", "wizard", "--email", "w@school.test"],
        None,
    );
    assert!(!ok && err.contains("unknown role"), "{err}");

    let (ok, out, _) = run_in(dir, &["user", "set-role", "ms_t", "finance"], None);
    assert!(ok && out.contains("finance"), "{out}");
    let (ok, out, _) = run_in(dir, &["user", "deactivate", "head@school.test"], None);
    assert!(ok && out.contains("inactive"), "{out}");
    let (ok, out, _) = run_in(dir, &["user", "list"], None);
    assert!(ok);
    assert!(out.contains("head@school.test") && out.contains("ms_t"), "{out}");
    let (ok, _, err) = run_in(dir, &["user", "deactivate", "nobody"], None);
    assert!(!ok && err.contains("no user"), "{err}");
}

#[test]
fn seed_demo_loads_seed_000_data_once_and_warns() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let (ok, out, err) = run_in(dir, &["seed", "--demo"], None);
    assert!(ok, "{err}");
    assert!(out.contains("loaded 10 demo students"), "{out}");
    assert!(out.contains("`admin` with password `admin123`"), "{out}");
    assert!(err.contains("warning"), "{err}");
    let (ok, out, _) = run_in(dir, &["seed", "--demo"], None);
    assert!(ok);
    assert!(out.contains("already loaded"), "{out}");
    let (ok, out, _) = run_in(dir, &["user", "list", "--role", "parent"], None);
    assert!(ok && out.contains("parent@demo.campus"), "{out}");
    let (ok, out, _) = run_in(
        dir,
        &["seed", "--size", "1500", "--grades-per-student", "3"],
        None,
    );
    assert!(ok && out.contains("generated 1500 students"), "{out}");
    let (ok, _, err) = run_in(dir, &["seed"], None);
    assert!(!ok && err.contains("--demo"), "{err}");
}

#[test]
fn import_is_a_dry_run_until_commit_and_export_reads_it_back() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let (ok, _, err) = run_in(dir, &["import", "students", "roster.csv"], None);
    assert!(!ok && err.contains("no administrator exists"), "{err}");
    let (ok, _, err) = run_in(
        dir,
        &["user", "create", "--role", "admin", "--email", "head@school.test"],
        None,
    );
    assert!(ok, "{err}");
    let mut roster = String::from("roll_number,name,class_level,guardian_email\n");
    for i in 1..=1200 {
        roster.push_str(&format!(
            "R{i:04},Student {i},{},parent{}@family.test\n",
            i % 12 + 1,
            i / 2
        ));
    }
    std::fs::write(dir.join("roster.csv"), &roster).unwrap();

    let (ok, out, err) = run_in(dir, &["import", "students", "roster.csv"], None);
    assert!(ok, "{err}");
    assert!(
        out.contains("dry run: 1200 rows: 1200 new, 0 updated, 0 unchanged, 0 with errors"),
        "{out}"
    );
    assert!(
        out.contains("601 parent accounts created, 1200 parent links"),
        "{out}"
    );
    assert!(out.contains("run again with --commit"), "{out}");

    let (ok, out, err) = run_in(dir, &["import", "students", "roster.csv", "--commit"], None);
    assert!(ok, "{err}");
    assert!(out.contains("imported: 1200 rows: 1200 new"), "{out}");
    assert!(out.contains("campus user set-password"), "{out}");
    let (ok, out, err) = run_in(
        dir,
        &["user", "set-password", "parent7@family.test", "--password-stdin"],
        Some("Family!Pass9\n"),
    );
    assert!(ok && out.contains("password set"), "{out}{err}");

    // A file with a bad row changes nothing and exits non-zero with the row named.
    std::fs::write(
        dir.join("bad.csv"),
        "roll_number,name,class_level\nR0001,Renamed,1\nR0002,Bad,99\n",
    )
    .unwrap();
    let (ok, out, err) = run_in(dir, &["import", "students", "bad.csv", "--commit"], None);
    assert!(
        !ok && err.contains("1 rows have errors; nothing was written"),
        "{err}"
    );
    assert!(out.contains("row       3  class_level"), "{out}");

    let (ok, out, err) = run_in(dir, &["export", "students", "--class-level", "1"], None);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "roll_number,name,class_level,section,date_of_birth,gender,address,contact_number,guardian_name,guardian_contact,status"
    );
    assert_eq!(lines.len(), 101, "100 students in class 1 plus the header");
    assert!(lines[1].starts_with("R0012,Student 12,1,"), "{}", lines[1]);
    let (ok, _, err) = run_in(
        dir,
        &["export", "students", "--format", "xlsx", "-o", "students.xlsx"],
        None,
    );
    assert!(ok && err.contains("exported 1200 students rows"), "{err}");
    let (ok, out, err) = run_in(dir, &["import", "students", "students.xlsx"], None);
    assert!(ok, "{err}");
    assert!(
        out.contains("1200 rows: 0 new, 0 updated, 1200 unchanged"),
        "{out}"
    );
}

#[test]
fn files_check_lists_orphaned_files_and_passes_when_nothing_is_missing() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let (ok, out, err) = run_in(dir, &["files", "check"], None);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("0 files referenced, 0 stored, 0 missing, 0 orphaned"),
        "{out}"
    );
    let folder = dir.join("data/files/user_9");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("parking_1_left.jpg"), b"x").unwrap();
    let (ok, out, err) = run_in(dir, &["files", "check"], None);
    assert!(ok, "an orphan is reported, not an error: {out}{err}");
    assert!(
        out.contains("orphan (stored, no record refers to it): user_9/parking_1_left.jpg"),
        "{out}"
    );
}

#[test]
fn parking_list_is_an_administrators_read() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    assert!(run_in(dir, &["migrate", "up"], None).0);
    let admin = [
        "user",
        "create",
        "--role",
        "admin",
        "--email",
        "head@school.test",
        "--password-stdin",
    ];
    assert!(run_in(dir, &admin, Some("Adm1n!secret\n")).0);
    let teacher = [
        "user",
        "create",
        "--role",
        "teacher",
        "--email",
        "t@school.test",
        "--password-stdin",
    ];
    assert!(run_in(dir, &teacher, Some("Te4cher!secret\n")).0);
    let (ok, out, err) = run_in(dir, &["parking", "list", "t@school.test"], None);
    assert!(ok, "{out}{err}");
    assert!(out.contains("0 parking events of user 2"), "{out}");
    let (ok, _, err) = run_in(
        dir,
        &["parking", "list", "head@school.test", "--as", "t@school.test"],
        None,
    );
    assert!(!ok, "a teacher read someone's parking: {err}");
    assert!(err.contains("not allowed"), "{err}");
}

#[test]
fn backup_create_verify_and_restore_into_another_data_directory() {
    let work = tempfile::tempdir().unwrap();
    let (from, to) = (work.path().join("from"), work.path().join("to"));
    std::fs::create_dir_all(&from).unwrap();
    std::fs::create_dir_all(&to).unwrap();
    let (ok, out, err) = run_in(&from, &["seed", "--demo"], None);
    assert!(ok, "{out}{err}");
    let folder = from.join("data/files/user_1");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("parking_1_car.jpg"), b"\xFF\xD8\xFF\xD9").unwrap();
    let backup = work.path().join("nightly");
    let target = backup.to_str().unwrap();
    let (ok, out, err) = run_in(&from, &["backup", "create", "--to", target], None);
    assert!(ok, "{out}{err}");
    assert!(out.contains("and 1 files (4 bytes)"), "{out}");
    let (ok, out, err) = run_in(&from, &["backup", "verify", target], None);
    assert!(ok && out.starts_with("intact:"), "{out}{err}");

    let (ok, out, err) = run_in(&to, &["backup", "restore", target], None);
    assert!(ok, "{out}{err}");
    assert_eq!(
        std::fs::read(to.join("data/files/user_1/parking_1_car.jpg")).unwrap(),
        b"\xFF\xD8\xFF\xD9"
    );
    let (_, listed_from, _) = run_in(&from, &["user", "list"], None);
    let (ok, listed_to, err) = run_in(&to, &["user", "list"], None);
    assert!(ok, "{err}");
    assert_eq!(listed_from, listed_to);
    for check in [&["finance", "verify"][..], &["audit", "verify"]] {
        let (ok, out, err) = run_in(&to, check, None);
        assert!(ok, "{check:?}: {out}{err}");
    }
    // A second restore into the now full database is refused.
    let (ok, _, err) = run_in(&to, &["backup", "restore", target], None);
    assert!(!ok && err.contains("restore needs an empty database"), "{err}");
}
