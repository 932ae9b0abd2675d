//! Column and schema helpers that keep one migration source portable across the three
//! backends, shared by every migration.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

/// A UTC timestamp column. MySQL gets `DATETIME(6)` rather than `TIMESTAMP`, which ends in
/// 2038 and has implicit defaults; sessions run in UTC (see `campus_db::connect`).
pub fn utc(backend: DbBackend, name: &'static str) -> ColumnDef {
    let mut col = ColumnDef::new(Alias::new(name));
    match backend {
        DbBackend::MySql => col.custom(Alias::new("DATETIME(6)")),
        _ => col.timestamp_with_time_zone(),
    };
    col.not_null().take()
}

/// A nullable UTC timestamp column.
pub fn utc_null(backend: DbBackend, name: &'static str) -> ColumnDef {
    let mut col = utc(backend, name);
    col.null();
    col
}

/// Case-sensitive, accent-sensitive text on MySQL/MariaDB (`utf8mb4_bin`), as PostgreSQL and
/// SQLite compare text. Without it MySQL's default collation would make `'Maths' = 'maths'`
/// and `Ann`/`ann` the same username. Other backends need (and accept) no table option.
pub fn binary_text(backend: DbBackend, table: &mut TableCreateStatement) {
    if backend == DbBackend::MySql {
        table.character_set("utf8mb4").collate("utf8mb4_bin");
    }
}

/// A named foreign key `from` -> `to` with its delete rule.
pub fn fk(
    name: &str,
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

/// Creates a named (optionally unique) index on `cols` of `table`.
pub async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut i = Index::create().name(name).table(table).to_owned();
    for c in cols {
        i.col(*c);
    }
    if unique {
        i.unique();
    }
    m.create_index(i).await
}
