//! The services a command works through, built from the settings as the server builds them.
//! Commands never hold a database connection: they call the same services as the HTTP
//! surfaces, so the same rules and audit apply at the command line.

use campus_config::Settings;
use campus_domain::audit::Audit;
use campus_domain::finance::Finance;
use campus_domain::identity::Identity;
use campus_domain::parking::Parking;
use campus_domain::reports::Reports;
use campus_domain::school::School;
use sea_orm_migration::MigratorTrait;

/// Identity, school records, finance, parking, reports and the file store.
#[derive(Debug)]
pub struct Services {
    pub audit: Audit,
    pub identity: Identity,
    pub school: School,
    pub finance: Finance,
    pub parking: Parking,
    pub reports: Reports,
    pub storage: campus_storage::BlobStore,
}

/// Connects, applies pending migrations when `migrate` (a fresh installation may import or
/// create its first administrator before it has ever served) and builds the services.
pub async fn open(settings: &Settings, migrate: bool) -> anyhow::Result<Services> {
    let url = settings.database_url();
    let db = campus_db::connect(&url, &settings.database).await?;
    if migrate {
        campus_db::Migrator::up(&db, None).await?;
    }
    let secret = secret(settings, url.backend())?;
    let school = School::new(db.clone(), &settings.school).with_alerts(&settings.alerts);
    let finance = Finance::new(db.clone(), &settings.finance).with_alerts(&settings.alerts);
    let reports = Reports::new(
        db.clone(),
        school.clone(),
        finance.clone(),
        secrecy::ExposeSecret::expose_secret(&secret).as_bytes(),
    );
    Ok(Services {
        audit: Audit::new(db.clone()),
        identity: Identity::new(db.clone(), &settings.auth, &secret)?,
        school,
        finance,
        reports,
        parking: Parking::new(db),
        storage: campus_storage::BlobStore::open(&settings.storage, &settings.data_dir, &secret)?,
    })
}

/// Commands sign no tokens: without a configured key on a server database (where serving
/// requires one) a throwaway key will do; on SQLite the persisted key is used as by `serve`.
fn secret(settings: &Settings, backend: campus_db::Backend) -> anyhow::Result<secrecy::SecretString> {
    match campus_server::signing_secret(settings, backend) {
        Ok(secret) => Ok(secret),
        Err(campus_server::StartupError::SecretRequired(_)) => Ok(throwaway_key()),
        Err(e) => Err(e.into()),
    }
}

/// The database (not migrated) and the file store, for commands that work below the services
/// (backups).
pub async fn storage(
    settings: &Settings,
) -> anyhow::Result<(sea_orm::DatabaseConnection, campus_storage::BlobStore)> {
    let url = settings.database_url();
    let db = campus_db::connect(&url, &settings.database).await?;
    let secret = secret(settings, url.backend())?;
    let store = campus_storage::BlobStore::open(&settings.storage, &settings.data_dir, &secret)?;
    Ok((db, store))
}

fn throwaway_key() -> secrecy::SecretString {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    secrecy::SecretString::from(text)
}
