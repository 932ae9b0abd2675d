//! The one migration source for all three backends. Never edit an applied migration: add a
//! new one. Each migration is written with sea-query so the same code emits each dialect.

use sea_orm_migration::prelude::*;

mod columns;
mod m20261122_000001_identity;
mod m20261122_000002_school;
mod m20261122_000003_activities_lookups_documents;
mod m20261122_000004_finance;
mod m20261122_000005_kv;
mod m20261122_000006_web_sessions;
mod m20261129_000007_kv_usage;
mod m20261129_000008_payment_declarations;
mod m20261129_000009_parking;
mod m20261129_000010_caregivers;
mod m20261129_000011_usage;
mod m20261130_000012_reports;
mod m20261130_000013_email;
mod m20261130_000014_audit_chain;

/// All Campus migrations, oldest first.
#[derive(Debug)]
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_identity::Migration),
            Box::new(m20261122_000002_school::Migration),
            Box::new(m20261122_000003_activities_lookups_documents::Migration),
            Box::new(m20261122_000004_finance::Migration),
            Box::new(m20261122_000005_kv::Migration),
            Box::new(m20261122_000006_web_sessions::Migration),
            Box::new(m20261129_000007_kv_usage::Migration),
            Box::new(m20261129_000008_payment_declarations::Migration),
            Box::new(m20261129_000009_parking::Migration),
            Box::new(m20261129_000010_caregivers::Migration),
            Box::new(m20261129_000011_usage::Migration),
            Box::new(m20261130_000012_reports::Migration),
            Box::new(m20261130_000013_email::Migration),
            Box::new(m20261130_000014_audit_chain::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "campus_migrations".into_iden()
    }
}
