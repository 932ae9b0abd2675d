//! Whose parking data is whose: a user reaches only their own events; anyone else's is
//! "not found", so existence does not leak.

use sea_orm::ConnectionTrait;

use campus_db::entities::parking_events;

use super::error::ParkingError;
use super::repo;
use crate::identity::Principal;

/// The caller's own event `id`.
pub(crate) async fn own_event(
    conn: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> Result<parking_events::Model, ParkingError> {
    repo::event(conn, id)
        .await?
        .filter(|e| e.user_id == who.user_id)
        .ok_or(ParkingError::NotFound("Parking event"))
}

/// Refuses a photo key outside the caller's own folder of the blob store (`user_<id>/...`),
/// naming `field`; surfaces call it before they read an object a client named.
pub fn check_own_key(who: &Principal, key: &str, field: &'static str) -> Result<(), ParkingError> {
    let own = key
        .strip_prefix(&format!("user_{}/", who.user_id))
        .is_some_and(|rest| !rest.is_empty());
    if own {
        Ok(())
    } else {
        Err(crate::validation::FieldIssue::new(field, "not_yours", "must be a key in your own folder").into())
    }
}
