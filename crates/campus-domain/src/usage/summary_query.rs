//! The one aggregate statement behind every summary. The buckets arrive as bound values in a
//! CTE; entries that start inside a bucket are found by an index range scan per bucket, and
//! the few that run past their bucket's end (or began before the period) spill into the
//! following buckets by a second, small join. Nothing of the request's text is spliced in:
//! only placeholders and fixed fragments chosen by enum.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

use super::summary::{GroupBy, Scope};

/// One bucket's (or action's) milliseconds and overlapping entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Row {
    pub bucket: Option<i64>,
    pub action: Option<String>,
    pub ms: i64,
    pub entries: i64,
}

struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    /// A placeholder for `v`.
    fn bind(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    fn int(&self, expr: &str) -> String {
        let ty = match self.backend {
            DbBackend::MySql => "SIGNED",
            DbBackend::Postgres => "BIGINT",
            _ => "INTEGER",
        };
        format!("CAST({expr} AS {ty})")
    }

    fn scope(&mut self, scope: &Scope) -> String {
        match scope {
            Scope::User(id) => format!("u.user_id = {}", self.bind(*id)),
            Scope::Class { class_level, section } => {
                let mut s = format!(
                    "u.user_id IN (SELECT st.user_id FROM students st WHERE st.user_id IS NOT NULL AND st.class_level = {}",
                    self.bind(*class_level)
                );
                if let Some(section) = section {
                    s += &format!(" AND st.section = {}", self.bind(section.clone()));
                }
                s + ")"
            }
        }
    }
}

/// Milliseconds of closed entries of `scope` inside each of `buckets` (contiguous, in
/// order, as Unix-millisecond `[start, end)` pairs), grouped by bucket or by action.
pub(super) async fn run(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    group_by: GroupBy,
    buckets: &[(i64, i64)],
) -> Result<Vec<Row>, DbErr> {
    let Some(&(first, _)) = buckets.first() else {
        return Ok(Vec::new());
    };
    let mut q = Sql {
        backend: conn.get_database_backend(),
        text: String::new(),
        values: Vec::with_capacity(buckets.len() * 3 + 8),
    };
    let mut b = Vec::with_capacity(buckets.len());
    for (i, (s, e)) in buckets.iter().enumerate() {
        let (i, s, e) = (q.bind(i as i64), q.bind(*s), q.bind(*e));
        b.push(if b.is_empty() {
            format!("SELECT {i} AS i, {s} AS s, {e} AS e")
        } else {
            format!("SELECT {i}, {s}, {e}")
        });
    }
    let scope_a = q.scope(scope);
    let (first_a, first_b) = (q.bind(first), q.bind(first));
    let first_c = q.bind(first);
    let scope_b = q.scope(scope);
    let (key_a, key_b) = match group_by {
        GroupBy::Action => ("x.action", "x.action"),
        _ => ("x.i", "b.i"),
    };
    let spill_end = "CASE WHEN x.en < b.e THEN x.en ELSE b.e END";
    q.text = format!(
        "WITH b (i, s, e) AS ({buckets}), \
         x AS (\
           SELECT b.i AS i, u.action AS action, u.started_ms AS st, u.ended_ms AS en, b.e AS be \
           FROM b JOIN usage_entries u ON u.started_ms >= b.s AND u.started_ms < b.e \
           WHERE u.ended_ms IS NOT NULL AND {scope_a} \
           UNION ALL \
           SELECT -1, u.action, u.started_ms, u.ended_ms, {first_a} FROM usage_entries u \
           WHERE u.started_ms < {first_b} AND u.ended_ms > {first_c} AND {scope_b}) \
         SELECT k, {sum_ms} AS ms, {sum_n} AS n FROM (\
           SELECT {key_a} AS k, SUM(CASE WHEN x.en < x.be THEN x.en ELSE x.be END - x.st) AS ms, COUNT(*) AS n \
           FROM x WHERE x.i >= 0 GROUP BY {key_a} \
           UNION ALL \
           SELECT {key_b} AS k, SUM({spill_end} - b.s) AS ms, COUNT(*) AS n \
           FROM x JOIN b ON b.s >= x.be AND b.s < x.en GROUP BY {key_b}\
         ) t GROUP BY k",
        buckets = b.join(" UNION ALL "),
        sum_ms = q.int("SUM(ms)"),
        sum_n = q.int("SUM(n)"),
    );
    let statement = Statement::from_sql_and_values(q.backend, q.text, q.values);
    let rows = conn.query_all_raw(statement).await?;
    rows.into_iter()
        .map(|r| {
            let (bucket, action) = match group_by {
                GroupBy::Action => (None, Some(r.try_get::<String>("", "k")?)),
                _ => (Some(r.try_get::<i64>("", "k")?), None),
            };
            Ok(Row {
                bucket,
                action,
                ms: r.try_get::<Option<i64>>("", "ms")?.unwrap_or(0),
                entries: r.try_get::<Option<i64>>("", "n")?.unwrap_or(0),
            })
        })
        .collect()
}
