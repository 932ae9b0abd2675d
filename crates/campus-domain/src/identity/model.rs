//! Identity value types. Each `parse` returns a valid value or says what is wrong, so the
//! rest of the code never handles an invalid email, role or password.

use campus_config::PasswordPolicySettings;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What a user may do. Stored lower-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Teacher,
    Finance,
    Student,
    Parent,
    User,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Teacher,
        Role::Finance,
        Role::Student,
        Role::Parent,
        Role::User,
    ];

    /// Case-insensitive: `Admin`, `admin` and `ADMIN` are the same role.
    pub fn parse(text: &str) -> Option<Role> {
        let lower = text.trim().to_ascii_lowercase();
        Role::ALL.into_iter().find(|r| r.as_str() == lower)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Teacher => "teacher",
            Role::Finance => "finance",
            Role::Student => "student",
            Role::Parent => "parent",
            Role::User => "user",
        }
    }

    /// Seed 003's capitalised spelling (`Admin`, `Teacher`, ...).
    pub fn title_case(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Teacher => "Teacher",
            Role::Finance => "Finance",
            Role::Student => "Student",
            Role::Parent => "Parent",
            Role::User => "User",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A lower-cased, plausible email address of at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, &'static str> {
        let email = text.trim().to_lowercase();
        if email.is_empty() {
            return Err("is required");
        }
        if email.len() > 254 {
            return Err("must be at most 254 characters");
        }
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if valid {
            Ok(Email(email))
        } else {
            Err("must be a valid email address")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A login name: 1 to 150 characters, no whitespace or control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(text: &str) -> Result<Username, &'static str> {
        let name = text.trim();
        if name.is_empty() {
            return Err("is required");
        }
        if name.chars().count() > 150 {
            return Err("must be at most 150 characters");
        }
        if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain spaces or control characters");
        }
        Ok(Username(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Characters that count as "special" in the password policy (seed 004's set).
pub const PASSWORD_SPECIALS: &str = "!@#$%^&*(),.?\":{}|<>";
/// Longest accepted password; bounds the cost of hashing attacker-chosen input.
pub const PASSWORD_MAX_LEN: usize = 1024;

/// The configured rules for new passwords.
#[derive(Debug, Clone)]
pub struct PasswordPolicy(PasswordPolicySettings);

impl PasswordPolicy {
    pub fn new(settings: PasswordPolicySettings) -> Self {
        Self(settings)
    }

    /// One sentence describing the rule, used in error messages.
    pub fn describe(&self) -> String {
        let s = &self.0;
        let mut parts = Vec::new();
        if s.require_uppercase {
            parts.push("an uppercase letter");
        }
        if s.require_lowercase {
            parts.push("a lowercase letter");
        }
        if s.require_digit {
            parts.push("a number");
        }
        if s.require_special {
            parts.push("a special character");
        }
        let mut text = format!("Password must be at least {} characters long", s.min_length);
        if !parts.is_empty() {
            let last = parts.pop().unwrap_or_default();
            let list = if parts.is_empty() {
                last.to_owned()
            } else {
                format!("{}, and {last}", parts.join(", "))
            };
            text.push_str(" and contain ");
            text.push_str(&list);
        }
        text.push('.');
        text
    }

    /// Checks `password` for a new account or a password change.
    pub fn check(&self, password: &str, username: Option<&str>, email: Option<&str>) -> Result<(), String> {
        let s = &self.0;
        let fails_rule = password.chars().count() < s.min_length
            || (s.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()))
            || (s.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()))
            || (s.require_digit && !password.chars().any(|c| c.is_ascii_digit()))
            || (s.require_special && !password.chars().any(|c| PASSWORD_SPECIALS.contains(c)));
        if fails_rule {
            return Err(self.describe());
        }
        if password.len() > PASSWORD_MAX_LEN {
            return Err(format!("Password must be at most {PASSWORD_MAX_LEN} bytes long."));
        }
        let lowered = password.to_lowercase();
        if username.is_some_and(|u| u.to_lowercase() == lowered)
            || email.is_some_and(|e| e.to_lowercase() == lowered)
        {
            return Err("Password must not be the same as the username or email.".to_owned());
        }
        Ok(())
    }
}

/// Seed 001's text size preference.
pub const TEXT_SIZES: [&str; 3] = ["small", "medium", "large"];
/// Seed 001's icon size preference.
pub const ICON_SIZES: [&str; 3] = ["default", "medium", "large"];

/// A user as the domain sees it (no password hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: Option<String>,
    pub email: Option<String>,
    pub name: String,
    pub role: Role,
    pub date_of_birth: Option<NaiveDate>,
    pub age: Option<i32>,
    pub gender: Option<String>,
    pub language: String,
    pub text_size: String,
    pub icon_size: String,
    pub high_contrast_mode: bool,
    /// IANA time zone for the user's summaries; `None`: the school's.
    pub timezone: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    pub(crate) fn from_model(m: campus_db::entities::users::Model) -> Self {
        Self {
            id: m.id,
            role: Role::parse(&m.role).unwrap_or(Role::User),
            username: m.username,
            email: m.email,
            name: m.name,
            date_of_birth: m.date_of_birth,
            age: m.age,
            gender: m.gender,
            language: m.language,
            text_size: m.text_size,
            icon_size: m.icon_size,
            high_contrast_mode: m.high_contrast_mode,
            timezone: m.timezone,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }

    /// The name to show: the full name, else the username, else the email.
    pub fn display_name(&self) -> &str {
        if !self.name.is_empty() {
            &self.name
        } else {
            self.username
                .as_deref()
                .or(self.email.as_deref())
                .unwrap_or_default()
        }
    }
}

/// An emergency contact as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmergencyContact {
    pub id: i64,
    pub name: String,
    pub relation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub allow_alerts: bool,
    pub is_primary: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<campus_db::entities::emergency_contacts::Model> for EmergencyContact {
    fn from(m: campus_db::entities::emergency_contacts::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            relation: m.relation,
            email: m.email,
            phone: m.phone,
            allow_alerts: m.allow_alerts,
            is_primary: m.is_primary,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_case_insensitively() {
        assert_eq!(Role::parse("Admin"), Some(Role::Admin));
        assert_eq!(Role::parse(" PARENT "), Some(Role::Parent));
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            Email::parse(" Ann@School.Example ").unwrap().as_str(),
            "ann@school.example"
        );
        for bad in [
            "", "ann", "ann@", "@x.y", "ann@x", "a b@x.y", "a@b@c.d", "ann@.x", "ann@x.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usernames_refuse_spaces_and_overlong_names() {
        assert!(Username::parse("student1").is_ok());
        assert!(Username::parse("a b").is_err());
        assert!(Username::parse(&"x".repeat(151)).is_err());
        assert!(Username::parse("  ").is_err());
    }

    #[test]
    fn default_policy_is_seed_004s_rule() {
        let policy = PasswordPolicy::new(PasswordPolicySettings::default());
        assert!(policy.check("Str0ng!pass", None, None).is_ok());
        for weak in [
            "password123",
            "Sh0rt!",
            "alllower1!",
            "ALLUPPER1!",
            "NoDigits!!",
            "NoSpecial12",
        ] {
            let err = policy.check(weak, None, None).unwrap_err();
            assert_eq!(
                err,
                "Password must be at least 8 characters long and contain an uppercase letter, \
                 a lowercase letter, a number, and a special character."
            );
        }
        assert!(
            policy
                .check("Ann@School.ex1", None, Some("ann@school.ex1"))
                .is_err()
        );
        assert!(
            policy
                .check(&format!("Aa1!{}", "x".repeat(2000)), None, None)
                .is_err()
        );
    }
}
