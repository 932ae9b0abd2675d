//! Parking (seed 001, MemoPark): a memory aid for drivers who forget where they parked.
//! Events with landmarks, a photo per event (a key into the blob store), and a cognitive
//! score computed once on arrival. Every event belongs to one user and only that user
//! reaches it.

pub mod caregivers;
mod error;
pub mod model;
mod parts;
pub mod policy;
mod repo;
pub mod score;
mod service;

pub use caregivers::{CaregiverLink, CaregiverView, Invitation};
pub use error::ParkingError;
pub use model::{
    EventDetail, EventUpdate, MAX_LANDMARKS_PER_EVENT, MAX_LANDMARKS_PER_REQUEST, ManualScore, NewEvent,
    NewLandmark, ParkingType, ScoredEvent, Status,
};
pub use service::Parking;
