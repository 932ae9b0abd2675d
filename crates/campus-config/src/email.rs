//! Email settings: the SMTP server the outbox worker delivers through, and the school's
//! guardian alert rules.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required), usually port 587.
    Starttls,
    /// TLS from the first byte, usually port 465.
    Tls,
    /// No encryption: only for a relay on loopback or a private network.
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailSettings {
    /// The SMTP server. Unset: no email is sent; messages wait in the outbox (visible to
    /// administrators) until one is configured.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// Set it through `CAMPUS_EMAIL__PASSWORD`, not the file.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret_file::serialize_redacted"
    )]
    pub password: Option<SecretString>,
    /// The `From` address (`Campus <no-reply@school.example>`).
    pub from: String,
    /// How often each instance looks for due messages.
    pub poll_secs: u64,
    /// Messages one worker claims at once.
    pub batch_size: u64,
    /// Attempts before a message is dead (then listed for administrators); retries back off
    /// exponentially from 30 seconds.
    pub max_attempts: i32,
    /// Seconds one SMTP conversation may take.
    pub timeout_secs: u64,
    /// The hour (0–23, in `tracking.timezone`) daily digests go out.
    pub digest_hour: u32,
    /// The address in links (password reset); unset: the configured listen address (never a
    /// request's `Host` header: a forged one would send the victim's token elsewhere).
    pub public_url: Option<String>,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            smtp_host: None,
            smtp_port: 587,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            from: "Campus <no-reply@campus.invalid>".to_owned(),
            poll_secs: 5,
            batch_size: 20,
            max_attempts: 8,
            timeout_secs: 20,
            digest_hour: 17,
            public_url: None,
        }
    }
}

/// What families are told, by in-app notification and (if they opted in) email.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertSettings {
    /// A child marked with a code that does not count as present (once per child and day).
    pub absence: bool,
    /// A grade worth fewer points than this (4.0 scale); 0 turns the alert off.
    pub low_grade_points_below: f64,
    /// A new progress report (report card) for the child.
    pub report_card: bool,
    /// A payment recorded on the child's account.
    pub payment_received: bool,
    /// Dues owed for longer than this many days (at most once a week); 0 turns it off.
    pub dues_overdue_days: u32,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            absence: true,
            low_grade_points_below: 2.0,
            report_card: true,
            payment_received: true,
            dues_overdue_days: 30,
        }
    }
}
