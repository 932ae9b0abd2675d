//! Identity: one user base for every surface. Registration, login, access tokens with
//! rotating refresh tokens, revocation, profiles, emergency contacts and user administration.

mod admin;
pub mod error;
mod logout;
pub mod model;
pub mod password;
mod profile;
mod registration;
pub mod repo;
mod reset;
pub mod roles;
mod service;
pub mod sessions;
mod throttle;
pub mod tokens;
mod web;

pub use admin::{AdminUserPatch, NewUserByAdmin};
pub use error::{AuthFailure, IdentityError};
pub use model::{Email, PasswordPolicy, Role, User, Username};
pub use profile::{ContactInput, ContactPatch, EmergencyContact, ProfilePatch};
pub use registration::{Registration, RegistrationPermit};
pub use service::{Identity, LoginOutcome, LoginRequest, TokenLifetime};
pub use sessions::{Principal, SessionBroadcast, SessionChange};
pub use web::{NewWebSession, WebSessionInfo};
