//! Tells the tests which database backends they can run on (see campus-test-support).

include!("../campus-test-support/backends.rs");

fn main() {
    declare_test_backends();
}
