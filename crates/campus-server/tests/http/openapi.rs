//! The OpenAPI document is deliberate (snapshot) and the docs UI loads nothing from elsewhere.

use campus_test_support::backend_test;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

/// Fails when the spec changes without the snapshot being updated on purpose.
/// Update with `UPDATE_SNAPSHOTS=1 cargo test -p campus-server openapi`.
#[test]
fn openapi_document_matches_the_snapshot() {
    let spec = campus_server::openapi::spec()
        .to_pretty_json()
        .expect("spec serialises");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, format!("{spec}\n")).expect("snapshot written");
        return;
    }
    let expected = std::fs::read_to_string(SNAPSHOT).expect("snapshot exists");
    assert_eq!(
        spec.trim_end(),
        expected.trim_end(),
        "the OpenAPI document changed; review it and run UPDATE_SNAPSHOTS=1 cargo test -p campus-server openapi"
    );
}

#[test]
fn openapi_document_is_version_3_1() {
    let spec: serde_json::Value =
        serde_json::from_str(&campus_server::openapi::spec().to_json().expect("json")).expect("parse");
    assert!(
        spec["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        spec["openapi"]
    );
}

backend_test!(async fn openapi_json_is_served(app) {
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status, 200);
    let spec = res.json();
    assert!(spec["paths"]["/healthz"].is_object());
    assert!(spec["paths"]["/readyz"].is_object());
});

backend_test!(async fn docs_ui_is_self_contained(app) {
    let res = app.get("/api/docs/").await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.content_type().starts_with("text/html"));
    for asset in ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-initializer.js"] {
        assert!(res.text.contains(asset), "{asset} referenced");
        let asset_res = app.get(&format!("/api/docs/{asset}")).await;
        assert_eq!(asset_res.status, 200, "{asset}");
    }
    let init = app.get("/api/docs/swagger-initializer.js").await;
    assert!(init.text.contains("/api/openapi.json"), "{}", init.text);
    assert!(init.text.contains(r#""validatorUrl": "none""#), "{}", init.text);
    assert!(!res.text.contains("https://"), "no absolute URL in the page: {}", res.text);
});

#[test]
fn every_schema_name_stands_for_one_schema() {
    let collisions = campus_server::openapi::schema_name_collisions();
    assert!(
        collisions.is_empty(),
        "these schema names describe two different types (rename one, or give it #[schema(as = ...)]): {collisions:?}"
    );
}

#[test]
fn every_schema_reference_resolves() {
    let spec = serde_json::to_value(campus_server::openapi::spec()).expect("spec serialises");
    let schemas = spec["components"]["schemas"].as_object().expect("schemas");
    let mut refs = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| walk(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&spec, &mut refs);
    assert!(!refs.is_empty());
    let dangling: Vec<&String> = refs
        .iter()
        .filter(|r| {
            r.strip_prefix("#/components/schemas/")
                .is_none_or(|name| !schemas.contains_key(name))
        })
        .collect();
    assert!(dangling.is_empty(), "references to missing schemas: {dangling:?}");
}
