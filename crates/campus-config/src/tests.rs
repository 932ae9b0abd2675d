//! Layering and validation of settings. `figment::Jail` isolates the environment and the
//! working directory of each test.
#![allow(clippy::result_large_err)] // figment::Error is the Jail API's error type.

use std::path::Path;

use figment::Figment;
use figment::Jail;
use figment::providers::{Format, Toml};
use secrecy::ExposeSecret;

use super::*;

fn load(jail: &Jail, file: Option<&str>, overrides: &Overrides) -> Result<Settings, ConfigError> {
    let _ = jail;
    Settings::load(file.map(Path::new), overrides)
}

#[test]
fn defaults_serve_sqlite_in_data_dir_on_port_5000() {
    Jail::expect_with(|jail| {
        let s = load(jail, None, &Overrides::default()).map_err(|e| e.to_string())?;
        assert_eq!(s.server.port, 5000);
        assert_eq!(s.server.host, "127.0.0.1");
        let url = s.database_url();
        assert_eq!(url.backend(), Backend::Sqlite);
        assert!(url.expose().contains("data/campus.db"), "{}", url.expose());
        Ok(())
    });
}

#[test]
fn file_then_env_then_flags_each_override_the_previous_layer() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "campus.toml",
            "[server]\nport = 6000\nhost = \"0.0.0.0\"\n[log]\nformat = \"json\"\n",
        )?;
        jail.set_env("CAMPUS_SERVER__PORT", "7000");
        let s = load(jail, None, &Overrides::default()).map_err(|e| e.to_string())?;
        assert_eq!(s.server.port, 7000);
        assert_eq!(s.server.host, "0.0.0.0");
        assert_eq!(s.log.format, LogFormat::Json);
        let flags = Overrides {
            port: Some(8000),
            ..Overrides::default()
        };
        let s = load(jail, None, &flags).map_err(|e| e.to_string())?;
        assert_eq!(s.server.port, 8000);
        Ok(())
    });
}

#[test]
fn a_bad_value_names_the_key_and_the_expected_form() {
    Jail::expect_with(|jail| {
        jail.set_env("CAMPUS_SERVER__PORT", "not-a-port");
        let err = load(jail, None, &Overrides::default()).expect_err("must fail");
        let text = err.to_string();
        assert!(text.contains("server.port"), "{text}");
        assert!(text.contains("CAMPUS_SERVER__PORT"), "{text}");
        Ok(())
    });
}

#[test]
fn an_unknown_database_scheme_is_refused_with_the_accepted_forms() {
    Jail::expect_with(|jail| {
        jail.set_env("CAMPUS_DATABASE__URL", "oracle://db/x");
        let text = load(jail, None, &Overrides::default())
            .expect_err("must fail")
            .to_string();
        assert!(text.contains("database.url"), "{text}");
        assert!(text.contains("postgres://"), "{text}");
        Ok(())
    });
}

#[test]
fn an_unknown_setting_is_refused() {
    Jail::expect_with(|jail| {
        jail.create_file("campus.toml", "[server]\nprot = 1\n")?;
        let text = load(jail, None, &Overrides::default())
            .expect_err("must fail")
            .to_string();
        assert!(text.contains("prot"), "{text}");
        Ok(())
    });
}

#[test]
fn a_missing_explicit_config_file_is_an_error() {
    Jail::expect_with(|jail| {
        let err = load(jail, Some("nope.toml"), &Overrides::default()).expect_err("must fail");
        assert!(matches!(err, ConfigError::MissingFile(_)));
        Ok(())
    });
}

#[test]
fn redacted_settings_never_contain_secrets() {
    Jail::expect_with(|jail| {
        jail.set_env(
            "CAMPUS_DATABASE__URL",
            "postgres://campus:hunter2-secret@db.internal:5432/campus",
        );
        jail.set_env("CAMPUS_AUTH__JWT_SECRET", "x".repeat(40));
        let s = load(jail, None, &Overrides::default()).map_err(|e| e.to_string())?;
        let text = s.redacted().to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains(&"x".repeat(40)), "{text}");
        assert!(text.contains("db.internal"), "{text}");
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains(&"x".repeat(40)),
            "{debug}"
        );
        Ok(())
    });
}

#[test]
fn a_short_jwt_secret_is_refused() {
    Jail::expect_with(|jail| {
        jail.set_env("CAMPUS_AUTH__JWT_SECRET", "short");
        let text = load(jail, None, &Overrides::default())
            .expect_err("must fail")
            .to_string();
        assert!(text.contains("auth.jwt_secret"), "{text}");
        Ok(())
    });
}

#[test]
fn mariadb_urls_are_mysql_for_the_driver() {
    let url = DatabaseUrl::parse("mariadb://root@127.0.0.1:3306/test").expect("valid");
    assert_eq!(url.backend(), Backend::Mysql);
    assert!(url.expose().starts_with("mysql://"));
    assert_eq!(url.database_name().as_deref(), Some("test"));
    assert_eq!(url.location(), "127.0.0.1:3306");
}

#[test]
fn generated_secret_is_persisted_with_owner_only_permissions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = load_or_create_secret(dir.path(), "signing.key").expect("created");
    let second = load_or_create_secret(dir.path(), "signing.key").expect("read back");
    assert_eq!(first.expose_secret(), second.expose_secret());
    assert!(first.expose_secret().len() >= 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("signing.key"))
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn the_documented_default_file_loads_and_matches_the_built_in_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/default.toml");
    let from_file = Figment::from(Toml::file_exact(&path))
        .extract::<Settings>()
        .expect("config/default.toml is valid");
    let defaults = Settings::default();
    let as_json = |s: &Settings| serde_json::to_value(s).expect("serialises");
    assert_eq!(
        as_json(&from_file),
        as_json(&defaults),
        "config/default.toml drifted from the defaults"
    );
}

#[test]
fn trusted_proxies_are_a_hop_count_or_a_list_of_networks_from_file_or_environment() {
    Jail::expect_with(|jail| {
        jail.set_env("CAMPUS_SERVER__TRUSTED_PROXIES", "2");
        let s = load(jail, None, &Overrides::default()).map_err(|e| e.to_string())?;
        assert_eq!(s.server.proxies(), crate::TrustedProxies::Hops(2));
        jail.set_env("CAMPUS_SERVER__TRUSTED_PROXIES", "[\"10.0.0.0/8\", \"fd00::/8\"]");
        let s = load(jail, None, &Overrides::default()).map_err(|e| e.to_string())?;
        assert!(matches!(s.server.proxies(), crate::TrustedProxies::Networks(n) if n.len() == 2));
        jail.set_env("CAMPUS_SERVER__TRUSTED_PROXIES", "[\"not-a-network\"]");
        let err = load(jail, None, &Overrides::default())
            .expect_err("must fail")
            .to_string();
        assert!(err.contains("server.trusted_proxies"), "{err}");
        Ok(())
    });
}
