//! Caregivers on `/api/v1`: a driver invites an emergency contact and manages the links
//! (`/api/v1/me/caregivers`); the invited person accepts (`/api/v1/caregivers/accept`) and
//! follows, read-only and audited, the parking of the people they care for
//! (`/api/v1/caring-for`). docs/PARKING.md explains the rules.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use campus_domain::parking::CaregiverLink;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Routes;
use super::parking::{ParkingEventDetail, ScoreView, detail_view};
use crate::api::routing::routes;
use crate::auth::{AuthUser, Meta};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![
        routes!(invite, my_caregivers),
        routes!(end_link),
        routes!(accept),
        routes!(cared_for),
        routes!(view, step_down),
    ]
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// One of the caller's emergency contacts, with an email address.
    pub contact_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteResponse {
    pub link: CaregiverLink,
    /// Give this to the contact (shown once); they accept it signed in with the invited
    /// email address.
    pub invite_token: String,
}

/// Invites one of the caller's emergency contacts to follow their parking.
#[utoipa::path(post, path = "/api/v1/me/caregivers", tag = "parking", security(("bearer" = [])),
    request_body = InviteRequest, responses((status = 201, body = InviteResponse),
        (status = 404, description = "No such contact of the caller's"),
        (status = 422, description = "The contact has no email address")))]
pub async fn invite(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Json(b): Json<InviteRequest>,
) -> Result<(StatusCode, Json<InviteResponse>), ApiError> {
    let invitation = state
        .parking()
        .invite_caregiver(&who, b.contact_id, &meta)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(InviteResponse {
            link: invitation.link,
            invite_token: invitation.token,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaregiverList {
    pub caregivers: Vec<CaregiverLink>,
}

/// The caller's caregiver links, newest first.
#[utoipa::path(get, path = "/api/v1/me/caregivers", tag = "parking", security(("bearer" = [])),
    responses((status = 200, body = CaregiverList)))]
pub async fn my_caregivers(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
) -> Result<Json<CaregiverList>, ApiError> {
    Ok(Json(CaregiverList {
        caregivers: state.parking().caregivers(&who).await?,
    }))
}

/// Ends one of the caller's caregiver links; the caregiver's access ends at once.
#[utoipa::path(delete, path = "/api/v1/me/caregivers/{id}", tag = "parking", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204, description = "Ended"), (status = 404, description = "No such link of the caller's")))]
pub async fn end_link(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .parking()
        .end_caregiving(&who, Some(id), None, &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    pub token: String,
}

/// Accepts an invitation (signed in with the invited email address).
#[utoipa::path(post, path = "/api/v1/caregivers/accept", tag = "parking", security(("bearer" = [])),
    request_body = AcceptRequest, responses((status = 200, body = CaregiverLink),
        (status = 404, description = "No such pending invitation for this account")))]
pub async fn accept(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Json(b): Json<AcceptRequest>,
) -> Result<Json<CaregiverLink>, ApiError> {
    Ok(Json(
        state.parking().accept_caregiver(&who, &b.token, &meta).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaredForList {
    pub people: Vec<CaregiverLink>,
}

/// The people the caller cares for.
#[utoipa::path(get, path = "/api/v1/caring-for", tag = "parking", security(("bearer" = [])),
    responses((status = 200, body = CaredForList)))]
pub async fn cared_for(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
) -> Result<Json<CaredForList>, ApiError> {
    Ok(Json(CaredForList {
        people: state.parking().cared_for(&who).await?,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaregiverParkingView {
    /// The current event (active or being retrieved), or null.
    pub current: Option<ParkingEventDetail>,
    /// Watched scores, newest first.
    pub scores: Vec<ScoreView>,
}

/// Read-only: the current parking event and score history of someone the caller cares for.
/// Audited.
#[utoipa::path(get, path = "/api/v1/caring-for/{user_id}/parking", tag = "parking", security(("bearer" = [])),
    params(("user_id" = i64, Path)), responses((status = 200, body = CaregiverParkingView),
        (status = 404, description = "The caller is not this person's caregiver")))]
pub async fn view(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    headers: HeaderMap,
    Path(user_id): Path<i64>,
) -> Result<Json<CaregiverParkingView>, ApiError> {
    let v = state.parking().caregiver_view(&who, user_id, &meta).await?;
    let current = match v.current {
        Some(d) => Some(detail_view(&state, &headers, d).await),
        None => None,
    };
    Ok(Json(CaregiverParkingView {
        current,
        scores: v.scores.into_iter().map(|r| r.score.into()).collect(),
    }))
}

/// The caller stops caring for `user_id`.
#[utoipa::path(delete, path = "/api/v1/caring-for/{user_id}", tag = "parking", security(("bearer" = [])),
    params(("user_id" = i64, Path)), responses((status = 204, description = "Ended"), (status = 404, description = "Not linked")))]
pub async fn step_down(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Meta(meta): Meta,
    Path(user_id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .parking()
        .end_caregiving(&who, None, Some(user_id), &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
