//! What every portal page carries: who is signed in, the nav their role may use, their display
//! preferences, the CSRF token, the unread count, a notice and an error summary.

use askama::Template;
use campus_domain::identity::{Role, User};

use crate::error::ApiError;
use crate::web::pages::{Notice, Prefs};

/// One link of the main navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// A field error in the summary at the top of a form, linking to the field's id.
#[derive(Debug, Clone)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct AppChrome {
    /// The signed-in user's display name (`None` on the sign-in and error pages).
    pub name: Option<String>,
    pub role: &'static str,
    pub nav: Vec<NavItem>,
    pub prefs: Prefs,
    pub csrf: String,
    pub unread: u64,
    pub notice: Option<Notice>,
    pub errors: Vec<FieldProblem>,
}

/// The pages a role's nav offers, in order.
fn nav_for(role: Role) -> Vec<(&'static str, &'static str)> {
    let mut items = vec![("/app", "Home")];
    match role {
        Role::Parent => items.push(("/app/students", "My children")),
        Role::Student => items.extend([("/app/students", "My record"), ("/app/courses", "Courses")]),
        Role::Teacher => items.extend([
            ("/app/students", "Students"),
            ("/app/attendance", "Attendance"),
            ("/app/gradebook", "Gradebook"),
            ("/app/notify", "Message a class"),
        ]),
        Role::Finance => items.extend([
            ("/app/finance/dues", "Dues"),
            ("/app/finance/reports", "Reports"),
            ("/app/students", "Students"),
            ("/app/courses", "Courses"),
        ]),
        Role::Admin => items.extend([
            ("/app/students", "Students"),
            ("/app/attendance", "Attendance"),
            ("/app/gradebook", "Gradebook"),
            ("/app/finance/dues", "Dues"),
            ("/app/courses", "Courses"),
            ("/app/admin/import", "Import"),
            ("/app/admin/users", "Users"),
            ("/app/admin/audit", "Audit log"),
            ("/app/admin/status", "Status"),
        ]),
        Role::User => {}
    }
    items.push(("/app/notifications", "Notifications"));
    items.push(("/app/account", "Account"));
    items
}

impl AppChrome {
    /// The chrome of a page nobody is signed in to.
    pub fn anonymous(csrf: String) -> Self {
        Self {
            csrf,
            ..Self::default()
        }
    }

    pub fn for_user(user: &User, csrf: String, unread: u64, path: &str) -> Self {
        let nav = nav_for(user.role)
            .into_iter()
            .map(|(href, label)| NavItem {
                href,
                label,
                current: if href == "/app" {
                    path == "/app"
                } else {
                    path == href || path.starts_with(&format!("{href}/"))
                },
            })
            .collect();
        Self {
            name: Some(user.display_name().to_owned()),
            role: user.role.title_case(),
            nav,
            prefs: Prefs {
                text_size: user.text_size.clone(),
                high_contrast: user.high_contrast_mode,
            },
            csrf,
            unread,
            notice: None,
            errors: Vec::new(),
        }
    }

    #[must_use]
    pub fn notice(mut self, notice: Notice) -> Self {
        self.notice = Some(notice);
        self
    }

    /// Shows `err` at the top of the page: its sentence, and each field it names in the error
    /// summary.
    pub fn failed(&mut self, err: &ApiError) {
        let report = err.report();
        self.errors = report
            .errors
            .iter()
            .map(|e| FieldProblem {
                field: e.field.clone(),
                message: e.message.clone(),
            })
            .collect();
        self.notice = Some(Notice::error(err.code(), report.detail.clone()));
    }

    /// Points the error summary's links for `from` at the field `to` (a form whose field ids
    /// differ from the service's field names).
    pub fn rename_field(&mut self, from: &str, to: &str) {
        for e in &mut self.errors {
            if e.field == from {
                e.field = to.to_owned();
            }
        }
    }

    /// The portal says what went wrong in words; codes are for API clients.
    pub fn shows_codes(&self) -> bool {
        false
    }

    pub fn has_nav(&self, href: &str) -> bool {
        self.nav.iter().any(|n| n.href == href)
    }
}

/// The portal's error page.
#[derive(Template, Debug)]
#[template(path = "app/error.html")]
pub struct ErrorPage {
    pub chrome: AppChrome,
    pub status: u16,
    pub title: String,
    pub message: String,
}
