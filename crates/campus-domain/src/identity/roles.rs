//! The sets of roles the rules speak of, named once. Services ask `RoleSet::contains`; the
//! HTTP edge turns the same sets into gates (`RequireRole<FinanceStaff>`), so a handler's
//! signature shows who may call it and a rule never spells a list of roles by hand.

use super::model::Role;

/// A named set of roles.
pub trait RoleSet: Send + Sync + 'static {
    const ROLES: &'static [Role];

    fn contains(role: Role) -> bool {
        Self::ROLES.contains(&role)
    }
}

/// Administrators.
#[derive(Debug)]
pub struct Admins;

impl RoleSet for Admins {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// Who keeps school records: grades, attendance, activities, lookups, documents, imports.
#[derive(Debug)]
pub struct RecordKeepers;

impl RoleSet for RecordKeepers {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Teacher];
}

/// Staff who see every student's record (the finance office reads records to bill them).
#[derive(Debug)]
pub struct SchoolStaff;

impl RoleSet for SchoolStaff {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Teacher, Role::Finance];
}

/// Who handles everyone's money: reports, payments at the counter, reversals, the catalogue.
#[derive(Debug)]
pub struct FinanceStaff;

impl RoleSet for FinanceStaff {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Finance];
}

/// Who reaches records through a link: a student their own, a parent their children's.
#[derive(Debug)]
pub struct Families;

impl RoleSet for Families {
    const ROLES: &'static [Role] = &[Role::Student, Role::Parent];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_set_holds_exactly_its_roles() {
        let members = |f: fn(Role) -> bool| Role::ALL.into_iter().filter(|r| f(*r)).collect::<Vec<_>>();
        assert_eq!(members(Admins::contains), [Role::Admin]);
        assert_eq!(members(RecordKeepers::contains), [Role::Admin, Role::Teacher]);
        assert_eq!(
            members(SchoolStaff::contains),
            [Role::Admin, Role::Teacher, Role::Finance]
        );
        assert_eq!(members(FinanceStaff::contains), [Role::Admin, Role::Finance]);
        assert_eq!(members(Families::contains), [Role::Student, Role::Parent]);
    }
}
