//! Typed request helpers: each returns a [`TestResponse`] with the status, headers and body
//! already read, so assertions stay one line.

use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde::Serialize;
use serde_json::Value;

use crate::TestApp;

/// A fully read response.
#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl TestResponse {
    /// The body as JSON; panics with the body text when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The content type without parameters.
    pub fn content_type(&self) -> &str {
        self.header("content-type")
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
    }

    /// Asserts a problem+json error with this status and code; returns the document.
    pub fn assert_problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "body: {}",
            self.text
        );
        let body = self.json();
        assert_eq!(body["code"], code, "body: {}", self.text);
        assert_eq!(body["status"], status, "body: {}", self.text);
        body
    }
}

impl TestApp {
    /// A request builder for `method path`, for cases the helpers do not cover.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// Sends a built request and reads the whole response.
    pub async fn send(&self, request: RequestBuilder) -> TestResponse {
        let response = request.send().await.expect("request reached the server");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        TestResponse {
            status,
            headers,
            text,
        }
    }

    /// Sends a body over a limit the server answers 413 without reading: on a client of its
    /// own (no pooled connection for later requests to inherit while it closes), tried again
    /// when the reset reaches the client before the answer does (eight attempts at most).
    /// `build` makes the request on the client it is given.
    pub async fn send_oversized(&self, build: impl Fn(&reqwest::Client) -> RequestBuilder) -> TestResponse {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("http client");
        let mut last = None;
        for attempt in 0..8u64 {
            if attempt > 0 {
                // On a loaded machine the reset beat the answer several times in a row (three
                // attempts were not enough once): give the server a moment between tries.
                tokio::time::sleep(std::time::Duration::from_millis(25 * attempt)).await;
            }
            match build(&client).send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    match response.text().await {
                        Ok(text) => {
                            return TestResponse {
                                status,
                                headers,
                                text,
                            };
                        }
                        Err(e) => last = Some(e),
                    }
                }
                Err(e) => last = Some(e),
            }
        }
        panic!("the oversized request never got an answer: {last:?}");
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> TestResponse {
        self.send(self.request(Method::GET, path).bearer_auth(token))
            .await
    }

    pub async fn post_json(&self, path: &str, body: &impl Serialize) -> TestResponse {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    pub async fn post_json_with_token(&self, path: &str, token: &str, body: &impl Serialize) -> TestResponse {
        self.send(self.request(Method::POST, path).bearer_auth(token).json(body))
            .await
    }

    /// POST with a raw body and content type, for malformed-input tests.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> TestResponse {
        self.send(
            self.request(Method::POST, path)
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }
}
