//! Reading the trail. Writing it is [`super::record`], called by every service inside the
//! transaction of the change it describes.

use sea_orm::DatabaseConnection;

use super::error::AuditError;
use super::model::{AuditFilter, AuditRecord};
use super::repo;
use crate::identity::Principal;
use crate::identity::roles::{Admins, RoleSet};
use crate::pagination::{Page, PageRequest};

/// The audit trail, for administrators. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Audit {
    pub(super) db: DatabaseConnection,
}

impl Audit {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Events matching `filter`, newest first.
    pub async fn trail(
        &self,
        who: &Principal,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditRecord>, AuditError> {
        if !Admins::contains(who.role) {
            return Err(AuditError::Forbidden);
        }
        Ok(repo::list(&self.db, filter, page).await?)
    }
}
