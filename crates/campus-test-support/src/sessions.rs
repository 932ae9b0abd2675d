//! Users and tokens for tests: `app.session("teacher")` creates a user with that role through
//! the identity service and logs in over HTTP, returning a bearer token.

use campus_domain::RequestMeta;
use campus_domain::identity::{NewUserByAdmin, Registration, Role};
use serde_json::json;

use crate::TestApp;

/// Password every test user gets; it satisfies the default policy.
pub const TEST_PASSWORD: &str = "Campus!Test1";

/// A logged-in test user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub email: String,
    pub token: String,
    pub refresh_token: String,
}

impl TestApp {
    /// Creates a user with `role` (`admin`, `teacher`, ...) and logs them in.
    pub async fn session(&self, role: &str) -> Session {
        let role = Role::parse(role).expect("known role");
        let identity = self.state.identity();
        let n = self.next_user_number();
        let email = format!("{}{n}@school.test", role.as_str());
        let registration = Registration {
            email: Some(email.clone()),
            name: format!("Test {} {n}", role.title_case()),
            password: TEST_PASSWORD.to_owned(),
            ..Registration::default()
        };
        let user = identity
            .create_user(
                None,
                NewUserByAdmin { registration, role },
                &RequestMeta::default(),
            )
            .await
            .expect("test user created");
        self.login(&email, TEST_PASSWORD, user.id).await
    }

    /// Logs in over `/api/v1/auth/login`.
    pub async fn login(&self, login: &str, password: &str, user_id: i64) -> Session {
        let res = self
            .post_json(
                "/api/v1/auth/login",
                &json!({"login": login, "password": password}),
            )
            .await;
        assert_eq!(res.status, 200, "login failed: {}", res.text);
        let body = res.json();
        Session {
            user_id,
            email: login.to_owned(),
            token: body["access_token"].as_str().expect("access token").to_owned(),
            refresh_token: body["refresh_token"].as_str().unwrap_or_default().to_owned(),
        }
    }
}
