// Shared by the build scripts of the crates whose tests run on every backend (included with
// `include!`). A backend whose URL is not set when the tests are built marks its tests
// `#[ignore]`, so the summary reports them as ignored instead of passed; with
// CAMPUS_TEST_REQUIRE_ALL_BACKENDS set they are built to run (and fail without their URL).
fn declare_test_backends() {
    let require_all = std::env::var_os("CAMPUS_TEST_REQUIRE_ALL_BACKENDS").is_some();
    println!("cargo::rerun-if-env-changed=CAMPUS_TEST_REQUIRE_ALL_BACKENDS");
    for (var, cfg) in [
        ("CAMPUS_TEST_POSTGRES_URL", "campus_test_postgres"),
        ("CAMPUS_TEST_MYSQL_URL", "campus_test_mysql"),
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={var}");
        let set = std::env::var(var).is_ok_and(|v| !v.trim().is_empty());
        if set || require_all {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
