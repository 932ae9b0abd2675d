//! Who is asking and from where: carried from the HTTP edge into services for auditing and
//! rate limiting.

/// Facts about the request that caused an operation.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
