//! A private Redis server per test: `redis-server` (or `CAMPUS_TEST_REDIS_SERVER`) started on
//! a free loopback port with nothing kept on disk, so a test can stop and restart it without
//! disturbing any other. Without the binary the Redis tests are skipped, unless
//! `CAMPUS_TEST_REQUIRE_ALL_BACKENDS=1`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running (or stopped) private Redis.
#[derive(Debug)]
pub struct TestRedis {
    pub port: u16,
    binary: String,
    child: Option<Child>,
}

impl TestRedis {
    /// Starts one; `None` (the test is skipped) when no `redis-server` can be run.
    pub async fn start() -> Option<Self> {
        let binary = std::env::var("CAMPUS_TEST_REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
        let found = Command::new(&binary)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            assert!(
                std::env::var("CAMPUS_TEST_REQUIRE_ALL_BACKENDS").as_deref() != Ok("1"),
                "CAMPUS_TEST_REQUIRE_ALL_BACKENDS=1 but `{binary}` cannot be run (set CAMPUS_TEST_REDIS_SERVER)"
            );
            eprintln!("skipped: `{binary}` not found");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut redis = Self {
            port,
            binary,
            child: None,
        };
        redis.resume().await;
        Some(redis)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (the port stays this test's: nothing else binds it meanwhile in
    /// practice, as free ports are handed out in turn).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Wait until the port refuses connections.
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_err()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Starts the server again on the same port (empty: Redis here keeps nothing).
    pub async fn resume(&mut self) {
        let child = Command::new(&self.binary)
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        for _ in 0..250 {
            if let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 16];
                if stream.write_all(b"PING\r\n").await.is_ok()
                    && matches!(stream.read(&mut buf).await, Ok(n) if buf[..n].starts_with(b"+PONG"))
                {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("redis-server did not answer on port {}", self.port);
    }

    /// Runs a command on this server (RESP inline form) and returns the raw reply.
    pub async fn command(&self, line: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .expect("redis answers");
        stream
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .expect("write to redis");
        let mut buf = vec![0u8; 64 * 1024];
        let n = stream.read(&mut buf).await.expect("read from redis");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
