//! The SMTP server the email tests deliver to: aiosmtpd, which `.ci/run` installs from PyPI
//! and starts with its Maildir handler (`python3 -m aiosmtpd -n -l 127.0.0.1:$PORT -c
//! aiosmtpd.handlers.Mailbox $DIR`). `CAMPUS_TEST_SMTP_PORT` and `CAMPUS_TEST_SMTP_MAILDIR`
//! say where; unset, the email tests are skipped unless `CAMPUS_TEST_REQUIRE_ALL_BACKENDS=1`.

use std::path::PathBuf;

use campus_config::{Settings, SmtpSecurity};

/// The test SMTP server.
#[derive(Debug, Clone)]
pub struct Smtp {
    pub port: u16,
    pub maildir: PathBuf,
}

/// The configured test SMTP server, or `None` (a panic when every backend is required).
pub fn smtp() -> Option<Smtp> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let (Some(port), Some(maildir)) = (var("CAMPUS_TEST_SMTP_PORT"), var("CAMPUS_TEST_SMTP_MAILDIR")) else {
        assert!(
            var("CAMPUS_TEST_REQUIRE_ALL_BACKENDS").as_deref() != Some("1"),
            "CAMPUS_TEST_REQUIRE_ALL_BACKENDS=1 but CAMPUS_TEST_SMTP_PORT / CAMPUS_TEST_SMTP_MAILDIR are not set"
        );
        return None;
    };
    Some(Smtp {
        port: port.parse().expect("CAMPUS_TEST_SMTP_PORT is a port number"),
        maildir: PathBuf::from(maildir),
    })
}

impl Smtp {
    /// Points `settings` at this server (plain SMTP on loopback). The background worker
    /// waits an hour between rounds, so tests deliver when they choose.
    pub fn configure(&self, settings: &mut Settings) {
        settings.email.smtp_host = Some("127.0.0.1".to_owned());
        settings.email.smtp_port = self.port;
        settings.email.security = SmtpSecurity::None;
        settings.email.from = "Campus Test <campus@school.test>".to_owned();
        settings.email.poll_secs = 3600;
    }

    /// Every delivered message (raw, as received) whose envelope recipient is `address`.
    pub fn messages_to(&self, address: &str) -> Vec<Vec<u8>> {
        let wanted = format!("X-RcptTo: {}", address.to_lowercase());
        let mut found = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                if let Ok(bytes) = std::fs::read(entry.path())
                    && String::from_utf8_lossy(&bytes)
                        .lines()
                        .any(|l| l.to_lowercase().starts_with(&wanted.to_lowercase()))
                {
                    found.push(bytes);
                }
            }
        }
        found
    }
}
