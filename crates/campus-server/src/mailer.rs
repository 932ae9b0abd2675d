//! Email delivery: the outbox worker every instance runs. It claims due messages (a lease per
//! message, so N instances send each once), renders them (askama, text and HTML), attaches
//! stored files, and hands them to the SMTP server with lettre's real transport. A refused or
//! unreachable server leaves the message queued with backoff; a permanent refusal (or an
//! address the transport will not accept, such as one with CR/LF) makes it dead at once,
//! listed for administrators. Every message carries its outbox `Message-ID`, the same on
//! every attempt.

use std::time::Duration;

use askama::Template;
use campus_config::{EmailSettings, SmtpSecurity};
use campus_domain::mail::OutboxMessage;
use campus_storage::BlobKey;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::state::AppState;

/// One digest line.
#[derive(Debug)]
pub struct DigestItem {
    pub subject: String,
    pub body: String,
    pub at: String,
}

#[derive(Template, Debug)]
#[template(path = "email/message.txt")]
struct TextEmail<'a> {
    name: &'a str,
    body: &'a str,
    link: Option<String>,
    items: &'a [DigestItem],
    school: &'a str,
}

#[derive(Template, Debug)]
#[template(path = "email/message.html")]
struct HtmlEmail<'a> {
    subject: &'a str,
    name: &'a str,
    body: &'a str,
    link: Option<String>,
    items: &'a [DigestItem],
    school: &'a str,
}

/// Why one delivery failed, and whether trying again can help.
#[derive(Debug)]
pub struct SendFailure {
    pub permanent: bool,
    pub message: String,
}

impl SendFailure {
    fn permanent(message: impl Into<String>) -> Self {
        Self {
            permanent: true,
            message: message.into(),
        }
    }
}

/// The SMTP transport for the settings, or `None` when no server is configured.
pub fn transport(settings: &EmailSettings) -> Result<Option<AsyncSmtpTransport<Tokio1Executor>>, String> {
    let Some(host) = settings.smtp_host.as_deref() else {
        return Ok(None);
    };
    let builder = match settings.security {
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
            .map_err(|e| format!("email.smtp_host: {e}"))?,
        SmtpSecurity::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(|e| format!("email.smtp_host: {e}"))?
        }
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
    };
    let mut builder = builder
        .port(settings.smtp_port)
        .timeout(Some(Duration::from_secs(settings.timeout_secs)));
    if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose_secret().to_owned(),
        ));
    }
    Ok(Some(builder.build()))
}

/// Renders an outbox message into the email lettre sends.
pub async fn compose(state: &AppState, m: &OutboxMessage) -> Result<Message, SendFailure> {
    let settings = &state.settings().email;
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| SendFailure::permanent(format!("email.from: {e}")))?;
    // lettre refuses addresses with CR/LF or other header-breaking text: permanent.
    let to: Mailbox = m
        .to_address
        .parse()
        .map_err(|e| SendFailure::permanent(format!("recipient address refused: {e}")))?;
    let params = m.params.clone().unwrap_or_default();
    let name = params["name"].as_str().unwrap_or("there").to_owned();
    let link = params["link"].as_str().map(str::to_owned);
    let items: Vec<DigestItem> = params["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| DigestItem {
                    subject: i["subject"].as_str().unwrap_or_default().to_owned(),
                    body: i["body"].as_str().unwrap_or_default().to_owned(),
                    at: i["at"].as_str().unwrap_or_default().chars().take(16).collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let school = state.settings().reports.school_name.as_str();
    let render_err = |e: askama::Error| SendFailure::permanent(format!("rendering the email failed: {e}"));
    let text = TextEmail {
        name: &name,
        body: &m.body,
        link: link.clone(),
        items: &items,
        school,
    }
    .render()
    .map_err(render_err)?;
    let html = HtmlEmail {
        subject: &m.subject,
        name: &name,
        body: &m.body,
        link,
        items: &items,
        school,
    }
    .render()
    .map_err(render_err)?;
    let alternative = MultiPart::alternative_plain_html(text, html);
    let body = match (&m.attachment_key, &m.attachment_name) {
        (Some(key), Some(file_name)) => {
            let key = BlobKey::parse(key).map_err(|e| SendFailure::permanent(e.to_string()))?;
            let bytes = state
                .report_pipeline()
                .blob_bytes(&key)
                .await
                .map_err(|e| SendFailure {
                    permanent: false,
                    message: format!("reading the attachment failed: {e}"),
                })?;
            let part: SinglePart = Attachment::new(file_name.clone()).body(
                bytes,
                ContentType::parse("application/pdf").map_err(|e| SendFailure::permanent(e.to_string()))?,
            );
            MultiPart::mixed().multipart(alternative).singlepart(part)
        }
        _ => alternative,
    };
    Message::builder()
        .message_id(Some(m.message_id.clone()))
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .multipart(body)
        .map_err(|e| SendFailure::permanent(format!("building the email failed: {e}")))
}

/// Sends one message.
async fn send(
    state: &AppState,
    smtp: &AsyncSmtpTransport<Tokio1Executor>,
    m: &OutboxMessage,
) -> Result<(), SendFailure> {
    let email = compose(state, m).await?;
    smtp.send(email).await.map(|_| ()).map_err(|e| SendFailure {
        permanent: e.is_permanent(),
        message: e.to_string(),
    })
}

/// Delivers what is due now, one claimed message at a time (each under its own lease, so a
/// slow server cannot let a lease run out while the message waits its turn); at most
/// `email.batch_size` per call. Returns how many were sent.
pub async fn deliver_due(
    state: &AppState,
    smtp: &AsyncSmtpTransport<Tokio1Executor>,
) -> Result<usize, campus_domain::mail::MailError> {
    let mail = state.mail();
    let max_attempts = state.settings().email.max_attempts;
    let mut sent = 0;
    for _ in 0..state.settings().email.batch_size {
        let Some(m) = mail.claim_next(state.clock().now()).await? else {
            break;
        };
        if m.attempts > max_attempts {
            // Claimed again and again without an outcome: its worker keeps dying on it.
            mail.failed(&m, "given up: no attempt finished", true, state.clock().now())
                .await?;
            continue;
        }
        match send(state, smtp, &m).await {
            Ok(()) => {
                if mail.delivered(&m, state.clock().now()).await? {
                    sent += 1;
                }
            }
            Err(f) => {
                tracing::warn!(message = m.id, permanent = f.permanent, error = %f.message, "an email was not delivered");
                mail.failed(&m, &f.message, f.permanent, state.clock().now())
                    .await?;
            }
        }
    }
    Ok(sent)
}

/// The worker: every `email.poll_secs`, gathers due digests and delivers due messages;
/// hourly, sweeps for overdue dues. Without an SMTP server only the digests and the sweep run
/// (messages wait in the outbox).
pub async fn worker(state: AppState) {
    let smtp = match transport(&state.settings().email) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "email is off: the SMTP settings are not usable");
            None
        }
    };
    let every = Duration::from_secs(state.settings().email.poll_secs);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_sweep: Option<chrono::DateTime<chrono::Utc>> = None;
    loop {
        tick.tick().await;
        let now = state.clock().now();
        if last_sweep.is_none_or(|at| now - at >= chrono::Duration::hours(1)) {
            last_sweep = Some(now);
            if let Err(e) = state.finance().alert_overdue_dues(now).await {
                tracing::warn!(error = %e, "the overdue dues sweep failed");
            }
        }
        if let Err(e) = state.mail().gather_digests(now).await {
            tracing::warn!(error = %e, "gathering email digests failed");
        }
        if let Some(smtp) = &smtp {
            // Drain: batch after batch while messages are due.
            loop {
                match deliver_due(&state, smtp).await {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "delivering email failed");
                        break;
                    }
                }
            }
        }
    }
}
