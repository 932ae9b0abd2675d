//! Who touches whose money.

use campus_domain::finance::{CourseInput, FinanceError, IdempotencyKey, Outcome, PaymentInput};
use campus_domain::identity::{Principal, Role};
use campus_domain::school::StudentInput;
use campus_test_support::{TestServices, service_test};

fn receipt<T>(_: &T) -> (u16, String) {
    (201, "{}".to_owned())
}

/// A student record for `user` with `fee` cents owed for one course.
async fn owing(s: &TestServices, admin: &Principal, user: &Principal, fee: i64) -> i64 {
    let input = StudentInput {
        name: "Farah".to_owned(),
        user_id: Some(user.user_id),
        ..StudentInput::default()
    };
    let student = s.school.create_student(admin, input, &s.meta).await.unwrap().id;
    let course = CourseInput {
        code: format!("C{}", user.user_id),
        name: "Chemistry".to_owned(),
        credits: 3,
        fee_cents: fee,
        description: None,
    };
    let course = s.finance.create_course(admin, course, &s.meta).await.unwrap().id;
    s.finance
        .enroll(admin, student, course, None, &receipt, &s.meta)
        .await
        .unwrap();
    student
}

fn payment(cents: i64) -> PaymentInput {
    PaymentInput {
        amount_cents: cents,
        method: None,
        reference: None,
        notes: None,
        status: None,
    }
}

service_test!(async fn parents_read_their_childs_balance_and_move_no_money(s) {
    let admin = s.user(Role::Admin).await;
    let child = s.user(Role::Student).await;
    let parent = s.user(Role::Parent).await;
    let stranger = s.user(Role::Parent).await;
    let id = owing(&s, &admin, &child, 5_000).await;
    s.school.link_guardian(&admin, id, parent.user_id, None, true, &s.meta).await.unwrap();
    assert_eq!(s.finance.balance(&parent, id).await.unwrap().balance_cents, 5_000);
    assert!(matches!(s.finance.balance(&stranger, id).await, Err(FinanceError::NotFound(_))));
    let paid = s.finance.pay(&parent, id, payment(100), None, &receipt, &s.meta).await;
    assert!(matches!(paid, Err(FinanceError::Forbidden)));
    assert_eq!(s.finance.balance(&admin, id).await.unwrap().balance_cents, 5_000);
});

service_test!(async fn a_student_pays_only_their_own_dues_and_never_more(s) {
    let admin = s.user(Role::Admin).await;
    let me = s.user(Role::Student).await;
    let classmate = s.user(Role::Student).await;
    let mine = owing(&s, &admin, &me, 3_000).await;
    let theirs = owing(&s, &admin, &classmate, 3_000).await;
    let paid = s.finance.pay_own_dues(&me, payment(1_000), None, &receipt, &s.meta).await.unwrap();
    assert!(matches!(paid, Outcome::Done(_)));
    assert_eq!(s.finance.balance(&me, mine).await.unwrap().balance_cents, 2_000);
    let over = s.finance.pay_own_dues(&me, payment(2_001), None, &receipt, &s.meta).await;
    assert!(matches!(over, Err(FinanceError::Overpayment { amount_cents: 2_001, dues_cents: 2_000 })));
    let for_other = s.finance.pay(&me, theirs, payment(100), None, &receipt, &s.meta).await;
    assert!(matches!(for_other, Err(FinanceError::NotFound(_))));
    assert_eq!(s.finance.balance(&admin, theirs).await.unwrap().balance_cents, 3_000);
});

service_test!(async fn teachers_have_no_money_access_and_staff_accounts_hold_no_dues(s) {
    let admin = s.user(Role::Admin).await;
    let teacher = s.user(Role::Teacher).await;
    let office = s.user(Role::Finance).await;
    let pupil = s.user(Role::Student).await;
    let id = owing(&s, &admin, &pupil, 1_000).await;
    assert!(matches!(s.finance.balance(&teacher, id).await, Err(FinanceError::Forbidden)));
    // The office records an external payment; a payment beyond the dues becomes a credit.
    s.finance.pay(&office, id, payment(1_500), None, &receipt, &s.meta).await.unwrap();
    assert_eq!(s.finance.balance(&office, id).await.unwrap().balance_cents, -500);
    assert!(matches!(s.finance.student_of_account(&office, admin.user_id).await, Err(FinanceError::StaffAccount)));
    assert_eq!(s.finance.student_of_account(&office, pupil.user_id).await.unwrap().id, id);
    assert!(matches!(s.finance.student_of_account(&teacher, pupil.user_id).await, Err(FinanceError::Forbidden)));
    assert!(s.finance.verify().await.unwrap().is_empty(), "balances equal their ledgers");
});

service_test!(async fn idempotency_answers_are_kept_for_the_retention_and_then_purged(s) {
    let admin = s.user(Role::Admin).await;
    let office = s.user(Role::Finance).await;
    let pupil = s.user(Role::Student).await;
    let id = owing(&s, &admin, &pupil, 1_000).await;
    let key = IdempotencyKey {
        key: "pay-1".to_owned(),
        scope: "test.pay",
        request_hash: "same".to_owned(),
    };
    let first = s.finance.pay(&office, id, payment(100), Some(&key), &receipt, &s.meta).await.unwrap();
    assert!(matches!(first, Outcome::Done(_)));
    let retry = s.finance.pay(&office, id, payment(100), Some(&key), &receipt, &s.meta).await.unwrap();
    assert!(matches!(retry, Outcome::Replayed { .. }), "a retry within the retention is answered from the store");
    let now = chrono::Utc::now();
    assert_eq!(s.finance.purge_idempotency_keys(now).await.unwrap(), 0, "72 hours by default");
    assert_eq!(s.finance.purge_idempotency_keys(now + chrono::Duration::hours(73)).await.unwrap(), 1);
    let later = s.finance.pay(&office, id, payment(100), Some(&key), &receipt, &s.meta).await.unwrap();
    assert!(matches!(later, Outcome::Done(_)), "after the purge the key is a new request");
    assert_eq!(s.finance.balance(&office, id).await.unwrap().balance_cents, 800);
});

/// A finance service whose students' own payments are declarations.
fn declaring(s: &TestServices) -> campus_domain::finance::Finance {
    let settings = campus_config::FinanceSettings {
        self_service_payments: campus_config::SelfServicePayments::Pending,
        ..campus_config::FinanceSettings::default()
    };
    campus_domain::finance::Finance::new(s.db.clone(), &settings)
}

service_test!(async fn declared_payments_count_only_once_finance_staff_confirm_them(s) {
    use campus_domain::finance::Decision;
    let finance = declaring(&s);
    let admin = s.user(Role::Admin).await;
    let clerk = s.user(Role::Finance).await;
    let me = s.user(Role::Student).await;
    let mine = owing(&s, &admin, &me, 3_000).await;
    assert!(finance.declares_own_payments(&me) && !finance.declares_own_payments(&clerk));
    // A student's direct payment is refused: it must be declared.
    let direct = finance.pay_own_dues(&me, payment(1_000), None, &receipt, &s.meta).await;
    assert!(matches!(direct, Err(FinanceError::Conflict(_))), "{direct:?}");
    let Outcome::Done(first) = finance.declare_own(&me, payment(1_000), None, &receipt, &s.meta).await.unwrap() else {
        panic!("not replayed");
    };
    assert_eq!(first.status, "PENDING");
    assert_eq!(finance.balance(&me, mine).await.unwrap().balance_cents, 3_000, "pending does not reduce the dues");
    let over = finance.declare_own(&me, payment(3_001), None, &receipt, &s.meta).await;
    assert!(matches!(over, Err(FinanceError::Overpayment { .. })));
    // Only finance staff decide.
    assert!(matches!(finance.decide(&me, first.id, Decision::Confirm, &s.meta).await, Err(FinanceError::Forbidden)));
    let confirmed = finance.decide(&clerk, first.id, Decision::Confirm, &s.meta).await.unwrap();
    assert_eq!(confirmed.status, "CONFIRMED");
    assert!(confirmed.ledger_entry_id.is_some());
    assert_eq!(finance.balance(&me, mine).await.unwrap().balance_cents, 2_000);
    // Decided once: a retried confirm never pays twice.
    let again = finance.decide(&clerk, first.id, Decision::Confirm, &s.meta).await;
    assert!(matches!(again, Err(FinanceError::Conflict(_))), "{again:?}");
    assert_eq!(finance.balance(&me, mine).await.unwrap().balance_cents, 2_000);
    // A rejected declaration leaves the dues and says why.
    let Outcome::Done(second) = finance.declare_own(&me, payment(500), None, &receipt, &s.meta).await.unwrap() else {
        panic!("not replayed");
    };
    let reason = Decision::Reject { note: "No transfer with that reference".to_owned() };
    let rejected = finance.decide(&clerk, second.id, reason, &s.meta).await.unwrap();
    assert_eq!(rejected.status, "REJECTED");
    assert_eq!(finance.balance(&me, mine).await.unwrap().balance_cents, 2_000);
    // Staff list them all; the student lists their own; a classmate sees none of them.
    let first_page = campus_domain::pagination::PageRequest { limit: 50, after_id: None };
    let all = finance.declarations(&clerk, None, None, first_page).await.unwrap();
    assert_eq!(all.items.len(), 2);
    let pending = finance.declarations(&clerk, None, Some("pending"), first_page).await.unwrap();
    assert!(pending.items.is_empty());
    assert_eq!(finance.declarations(&me, Some(mine), None, first_page).await.unwrap().items.len(), 2);
    let classmate = s.user(Role::Student).await;
    assert!(finance.declarations(&classmate, Some(mine), None, first_page).await.is_err());
    assert!(matches!(finance.declarations(&me, None, None, first_page).await, Err(FinanceError::Forbidden)));
    // The running balances still match the ledger.
    assert!(finance.verify().await.unwrap().is_empty());
});
