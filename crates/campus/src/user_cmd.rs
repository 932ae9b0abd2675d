//! `campus user ...`: manage accounts from the shell, as the operator (audited with no actor).

use std::io::BufRead;

use anyhow::{Context, anyhow, bail};
use campus_config::Settings;
use campus_domain::RequestMeta;
use campus_domain::identity::repo::UserFilter;
use campus_domain::identity::{AdminUserPatch, Identity, NewUserByAdmin, Registration, Role, User};
use campus_domain::pagination::PageRequest;
use clap::Subcommand;
use rand::Rng;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user with any role (the first administrator, for instance).
    Create {
        /// admin, teacher, finance, student, parent or user.
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        username: Option<String>,
        /// Full name.
        #[arg(long, default_value = "")]
        name: String,
        /// Read the password from the first line of standard input. Without it a strong
        /// password is generated and printed once.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users (id, role, active, username, email, name).
    List {
        #[arg(long)]
        role: Option<String>,
        /// Most rows to print.
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
    /// Change a user's role. WHO is an id, an email or a username.
    SetRole { who: String, role: String },
    /// Deactivate a user: no more logins, tokens stop working. WHO is an id, email or username.
    Deactivate { who: String },
    /// Set a user's password (e.g. a parent account created by a roster import). Reads it from
    /// the first line of standard input, or generates and prints one. Existing tokens stop working.
    SetPassword {
        who: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

fn parse_role(text: &str) -> anyhow::Result<Role> {
    Role::parse(text)
        .ok_or_else(|| anyhow!("unknown role `{text}`: use admin, teacher, finance, student, parent or user"))
}

fn generated_password() -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let body: String = (0..16)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect();
    format!("{body}!7a")
}

async fn identity(settings: &Settings) -> anyhow::Result<Identity> {
    let services = crate::services::open(settings, settings.database.migrate_on_start).await?;
    Ok(services.identity)
}

pub(crate) async fn find(identity: &Identity, who: &str) -> anyhow::Result<User> {
    let found = match who.parse::<i64>() {
        Ok(id) => identity.user(id).await.ok(),
        Err(_) => identity.find_by_identifier(who).await?,
    };
    found.ok_or_else(|| anyhow!("no user `{who}`"))
}

fn row(u: &User) -> String {
    format!(
        "{:>6}  {:<8} {:<8} {:<20} {:<32} {}",
        u.id,
        u.role.as_str(),
        if u.is_active { "active" } else { "inactive" },
        u.username.as_deref().unwrap_or("-"),
        u.email.as_deref().unwrap_or("-"),
        u.name
    )
}

pub async fn run(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let identity = identity(settings).await?;
    let meta = RequestMeta {
        user_agent: Some("campus-cli".to_owned()),
        ..RequestMeta::default()
    };
    match command {
        UserCommand::Create {
            role,
            email,
            username,
            name,
            password_stdin,
        } => {
            let role = parse_role(&role)?;
            if email.is_none() && username.is_none() {
                bail!("give --email or --username (or both)");
            }
            let (password, generated) = password_input(password_stdin)?;
            let registration = Registration {
                username,
                email,
                name,
                password: password.clone(),
                ..Registration::default()
            };
            let user = identity
                .create_user(None, NewUserByAdmin { registration, role }, &meta)
                .await
                .map_err(|e| anyhow!("{}", describe(e)))?;
            println!("created user {} ({})", user.id, user.role);
            if generated {
                println!("password: {password}");
                println!("(shown once; the user can change it with POST /api/v1/me/password)");
            }
            Ok(())
        }
        UserCommand::List { role, limit } => {
            let filter = UserFilter {
                role: role.as_deref().map(parse_role).transpose()?,
                ..UserFilter::default()
            };
            let page = identity
                .list_users(&filter, PageRequest::parse(Some(limit.clamp(1, 500)), None)?)
                .await?;
            println!(
                "{:>6}  {:<8} {:<8} {:<20} {:<32} name",
                "id", "role", "state", "username", "email"
            );
            for u in &page.items {
                println!("{}", row(u));
            }
            Ok(())
        }
        UserCommand::SetRole { who, role } => {
            let user = find(&identity, &who).await?;
            let patch = AdminUserPatch {
                role: Some(parse_role(&role)?),
                ..AdminUserPatch::default()
            };
            let user = identity.update_user(None, user.id, patch, &meta).await?;
            println!("{}", row(&user));
            Ok(())
        }
        UserCommand::Deactivate { who } => {
            let user = find(&identity, &who).await?;
            let user = identity.deactivate(None, user.id, &meta).await?;
            println!("{}", row(&user));
            Ok(())
        }
        UserCommand::SetPassword { who, password_stdin } => {
            let user = find(&identity, &who).await?;
            let (password, generated) = password_input(password_stdin)?;
            identity
                .set_password(None, user.id, password.clone(), &meta)
                .await
                .map_err(|e| anyhow!("password not set: {}", describe(e)))?;
            if generated {
                println!(
                    "password of {}: {password}",
                    user.email.as_deref().or(user.username.as_deref()).unwrap_or("?")
                );
            } else {
                println!("password set");
            }
            Ok(())
        }
    }
}

/// The password from the first line of stdin, or a generated one (and whether it was).
fn password_input(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((generated_password(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    Ok((line.trim_end_matches(['\r', '\n']).to_owned(), false))
}

/// A one-line explanation of a refused account.
fn describe(err: campus_domain::identity::IdentityError) -> String {
    use campus_domain::identity::IdentityError as E;
    match err {
        E::Invalid(issues) => issues
            .iter()
            .map(|i| format!("{}: {}", i.field, i.message))
            .collect::<Vec<_>>()
            .join("; "),
        E::WeakPassword(m) => m,
        E::UsernameTaken => "that username is taken".to_owned(),
        E::EmailTaken => "that email is already registered".to_owned(),
        other => other.to_string(),
    }
}
