//! The usage service: start, heartbeat, stop, the current entry, lists, the idle sweep, and
//! summaries. Starting an entry closes the open one (`replaced`), as seed 000 does.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::DatabaseConnection;
use serde_json::json;

use campus_config::TrackingSettings;

use super::error::UsageError;
use super::model::{EndReason, Entry, NewEntry, round2};
use super::policy::{self, Reach};
use super::repo;
use super::summary::{GroupBy, Period, Scope, Summary, SummaryBucket, SummaryRequest, parse_tz};
use super::summary_query;
use crate::RequestMeta;
use crate::audit::{self, AuditEntry};
use crate::clock::{SharedClock, SystemClock};
use crate::identity::Principal;
use crate::identity::roles::{RecordKeepers, RoleSet};
use crate::pagination::{Page, PageRequest};
use crate::retry::retry_transient;

/// Most entries one seed 000 log or report returns (the newest, in start order).
pub const MAX_LOG_ENTRIES: u64 = 10_000;
/// Most entries one export holds.
pub const MAX_EXPORT_ROWS: u64 = 100_000;

/// Which entries a list returns.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    /// `None`: the caller's own.
    pub user_id: Option<i64>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub action: Option<String>,
}

/// The usage service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Usage {
    db: DatabaseConnection,
    clock: SharedClock,
    settings: Arc<TrackingSettings>,
    school_tz: Tz,
}

impl Usage {
    pub fn new(db: DatabaseConnection, settings: &TrackingSettings) -> Self {
        Self {
            db,
            clock: Arc::new(SystemClock),
            school_tz: settings.timezone.parse().unwrap_or(Tz::UTC),
            settings: Arc::new(settings.clone()),
        }
    }

    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The school's zone (`tracking.timezone`): seed 000 shows its times in it.
    pub fn school_tz(&self) -> Tz {
        self.school_tz
    }

    /// Starts an entry for `user_id` (the caller, or anyone for staff), closing the open one.
    pub async fn start(&self, who: &Principal, user_id: i64, entry: NewEntry) -> Result<Entry, UsageError> {
        let entry = entry.validated().map_err(UsageError::Invalid)?;
        policy::check_write(&self.db, who, user_id).await?;
        self.begin(user_id, entry).await
    }

    /// Starts the seed's "login" entry ("User logged in") for a user who just signed in.
    pub async fn start_login(&self, user_id: i64, source: super::Source) -> Result<Entry, UsageError> {
        let entry = NewEntry {
            action: "login".to_owned(),
            details: Some("User logged in".to_owned()),
            source,
        };
        self.begin(user_id, entry).await
    }

    async fn begin(&self, user_id: i64, entry: NewEntry) -> Result<Entry, UsageError> {
        retry_transient(|| async {
            let txn = campus_db::begin_write(&self.db).await?;
            // Holding the user's row makes concurrent starts of one user take turns, so at
            // most one entry stays open.
            crate::identity::repo::lock_user(&txn, user_id)
                .await?
                .ok_or(UsageError::NotFound("user"))?;
            let now = self.now_ms();
            repo::close_open(&txn, user_id, now, EndReason::Replaced, None).await?;
            let row = repo::insert(&txn, user_id, entry.clone(), now).await?;
            txn.commit().await?;
            Ok(Entry::from(row))
        })
        .await
    }

    /// The open entry of `user_id`, if any.
    pub async fn current(&self, who: &Principal, user_id: i64) -> Result<Option<Entry>, UsageError> {
        policy::check_read(&self.db, who, user_id).await?;
        Ok(repo::open_entry(&self.db, user_id).await?.map(Entry::from))
    }

    /// A sign of life for the caller's open entry.
    pub async fn heartbeat(&self, who: &Principal) -> Result<Entry, UsageError> {
        let open = repo::open_entry(&self.db, who.user_id)
            .await?
            .ok_or(UsageError::NotFound("open usage entry"))?;
        let now = self.now_ms().max(open.last_seen_ms);
        if !repo::heartbeat(&self.db, open.id, now).await? {
            return Err(UsageError::NotFound("open usage entry"));
        }
        Ok(Entry::from(campus_db::entities::usage_entries::Model {
            last_seen_ms: now,
            heartbeats: open.heartbeats + 1,
            ..open
        }))
    }

    /// Stops `user_id`'s open entries (only those named `action`, if given); the entries as
    /// stopped. Nothing open is `NotFound`.
    pub async fn stop_current(
        &self,
        who: &Principal,
        user_id: i64,
        action: Option<&str>,
    ) -> Result<Vec<Entry>, UsageError> {
        policy::check_write(&self.db, who, user_id).await?;
        let action = action.map(str::trim).filter(|a| !a.is_empty());
        let closed = retry_transient(|| async {
            let txn = campus_db::begin_write(&self.db).await?;
            let closed = repo::close_open(&txn, user_id, self.now_ms(), EndReason::Stopped, action).await?;
            txn.commit().await?;
            Ok::<_, UsageError>(closed)
        })
        .await?;
        if closed.is_empty() {
            return Err(UsageError::NotFound("open usage entry"));
        }
        Ok(closed.into_iter().map(Entry::from).collect())
    }

    /// Stops entry `id` if it is open; an entry already ended is returned as it is.
    pub async fn stop(&self, who: &Principal, id: i64) -> Result<Entry, UsageError> {
        use sea_orm::EntityTrait;
        let row = campus_db::entities::usage_entries::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(UsageError::NotFound("usage entry"))?;
        match policy::check_write(&self.db, who, row.user_id).await {
            Ok(_) => {}
            Err(UsageError::Forbidden) => return Err(UsageError::NotFound("usage entry")),
            Err(e) => return Err(e),
        }
        if row.ended_ms.is_some() {
            return Ok(row.into());
        }
        let txn = campus_db::begin_write(&self.db).await?;
        let closed = repo::close_open(&txn, row.user_id, self.now_ms(), EndReason::Stopped, None).await?;
        txn.commit().await?;
        let mine = closed.into_iter().find(|c| c.id == id);
        match mine {
            Some(m) => Ok(m.into()),
            None => {
                // Closed meanwhile by someone else (idle sweep, logout): show it as it is.
                let row = campus_db::entities::usage_entries::Entity::find_by_id(id)
                    .one(&self.db)
                    .await?
                    .ok_or(UsageError::NotFound("usage entry"))?;
                Ok(row.into())
            }
        }
    }

    /// Closes entries idle past `tracking.idle_timeout_secs`; how many. Any instance may run it.
    pub async fn sweep_idle(&self) -> Result<u64, UsageError> {
        let s = &self.settings;
        let cutoff = self.now_ms() - i64::try_from(s.idle_timeout_secs * 1000).unwrap_or(i64::MAX);
        let grace = i64::try_from(s.idle_grace_secs * 1000).unwrap_or(0);
        Ok(repo::close_idle(&self.db, cutoff, grace, !s.close_idle_without_heartbeats).await?)
    }

    /// Entries `who` may see, filtered, in id order.
    pub async fn list(
        &self,
        who: &Principal,
        filter: &EntryFilter,
        page: PageRequest,
        meta: &RequestMeta,
    ) -> Result<Page<Entry>, UsageError> {
        let (users, range) = self.listed(who, filter, meta).await?;
        let rows = repo::list(
            &self.db,
            users.as_deref(),
            range,
            filter.action.as_deref(),
            page.after_id,
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(Entry::from))
    }

    /// Every entry the list would page through (at most [`MAX_EXPORT_ROWS`]), handed to
    /// `sink` in id order; access is checked (and a staff read audited) once.
    pub async fn export<E>(
        &self,
        who: &Principal,
        filter: &EntryFilter,
        meta: &RequestMeta,
        mut sink: impl FnMut(Entry) -> Result<(), E>,
    ) -> Result<Result<u64, E>, UsageError> {
        let (users, range) = self.listed(who, filter, meta).await?;
        let (mut after, mut n) = (None, 0u64);
        while n < MAX_EXPORT_ROWS {
            let rows = repo::list(
                &self.db,
                users.as_deref(),
                range,
                filter.action.as_deref(),
                after,
                1000.min(MAX_EXPORT_ROWS - n),
            )
            .await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id);
            for row in rows {
                n += 1;
                if let Err(e) = sink(row.into()) {
                    return Ok(Err(e));
                }
            }
        }
        Ok(Ok(n))
    }

    /// Whose entries a list or export covers (checking, and auditing, a read of someone
    /// else's) and its start-time range in Unix milliseconds.
    async fn listed(
        &self,
        who: &Principal,
        filter: &EntryFilter,
        meta: &RequestMeta,
    ) -> Result<(Option<Vec<i64>>, (Option<i64>, Option<i64>)), UsageError> {
        let users = match filter.user_id {
            Some(id) => {
                self.read_access(who, id, meta).await?;
                Some(vec![id])
            }
            None if RecordKeepers::contains(who.role) => None,
            None => Some(vec![who.user_id]),
        };
        let range = (
            filter.from.map(|t| t.timestamp_millis()),
            filter.to.map(|t| t.timestamp_millis()),
        );
        Ok((users, range))
    }

    /// A user's entries in start order (the newest [`MAX_LOG_ENTRIES`]): seed 000's log.
    pub async fn log(
        &self,
        who: &Principal,
        user_id: i64,
        meta: &RequestMeta,
    ) -> Result<Vec<Entry>, UsageError> {
        self.read_access(who, user_id, meta).await?;
        let rows = repo::log(&self.db, user_id, MAX_LOG_ENTRIES).await?;
        Ok(rows.into_iter().map(Entry::from).collect())
    }

    /// Checks read access and audits a staff read of someone else's usage.
    async fn read_access(&self, who: &Principal, user_id: i64, meta: &RequestMeta) -> Result<(), UsageError> {
        if policy::check_read(&self.db, who, user_id).await? == Reach::Staff {
            audit::record(
                &self.db,
                meta,
                AuditEntry::new("usage.viewed")
                    .actor(Some(who.user_id))
                    .target("user", user_id),
            )
            .await?;
        }
        Ok(())
    }

    /// The zone a summary uses: the request's, else the reader's profile's, else the school's.
    pub fn zone(&self, asked: Option<&str>, profile: Option<&str>) -> Result<Tz, UsageError> {
        match asked.map(str::trim).filter(|s| !s.is_empty()) {
            Some(name) => Ok(parse_tz("tz", name)?),
            None => Ok(profile.and_then(|p| p.parse().ok()).unwrap_or(self.school_tz)),
        }
    }

    /// Seconds per bucket for a user (whom `who` may read) or a class (staff only).
    pub async fn summary(
        &self,
        who: &Principal,
        request: SummaryRequest,
        profile_tz: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<Summary, UsageError> {
        let tz = self.zone(request.tz.as_deref(), profile_tz)?;
        let period = Period::new(tz, request.from, request.to, self.clock.now())?;
        match &request.scope {
            Scope::User(id) => self.read_access(who, *id, meta).await?,
            Scope::Class { class_level, section } => {
                if !RecordKeepers::contains(who.role) {
                    return Err(UsageError::Forbidden);
                }
                audit::record(
                    &self.db,
                    meta,
                    AuditEntry::new("usage.class_viewed")
                        .actor(Some(who.user_id))
                        .after(json!({"class_level": class_level, "section": section})),
                )
                .await?;
            }
        }
        let spans = period.buckets(request.group_by);
        let ms: Vec<(i64, i64)> = spans
            .iter()
            .map(|(_, s, e)| (s.timestamp_millis(), e.timestamp_millis()))
            .collect();
        let rows = summary_query::run(&self.db, &request.scope, request.group_by, &ms).await?;
        let bucket = |key: String, start, end, ms: i64| SummaryBucket {
            key,
            start,
            end,
            seconds: round2(ms as f64 / 1000.0),
        };
        let buckets: Vec<SummaryBucket> = if request.group_by == GroupBy::Action {
            let (start, end) = period.bounds();
            let mut b: Vec<SummaryBucket> = rows
                .into_iter()
                .map(|r| bucket(r.action.unwrap_or_default(), start, end, r.ms))
                .collect();
            b.sort_by(|x, y| y.seconds.total_cmp(&x.seconds).then_with(|| x.key.cmp(&y.key)));
            b
        } else {
            let mut totals = vec![0i64; spans.len()];
            for r in rows {
                if let Some(t) = r
                    .bucket
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| totals.get_mut(i))
                {
                    *t = r.ms;
                }
            }
            spans
                .into_iter()
                .zip(totals)
                .map(|((key, s, e), ms)| bucket(key, s, e, ms))
                .collect()
        };
        // Folded from +0.0: an empty float sum is -0.0.
        let total_ms = buckets.iter().map(|b| b.seconds).fold(0.0, |a, s| a + s);
        Ok(Summary {
            scope: request.scope,
            group_by: request.group_by,
            tz: tz.name().to_owned(),
            from: period.from,
            to: period.to,
            total_sec: round2(total_ms),
            buckets,
        })
    }
}

/// A local date's midnight as an instant (used to turn `from`/`to` dates into list bounds).
pub fn local_day_start(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    Period {
        tz,
        from: date,
        to: date,
    }
    .day_start(date)
}
