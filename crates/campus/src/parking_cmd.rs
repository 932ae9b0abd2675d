//! `campus parking list WHO`: an administrator's audited read of a user's parking events
//! (the same service call, and the same `parking.admin_read` audit entry, as
//! `GET /api/v1/users/{id}/parking-events`).

use campus_config::Settings;
use campus_domain::RequestMeta;
use campus_domain::pagination::PageRequest;
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum ParkingCommand {
    /// List a user's parking events, newest first (audited).
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The user: an id, an email or a username.
    who: String,
    /// The administrator (username or email) the read is recorded as. Default: the first
    /// administrator.
    #[arg(long = "as", value_name = "ADMIN")]
    as_user: Option<String>,
}

pub async fn run(settings: &Settings, command: ParkingCommand) -> anyhow::Result<()> {
    let ParkingCommand::List(args) = command;
    let services = crate::services::open(settings, true).await?;
    let admin = crate::transfer_cmd::operator(&services.identity, args.as_user.as_deref()).await?;
    let user = crate::user_cmd::find(&services.identity, &args.who).await?;
    let meta = RequestMeta {
        user_agent: Some("campus cli".to_owned()),
        ..RequestMeta::default()
    };
    let mut page = PageRequest {
        limit: 200,
        after_id: None,
    };
    let mut count = 0;
    loop {
        let events = services
            .parking
            .admin_page(&admin, user.id, page, &meta)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for e in &events.items {
            count += 1;
            println!(
                "{:>6}  {}  {:<13} {:>10.6} {:>11.6}  {}",
                e.id,
                e.started_at.format("%Y-%m-%d %H:%M"),
                e.status,
                e.latitude,
                e.longitude,
                e.location_name.as_deref().unwrap_or("-")
            );
        }
        match events.items.last() {
            Some(last) if events.next_cursor.is_some() => page.after_id = Some(last.id),
            _ => break,
        }
    }
    println!(
        "{count} parking events of user {} (read recorded in the audit trail)",
        user.id
    );
    Ok(())
}
