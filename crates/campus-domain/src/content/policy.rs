//! Who may read and change content.
//!
//! | what | who |
//! |---|---|
//! | subject and class lookups, documents | anyone (seed 000 left them open) |
//! | roll, name and marks lookups, the marks query | record keepers: they identify children |
//! | adding lookups, writing documents | record keepers |

use super::error::ContentError;
use super::model::MarkColumn;
use crate::identity::Principal;
use crate::identity::roles::{RecordKeepers, RoleSet};

/// Columns whose values identify children.
pub fn is_personal(column: MarkColumn) -> bool {
    matches!(column, MarkColumn::Roll | MarkColumn::Name | MarkColumn::Marks)
}

/// Whether reading `column`'s values needs a signed-in record keeper (a surface that serves
/// the open columns anonymously authenticates only for these).
pub fn lookup_needs_staff(column: MarkColumn) -> bool {
    is_personal(column)
}

/// `who` may read `column`'s values.
pub fn check_read_lookups(who: Option<&Principal>, column: MarkColumn) -> Result<(), ContentError> {
    match who {
        _ if !lookup_needs_staff(column) => Ok(()),
        Some(who) => check_staff(who),
        None => Err(ContentError::Forbidden),
    }
}

/// `who` keeps records: may change content and read children's data. Surfaces that refuse
/// before reading a request's body call this first; the service checks again.
pub fn check_staff(who: &Principal) -> Result<(), ContentError> {
    if RecordKeepers::contains(who.role) {
        Ok(())
    } else {
        Err(ContentError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;

    #[test]
    fn personal_columns_need_a_record_keeper_and_open_ones_need_no_one() {
        let as_role = |role| Principal::acting_as(1, role);
        for column in [MarkColumn::Subject, MarkColumn::Class] {
            assert!(check_read_lookups(None, column).is_ok());
        }
        for column in [MarkColumn::Roll, MarkColumn::Name, MarkColumn::Marks] {
            assert!(check_read_lookups(None, column).is_err());
            assert!(check_read_lookups(Some(&as_role(Role::Teacher)), column).is_ok());
            for role in [Role::Finance, Role::Parent, Role::Student, Role::User] {
                assert!(
                    check_read_lookups(Some(&as_role(role)), column).is_err(),
                    "{role}"
                );
            }
        }
    }
}
