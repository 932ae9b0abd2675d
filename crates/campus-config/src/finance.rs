//! Finance settings.

use serde::{Deserialize, Serialize};

/// What dropping an enrollment does to its charge.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RefundRule {
    /// The charge stands (seed 002).
    None,
    /// A reversal entry cancels the charge.
    Full,
}

/// What a student's own payment does.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SelfServicePayments {
    /// It is credited to the ledger at once (seed 002).
    Received,
    /// It is a declaration that counts only once finance staff confirm it (for a school
    /// without a payment provider, where "I paid" is a claim to check).
    Pending,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FinanceSettings {
    /// ISO 4217 code recorded on every ledger entry.
    pub currency: String,
    /// Unpaid-report buckets, in major units: critical above this.
    pub critical_above: i64,
    /// Moderate from this up to `critical_above`; low below it.
    pub moderate_from: i64,
    pub refund_on_drop: RefundRule,
    /// How long a money request's `Idempotency-Key` and its stored answer are kept (a retry
    /// after that is a new request); each instance deletes older ones on its purge timer.
    pub idempotency_retention_hours: u64,
    pub self_service_payments: SelfServicePayments,
}

impl Default for FinanceSettings {
    fn default() -> Self {
        Self {
            currency: "USD".to_owned(),
            critical_above: 5000,
            moderate_from: 1000,
            refund_on_drop: RefundRule::None,
            idempotency_retention_hours: 72,
            self_service_payments: SelfServicePayments::Received,
        }
    }
}
